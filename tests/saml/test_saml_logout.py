"""LogoutRequest and LogoutResponse as messages: build, sign, both bindings, and the form checks."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from lxml import etree

from ehkit.saml import constants as c
from ehkit.saml.bindings import b64encode, deflate
from ehkit.saml.ids import new_id
from ehkit.saml.logout import (
    MAX_SESSION_INDEXES,
    REASON_USER,
    LogoutRejected,
    LogoutRequest,
    LogoutResponse,
    check_logout,
    decode_logout,
    logout_redirect_url,
    peek_id,
    replay_key,
    to_signed_xml,
    verify_logout,
)
from ehkit.saml.response import NameID, Status
from ehkit.xml.ns import SAML, SAMLP, q
from ehkit.xml.signature import sign_element
from ehkit.xml.trust import TrustSet
from support import network as n

DEST = "https://dv.ehkit.test/eherkenning/slo/"


def request(t0, **kw) -> LogoutRequest:
    values = {
        "id": new_id(),
        "issue_instant": t0,
        "destination": DEST,
        "issuer": n.HM_ENTITY,
        "name_id": NameID("t-1", c.NAMEID_TRANSIENT, "urn:etoegang:AD:q", None),
        "session_indexes": ("s-1", "s-2"),
    }
    values.update(kw)
    return LogoutRequest(**values)


def trust(net) -> TrustSet:
    return TrustSet.from_certificates([net.hm.certificate])


def post_verify(net, xml: bytes, kind="request"):
    return verify_logout(xml, kind, binding="post", trust=trust(net), expected_issuer=n.HM_ENTITY)


def test_request_round_trip_post(net, t0):
    message = request(t0, not_on_or_after=t0 + timedelta(minutes=5))
    verified = post_verify(net, to_signed_xml(message, net.hm.private_key, net.hm.key_name))
    assert verified.id == message.id and verified.issuer == n.HM_ENTITY
    assert verified.name_id == message.name_id
    assert verified.session_indexes == ("s-1", "s-2")
    assert verified.reason == REASON_USER
    assert verified.not_on_or_after == t0 + timedelta(minutes=5)
    assert verified.issue_instant == t0 and verified.destination == DEST
    assert replay_key(verified) == f"logout-request:{n.HM_ENTITY}:{message.id}"


def test_response_round_trip_redirect_with_status(net, t0):
    status = Status(c.STATUS_RESPONDER, "urn:oasis:names:tc:SAML:2.0:status:PartialLogout", "no AD session")
    message = LogoutResponse(new_id(), t0, DEST, n.HM_ENTITY, "_req", status)
    query = urlsplit(logout_redirect_url(message, net.hm.private_key, relay_state="r s")).query
    xml, relay, verified_query = decode_logout("response", binding="redirect", trust=trust(net), query_string=query)
    assert relay == "r s" and verified_query
    verified = verify_logout(
        xml, "response", binding="redirect", trust=trust(net), expected_issuer=n.HM_ENTITY, query_verified=True
    )
    assert verified.in_response_to == "_req" and verified.status == status


def test_signature_sits_after_the_issuer(net, t0):
    root = etree.fromstring(to_signed_xml(request(t0), net.hm.private_key, net.hm.key_name))
    assert [etree.QName(k).localname for k in root][:3] == ["Issuer", "Signature", "NameID"]


def test_redirect_xml_alone_is_not_authentic(net, t0):
    """Bytes from a Redirect query count as signed only when the query signature verified."""
    xml = etree.tostring(request(t0).to_element())
    with pytest.raises(LogoutRejected) as info:
        verify_logout(xml, "request", binding="redirect", trust=trust(net), expected_issuer=n.HM_ENTITY)
    assert info.value.reason == "signature_missing"


def test_an_enveloped_signature_on_a_redirect_message_is_verified_too(net, t0):
    el = request(t0).to_element()
    sign_element(el, net.attacker.private_key, key_name=net.attacker.key_name)
    with pytest.raises(LogoutRejected) as info:
        verify_logout(
            etree.tostring(el),
            "request",
            binding="redirect",
            trust=trust(net),
            expected_issuer=n.HM_ENTITY,
            query_verified=True,
        )
    assert info.value.reason.startswith("signature_")


def _signed(net, el) -> bytes:
    sign_element(el, net.hm.private_key, key_name=net.hm.key_name)
    return etree.tostring(el)


def test_encrypted_id_instead_of_name_id_is_refused(net, t0):
    el = request(t0, name_id=None).to_element()
    nid = el.find(q(SAML, "NameID"))
    el.replace(nid, etree.Element(q(SAML, "EncryptedID")))
    with pytest.raises(LogoutRejected) as info:
        post_verify(net, _signed(net, el))
    assert info.value.reason == "logout_malformed"


def test_too_many_session_indexes_are_refused(net, t0):
    message = request(t0, session_indexes=tuple(f"s{i}" for i in range(MAX_SESSION_INDEXES + 1)))
    with pytest.raises(LogoutRejected) as info:
        post_verify(net, to_signed_xml(message, net.hm.private_key, net.hm.key_name))
    assert info.value.reason == "logout_malformed"


def test_missing_id_and_bad_instant_are_malformed(net, t0):
    el = request(t0).to_element()
    el.set("IssueInstant", "gisteren")
    with pytest.raises(LogoutRejected) as info:
        post_verify(net, _signed(net, el))
    assert info.value.reason == "logout_malformed"


def test_issuer_with_a_format_qualifier_is_refused(net, t0):
    el = request(t0).to_element()
    el.find(q(SAML, "Issuer")).set("NameQualifier", "x")
    with pytest.raises(LogoutRejected) as info:
        post_verify(net, _signed(net, el))
    assert info.value.reason == "issuer_malformed"


def test_post_value_must_be_plain_base64_xml(net):
    deflated = b64encode(deflate(b"<samlp:LogoutResponse/>"))
    with pytest.raises(LogoutRejected) as info:
        decode_logout("response", binding="post", trust=trust(net), form_value=deflated)
    assert info.value.reason == "message_not_xml"
    with pytest.raises(LogoutRejected) as info:
        decode_logout("response", binding="post", trust=trust(net), form_value="@@@")
    assert info.value.reason == "message_base64"


def test_check_logout_window_and_destination(net, t0):
    verified = post_verify(net, to_signed_xml(request(t0), net.hm.private_key, net.hm.key_name))
    skew, age = timedelta(minutes=2), timedelta(minutes=5)
    check_logout(verified, expected_destinations=(DEST,), now=t0 + timedelta(minutes=6), clock_skew=skew, max_age=age)
    for now, dests, reason in (
        (t0, ("https://elders/slo",), "logout_destination_mismatch"),
        (t0 + timedelta(minutes=8), (DEST,), "logout_issue_instant_invalid"),
        (t0 - timedelta(minutes=3), (DEST,), "logout_issue_instant_invalid"),
    ):
        with pytest.raises(LogoutRejected) as info:
            check_logout(verified, expected_destinations=dests, now=now, clock_skew=skew, max_age=age)
        assert info.value.reason == reason


def test_peek_id_of_a_message_and_of_garbage(t0):
    message = request(t0)
    assert peek_id(etree.tostring(message.to_element())) == message.id
    assert peek_id(b"not xml") is None
    assert peek_id(base64.b64encode(b"x")) is None


def test_a_request_without_login_name_id_still_carries_a_schema_valid_name_id(t0):
    el = request(t0, name_id=None, session_indexes=()).to_element()
    nid = el.find(q(SAML, "NameID"))
    assert nid is not None and nid.get("Format") == c.NAMEID_TRANSIENT
    assert el.find(q(SAMLP, "SessionIndex")) is None
