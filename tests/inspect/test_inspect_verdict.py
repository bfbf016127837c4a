"""``ehkit inspect`` never says OK when nothing was verified (issue 19.4).

Exit codes: 0 verified (or decoded, with --decode-only), 1 a check failed,
2 unusable input or option, 3 nothing failed but nothing was verified.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from ehkit.cli.main import app
from ehkit.inspect import EXIT_FAILED, EXIT_INPUT, EXIT_NOT_VERIFIED, EXIT_OK, analyse
from ehkit.saml.artifact import Artifact
from ehkit.saml.bindings import redirect_url

HM = "urn:etoegang:HM:00000003244440010000:entities:9713"

runner = CliRunner()


def inspect(*args: str, stdin: str | None = None):
    return runner.invoke(app, ["inspect", *args], input=stdin, env={"COLUMNS": "100"})


def test_signed_message_without_keys_is_not_verified(material):
    result = inspect(str(material["dir"] / "response.xml"), "--no-xml")
    assert result.exit_code == EXIT_NOT_VERIFIED == 3
    assert "NOT VERIFIED" in result.output and "no signature was checked" in result.output
    assert "OK" not in result.output.replace("NOT VERIFIED", "")
    assert "verified:" not in result.output


def test_json_says_not_verified_too(material):
    result = inspect(str(material["dir"] / "response.xml"), "--no-xml", "--json")
    assert result.exit_code == EXIT_NOT_VERIFIED
    data = json.loads(result.output)
    assert data["ok"] is False
    assert data["verdict"] == "not-verified" and data["exit_code"] == 3
    assert {s["status"] for s in data["signatures"]} == {"not-checked"}


def test_decode_only_exits_0_and_says_nothing_was_checked(material):
    result = inspect(str(material["dir"] / "response.xml"), "--no-xml", "--decode-only")
    assert result.exit_code == EXIT_OK
    assert "decoded only" in result.output and "no signature was checked" in result.output
    data = json.loads(inspect(str(material["dir"] / "response.xml"), "--json", "--decode-only").output)
    assert data["verdict"] == "decoded" and data["ok"] is True


def test_with_the_signers_certificate_it_is_verified(material):
    result = inspect(str(material["dir"] / "response.xml"), "--no-xml", "--cert", str(material["dir"] / "hm.crt"))
    assert result.exit_code == EXIT_OK
    assert "verified: 2 signature(s) hold" in result.output


def test_with_the_wrong_certificate_nothing_is_verified(material, tmp_path):
    result = inspect(str(material["dir"] / "response.xml"), "--no-xml", "--cert", str(material["dir"] / "dv.crt"))
    assert result.exit_code == EXIT_NOT_VERIFIED
    assert "no signature verifies with the keys you gave" in result.output
    strict = inspect(
        str(material["dir"] / "response.xml"), "--no-xml", "--strict", "--cert", str(material["dir"] / "dv.crt")
    )
    assert strict.exit_code == EXIT_FAILED


def test_a_tampered_message_fails_even_with_decode_only(material, tmp_path):
    tampered = material["xml"].replace(b"2026-01-01T00:00:00Z", b"2026-01-01T00:00:01Z", 1)
    f = tmp_path / "t.xml"
    f.write_bytes(tampered)
    cert = str(material["dir"] / "hm.crt")
    assert inspect(str(f), "--no-xml", "--cert", cert).exit_code == EXIT_FAILED
    assert inspect(str(f), "--no-xml", "--cert", cert, "--decode-only").exit_code == EXIT_FAILED


def test_an_unsigned_message_is_not_verified(tmp_path):
    f = tmp_path / "u.xml"
    f.write_bytes(b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0"/>')
    result = inspect(str(f), "--no-xml")
    assert result.exit_code == EXIT_NOT_VERIFIED and "not signed" in result.output
    assert inspect(str(f), "--no-xml", "--decode-only").exit_code == EXIT_OK


def test_artifact_needs_the_broker_to_be_verified():
    art = Artifact.new(HM).encode()
    assert inspect("-", stdin=art).exit_code == EXIT_NOT_VERIFIED
    assert inspect("-", "--broker", HM, stdin=art).exit_code == EXIT_OK
    assert inspect("-", "--broker", HM.replace("9713", "9714"), stdin=art).exit_code == EXIT_FAILED


def test_redirect_binding_query_signature_is_checked(material):
    """HTTP-Redirect signs the query string: inspect checks that signature, or says it did not."""
    request = (
        b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_q" Version="2.0" '
        b'IssueInstant="2026-01-01T00:00:00Z"/>'
    )
    url = redirect_url("https://hm.example/sso", request, relay_state="r 1", private_key=material["hm_key"])
    cert = str(material["dir"] / "hm.crt")
    result = inspect("-", "--no-xml", stdin=url)
    assert result.exit_code == EXIT_NOT_VERIFIED and "HTTP-Redirect" in result.output
    assert inspect("-", "--no-xml", "--cert", cert, stdin=url).exit_code == EXIT_OK
    query = urlsplit(url).query
    forged = url.replace(query, query.replace("RelayState=r%201", "RelayState=r%202"))
    result = inspect("-", "--no-xml", "--json", "--cert", cert, stdin=forged)
    assert result.exit_code == EXIT_NOT_VERIFIED  # the signature no longer matches the trusted key
    (check,) = json.loads(result.output)["signatures"]
    assert check["status"] == "unknown-key" and check["reason"] == "signature_untrusted"


def test_help_documents_the_exit_codes():
    result = runner.invoke(app, ["inspect", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for fragment in (
        "Exit codes",
        "0 verified",
        "1 a check failed",
        "2 the input",
        "3 nothing failed",
        "--decode-only",
    ):
        assert fragment in text, fragment


def test_bad_options_exit_2(material, tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    result = inspect(str(material["dir"] / "response.xml"), "--cert", str(junk))
    assert result.exit_code == EXIT_INPUT
    result = inspect(str(material["dir"] / "response.xml"), "--metadata", str(junk))
    assert result.exit_code == EXIT_INPUT and "--metadata" in result.output
    assert inspect(str(tmp_path)).exit_code == EXIT_INPUT  # a directory


@pytest.mark.parametrize(
    "xml",
    [
        b'<a xml:id="1 2"/>',
        b'<a xml:id=""/>',
        b"<saml:EncryptedID xmlns:saml='urn:oasis:names:tc:SAML:2.0:assertion'/>",
    ],
    ids=["xml-id-not-ncname", "xml-id-empty", "encrypted-id-as-root"],
)
def test_inputs_that_escaped_as_lxml_or_attribute_errors_are_reported(xml):
    """Found by mutating real messages: a second, differently configured parse for the
    pretty print raised XMLSyntaxError; an EncryptedID without an Attribute raised
    AttributeError. Both now end in a report."""
    report = analyse(xml)
    assert report.message_type in ("a", "EncryptedID")
    assert report.pretty_xml and report.pretty_xml.startswith("<")
    assert report.verdict().exit_code == EXIT_NOT_VERIFIED
