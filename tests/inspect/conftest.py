"""The inspect tests share one signed, encrypted Response and the keys around it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from ehkit.xml import EncryptionRecipient, encrypt_element, sign_element
from ehkit.xml.ns import SAML, q
from ehkit.xml.trust import certificate_key_names

HM = "urn:etoegang:HM:00000003244440010000:entities:9713"
DV = "urn:etoegang:DV:00000001234567890000:entities:1"


def _cert(key: rsa.RSAPrivateKey, cn: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    d = tmp_path_factory.mktemp("inspect")
    hm_key = rsa.generate_private_key(65537, 2048)
    dv_key = rsa.generate_private_key(65537, 2048)
    other_key = rsa.generate_private_key(65537, 2048)
    hm_cert, dv_cert = _cert(hm_key, "hm"), _cert(dv_key, "dv")
    for name, obj in (("hm.crt", hm_cert), ("dv.crt", dv_cert)):
        (d / name).write_bytes(obj.public_bytes(serialization.Encoding.PEM))
    (d / "dv.key").write_bytes(
        dv_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    dv_name = sorted(certificate_key_names(dv_cert))[0]
    resp = etree.fromstring(
        f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="{SAML}" ID="_r" Version="2.0" '
        f'IssueInstant="2026-01-01T00:00:00Z" InResponseTo="_q"><saml:Issuer>{HM}</saml:Issuer>'
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        '<saml:Assertion ID="_a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">'
        f"<saml:Issuer>{HM}</saml:Issuer><saml:AttributeStatement>"
        '<saml:Attribute Name="urn:etoegang:core:LegalSubjectID"><saml:AttributeValue/></saml:Attribute>'
        "</saml:AttributeStatement></saml:Assertion></samlp:Response>".encode()
    )
    nameid = etree.fromstring(
        f'<saml:NameID xmlns:saml="{SAML}" NameQualifier="urn:etoegang:1.9:EntityConcernedID:KvKnr">12345678</saml:NameID>'.encode()
    )
    value = resp.find(f".//{q(SAML, 'AttributeValue')}")
    enc = etree.SubElement(value, q(SAML, "EncryptedID"))
    recipients = [
        EncryptionRecipient(other_key.public_key(), "urn:etoegang:MR:00000001234567890000:entities:1", "other"),
        EncryptionRecipient(dv_key.public_key(), DV, dv_name),
    ]
    for part in encrypt_element(nameid, recipients):
        enc.append(part)
    assertion = resp.find(q(SAML, "Assertion"))
    sign_element(assertion, hm_key, key_name="hmkey")
    sign_element(resp, hm_key, key_name="hmkey")
    xml = etree.tostring(resp)
    (d / "response.xml").write_bytes(xml)
    return {"dir": d, "xml": xml, "hm_key": hm_key, "hm_cert": hm_cert}
