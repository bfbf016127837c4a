"""Certificates from documents: every kind of damage is one CertificateError at load time.

``cryptography`` reads the subject, the public key and the extensions lazily
and raises UnsupportedAlgorithm, ValueError or InvalidVersion on damage; these
DER edits produce each of them, and ehkit must turn every one into a typed
error (at load) or a plain "no OIN" (certificate_oin on an unreadable subject).
"""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding

from ehkit.errors import EhkitError
from ehkit.pki import KeyPair, certificate_oin, load_certificates
from ehkit.pki.subject import describe_subject
from ehkit.pki.untrusted import CertificateError, certificate_from_base64, usable_certificate
from support.damaged_certificates import DAMAGE, damaged_subject


def _der(pair: KeyPair) -> bytes:
    return pair.certificate.public_bytes(Encoding.DER)


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_cryptography_raises_untyped_errors_on_these(dv_pair: KeyPair, name: str) -> None:
    """The premise: without ehkit's loader these are not EhkitErrors (lazily or at once)."""
    der = DAMAGE[name](_der(dv_pair))

    def read() -> None:
        cert = x509.load_der_x509_certificate(der)
        cert.public_key()
        cert.subject.rfc4514_string()

    with pytest.raises((ValueError, UnsupportedAlgorithm, x509.InvalidVersion)) as info:
        read()
    assert not isinstance(info.value, EhkitError)


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_usable_certificate_turns_each_into_a_certificate_error(dv_pair: KeyPair, name: str) -> None:
    der = DAMAGE[name](_der(dv_pair))
    with pytest.raises(CertificateError) as info:
        usable_certificate(der)
    assert info.value.reason == "certificate_malformed"
    assert "cannot be read" in info.value.message
    with pytest.raises(CertificateError):
        certificate_from_base64(base64.b64encode(der).decode())


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_certificate_files_with_that_damage_are_config_errors(dv_pair: KeyPair, name: str, tmp_path) -> None:
    der = DAMAGE[name](_der(dv_pair))
    pem = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    for data in (der, pem):
        with pytest.raises(EhkitError) as info:
            load_certificates(data)
        assert info.value.reason == "certificate_unreadable"


def test_base64_forms(dv_pair: KeyPair) -> None:
    b64 = base64.b64encode(_der(dv_pair)).decode()
    wrapped = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    assert certificate_from_base64(f"\n  {wrapped}\n") == dv_pair.certificate
    for text, fragment in ((None, "empty"), ("  ", "empty"), ("*not*base64*", "not base64")):
        with pytest.raises(CertificateError) as info:
            certificate_from_base64(text)
        assert fragment in info.value.message


def test_certificate_oin_of_an_unreadable_subject_is_none(dv_pair: KeyPair) -> None:
    """certificate_oin raised ValueError from the lazily parsed subject before."""
    cert = x509.load_der_x509_certificate(damaged_subject(_der(dv_pair)))
    assert certificate_oin(cert) is None
    assert describe_subject(cert) == "<a subject that cannot be read>"
