"""Certificates from documents anyone may have written: metadata, catalogues, KeyInfo.

``cryptography`` parses a certificate's outer structure when it is loaded and
the rest (subject, public key, extensions) when it is first read, and raises
several kinds of exception on damaged input (``ValueError``,
``UnsupportedAlgorithm``, ``InvalidVersion``, ``DuplicateExtension``, ...).
Code that reads a certificate from a document therefore loads it here: the
parts ehkit reads are all read once, at load, and every failure is one
:class:`CertificateError` with a message that says what is wrong. A rule or a
trust check never meets a half-readable certificate.
"""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from ehkit.errors import ValidationError

__all__ = ["PARSE_ERRORS", "CertificateError", "certificate_from_base64", "check_usable", "usable_certificate"]

#: What ``cryptography`` raises on a damaged certificate, at load or on first read.
PARSE_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    UnsupportedAlgorithm,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


class CertificateError(ValidationError):
    """A certificate in a document cannot be read or used."""

    reason = "certificate_malformed"


def usable_certificate(der: bytes) -> x509.Certificate:
    """The certificate in ``der``, with every part ehkit reads already read once."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except PARSE_ERRORS as exc:
        raise CertificateError(f"the certificate cannot be read: {_short(exc)}") from None
    return check_usable(cert)


def check_usable(cert: x509.Certificate) -> x509.Certificate:
    """Read every part of ``cert`` ehkit reads (subject, issuer, key, validity, extensions)
    once, so damage shows here as a :class:`CertificateError` and not later elsewhere."""
    try:
        cert.subject.rfc4514_string()
        cert.issuer.rfc4514_string()
        cert.public_key()
        _ = (cert.not_valid_before_utc, cert.not_valid_after_utc, cert.serial_number)
        for _extension in cert.extensions:
            pass
    except PARSE_ERRORS as exc:
        raise CertificateError(f"the certificate cannot be read: {_short(exc)}") from None
    return cert


def certificate_from_base64(text: str | None, *, what: str = "X509Certificate") -> x509.Certificate:
    """The certificate in the base64 text of an element such as ds:X509Certificate
    (whitespace and line breaks allowed, nothing else)."""
    cleaned = "".join((text or "").split())
    if not cleaned:
        raise CertificateError(f"the {what} is empty")
    try:
        der = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise CertificateError(f"the {what} is not base64") from None
    return usable_certificate(der)


def _short(exc: Exception) -> str:
    """The first line of the library's message, shortened: enough to say what is wrong."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
