"""``ehkit inspect``: every input form people paste, verification and decryption."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from typer.testing import CliRunner

from ehkit.cli.main import app
from ehkit.inspect import analyse, decode_input
from ehkit.inspect.decode import InspectInputError
from ehkit.saml.artifact import Artifact
from ehkit.xml import EncryptionRecipient, encrypt_element, sign_element
from ehkit.xml.ns import SAML, q
from ehkit.xml.trust import certificate_key_names

runner = CliRunner()
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
    return {"dir": d, "xml": xml, "hm_key": hm_key}


def test_decode_forms(material):
    xml = material["xml"]
    b64 = base64.b64encode(xml).decode()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = base64.b64encode(c.compress(xml) + c.flush()).decode()
    assert decode_input(xml).xml == xml
    assert decode_input(b64.encode()).xml == xml
    assert decode_input(b"\n" + b64.encode() + b"\n").encoding == ["base64"]
    d = decode_input(deflated.encode())
    assert d.xml == xml and d.encoding == ["base64", "deflate"]
    url = f"https://hm.example/sso?SAMLRequest={quote(deflated, safe='')}&RelayState=abc"
    d = decode_input(url.encode())
    assert d.xml == xml and d.relay_state == "abc" and d.parameter == "SAMLRequest"
    form = f"SAMLResponse={quote(b64, safe='')}&RelayState=x%2Fy"
    d = decode_input(form.encode())
    assert d.xml == xml and d.relay_state == "x/y"
    art = Artifact.new(HM).encode()
    d = decode_input(f"https://dv.example/acs?SAMLart={quote(art, safe='')}".encode())
    assert d.artifact == art and d.xml is None


@pytest.mark.parametrize(
    "junk", [b"", b"hello world!", b"https://x.example/?foo=bar", base64.b64encode(b"\x01\x02 not xml")]
)
def test_decode_rejects_junk(junk):
    with pytest.raises(InspectInputError):
        decode_input(junk)


def test_artifact_report_checks_source_id():
    art = Artifact.new(HM).encode()
    assert analyse(None, artifact=art, expected_issuer=HM).ok
    rep = analyse(None, artifact=art, expected_issuer=HM.replace("9713", "9714"))
    assert not rep.ok and "SourceID" in rep.problems[0]


def test_cli_verifies_and_decrypts(material):
    d = material["dir"]
    result = runner.invoke(
        app,
        [
            "inspect",
            str(d / "response.xml"),
            "--cert",
            str(d / "hm.crt"),
            "--key",
            str(d / "dv.key"),
            "--key-cert",
            str(d / "dv.crt"),
            "--entity-id",
            DV,
            "--json",
            "--no-xml",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["message_type"] == "Response"
    assert [s["status"] for s in data["signatures"]] == ["valid", "valid"]
    ident = next(i for i in data["identifiers"] if i["encrypted"])
    assert ident["decrypted"] and ident["value"] == "12345678"
    assert ident["qualifier"] == "urn:etoegang:1.9:EntityConcernedID:KvKnr"


def test_cli_fails_on_tampering(material, tmp_path):
    tampered = material["xml"].replace(
        b'IssueInstant="2026-01-01T00:00:00Z" InResponseTo', b'IssueInstant="2026-01-01T00:00:01Z" InResponseTo'
    )
    assert tampered != material["xml"]
    f = tmp_path / "t.xml"
    f.write_bytes(tampered)
    result = runner.invoke(app, ["inspect", str(f), "--cert", str(material["dir"] / "hm.crt"), "--json", "--no-xml"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["signatures"][0]["status"] == "invalid"
    assert data["signatures"][0]["reason"] == "signature_digest"
    assert data["signatures"][1]["status"] == "valid"


def test_cli_wrong_key_cannot_decrypt_but_is_not_addressed(material, tmp_path):
    other = rsa.generate_private_key(65537, 2048)
    kf = tmp_path / "o.key"
    kf.write_bytes(
        other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    result = runner.invoke(
        app,
        ["inspect", str(material["dir"] / "response.xml"), "--key", str(kf), "--entity-id", DV, "--json", "--no-xml"],
    )
    data = json.loads(result.output)
    ident = next(i for i in data["identifiers"] if i["encrypted"])
    assert not ident["decrypted"]
    assert result.exit_code == 1  # addressed to DV, but this key cannot open it


def test_cli_reads_stdin_base64(material):
    result = runner.invoke(
        app, ["inspect", "-", "--json", "--no-xml"], input=base64.b64encode(material["xml"]).decode()
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["encoding"] == ["base64"]


def test_cli_bad_input_exit_2(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("definitely not SAML")
    result = runner.invoke(app, ["inspect", str(f)])
    assert result.exit_code == 2
    assert "not XML" in result.output


def test_cli_missing_file():
    result = runner.invoke(app, ["inspect", "/nonexistent/file.xml"])
    assert result.exit_code == 2


def test_real_messages(reference_dir: Path):
    md = reference_dir / "hm-onewelcome-preprod-1.13.xml"
    result = runner.invoke(app, ["inspect", str(md), "--metadata", str(md), "--json", "--no-xml"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["signatures"][0]["status"] == "valid"
    result = runner.invoke(
        app, ["inspect", str(reference_dir / "artifactresponse-2023-decrypted.xml"), "--json", "--no-xml"]
    )
    data = json.loads(result.output)
    assert data["message_type"] == "ArtifactResponse"
    assert len(data["signatures"]) == 5
    names = {a["name"] for a in data["attributes"] if not a["in_advice"]}
    assert "urn:etoegang:core:ServiceUUID" in names
    advice = {a["name"] for a in data["attributes"] if a["in_advice"]}
    assert "urn:etoegang:core:LevelOfAssuranceUsed" in advice
    loa = next(a for a in data["summary"]["assertions"] if not a["in_advice"])["LoA"]
    assert loa == "urn:etoegang:core:assurance-class:loa3"


@pytest.mark.parametrize(
    "fragment",
    [
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>',
        b'<saml:AttributeValue xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:NameID>x</saml:NameID>'
        b"</saml:AttributeValue>",
        b'<saml:AttributeValue xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:EncryptedID/>'
        b"</saml:AttributeValue>",
        b'<samlp:RequestedAuthnContext xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>',
    ],
)
def test_fragments_pasted_on_their_own_are_reported_not_crashed(fragment):
    rep = analyse(fragment)
    assert rep.message_type == etree.QName(etree.fromstring(fragment)).localname
    if b"Signature" in fragment:
        (check,) = rep.signatures
        assert (check.element, check.status, check.reason) == ("/", "invalid", "signature_position")
    if b"NameID>" in fragment:
        assert rep.identifiers == []  # a NameID outside an Attribute is no identifier attribute
    if b"EncryptedID" in fragment:
        (ident,) = rep.identifiers
        assert ident.encrypted and ident.attribute == "/AttributeValue/EncryptedID"
