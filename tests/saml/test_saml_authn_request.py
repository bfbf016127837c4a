"""AuthnRequest: build, sign, parse and verify, in both request bindings."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from lxml import etree

from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.authn_request import AuthnRequest, parse_authn_request
from ehkit.saml.bindings import redirect_url, verify_redirect_query
from ehkit.xml.ns import SAML, SAMLP, q
from ehkit.xml.trust import TrustSet
from support import network as n

NOW = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


def request(**kw) -> AuthnRequest:
    base = {
        "id": "_" + "a1" * 20,
        "issue_instant": NOW,
        "destination": n.SSO_URL,
        "issuer": n.DV_ENTITY,
        "attribute_consuming_service_index": 2,
        "requested_loa": LevelOfAssurance.EH3,
        "assertion_consumer_service_url": n.ACS_URL,
        "provider_name": "Gemeente Test",
        "idp_list": ("urn:etoegang:EB:00000001234567890000:entities:1",),
        "consent": c.CONSENT_UNSPECIFIED,
    }
    base.update(kw)
    return AuthnRequest(**base)


def trust(net) -> TrustSet:
    return TrustSet.from_certificates([net.dv.certificate])


def test_signed_round_trip(net):
    original = request()
    xml = original.to_signed_xml(net.dv.private_key, net.dv.key_name)
    parsed = parse_authn_request(xml, trust(net))
    assert parsed.request == original
    assert parsed.signature.key_name == net.dv.key_name
    el = etree.fromstring(xml)
    # Signature right after Issuer; KeyInfo carries only a KeyName (afsprakenstelsel).
    assert [etree.QName(k).localname for k in el][:3] == ["Issuer", "Signature", "RequestedAuthnContext"]
    assert el.find(".//{http://www.w3.org/2000/09/xmldsig#}X509Data") is None
    assert el.find(q(SAMLP, "RequestedAuthnContext")).get("Comparison") == "minimum"


def test_unsigned_request_refused_when_a_signature_is_required(net):
    with pytest.raises(LoginRejected) as info:
        parse_authn_request(request().to_xml(), trust(net))
    assert info.value.reason == "signature_missing"


def test_tampered_request_refused(net):
    xml = (
        request()
        .to_signed_xml(net.dv.private_key, net.dv.key_name)
        .replace(b'AttributeConsumingServiceIndex="2"', b'AttributeConsumingServiceIndex="3"')
    )
    with pytest.raises(LoginRejected) as info:
        parse_authn_request(xml, trust(net))
    assert info.value.reason == "signature_digest"


def test_signed_by_another_key(net):
    xml = request().to_signed_xml(net.attacker.private_key, net.attacker.key_name)
    with pytest.raises(LoginRejected) as info:
        parse_authn_request(xml, trust(net))
    assert info.value.reason == "signature_untrusted"


def test_redirect_binding_round_trip(net):
    original = request(requested_loa=None, idp_list=())
    url = redirect_url(n.SSO_URL + "?x=1", original.to_xml(), relay_state="0abc", private_key=net.dv.private_key)
    assert url.startswith(n.SSO_URL + "?x=1&SAMLRequest=")
    message = verify_redirect_query(urlsplit(url).query.split("&", 1)[1], trust(net))
    assert message.relay_state == "0abc"
    assert parse_authn_request(message.xml, None, require_signature=False).request == original


def test_redirect_relay_state_tampering_breaks_the_query_signature(net):
    url = redirect_url(n.SSO_URL, request().to_xml(), relay_state="0abc", private_key=net.dv.private_key)
    with pytest.raises(LoginRejected) as info:
        verify_redirect_query(urlsplit(url).query.replace("RelayState=0abc", "RelayState=0abd"), trust(net))
    assert info.value.reason == "signature_untrusted"


@pytest.mark.parametrize(
    "mutate,reason",
    [
        (lambda el: el.set("Version", "1.1"), "request_version"),
        (lambda el: el.set("ForceAuthn", "yes"), "request_malformed"),
        (lambda el: el.set("AttributeConsumingServiceIndex", "-1"), "request_malformed"),
        (
            lambda el: el.find(q(SAMLP, "RequestedAuthnContext")).set("Comparison", "better"),
            "request_unsupported_comparison",
        ),
        (
            lambda el: el.find(f"{q(SAMLP, 'RequestedAuthnContext')}/{q(SAML, 'AuthnContextClassRef')}").__setattr__(
                "text", "urn:etoegang:core:assurance-class:loa1"
            ),
            "loa_eh1_refused",
        ),
        (lambda el: el.remove(el.find(q(SAML, "Issuer"))), "request_malformed"),
    ],
)
def test_malformed_requests(mutate, reason):
    el = request().to_element()
    mutate(el)
    with pytest.raises(LoginRejected) as info:
        parse_authn_request(etree.tostring(el), None, require_signature=False)
    assert info.value.reason == reason
