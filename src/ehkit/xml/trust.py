"""Trust sets: the only source of verification keys.

A document may name its key (KeyName) or carry a certificate, but that is at
most a hint for choosing among keys we already trust. A certificate embedded in
a message is never used to verify it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ehkit.errors import ConfigError

MIN_RSA_BITS = 2048
# "If several certificates are in metadata, the recipient tries each valid one"; a bound keeps
# an attacker from making us try hundreds.
MAX_KEYS_TRIED = 8


def certificate_key_names(cert: x509.Certificate) -> frozenset[str]:
    der = cert.public_bytes(serialization.Encoding.DER)
    return frozenset({hashlib.sha256(der).hexdigest(), hashlib.sha1(der).hexdigest()})  # noqa: S324 - a name, not security


def _subject(cert: x509.Certificate) -> str:
    try:
        return cert.subject.rfc4514_string()
    except ValueError:  # parsed only now; a damaged subject must not hide the real message
        return "<a subject that cannot be read>"


@dataclass(frozen=True)
class TrustedKey:
    public_key: rsa.RSAPublicKey
    key_names: frozenset[str] = frozenset()
    certificate: x509.Certificate | None = None
    label: str = ""

    @property
    def not_after(self) -> datetime | None:
        return self.certificate.not_valid_after_utc if self.certificate is not None else None

    @property
    def not_before(self) -> datetime | None:
        return self.certificate.not_valid_before_utc if self.certificate is not None else None


@dataclass(frozen=True)
class TrustSet:
    """Keys trusted for one signer (the HM, or one AD/MR): never a network-wide pool."""

    keys: tuple[TrustedKey, ...] = field(default_factory=tuple)

    @classmethod
    def from_certificates(cls, certs: Iterable[x509.Certificate], *, label: str = "") -> TrustSet:
        keys = []
        for cert in certs:
            subject = _subject(cert)
            try:
                public = cert.public_key()
            except (ValueError, UnsupportedAlgorithm):
                raise ConfigError(
                    f"trusted certificate {subject} has a public key that cannot be read", reason="key_unsupported"
                ) from None
            if not isinstance(public, rsa.RSAPublicKey):
                raise ConfigError(f"trusted certificate {subject} is not RSA", reason="key_unsupported")
            if public.key_size < MIN_RSA_BITS:
                raise ConfigError(
                    f"trusted certificate {subject} has a {public.key_size}-bit key; "
                    f"at least {MIN_RSA_BITS} bits are required",
                    reason="key_too_small",
                )
            keys.append(TrustedKey(public, certificate_key_names(cert), cert, label or subject))
        return cls(tuple(keys))

    @classmethod
    def from_public_keys(cls, pairs: Iterable[tuple[rsa.RSAPublicKey, Iterable[str]]]) -> TrustSet:
        return cls(tuple(TrustedKey(k, frozenset(n.lower() for n in names)) for k, names in pairs))

    def __bool__(self) -> bool:
        return bool(self.keys)

    def __add__(self, other: TrustSet) -> TrustSet:
        return TrustSet(self.keys + other.keys)

    def valid_at(self, when: datetime | None) -> TrustSet:
        """Only keys whose certificate is valid at ``when`` (keys without a certificate are kept)."""
        if when is None:
            return self
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return TrustSet(
            tuple(
                k
                for k in self.keys
                if k.certificate is None or (k.not_before <= when <= k.not_after)  # type: ignore[operator]
            )
        )

    def candidates(self, key_name: str | None) -> list[TrustedKey]:
        """Keys to try. A KeyName that names a trusted key selects that key only;
        an unknown or absent name allows every trusted key (at most
        MAX_KEYS_TRIED), since brokers use SHA-256, SHA-1 or other KeyName forms."""
        if key_name:
            name = key_name.strip().lower()
            named = [k for k in self.keys if name in k.key_names]
            if named:
                return named
        return list(self.keys[:MAX_KEYS_TRIED])
