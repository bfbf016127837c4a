"""DER edits that make ``cryptography`` raise its various untyped errors, lazily or at load:
an unknown public-key algorithm (UnsupportedAlgorithm), a subject attribute with a
tag no string type has (ValueError, on first read), a version that is no version
(InvalidVersion)."""

from __future__ import annotations

RSA_OID = bytes.fromhex("06092a864886f70d010101")
CN_OID = bytes.fromhex("0603550403")


def unknown_key_algorithm(der: bytes) -> bytes:
    assert RSA_OID in der
    return der.replace(RSA_OID, RSA_OID[:-1] + b"\x63", 1)


def damaged_subject(der: bytes) -> bytes:
    """The value of the subject's CN gets a tag no string type has."""
    at = der.rindex(CN_OID) + len(CN_OID)  # the last CN: the subject follows the issuer
    return der[:at] + b"\x37" + der[at + 1 :]


def bad_version(der: bytes) -> bytes:
    marker = bytes.fromhex("a003020102")  # [0] EXPLICIT INTEGER 2 (v3)
    assert marker in der
    return der.replace(marker, bytes.fromhex("a003020146"), 1)


DAMAGE = {
    "unknown-key-algorithm": unknown_key_algorithm,
    "damaged-subject": damaged_subject,
    "bad-version": bad_version,
}
