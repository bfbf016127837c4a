"""Accepting and refusing AuthnRequests, over every request binding."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from broker_harness import (
    DV_ENTITY,
    BrokerEnv,
    authn_request,
    delivered_response,
    post_fields_for,
    redirect_url_for,
    status_of,
)
from starlette.testclient import TestClient

from ehkit.domain.loa import LevelOfAssurance
from ehkit.saml import constants as c
from ehkit.saml.artifact import Artifact
from ehkit.saml.metadata import Endpoint
from ehkit.xml import TrustSet

SSO = "/broker/sso/1.13"


def opened_flow(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    assert location.startswith("/broker/login/"), location
    return location


def refusal(client: TestClient, env: BrokerEnv, response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    """A refused request goes back to the DV's ACS (from its metadata) as an artifact."""
    assert response.status_code == 303, response.text[:300]
    location = response.headers["location"]
    assert location.startswith(f"{env.dv_url}/acs?"), location
    assert "RelayState=rs-1" in location
    return status_of(delivered_response(client, env, location))


def test_redirect_binding_with_query_signature_opens_a_flow(client: TestClient, env: BrokerEnv) -> None:
    url = redirect_url_for(env, authn_request(env))
    response = client.get(SSO + "?" + urlsplit(url).query)
    flow_id = opened_flow(response).rsplit("/", 1)[-1]
    flow = env.broker.state.flow(flow_id)
    assert flow is not None and flow.service.index == 2 and flow.relay_state == "rs-1"
    assert flow.acs.location == f"{env.dv_url}/acs" and flow.response_binding == "artifact"


def test_relay_state_with_a_space_survives_the_redirect_signature(client: TestClient, env: BrokerEnv) -> None:
    url = redirect_url_for(env, authn_request(env), relay_state="a b")
    flow_id = opened_flow(client.get(SSO + "?" + urlsplit(url).query)).rsplit("/", 1)[-1]
    assert env.broker.state.flow(flow_id).relay_state == "a b"


def test_post_binding_with_enveloped_signature_opens_a_flow(client: TestClient, env: BrokerEnv) -> None:
    opened_flow(client.post(SSO, data=post_fields_for(authn_request(env), env.keys.dv)))


@pytest.mark.parametrize("binding", ["post", "redirect"])
def test_unsigned_request_is_refused_with_requester_status(client: TestClient, env: BrokerEnv, binding: str) -> None:
    request = authn_request(env)
    if binding == "post":
        response = client.post(SSO, data=post_fields_for(request, None))
    else:
        from ehkit.saml.bindings import redirect_url

        response = client.get(
            SSO + "?" + urlsplit(redirect_url(request.destination, request.to_xml(), relay_state="rs-1")).query
        )
    top, second, message = refusal(client, env, response)
    assert (top, second) == (c.STATUS_REQUESTER, c.STATUS_REQUEST_UNSUPPORTED)
    assert "signature" in message


@pytest.mark.parametrize("binding", ["post", "redirect"])
def test_request_signed_by_another_key_is_refused(client: TestClient, env: BrokerEnv, binding: str) -> None:
    request = authn_request(env)
    if binding == "post":
        response = client.post(SSO, data=post_fields_for(request, env.keys.other_dv))
    else:
        response = client.get(SSO + "?" + urlsplit(redirect_url_for(env, request, key=env.keys.other_dv)).query)
    top, second, message = refusal(client, env, response)
    assert (top, second) == (c.STATUS_REQUESTER, c.STATUS_REQUEST_UNSUPPORTED)
    assert "signature" in message


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"index": 77}, "AttributeConsumingServiceIndex 77"),
        ({"loa": LevelOfAssurance.EH4}, "above the catalogue level"),
        ({"destination": "http://127.0.0.1:8801/broker/sso/1.11"}, "Destination"),
        ({"is_passive": True}, "IsPassive"),
    ],
)
def test_requests_the_catalogue_does_not_allow_are_refused(
    client: TestClient, env: BrokerEnv, changes: dict, words: str
) -> None:  # type: ignore[type-arg]
    request = authn_request(env, **changes)
    top, second, message = refusal(client, env, client.get(SSO + "?" + urlsplit(redirect_url_for(env, request)).query))
    assert (top, second) == (c.STATUS_REQUESTER, c.STATUS_REQUEST_UNSUPPORTED)
    assert words in message


def test_old_request_is_refused(client: TestClient, env: BrokerEnv) -> None:
    request = authn_request(env, issue_instant=env.broker.now() - timedelta(hours=1))
    top, _, message = refusal(client, env, client.get(SSO + "?" + urlsplit(redirect_url_for(env, request)).query))
    assert top == c.STATUS_REQUESTER and "too far from now" in message


def test_requested_level_at_or_below_the_catalogue_is_accepted(client: TestClient, env: BrokerEnv) -> None:
    for loa in (LevelOfAssurance.EH3, LevelOfAssurance.EH2_PLUS):
        opened_flow(client.get(SSO + "?" + urlsplit(redirect_url_for(env, authn_request(env, loa=loa))).query))


def test_replayed_request_id_is_refused(client: TestClient, env: BrokerEnv) -> None:
    query = urlsplit(redirect_url_for(env, authn_request(env))).query
    opened_flow(client.get(SSO + "?" + query))
    _, _, message = refusal(client, env, client.get(SSO + "?" + query))
    assert "used before" in message


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda env: {"SAMLRequest": "%%%not-base64"}, "message_base64"),
        (
            lambda env: post_fields_for(
                authn_request(env, issuer="urn:etoegang:DV:00000005555555550000:entities:1"), env.keys.dv
            ),
            "issuer_unknown",
        ),
        (
            lambda env: post_fields_for(authn_request(env, acs_url="https://evil.example/acs"), env.keys.dv),
            "acs_unknown",
        ),
        (
            lambda env: {**post_fields_for(authn_request(env), env.keys.dv), "RelayState": "x" * 81},
            "relay_state_too_long",
        ),
        (lambda env: {}, "no_request"),
    ],
)
def test_requests_no_response_can_be_sent_for_get_an_error_page(
    client: TestClient, env: BrokerEnv, make, reason: str
) -> None:  # type: ignore[no-untyped-def]
    posted = client.post(SSO, data=make(env))
    # POST, redirect, GET: the error page has its own address (reload and language switch work).
    assert posted.status_code == 303 and posted.headers["location"].startswith("/broker/error/")
    response = client.get(posted.headers["location"])
    assert response.status_code == 400
    assert f'data-reason="{reason}"' in response.text and 'id="lang-switch"' in response.text
    assert response.headers["cache-control"] == "no-cache, no-store" and response.headers["pragma"] == "no-cache"
    english = client.get(posted.headers["location"].split("?")[0], params={"lang": "en"})
    assert english.status_code == 400 and 'lang="en"' in english.text and f'data-reason="{reason}"' in english.text


def test_artifact_request_binding_pulls_the_request_from_the_dv(client: TestClient, env: BrokerEnv) -> None:
    """The DV sends a SAMLart; the broker resolves it at the DV's ArtifactResolutionService."""
    from ehkit.saml.artifact_resolution import build_artifact_response, parse_artifact_resolve
    from ehkit.saml.soap import unwrap, wrap

    dv = env.broker.registry.get(DV_ENTITY)
    env.broker.registry.add(
        replace(dv, artifact_resolution=(Endpoint(c.BINDING_SOAP, "https://dv.example/ars", 0, True),))
    )
    request = authn_request(env)
    artifact = Artifact.new(DV_ENTITY).encode()
    seen: list[str] = []

    def dv_ars(http_request: httpx.Request) -> httpx.Response:
        payload, _ = unwrap(http_request.content)
        hm_trust = TrustSet.from_certificates([env.keys.broker.hm.certificate])
        resolve = parse_artifact_resolve(
            payload, lambda issuer: hm_trust if issuer == env.broker.settings.hm_entity_id else None
        )
        seen.append(resolve.artifact)
        answer = build_artifact_response(
            request.to_xml(),
            in_response_to=resolve.id,
            issuer=DV_ENTITY,
            now=env.broker.now(),
            key=env.keys.dv.private_key,
            key_name=env.keys.dv.key_name,
        )
        return httpx.Response(200, content=wrap(answer), headers={"Content-Type": "text/xml"})

    env.broker._http_transport = httpx.MockTransport(dv_ars)
    opened_flow(client.get(SSO, params={"SAMLart": artifact, "RelayState": "rs-1"}))
    assert seen == [artifact]


def test_artifact_request_binding_needs_a_known_source(client: TestClient, env: BrokerEnv) -> None:
    response = client.get(
        SSO, params={"SAMLart": Artifact.new("urn:etoegang:DV:00000005555555550000:entities:1").encode()}
    )
    assert response.status_code == 400 and 'data-reason="issuer_unknown"' in response.text
