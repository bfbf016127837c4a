"""A local CA shaped like PKIoverheid Private Services, for tests and pre-production dry runs.

Real eHerkenning certificates come from a PKIoverheid TSP and take days to get.
Development, the broker simulator and the tests need the same shape (root,
intermediate, leaf with the OIN in serialNumber) in milliseconds, so the code
that checks real certificates is exercised by these. Nothing this CA issues is
trusted by any real broker.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ehkit.domain.identifiers import Oin
from ehkit.errors import ConfigError, ValidationError
from ehkit.pki.chain import verify_chain
from ehkit.pki.keypair import KeyPair
from ehkit.pki.loading import MIN_RSA_BITS, load_certificate, load_private_key
from ehkit.util.files import atomic_write

__all__ = ["CA_FILES", "ROLES", "TestCA"]

#: The roles of the eHerkenning network (same set as in EntityIDs).
ROLES: tuple[str, ...] = ("DV", "HM", "AD", "MR", "EB")

#: File names used by :meth:`TestCA.save` and :meth:`TestCA.load`.
CA_FILES = {
    "root_cert": "ca-root.pem",
    "root_key": "ca-root.key",
    "intermediate_cert": "ca-intermediate.pem",
    "intermediate_key": "ca-intermediate.key",
}

# Backdated so that certificates issued "in the past" (for expiry tests) still
# sit inside their CA's validity.
_CA_BACKDATE = timedelta(days=3 * 365)
_ROOT_LIFETIME = timedelta(days=25 * 365)
_INTERMEDIATE_LIFETIME = timedelta(days=20 * 365)
# Leaves start a little in the past so a peer whose clock lags accepts them at once.
_LEAF_BACKDATE = timedelta(minutes=5)

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)


def _looks_like_host(name: str) -> bool:
    labels = name.rstrip(".").split(".")
    return (
        len(name) <= 253
        and len(labels) >= 2
        and all(_HOST_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )


def _new_key(key_size: int) -> rsa.RSAPrivateKey:
    if not isinstance(key_size, int) or key_size < MIN_RSA_BITS:
        raise ValidationError(
            f"key_size must be at least {MIN_RSA_BITS} bits (PKIoverheid), got {key_size!r}", reason="key_too_small"
        )
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _text_attr(what: str, value: object, reason: str) -> str:
    # X.509 upper bound for CN and O is 64 characters.
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise ValidationError(f"{what} must be 1 to 64 characters of text, got {value!r}", reason=reason)
    return value


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _ski(key: rsa.RSAPrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _aki(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True, eq=False)
class TestCA:
    """Root and intermediate (with keys) of a throw-away PKIoverheid look-alike."""

    __test__ = False  # not a pytest test class, despite the name

    root_key: rsa.RSAPrivateKey = field(repr=False)
    root: x509.Certificate
    intermediate_key: rsa.RSAPrivateKey = field(repr=False)
    intermediate: x509.Certificate

    @classmethod
    def create(cls, name: str = "ehkit Test PKIoverheid", key_size: int = 2048) -> TestCA:
        """Make a new root ("<name> Root CA - Private Services G1") and intermediate ("<name> Private Services CA - G1")."""
        _text_attr("CA name", name, "ca_name_invalid")
        root_cn = _text_attr("CA name", f"{name} Root CA - Private Services G1", "ca_name_invalid")
        inter_cn = _text_attr("CA name", f"{name} Private Services CA - G1", "ca_name_invalid")
        now = datetime.now(UTC)
        start = now - _CA_BACKDATE

        root_key = _new_key(key_size)
        root_name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                x509.NameAttribute(NameOID.COMMON_NAME, root_cn),
            ]
        )
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + _ROOT_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(_ski(root_key), critical=False)
            .sign(root_key, hashes.SHA256())
        )

        inter_key = _new_key(key_size)
        inter = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                        x509.NameAttribute(NameOID.COMMON_NAME, inter_cn),
                    ]
                )
            )
            .issuer_name(root.subject)
            .public_key(inter_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + _INTERMEDIATE_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(_ski(inter_key), critical=False)
            .add_extension(_aki(root), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        return cls(root_key=root_key, root=root, intermediate_key=inter_key, intermediate=inter)

    @property
    def name(self) -> str:
        """The organisation name the CA was created with."""
        attrs = self.root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        return str(attrs[0].value) if attrs else ""

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """The intermediates a leaf of this CA is sent with."""
        return (self.intermediate,)

    @property
    def roots(self) -> tuple[x509.Certificate, ...]:
        """What a relying party configures as trusted for this CA."""
        return (self.root,)

    def issue(
        self,
        oin: str,
        role: str,
        *,
        common_name: str | None = None,
        organisation: str = "ehkit Test Organisatie",
        days: int = 365,
        key_size: int = 2048,
        not_before: datetime | None = None,
    ) -> KeyPair:
        """Issue a PKIoverheid-style leaf for ``role`` with ``oin`` in the subject serialNumber.

        The leaf serves signing, encryption and TLS client/server alike, as the
        afsprakenstelsel lets one certificate do. Without ``common_name`` the
        CN is a host name under ``.test`` so it also gets a DNS SAN.
        """
        oin = Oin(oin)
        if role not in ROLES:
            raise ValidationError(f"role must be one of {', '.join(ROLES)}, got {role!r}", reason="role_invalid")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValidationError(f"days must be a whole number of at least 1, got {days!r}", reason="days_invalid")
        cn = _text_attr(
            "common_name",
            common_name if common_name is not None else f"{role.lower()}-{oin}.ehkit.test",
            "common_name_invalid",
        )
        org = _text_attr("organisation", organisation, "organisation_invalid")
        start = _utc(not_before) if not_before is not None else datetime.now(UTC) - _LEAF_BACKDATE
        key = _new_key(key_size)

        builder = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.SERIAL_NUMBER, str(oin)),
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                        x509.NameAttribute(NameOID.COMMON_NAME, cn),
                    ]
                )
            )
            .issuer_name(self.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=True,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(_ski(key), critical=False)
            .add_extension(_aki(self.intermediate), critical=False)
        )
        if _looks_like_host(cn):
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(cn.rstrip("."))]), critical=False)
        cert = builder.sign(self.intermediate_key, hashes.SHA256())
        return KeyPair(private_key=key, certificate=cert, chain=self.chain)

    def verify(self, cert: x509.Certificate, at: datetime | None = None) -> None:
        """Raise ConfigError unless ``cert`` was issued by this CA and is valid at ``at`` (default: now)."""
        verify_chain(cert, self.chain, self.roots, at or datetime.now(UTC))

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write the four CA files into ``directory`` (created 0700 if missing); keys are 0600."""
        path = Path(directory)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = serialization.Encoding.PEM
        plain = serialization.NoEncryption()
        pkcs8 = serialization.PrivateFormat.PKCS8
        atomic_write(path / CA_FILES["root_key"], self.root_key.private_bytes(pem, pkcs8, plain), mode=0o600)
        atomic_write(
            path / CA_FILES["intermediate_key"], self.intermediate_key.private_bytes(pem, pkcs8, plain), mode=0o600
        )
        atomic_write(path / CA_FILES["root_cert"], self.root.public_bytes(pem))
        atomic_write(path / CA_FILES["intermediate_cert"], self.intermediate.public_bytes(pem))

    @classmethod
    def exists(cls, directory: str | os.PathLike[str]) -> bool:
        """True when all four CA files are present in ``directory``."""
        return all((Path(directory) / name).is_file() for name in CA_FILES.values())

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> TestCA:
        """Read a CA written by :meth:`save`, checking that its keys and certificates belong together."""
        path = Path(directory)
        missing = [name for name in CA_FILES.values() if not (path / name).is_file()]
        if missing:
            raise ConfigError(
                f"test CA directory {str(path)!r} lacks {', '.join(missing)}; point at a directory written by "
                "`ehkit keys generate` (or TestCA.save), or at an empty one to create a new CA",
                reason="ca_incomplete",
            )
        root = load_certificate(path / CA_FILES["root_cert"])
        inter = load_certificate(path / CA_FILES["intermediate_cert"])
        root_key = load_private_key(path / CA_FILES["root_key"])
        inter_key = load_private_key(path / CA_FILES["intermediate_key"])
        for key, cert, key_file, cert_file in (
            (root_key, root, CA_FILES["root_key"], CA_FILES["root_cert"]),
            (inter_key, inter, CA_FILES["intermediate_key"], CA_FILES["intermediate_cert"]),
        ):
            if cert.public_key().public_numbers() != key.public_key().public_numbers():  # type: ignore[union-attr]
                raise ConfigError(
                    f"in test CA directory {str(path)!r}, {key_file} does not belong to {cert_file}; "
                    "the directory was edited by hand or mixed from two CAs. Remove it to create a new CA",
                    reason="key_mismatch",
                )
        try:
            inter.verify_directly_issued_by(root)
        except Exception:  # noqa: BLE001
            raise ConfigError(
                f"in test CA directory {str(path)!r}, {CA_FILES['intermediate_cert']} was not issued by "
                f"{CA_FILES['root_cert']}; remove the directory to create a new CA",
                reason="certificate_untrusted",
            ) from None
        return cls(root_key=root_key, root=root, intermediate_key=inter_key, intermediate=inter)
