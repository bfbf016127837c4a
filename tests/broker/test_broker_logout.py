"""Single sign-on and single logout at the simulator, driven with plain HTTP (cookies kept).

SSO: a second login with ForceAuthn="false" for a service with SSOSupport skips the
AD choice and the credentials; never with ForceAuthn="true"; the session lasts at most
two hours. SLO: a DV's LogoutRequest ends the AD session ("logged out at DV and AD",
or "logout not possible now"), the LogoutResponse goes to the DV's SingleLogoutService,
the scenarios break it on purpose; and the broker-initiated logout reaches every DV.
"""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from broker_harness import DV_ENTITY, HM_ENTITY, BrokerEnv, SessionKeys, authn_request, make_env, redirect_url_for
from starlette.testclient import TestClient

from ehkit.saml import constants as c
from ehkit.saml.bindings import b64encode, verify_redirect_query
from ehkit.saml.ids import new_id
from ehkit.saml.logout import LogoutRequest, LogoutResponse, logout_redirect_url, to_signed_xml, verify_logout
from ehkit.saml.metadata import parse_idp_metadata
from ehkit.saml.response import NameID
from ehkit.xml.ns import SAML, q
from ehkit.xml.trust import TrustSet

SSO = "/broker/sso/1.13"
SLO = "/broker/slo/1.13"
DV_URL = "http://127.0.0.1:9"
DV_SLO = f"{DV_URL}/slo"


def with_sso(text: str) -> str:
    """Both company services declare SSOSupport; the DV publishes its SingleLogoutService."""
    text = text.replace('post_acs_url = "', f'slo_url = "{DV_SLO}"\npost_acs_url = "', 1)
    text = text.replace('loa = "EH2+"\n', 'loa = "EH2+"\nsso_support = true\n', 1)
    return text.replace("vestiging_restriction = true\n", "vestiging_restriction = true\nsso_support = true\n", 1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def env(tmp_path: Path, session_keys: SessionKeys, clock: Clock) -> BrokerEnv:
    return make_env(
        tmp_path, session_keys, base_url="http://127.0.0.1:8801", dv_url=DV_URL, toml_edit=with_sso, clock=clock
    )


@pytest.fixture
def client(env: BrokerEnv):
    with TestClient(env.app, base_url=env.base_url, follow_redirects=False) as c:
        yield c


def open_flow(client: TestClient, env: BrokerEnv, *, index: int, force_authn: bool = False) -> str:
    request = replace(authn_request(env, index=index), force_authn=force_authn)
    response = client.get(SSO + "?" + urlsplit(redirect_url_for(env, request)).query)
    assert response.status_code == 303, response.text[:300]
    return response.headers["location"]


def full_login(client: TestClient, env: BrokerEnv, *, index: int = 2, option: str = "korenaar||") -> str:
    flow = open_flow(client, env, index=index)
    assert client.get(flow).status_code == 200  # the AD choice: no session yet
    assert client.post(flow + "/ad", data={"ad": "alfa"}).status_code == 303
    assert client.post(flow + "/authenticate", data={"persona": "anna:app", "password": "test"}).status_code == 303
    done = client.post(flow + "/represent", data={"option": option})
    assert done.status_code == 303 and done.headers["location"].startswith(f"{DV_URL}/acs?")
    return done.headers["location"]


def assertion_of(client: TestClient, env: BrokerEnv, location: str):
    from broker_harness import delivered_response

    return delivered_response(client, env, location).find(q(SAML, "Assertion"))


def dv_logout_request(env: BrokerEnv, session_index: str | None = None, **kw) -> LogoutRequest:
    values = {
        "id": new_id(),
        "issue_instant": env.broker.now(),
        "destination": env.broker.settings.slo_url,
        "issuer": DV_ENTITY,
        "name_id": NameID("x", c.NAMEID_TRANSIENT, None),
        "session_indexes": (session_index,) if session_index else (),
    }
    values.update(kw)
    return LogoutRequest(**values)


def send_logout(client: TestClient, env: BrokerEnv, request: LogoutRequest, *, key=None, relay: str | None = "rs-9"):
    url = logout_redirect_url(request, (key or env.keys.dv).private_key, relay_state=relay)
    return client.get(SLO + "?" + urlsplit(url).query)


def hm_trust(env: BrokerEnv) -> TrustSet:
    return TrustSet.from_certificates([env.keys.broker.hm.certificate])


# ------------------------------------------------------------------ metadata


def test_hm_metadata_publishes_single_logout_for_redirect_and_post(env: BrokerEnv) -> None:
    metadata = parse_idp_metadata(env.app.state.metadata_xml, trust=hm_trust(env), now=env.broker.now())
    assert {(e.binding, e.location) for e in metadata.slo} == {
        (c.BINDING_REDIRECT, env.broker.settings.slo_url),
        (c.BINDING_POST, env.broker.settings.slo_url),
    }


def test_the_dv_slo_endpoint_and_sso_support_reach_the_simulator(env: BrokerEnv) -> None:
    dv = env.broker.registry.get(DV_ENTITY)
    assert dv is not None and dv.slo_endpoint(c.BINDING_REDIRECT).location == DV_SLO
    assert dv.services[1].sso_support and dv.services[2].sso_support and not dv.services[4].sso_support


# ------------------------------------------------------------------ single sign-on


def test_second_service_in_the_session_logs_in_without_credentials(client: TestClient, env: BrokerEnv) -> None:
    first = assertion_of(client, env, full_login(client, env, index=2))
    first_instant = first.find(q(SAML, "AuthnStatement")).get("AuthnInstant")
    flow = open_flow(client, env, index=1)
    sso = client.get(flow)
    assert sso.status_code == 303 and sso.headers["location"] == flow + "/represent"
    page = client.get(flow + "/represent")
    assert 'data-testid="sso-notice"' in page.text
    done = client.post(flow + "/represent", data={"option": "korenaar||"})
    second = assertion_of(client, env, done.headers["location"])
    statement = second.find(q(SAML, "AuthnStatement"))
    assert statement.get("AuthnInstant") == first_instant  # the original authentication, not a new one
    session = next(iter(env.broker.state.ad_sessions.values()))
    assert [p.service_id.rsplit(":", 1)[-1] for p in session.participants] == ["2", "1"]
    assert statement.get("SessionIndex") == session.participants[1].session_index


def test_force_authn_true_always_asks_for_credentials(client: TestClient, env: BrokerEnv) -> None:
    full_login(client, env, index=2)
    flow = open_flow(client, env, index=1, force_authn=True)
    assert client.get(flow).status_code == 200  # the AD choice again


def test_a_service_without_sso_support_asks_again(client: TestClient, env: BrokerEnv) -> None:
    full_login(client, env, index=2)
    flow = open_flow(client, env, index=4)
    assert client.get(flow).status_code == 200


def test_the_ad_session_ends_after_two_hours(client: TestClient, env: BrokerEnv, clock: Clock) -> None:
    full_login(client, env, index=2)
    clock.now += timedelta(hours=2, seconds=1)
    flow = open_flow(client, env, index=1)
    assert client.get(flow).status_code == 200


def test_another_browser_has_no_session(env: BrokerEnv, client: TestClient) -> None:
    full_login(client, env, index=2)
    with TestClient(env.app, base_url=env.base_url, follow_redirects=False) as other:
        flow = open_flow(other, env, index=1)
        assert other.get(flow).status_code == 200


# ------------------------------------------------------------------ DV-initiated single logout


def _answer(client: TestClient, env: BrokerEnv, page_url: str, scenario: str = "none"):
    page = client.get(page_url)
    done = client.post(page_url + "/continue", data={"scenario": scenario})
    assert done.status_code == 303 and done.headers["location"].startswith(DV_SLO + "?")
    return page, done.headers["location"]


def test_logout_ends_the_ad_session_and_answers_the_dv(client: TestClient, env: BrokerEnv) -> None:
    session_index = (
        assertion_of(client, env, full_login(client, env)).find(q(SAML, "AuthnStatement")).get("SessionIndex")
    )
    request = dv_logout_request(env, session_index)
    started = send_logout(client, env, request)
    assert started.status_code == 303 and started.headers["location"].startswith("/broker/logout/")
    page, location = _answer(client, env, started.headers["location"])
    assert 'data-testid="logged-out"' in page.text
    assert "Gemeente Testdorp" in page.text and "Alfa" in page.text
    assert env.broker.state.ad_sessions == {}
    message = verify_redirect_query(urlsplit(location).query, hm_trust(env), param="SAMLResponse")
    assert message.relay_state == "rs-9"
    reply = verify_logout(
        message.xml, "response", binding="redirect", trust=hm_trust(env), expected_issuer=HM_ENTITY, query_verified=True
    )
    assert reply.in_response_to == request.id and reply.status.success and reply.destination == DV_SLO
    # A login after the logout asks for the credentials again.
    flow = open_flow(client, env, index=1)
    assert client.get(flow).status_code == 200


def test_without_an_ad_session_logout_is_not_possible(client: TestClient, env: BrokerEnv) -> None:
    started = send_logout(client, env, dv_logout_request(env, "unknown"))
    page, location = _answer(client, env, started.headers["location"])
    assert 'data-testid="logout-impossible"' in page.text and "Sluit alle browservensters" in page.text
    message = verify_redirect_query(urlsplit(location).query, hm_trust(env), param="SAMLResponse")
    reply = verify_logout(
        message.xml, "response", binding="redirect", trust=hm_trust(env), expected_issuer=HM_ENTITY, query_verified=True
    )
    assert not reply.status.success and reply.status.sub_code.endswith("PartialLogout")


def test_logout_by_post_binding_is_answered_at_the_dv(client: TestClient, env: BrokerEnv) -> None:
    full_login(client, env)
    request = dv_logout_request(env)
    fields = {"SAMLRequest": b64encode(to_signed_xml(request, env.keys.dv.private_key, env.keys.dv.key_name))}
    started = client.post(SLO, data=fields)
    assert started.status_code == 303
    assert env.broker.state.ad_sessions == {}  # found by the browser's cookie
    done = client.post(started.headers["location"] + "/continue", data={})
    assert done.status_code == 200 and f'action="{DV_SLO}"' in done.text and 'name="SAMLResponse"' in done.text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"key": "other"}, "signature_untrusted"),
        ({"destination": "http://127.0.0.1:8801/elders"}, "logout_destination_mismatch"),
        ({"age": timedelta(hours=1)}, "logout_issue_instant_invalid"),
    ],
)
def test_a_bad_logout_request_is_refused_on_a_page(client: TestClient, env: BrokerEnv, change, reason) -> None:
    full_login(client, env)
    key = env.keys.other_dv if change.pop("key", None) else None
    issued = env.broker.now() - change.pop("age", timedelta(0))
    response = send_logout(client, env, dv_logout_request(env, issue_instant=issued, **change), key=key)
    assert response.status_code == 400 and f'data-reason="{reason}"' in response.text
    assert len(env.broker.state.ad_sessions) == 1  # a forged logout does not end the session


def test_a_replayed_logout_request_is_refused(client: TestClient, env: BrokerEnv) -> None:
    request = dv_logout_request(env)
    assert send_logout(client, env, request).status_code == 303
    again = send_logout(client, env, request)
    assert again.status_code == 400 and 'data-reason="logout_replay"' in again.text


@pytest.mark.parametrize(
    ("scenario", "check"),
    [
        ("logout_unsigned", lambda q: "Signature" not in q and "SigAlg" not in q),
        ("logout_wrong_key", lambda q: "Signature" in q),
        ("logout_wrong_in_response_to", lambda q: "Signature" in q),
    ],
)
def test_logout_scenarios_bend_the_logout_response(client: TestClient, env: BrokerEnv, scenario, check) -> None:
    full_login(client, env)
    request = dv_logout_request(env)
    started = send_logout(client, env, request)
    _, location = _answer(client, env, started.headers["location"], scenario)
    query = parse_qs(urlsplit(location).query)
    assert check(query)
    from ehkit.saml.bindings import decode_redirect

    xml = decode_redirect(query["SAMLResponse"][0])
    irt = re.search(rb'InResponseTo="([^"]+)"', xml).group(1).decode()
    assert (irt == request.id) == (scenario != "logout_wrong_in_response_to")
    if scenario == "logout_wrong_key":
        with pytest.raises(Exception) as info:
            verify_redirect_query(urlsplit(location).query, hm_trust(env), param="SAMLResponse")
        assert getattr(info.value, "reason", "") == "signature_untrusted"


# ------------------------------------------------------------------ broker-initiated single logout


def test_broker_initiated_logout_reaches_every_dv_of_the_session(client: TestClient, env: BrokerEnv) -> None:
    full_login(client, env, index=2)
    flow = open_flow(client, env, index=1)
    client.get(flow)
    client.post(flow + "/represent", data={"option": "korenaar||"})
    session_page = client.get("/broker/session")
    assert 'data-testid="broker-logout"' in session_page.text
    sent = client.post("/broker/session/logout")
    assert env.broker.state.ad_sessions == {}
    answered = []
    for _ in range(2):
        assert sent.status_code == 303 and sent.headers["location"].startswith(DV_SLO + "?")
        query = urlsplit(sent.headers["location"]).query
        message = verify_redirect_query(query, hm_trust(env), param="SAMLRequest")
        request = verify_logout(
            message.xml,
            "request",
            binding="redirect",
            trust=hm_trust(env),
            expected_issuer=HM_ENTITY,
            query_verified=True,
        )
        answered.append(request.session_indexes)
        reply = LogoutResponse(new_id(), env.broker.now(), env.broker.settings.slo_url, DV_ENTITY, request.id)
        url = logout_redirect_url(reply, env.keys.dv.private_key, relay_state=message.relay_state)
        sent = client.get(SLO + "?" + urlsplit(url).query)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/broker/logout/")
    final = client.get(sent.headers["location"])
    assert 'data-testid="logged-out"' in final.text and final.text.count('data-outcome="ok"') == 2
    assert len(answered) == 2 and answered[0] != answered[1]


def test_a_dv_answer_to_no_broker_logout_is_refused(client: TestClient, env: BrokerEnv) -> None:
    reply = LogoutResponse(new_id(), env.broker.now(), env.broker.settings.slo_url, DV_ENTITY, "_nothing")
    url = logout_redirect_url(reply, env.keys.dv.private_key, relay_state="nope")
    answer = client.get(SLO + "?" + urlsplit(url).query)
    assert answer.status_code == 400 and 'data-reason="logout_in_response_to_unknown"' in answer.text


def test_session_page_without_a_session(client: TestClient) -> None:
    page = client.get("/broker/session?lang=en")
    assert 'data-testid="session-none"' in page.text and "no active login session" in page.text


def test_post_answer_carries_the_response_base64(client: TestClient, env: BrokerEnv) -> None:
    full_login(client, env)
    request = dv_logout_request(env)
    fields = {"SAMLRequest": b64encode(to_signed_xml(request, env.keys.dv.private_key, env.keys.dv.key_name))}
    started = client.post(SLO, data=fields)
    done = client.post(started.headers["location"] + "/continue", data={})
    value = re.search(r'name="SAMLResponse" value="([^"]+)"', done.text).group(1)
    xml = base64.b64decode(value)
    reply = verify_logout(xml, "response", binding="post", trust=hm_trust(env), expected_issuer=HM_ENTITY)
    assert reply.in_response_to == request.id and reply.signature is not None


def test_the_api_lists_the_logout_scenarios(client: TestClient) -> None:
    listed = client.get("/api/scenarios?kind=logout").json()
    assert [s["id"] for s in listed] == ["none", "logout_unsigned", "logout_wrong_key", "logout_wrong_in_response_to"]
    assert listed[2]["expected_reason"] == "signature_untrusted"
