"""KeyName values: how eHerkenning parties point at a certificate.

Metadata and encrypted messages name keys in ``ds:KeyName`` rather than by
embedding the certificate. Brokers publish the lowercase hex SHA-256 of the
DER certificate (verified against real HM metadata); SHA-1 of the DER
certificate is seen in messages from AD/MR parties. Recipients compare the
KeyName as a string, so the exact form matters: lowercase hex, no colons.
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

__all__ = ["key_name_sha1", "key_name_sha256", "key_names"]


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def key_name_sha256(cert: x509.Certificate) -> str:
    """The KeyName brokers publish: lowercase hex SHA-256 over the DER certificate."""
    return hashlib.sha256(_der(cert)).hexdigest()


def key_name_sha1(cert: x509.Certificate) -> str:
    """The 40-hex KeyName some AD/MR parties use: lowercase hex SHA-1 over the DER certificate.

    SHA-1 is used here only as a name, never as a security check.
    """
    return hashlib.sha1(_der(cert), usedforsecurity=False).hexdigest()


def key_names(cert: x509.Certificate) -> frozenset[str]:
    """Every KeyName under which a party may refer to ``cert``."""
    return frozenset({key_name_sha256(cert), key_name_sha1(cert)})
