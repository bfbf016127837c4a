"""A private key with its certificate and chain, kept together so they cannot drift apart.

Signing, decryption and TLS client authentication all need the key and the
certificate that names it; a mismatch (a renewed certificate next to the old
key) otherwise shows up only as a broker rejecting signatures. A ``KeyPair``
checks the match when it is made, so holding one means the pair is usable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ehkit.domain.identifiers import Oin
from ehkit.errors import ConfigError
from ehkit.pki.keynames import key_name_sha1, key_name_sha256, key_names
from ehkit.pki.loading import certificates_pem, check_key_strength, load_certificates, load_private_key
from ehkit.pki.subject import certificate_oin, describe_name

__all__ = ["KeyPair"]


@dataclass(frozen=True, eq=False)
class KeyPair:
    """An RSA private key, its certificate and the intermediate certificates above it.

    ``chain`` holds intermediates only, leaf-side first; the root is what the
    other side trusts and is not sent.
    """

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.certificate, x509.Certificate):
            raise TypeError(f"certificate must be an x509.Certificate, got {type(self.certificate).__name__}")
        object.__setattr__(self, "chain", tuple(self.chain))
        if not all(isinstance(c, x509.Certificate) for c in self.chain):
            raise TypeError("chain must hold x509.Certificate objects")
        check_key_strength(self.private_key, source="the private key")
        _require_match(self.private_key, self.certificate, "the private key", "the certificate")

    @classmethod
    def load(
        cls,
        key_path: str | os.PathLike[str],
        cert_path: str | os.PathLike[str],
        chain_path: str | os.PathLike[str] | None = None,
        *,
        password: bytes | None = None,
    ) -> KeyPair:
        """Load a key, its certificate and optionally a chain file, and check that key and certificate match.

        When ``cert_path`` is a full-chain file (leaf first, then
        intermediates) and no ``chain_path`` is given, the rest of that file
        becomes the chain.
        """
        key = load_private_key(key_path, password)
        certs = load_certificates(cert_path)
        chain = load_certificates(chain_path) if chain_path is not None else certs[1:]
        leaf = certs[0]
        _require_match(key, leaf, f"private key file {str(key_path)!r}", f"certificate file {str(cert_path)!r}")
        return cls(key, leaf, tuple(chain))

    @property
    def key_name(self) -> str:
        """The SHA-256 KeyName brokers publish for this certificate."""
        return key_name_sha256(self.certificate)

    @property
    def key_name_sha1(self) -> str:
        return key_name_sha1(self.certificate)

    @property
    def key_names(self) -> frozenset[str]:
        return key_names(self.certificate)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.certificate.public_key()  # type: ignore[return-value]  # checked in __post_init__

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    @property
    def oin(self) -> Oin | None:
        return certificate_oin(self.certificate)

    def private_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with the best available algorithm when a password is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def chain_pem(self) -> bytes:
        """The intermediates as one PEM bundle (empty bytes when there are none)."""
        return certificates_pem(self.chain)

    def __repr__(self) -> str:
        return (
            f"KeyPair(subject={describe_name(self.certificate.subject)!r}, key_name={self.key_name!r}, "
            f"not_after={self.not_after.isoformat()!r}, chain={len(self.chain)})"
        )


def _require_match(key: rsa.RSAPrivateKey, cert: x509.Certificate, key_label: str, cert_label: str) -> None:
    cert_key = cert.public_key()
    if not isinstance(cert_key, rsa.RSAPublicKey) or cert_key.public_numbers() != key.public_key().public_numbers():
        raise ConfigError(
            f"{key_label} does not belong to {cert_label} ({describe_name(cert.subject)!r}); "
            "use the key the certificate was issued for, or the certificate issued for this key",
            reason="key_mismatch",
        )
