"""KeyNames and the OIN: checked against an independent hash and against real broker metadata."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from ehkit.errors import ConfigError
from ehkit.pki import (
    KeyPair,
    TestCA,
    certificate_oin,
    key_name_sha1,
    key_name_sha256,
    key_names,
    load_certificate,
    require_oin,
)

DV_OIN = "00000001234567890000"  # the OIN the session CA's dv_pair was issued for (conftest)
NS = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}
# The KeyName published in the OneWelcome pre-production HM metadata.
ONEWELCOME_KEYNAME = "e6e04e0a22bbc8a036a8a243abc9655e92907f73a4ba5a2ad28485ec3f4c82d1"
ONEWELCOME_OIN = "00000003520354760000"


def test_key_names_match_independent_hashes(dv_pair: KeyPair) -> None:
    der = dv_pair.certificate.public_bytes(Encoding.DER)
    assert key_name_sha256(dv_pair.certificate) == hashlib.sha256(der).hexdigest()
    assert key_name_sha1(dv_pair.certificate) == hashlib.sha1(der).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", key_name_sha256(dv_pair.certificate))
    assert re.fullmatch(r"[0-9a-f]{40}", key_name_sha1(dv_pair.certificate))
    assert key_names(dv_pair.certificate) == frozenset({hashlib.sha256(der).hexdigest(), hashlib.sha1(der).hexdigest()})


def test_key_names_differ_per_certificate(test_ca: TestCA, dv_pair: KeyPair) -> None:
    other = test_ca.issue(DV_OIN, "DV")
    assert key_names(other.certificate).isdisjoint(key_names(dv_pair.certificate))


@pytest.fixture(scope="module")
def onewelcome_metadata(reference_dir: Path) -> etree._ElementTree:
    return etree.parse(str(reference_dir / "hm-onewelcome-preprod-1.13.xml"))


def _key_infos(tree: etree._ElementTree) -> list[tuple[list[str], bytes]]:
    """(KeyNames, DER certificate) of every KeyInfo in a KeyDescriptor that carries a certificate."""
    found = []
    for key_info in tree.iterfind(".//md:KeyDescriptor/ds:KeyInfo", NS):
        names = [n.text.strip() for n in key_info.iterfind("ds:KeyName", NS)]
        cert = key_info.find("ds:X509Data/ds:X509Certificate", NS)
        if cert is not None:
            found.append((names, base64.b64decode("".join(cert.text.split()))))
    return found


def test_known_vector_onewelcome_metadata(onewelcome_metadata: etree._ElementTree) -> None:
    """The broker's KeyName is our SHA-256 KeyName of the certificate next to it, not the SHA-1 one."""
    key_infos = _key_infos(onewelcome_metadata)
    assert key_infos, "the reference metadata should hold KeyDescriptors with certificates"
    all_names = {n.text.strip() for n in onewelcome_metadata.iterfind(".//ds:KeyName", NS)}
    for names, der in key_infos:
        cert = load_certificate(der)
        assert key_name_sha256(cert) in names
        assert key_name_sha256(cert) == ONEWELCOME_KEYNAME
        assert key_name_sha1(cert) not in all_names
        assert ONEWELCOME_KEYNAME in key_names(cert)


def test_oin_of_real_broker_certificate(onewelcome_metadata: etree._ElementTree) -> None:
    _, der = _key_infos(onewelcome_metadata)[0]
    assert certificate_oin(load_certificate(der)) == ONEWELCOME_OIN


def test_oin_read_back_from_leaf(dv_pair: KeyPair) -> None:
    assert certificate_oin(dv_pair.certificate) == DV_OIN
    assert dv_pair.oin == DV_OIN


def test_no_oin_in_ca_certificates(test_ca: TestCA) -> None:
    assert certificate_oin(test_ca.root) is None
    assert certificate_oin(test_ca.intermediate) is None


def _self_signed_with_serial(values: list[str], key) -> x509.Certificate:
    from datetime import datetime, timedelta

    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name(
        [x509.NameAttribute(NameOID.SERIAL_NUMBER, v) for v in values] + [x509.NameAttribute(NameOID.COMMON_NAME, "x")]
    )
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


@pytest.mark.parametrize(
    "values,expected",
    [
        (["12345"], None),
        ([], None),
        ([DV_OIN, ONEWELCOME_OIN], None),
        (["not-an-oin", DV_OIN], DV_OIN),
    ],
)
def test_certificate_oin_edge_cases(dv_pair: KeyPair, values: list[str], expected: str | None) -> None:
    cert = _self_signed_with_serial(values, dv_pair.private_key)
    assert certificate_oin(cert) == expected


def test_require_oin(dv_pair: KeyPair, test_ca: TestCA) -> None:
    require_oin(dv_pair.certificate, DV_OIN)
    with pytest.raises(ConfigError) as info:
        require_oin(dv_pair.certificate, ONEWELCOME_OIN)
    assert info.value.reason == "certificate_oin_mismatch"
    assert ONEWELCOME_OIN in info.value.message and DV_OIN in info.value.message
    with pytest.raises(ConfigError) as info:
        require_oin(test_ca.root, DV_OIN)
    assert info.value.reason == "certificate_oin_mismatch"
