"""Single logout at the SP: start_logout, finish_logout and broker-initiated LogoutRequests.

Every check of an incoming logout message is exercised with its reason code:
signature (absent, by a key outside the broker metadata, over a changed
query), Issuer, Destination, InResponseTo, IssueInstant window, replay,
RelayState, status, message type.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from lxml import etree

from ehkit.domain.identifiers import KvKNumber
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.saml import constants as c
from ehkit.saml.bindings import b64encode, verify_redirect_query
from ehkit.saml.ids import new_id
from ehkit.saml.logout import (
    LogoutRejected,
    LogoutRequest,
    LogoutResponse,
    logout_redirect_url,
    to_signed_xml,
    to_xml,
    verify_logout,
)
from ehkit.saml.metadata import Endpoint
from ehkit.saml.response import NameID, Status
from ehkit.sp.result import Identifier, LoginResult
from ehkit.xml.trust import TrustSet
from support import network as n

HM_SLO = "https://hm.ehkit.test/broker/slo/1.13"
DV_SLO = "https://dv.ehkit.test/eherkenning/slo/"


def slo_metadata(net, *, bindings=(c.BINDING_REDIRECT, c.BINDING_POST)):
    return replace(net.idp_metadata(), slo=tuple(Endpoint(b, HM_SLO) for b in bindings))


def make_sp(net, **overrides):
    overrides.setdefault("slo_url", DV_SLO)
    return net.sp(metadata=overrides.pop("metadata", None) or slo_metadata(net), **overrides)


def login(at: datetime, *, session_index: str | None = "sess-1") -> LoginResult:
    return LoginResult(
        request_id=new_id(),
        service=n.SERVICE_KEY,
        service_id=n.SERVICE_ID,
        service_uuid=n.SERVICE_UUID,
        legal_subject=Identifier(
            IdentifierType.KVK, str(KvKNumber("12345678")), "urn:etoegang:1.9:EntityConcernedID:KvKnr"
        ),
        acting_subject=Identifier(IdentifierType.PSEUDO, "abc", "urn:etoegang:1.9:EntityConcernedID:Pseudo"),
        loa=LevelOfAssurance.EH3,
        loa_required=LevelOfAssurance.EH3,
        loa_requested=None,
        authn_instant=at,
        session_index=session_index,
        broker=n.HM_ENTITY,
        authenticating_authority=None,
        authorization_registry=None,
        response_id=new_id(),
        assertion_id=new_id(),
        binding="artifact",
        name_id=("transient-1", c.NAMEID_TRANSIENT, "urn:etoegang:AD:x"),
    )


def dv_trust(net) -> TrustSet:
    return TrustSet.from_certificates([net.dv.certificate])


def answer(irt: str | None, at: datetime, **kw) -> LogoutResponse:
    values = {
        "id": new_id(),
        "issue_instant": at,
        "destination": DV_SLO,
        "issuer": n.HM_ENTITY,
        "in_response_to": irt,
        "status": Status(c.STATUS_SUCCESS),
    }
    values.update(kw)
    return LogoutResponse(**values)


def redirect_query(message, key, relay_state: str | None) -> str:
    return urlsplit(logout_redirect_url(message, key, relay_state=relay_state)).query


def post_value(message, key_pair) -> str:
    return b64encode(to_signed_xml(message, key_pair.private_key, key_pair.key_name))


@pytest.fixture
def now(t0):
    return t0 + timedelta(seconds=5)


# ------------------------------------------------------------------ start_logout


def test_start_logout_redirect_is_signed_over_the_query_and_names_the_session(net, t0):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), relay_state="/uitgelogd", now=t0)
    assert start.method == "redirect"
    assert start.url.startswith(HM_SLO + "?")
    message = verify_redirect_query(urlsplit(start.url).query, dv_trust(net))
    assert message.relay_state == start.relay_state
    verified = verify_logout(
        message.xml,
        "request",
        binding="redirect",
        trust=dv_trust(net),
        expected_issuer=n.DV_ENTITY,
        query_verified=True,
    )
    assert verified.id == start.request_id
    assert verified.destination == HM_SLO
    assert verified.session_indexes == ("sess-1",)
    assert verified.name_id == NameID("transient-1", c.NAMEID_TRANSIENT, "urn:etoegang:AD:x")
    assert verified.issue_instant == t0
    assert start.expires_at == t0 + timedelta(minutes=10)


def test_start_logout_post_carries_an_enveloped_signature(net, t0):
    sp = make_sp(net, metadata=slo_metadata(net, bindings=(c.BINDING_POST,)))
    start = sp.start_logout(login(t0), now=t0)
    assert start.method == "post" and start.url == HM_SLO
    value = start.form_html.split('name="SAMLRequest" value="', 1)[1].split('"', 1)[0]
    xml = base64.b64decode(value)
    verified = verify_logout(xml, "request", binding="post", trust=dv_trust(net), expected_issuer=n.DV_ENTITY)
    assert verified.signature is not None and verified.id == start.request_id


def test_start_logout_accepts_a_stored_login_holding_the_result(net, t0):
    class Stored:
        result = login(t0)

    assert make_sp(net).start_logout(Stored(), now=t0).method == "redirect"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"metadata": "no-slo"}, "logout_not_supported"),
        ({"slo_url": None}, "logout_slo_url_missing"),
        ({"login": None}, "logout_no_session"),
    ],
)
def test_start_logout_refusals(net, t0, setup, reason):
    kwargs = {}
    if setup.get("metadata") == "no-slo":
        kwargs["metadata"] = net.idp_metadata()
    if "slo_url" in setup:
        kwargs["slo_url"] = None
    sp = make_sp(net, **kwargs) if "slo_url" not in kwargs else net.sp(metadata=slo_metadata(net))
    subject = None if "login" in setup else login(t0)
    with pytest.raises(LogoutRejected) as info:
        sp.start_logout(subject, now=t0)
    assert info.value.reason == reason


# ------------------------------------------------------------------ finish_logout


def test_finish_logout_redirect_round_trip(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), relay_state="/dag", now=t0)
    query = redirect_query(answer(start.request_id, now), net.hm.private_key, start.relay_state)
    result = sp.finish_logout(query_string=query, request_id=start.request_id, now=now)
    assert result.request_id == start.request_id
    assert result.status.success and result.relay_target == "/dag"
    assert result.service == n.SERVICE_KEY


def test_finish_logout_post_round_trip(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    value = post_value(answer(start.request_id, now), net.hm)
    result = sp.finish_logout(saml_response=value, relay_state=start.relay_state, now=now)
    assert result.status.success


def _refusal(sp, **kw) -> str:
    with pytest.raises(LogoutRejected) as info:
        sp.finish_logout(**kw)
    return info.value.reason


def test_unsigned_redirect_response_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    query = urlsplit(logout_redirect_url(answer(start.request_id, now), None, relay_state=start.relay_state)).query
    assert _refusal(sp, query_string=query, now=now) == "signature_missing"


def test_redirect_response_signed_by_a_key_outside_the_metadata_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    query = redirect_query(answer(start.request_id, now), net.attacker.private_key, start.relay_state)
    assert _refusal(sp, query_string=query, now=now) == "signature_untrusted"


def test_redirect_query_changed_after_signing_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    query = redirect_query(answer(start.request_id, now), net.hm.private_key, start.relay_state)
    tampered = query.replace("RelayState=", "RelayState=x", 1)
    assert _refusal(sp, query_string=tampered, now=now) == "signature_untrusted"


def test_unsigned_post_response_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    value = b64encode(to_xml(answer(start.request_id, now)))
    assert _refusal(sp, saml_response=value, relay_state=start.relay_state, now=now) == "signature_missing"


def test_post_response_signed_by_a_wrong_key_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    value = post_value(answer(start.request_id, now), net.attacker)
    reason = _refusal(sp, saml_response=value, relay_state=start.relay_state, now=now)
    assert reason in ("signature_untrusted", "signature_key_unknown", "signature_invalid")
    assert reason.startswith("signature_")


def test_post_response_changed_after_signing_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    xml = to_signed_xml(answer(start.request_id, now), net.hm.private_key, net.hm.key_name)
    xml = xml.replace(c.STATUS_SUCCESS.encode(), c.STATUS_RESPONDER.encode())
    assert _refusal(sp, saml_response=b64encode(xml), relay_state=start.relay_state, now=now) == "signature_digest"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"issuer": "urn:etoegang:HM:00000007777777770000:entities:1"}, "issuer_mismatch"),
        ({"destination": "https://other.example/slo"}, "logout_destination_mismatch"),
        ({"irt": "_someone-else"}, "logout_in_response_to_unknown"),
        ({"irt": None}, "logout_unsolicited"),
        ({"age": timedelta(minutes=20)}, "logout_issue_instant_invalid"),
        ({"age": -timedelta(minutes=10)}, "logout_issue_instant_invalid"),
        ({"status": Status(c.STATUS_RESPONDER, c.STATUS_REQUEST_DENIED)}, "logout_status_failed"),
    ],
)
def test_each_response_check_has_its_reason(net, t0, now, change, reason):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    irt = change.pop("irt", start.request_id)
    issued = now - change.pop("age", timedelta(0))
    message = answer(irt, issued, **change)
    query = redirect_query(message, net.hm.private_key, start.relay_state)
    assert _refusal(sp, query_string=query, now=now) == reason


def test_a_response_for_another_browser_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    query = redirect_query(answer(start.request_id, now), net.hm.private_key, start.relay_state)
    assert _refusal(sp, query_string=query, request_id="_other", now=now) == "logout_request_id_mismatch"


def test_a_wrong_relay_state_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    query = redirect_query(answer(start.request_id, now), net.hm.private_key, "not-our-token")
    assert _refusal(sp, query_string=query, now=now) == "relay_state_invalid"


def test_a_replayed_response_is_refused_and_a_pending_logout_is_used_once(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    query = redirect_query(answer(start.request_id, now), net.hm.private_key, start.relay_state)
    sp.finish_logout(query_string=query, now=now)
    assert _refusal(sp, query_string=query, now=now) == "logout_replay"
    fresh = redirect_query(answer(start.request_id, now), net.hm.private_key, start.relay_state)
    assert _refusal(sp, query_string=fresh, now=now) == "logout_in_response_to_unknown"


def test_a_login_request_id_is_not_a_pending_logout(net, t0, now):
    sp = make_sp(net)
    login_start = sp.start_login(n.SERVICE_KEY, now=t0)
    query = redirect_query(answer(login_start.request_id, now), net.hm.private_key, None)
    assert _refusal(sp, query_string=query, now=now) == "logout_in_response_to_unknown"


def test_a_logout_request_where_a_response_is_expected_is_refused(net, t0, now):
    sp = make_sp(net)
    request = LogoutRequest(new_id(), now, DV_SLO, n.HM_ENTITY, session_indexes=("s",))
    value = post_value(request, net.hm)
    assert _refusal(sp, saml_response=value, now=now) == "logout_message_unexpected"


def test_version_other_than_2_0_is_refused(net, t0, now):
    sp = make_sp(net)
    start = sp.start_logout(login(t0), now=t0)
    el = answer(start.request_id, now).to_element()
    el.set("Version", "1.1")
    from ehkit.xml.signature import sign_element

    sign_element(el, net.hm.private_key, key_name=net.hm.key_name)
    value = b64encode(etree.tostring(el))
    assert _refusal(sp, saml_response=value, relay_state=start.relay_state, now=now) == "version_unsupported"


# ------------------------------------------------------------------ broker-initiated


def broker_request(now: datetime, **kw) -> LogoutRequest:
    values = {
        "id": new_id(),
        "issue_instant": now,
        "destination": DV_SLO,
        "issuer": n.HM_ENTITY,
        "name_id": NameID("transient-1", c.NAMEID_TRANSIENT, None),
        "session_indexes": ("sess-1",),
    }
    values.update(kw)
    return LogoutRequest(**values)


def read_answer(net, start, binding="redirect"):
    trust = TrustSet.from_certificates([net.dv.certificate])
    if binding == "redirect":
        message = verify_redirect_query(urlsplit(start.url).query, trust, param="SAMLResponse")
        return verify_logout(
            message.xml,
            "response",
            binding="redirect",
            trust=trust,
            expected_issuer=n.DV_ENTITY,
            query_verified=True,
            relay_state=message.relay_state,
        )
    value = start.form_html.split('name="SAMLResponse" value="', 1)[1].split('"', 1)[0]
    return verify_logout(base64.b64decode(value), "response", binding="post", trust=trust, expected_issuer=n.DV_ENTITY)


def test_broker_initiated_logout_ends_the_session_and_answers_success(net, now):
    sp = make_sp(net)
    ended: list[tuple[str, ...]] = []
    request = broker_request(now)
    query = redirect_query(request, net.hm.private_key, "rs-broker")
    result = sp.handle_logout_request(
        query_string=query, end_session=lambda m: ended.append(m.session_indexes) or True, now=now
    )
    assert result.rejected is None and result.session_ended is True
    assert ended == [("sess-1",)]
    assert result.response.method == "redirect" and result.response.url.startswith(HM_SLO + "?")
    reply = read_answer(net, result.response)
    assert reply.in_response_to == request.id and reply.status.success
    assert reply.destination == HM_SLO and reply.relay_state == "rs-broker"


def test_broker_initiated_logout_by_post_is_answered_by_post(net, now):
    sp = make_sp(net)
    request = broker_request(now)
    result = sp.handle_logout_request(saml_request=post_value(request, net.hm), end_session=lambda m: True, now=now)
    assert result.rejected is None and result.response.method == "post"
    assert read_answer(net, result.response, "post").in_response_to == request.id


def test_logout_for_an_unknown_session_answers_cleanly(net, now):
    sp = make_sp(net)
    query = redirect_query(broker_request(now, session_indexes=("nobody",)), net.hm.private_key, None)
    result = sp.handle_logout_request(query_string=query, end_session=lambda m: False, now=now)
    assert result.rejected is None and result.session_ended is False
    assert read_answer(net, result.response).status.success


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda net, now: redirect_query(broker_request(now), net.attacker.private_key, None), "signature_untrusted"),
        (
            lambda net, now: urlsplit(logout_redirect_url(broker_request(now), None, relay_state=None)).query,
            "signature_missing",
        ),
        (
            lambda net, now: redirect_query(
                broker_request(now, destination="https://x.example/slo"), net.hm.private_key, None
            ),
            "logout_destination_mismatch",
        ),
        (
            lambda net, now: redirect_query(
                broker_request(now, issuer="urn:etoegang:HM:00000007777777770000:entities:1"), net.hm.private_key, None
            ),
            "issuer_mismatch",
        ),
        (
            lambda net, now: redirect_query(broker_request(now - timedelta(hours=1)), net.hm.private_key, None),
            "logout_issue_instant_invalid",
        ),
    ],
)
def test_a_bad_broker_request_is_refused_without_ending_by_callback(net, now, make, reason):
    sp = make_sp(net)
    called: list[object] = []
    result = sp.handle_logout_request(query_string=make(net, now), end_session=called.append, now=now)
    assert result.rejected is not None and result.rejected.reason == reason
    assert called == [] and result.session_ended is False
    reply = read_answer(net, result.response)
    assert reply.status.code == c.STATUS_REQUESTER and reply.status.sub_code == c.STATUS_REQUEST_DENIED
    assert reply.relay_state is None


def test_a_replayed_broker_request_is_refused(net, now):
    sp = make_sp(net)
    query = redirect_query(broker_request(now), net.hm.private_key, None)
    assert sp.handle_logout_request(query_string=query, end_session=lambda m: True, now=now).rejected is None
    again = sp.handle_logout_request(query_string=query, end_session=lambda m: True, now=now)
    assert again.rejected is not None and again.rejected.reason == "logout_replay"


# ------------------------------------------------------------------ SSO in the login policy


def test_sso_service_sends_force_authn_false(net, t0):
    from ehkit.saml.authn_request import parse_authn_request

    services = tuple(replace(s, sso_support=True) if s.key == n.SERVICE_KEY else s for s in net.services())
    sp = make_sp(net, services=services)
    start = sp.start_login(n.SERVICE_KEY, now=t0)
    xml = verify_redirect_query(urlsplit(start.url).query, dv_trust(net)).xml
    assert parse_authn_request(xml, None, require_signature=False).request.force_authn is False
    other = sp.start_login("melding", now=t0)
    xml = verify_redirect_query(urlsplit(other.url).query, dv_trust(net)).xml
    assert parse_authn_request(xml, None, require_signature=False).request.force_authn is True


def test_sso_is_never_used_at_eh4():
    from ehkit.sp.settings import ServiceSettings

    svc = ServiceSettings(
        key="k",
        index=1,
        service_id=n.SERVICE_ID,
        uuids=frozenset({n.SERVICE_UUID}),
        loa=LevelOfAssurance.EH4,
        sso_support=True,
    )
    assert svc.sso is False


def _authn_at(moment: datetime):
    from ehkit.saml.timefmt import format_instant
    from ehkit.xml.ns import SAML, q

    def edit(root):
        # The HM's own assertion: the top-level one, not an AD assertion in its Advice.
        top = root.find(f".//{q(SAML, 'Assertion')}")
        top.find(q(SAML, "AuthnStatement")).set("AuthnInstant", format_instant(moment))

    return edit


def test_sso_login_may_reuse_an_ad_session_up_to_its_maximum(net, messages, t0):
    from support.scenario import Scenario

    services = tuple(replace(s, sso_support=True) if s.key == n.SERVICE_KEY else s for s in net.services())
    s = Scenario(net, messages, t0, services=services)
    assert s.submit(edit=_authn_at(t0 - timedelta(minutes=90))).session_index is not None


def test_sso_login_refuses_a_session_older_than_the_maximum(net, messages, t0):
    from support.scenario import Scenario

    services = tuple(replace(s, sso_support=True) if s.key == n.SERVICE_KEY else s for s in net.services())
    s = Scenario(net, messages, t0, services=services)
    assert s.reject(edit=_authn_at(t0 - timedelta(hours=3))).reason == "authn_instant_stale"


def test_without_sso_an_earlier_authentication_is_refused(net, messages, t0):
    from support.scenario import Scenario

    s = Scenario(net, messages, t0)
    assert s.reject(edit=_authn_at(t0 - timedelta(minutes=10))).reason == "authn_instant_stale"
