"""Reading keys and certificates from whatever a developer has at hand.

People get keys and certificates from their CA, a colleague or ``openssl`` in
PEM or DER, with or without a password, sometimes with the certificate and key
in one file. The loaders accept all of that, and they refuse what eHerkenning
refuses (PKIoverheid: RSA of at least 2048 bits) at load time, with a message
that names the file and the fix, rather than at the first login.

Messages never contain key material, and not the text of the underlying
parse error for keys either: it is not needed and might one day echo input.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from ehkit.errors import ConfigError

__all__ = [
    "MIN_RSA_BITS",
    "Source",
    "certificates_pem",
    "check_key_strength",
    "load_certificate",
    "load_certificates",
    "load_private_key",
]

#: PKIoverheid and the afsprakenstelsel: RSA keys of at least 2048 bits.
MIN_RSA_BITS = 2048

Source = bytes | str | os.PathLike[str]

# A key or certificate file is a few KB; a bundle a few dozen. A limit stops a
# wrong path (a log file, a disk image) from being read into memory whole.
_MAX_FILE_BYTES = 1024 * 1024

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.DOTALL)


def _read(data_or_path: Source, what: str, reason: str) -> tuple[bytes, str]:
    """Return the raw bytes and a label for messages (the path, or 'the given data')."""
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        return bytes(data_or_path), f"the given {what} data"
    if isinstance(data_or_path, str) and "-----BEGIN " in data_or_path:
        return data_or_path.encode("ascii", "replace"), f"the given {what} text"
    if not isinstance(data_or_path, (str, os.PathLike)):
        raise TypeError(f"expected bytes, str or a path for the {what}, got {type(data_or_path).__name__}")
    path = Path(data_or_path).expanduser()
    label = f"{what} file {str(path)!r}"
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{label} does not exist; check the path in your configuration", reason=reason) from None
    except IsADirectoryError:
        raise ConfigError(f"{label} is a directory; give the path of the file itself", reason=reason) from None
    except PermissionError:
        raise ConfigError(
            f"{label} cannot be read (permission denied); let the user running ehkit read it", reason=reason
        ) from None
    except OSError as exc:
        raise ConfigError(f"{label} cannot be read ({exc.strerror or type(exc).__name__})", reason=reason) from None
    if len(raw) > _MAX_FILE_BYTES:
        raise ConfigError(f"{label} is larger than 1 MiB, so it is not a {what}; check the path", reason=reason)
    return raw, label


def _pem_blocks(raw: bytes) -> list[tuple[str, bytes]]:
    return [(m.group(1).decode("ascii"), m.group(0)) for m in _PEM_BLOCK.finditer(raw)]


def _key_kind(key: object) -> str:
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return f"EC ({key.curve.name})"
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "Ed25519"
    if isinstance(key, (ed448.Ed448PrivateKey, ed448.Ed448PublicKey)):
        return "Ed448"
    if isinstance(key, (dsa.DSAPrivateKey, dsa.DSAPublicKey)):
        return "DSA"
    return type(key).__name__


def check_key_strength(key: object, *, source: str) -> None:
    """Refuse keys eHerkenning refuses: anything but RSA, and RSA below 2048 bits.

    Accepts a private or a public key, so a certificate's key can be checked
    with the same words as a key file.
    """
    if not isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        raise ConfigError(
            f"{source} holds an {_key_kind(key)} key; eHerkenning (PKIoverheid) requires RSA keys of at least "
            f"{MIN_RSA_BITS} bits. Use an RSA key: `ehkit keys generate` makes one for testing, "
            "production keys come with a PKIoverheid certificate",
            reason="key_not_rsa",
        )
    if key.key_size < MIN_RSA_BITS:
        raise ConfigError(
            f"{source} holds a {key.key_size}-bit RSA key; eHerkenning (PKIoverheid) requires at least "
            f"{MIN_RSA_BITS} bits. Generate a new key of {MIN_RSA_BITS} bits or more and get a certificate for it",
            reason="key_too_small",
        )


def load_private_key(data_or_path: Source, password: bytes | None = None) -> rsa.RSAPrivateKey:
    """Load an RSA private key (PEM or DER, PKCS#1 or PKCS#8, optionally encrypted).

    A ``str`` holding ``-----BEGIN`` is PEM text; any other ``str`` is a path.
    A PEM file may also hold certificates (a combined key+certificate file);
    exactly one private key must be in it. A password given for an unencrypted
    key is ignored: the key is readable, and refusing would only get in the way.
    """
    raw, label = _read(data_or_path, "private key", "key_unreadable")
    if isinstance(password, str):
        password = password.encode("utf-8")

    if b"-----BEGIN" in raw:
        blocks = _pem_blocks(raw)
        keys = [pem for tag, pem in blocks if tag.endswith("PRIVATE KEY")]
        if not keys:
            found = ", ".join(sorted({tag for tag, _ in blocks})) or "no complete PEM block"
            hint = "; did you swap the key and certificate paths?" if "CERTIFICATE" in found else ""
            raise ConfigError(f"{label} holds no private key (found: {found}){hint}", reason="key_unreadable")
        if len(keys) > 1:
            raise ConfigError(
                f"{label} holds {len(keys)} private keys; put the one key you mean in its own file",
                reason="key_unreadable",
            )
        blob, loader = keys[0], serialization.load_pem_private_key
    else:
        blob, loader = raw, serialization.load_der_private_key

    key = _load_key_blob(blob, loader, password, label)
    check_key_strength(key, source=label)
    return cast(rsa.RSAPrivateKey, key)  # check_key_strength refused every other kind


# serialization.load_pem_private_key or load_der_private_key
_KeyLoader = Callable[..., PrivateKeyTypes]


def _load_key_blob(blob: bytes, loader: _KeyLoader, password: bytes | None, label: str) -> PrivateKeyTypes:
    try:
        return loader(blob, password=password)
    except TypeError:
        if password is None:
            raise ConfigError(
                f"{label} is encrypted but no password was given; set the key password in your configuration",
                reason="key_password_required",
            ) from None
        # A password was given for a key that is not encrypted.
        try:
            return loader(blob, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            pass
    except UnsupportedAlgorithm:
        raise ConfigError(
            f"{label} uses a key type or encryption this system cannot read; convert it to an unencrypted "
            "or AES-encrypted PKCS#8 RSA key (openssl pkcs8 -topk8)",
            reason="key_unreadable",
        ) from None
    except ValueError:
        if password is not None and _is_encrypted(blob, loader):
            raise ConfigError(
                f"{label} could not be decrypted with the given password; check the key password",
                reason="key_password_wrong",
            ) from None
    raise ConfigError(
        f"{label} is not a readable private key (neither a PEM nor a DER PKCS#1/PKCS#8 key); "
        "check that the path points at the key and not at something else",
        reason="key_unreadable",
    )


def _is_encrypted(blob: bytes, loader: _KeyLoader) -> bool:
    # Loading without a password tells an encrypted key (TypeError) from garbage (ValueError).
    try:
        loader(blob, password=None)
    except TypeError:
        return True
    except Exception:  # noqa: BLE001 - anything else means "not an encrypted key we recognise"
        return False
    return False


def load_certificates(data_or_path: Source) -> list[x509.Certificate]:
    """Load every certificate in a PEM bundle, or the one certificate in a DER file.

    The order of the file is kept: by convention the leaf comes first, then the
    intermediates. Other PEM blocks (a private key in a combined file) are skipped.
    """
    raw, label = _read(data_or_path, "certificate", "certificate_unreadable")
    if b"-----BEGIN" in raw:
        blocks = [pem for tag, pem in _pem_blocks(raw) if tag in ("CERTIFICATE", "X509 CERTIFICATE")]
        if not blocks:
            found = ", ".join(sorted({tag for tag, _ in _pem_blocks(raw)})) or "no complete PEM block"
            hint = "; did you swap the key and certificate paths?" if "PRIVATE KEY" in found else ""
            raise ConfigError(f"{label} holds no certificate (found: {found}){hint}", reason="certificate_unreadable")
        certs = []
        for index, pem in enumerate(blocks, start=1):
            try:
                certs.append(x509.load_pem_x509_certificate(pem))
            except ValueError as exc:
                raise ConfigError(
                    f"{label}: PEM certificate number {index} is damaged ({exc}); get a fresh copy from the issuer",
                    reason="certificate_unreadable",
                ) from None
        return certs
    try:
        return [x509.load_der_x509_certificate(raw)]
    except ValueError:
        raise ConfigError(
            f"{label} is not a certificate (neither PEM nor DER X.509); check that the path points at the "
            "certificate and not at the key or something else",
            reason="certificate_unreadable",
        ) from None


def load_certificate(data_or_path: Source) -> x509.Certificate:
    """Load one certificate; from a bundle, the first (the leaf, by convention)."""
    return load_certificates(data_or_path)[0]


def certificates_pem(certs: Iterable[x509.Certificate]) -> bytes:
    """PEM bundle of ``certs`` in the given order."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
