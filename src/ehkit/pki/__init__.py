"""Keys and certificates for eHerkenning: loading, KeyNames, chains and a local test CA.

eHerkenning identifies every party by a PKIoverheid certificate (RSA, at least
2048 bits, OIN in the subject serialNumber) and names keys by a hash of the
certificate. This package keeps those rules in one place.
"""

from __future__ import annotations

from ehkit.pki.chain import verify_chain
from ehkit.pki.keynames import key_name_sha1, key_name_sha256, key_names
from ehkit.pki.keypair import KeyPair
from ehkit.pki.loading import (
    MIN_RSA_BITS,
    certificates_pem,
    check_key_strength,
    load_certificate,
    load_certificates,
    load_private_key,
)
from ehkit.pki.subject import certificate_oin, describe_name, require_oin
from ehkit.pki.testca import CA_FILES, ROLES, TestCA

__all__ = [
    "CA_FILES",
    "MIN_RSA_BITS",
    "ROLES",
    "KeyPair",
    "TestCA",
    "certificate_oin",
    "certificates_pem",
    "check_key_strength",
    "describe_name",
    "key_name_sha1",
    "key_name_sha256",
    "key_names",
    "load_certificate",
    "load_certificates",
    "load_private_key",
    "require_oin",
    "verify_chain",
]
