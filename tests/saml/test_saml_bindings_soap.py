"""HTTP bindings (strict base64, deflate only for Redirect, POST form) and SOAP envelopes."""

from __future__ import annotations

import base64
import zlib

import pytest
from lxml import etree

from ehkit.errors import LoginRejected
from ehkit.saml import bindings, soap
from ehkit.xml.trust import TrustSet


@pytest.mark.parametrize(
    "value,reason",
    [
        ("", "message_empty"),
        ("a-b_", "message_base64"),
        ("YWJj\x00ZA==", "message_base64"),
        ("YWJjZA", "message_base64"),
        ("A" * 20, "message_too_large"),
    ],
)
def test_strict_base64(value, reason):
    with pytest.raises(LoginRejected) as info:
        bindings.b64decode_strict(value, max_chars=16)
    assert info.value.reason == reason


def test_base64_allows_line_breaks():
    assert bindings.b64decode_strict("YWJj\r\nZA==") == b"abcd"


def test_inflate_caps_output():
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = bomb.compress(b"\0" * (2 * 1024 * 1024)) + bomb.flush()
    with pytest.raises(LoginRejected) as info:
        bindings.inflate(data)
    assert info.value.reason == "message_too_large"


def test_redirect_round_trip_and_post_refuses_deflate():
    xml = b"<x>hello</x>"
    encoded = base64.b64encode(bindings.deflate(xml)).decode()
    assert bindings.decode_redirect(encoded) == xml
    with pytest.raises(LoginRejected) as info:
        bindings.decode_post(encoded)
    assert info.value.reason == "message_not_xml"
    assert bindings.decode_post(base64.b64encode(xml).decode()) == xml


def test_post_form_escapes_values():
    html = bindings.post_form('https://x/"a', {"SAMLRequest": '"><script>', "RelayState": "r"})
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html
    assert 'action="https://x/&quot;a"' in html
    assert "no-store" in html


def test_redirect_query_rules(net):
    trust = TrustSet.from_certificates([net.dv.certificate])
    url = bindings.redirect_url("https://hm/sso", b"<x/>", relay_state="r", private_key=net.dv.private_key)
    query = url.split("?", 1)[1]
    assert bindings.verify_redirect_query(query, trust).xml == b"<x/>"
    with pytest.raises(LoginRejected) as info:
        bindings.verify_redirect_query(query + "&RelayState=again", trust)
    assert info.value.reason == "redirect_duplicate_parameter"
    with pytest.raises(LoginRejected) as info:
        bindings.verify_redirect_query(query.split("&Signature=")[0], trust)
    assert info.value.reason == "signature_missing"
    sha1 = (
        bindings.redirect_url("https://hm/sso", b"<x/>", private_key=net.dv.private_key)
        .replace("rsa-sha256", "rsa-sha1")
        .split("?", 1)[1]
    )
    with pytest.raises(LoginRejected) as info:
        bindings.verify_redirect_query(sha1, trust)
    assert info.value.reason == "signature_algorithm"


def test_soap_round_trip():
    payload = etree.fromstring(b'<p:A xmlns:p="urn:x" ID="_1"/>')
    body, doc = soap.unwrap(soap.wrap(payload))
    assert body.tag == "{urn:x}A" and doc.ids["_1"] is body


@pytest.mark.parametrize(
    "xml,reason",
    [
        (b"<x/>", "soap_malformed"),
        (
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/><s:Body/></s:Envelope>',
            "soap_malformed",
        ),
        (
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><a/><b/></s:Body></s:Envelope>',
            "soap_malformed",
        ),
        (
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Other/><s:Body><a/></s:Body></s:Envelope>',
            "soap_malformed",
        ),
        (
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultstring>no</faultstring></s:Fault></s:Body></s:Envelope>',
            "soap_fault",
        ),
    ],
)
def test_soap_rules(xml, reason):
    with pytest.raises(LoginRejected) as info:
        soap.unwrap(xml)
    assert info.value.reason == reason


def test_soap_header_is_allowed_and_ignored():
    xml = b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h/></s:Header><s:Body><a/></s:Body></s:Envelope>'
    assert soap.unwrap(xml)[0].tag == "a"
