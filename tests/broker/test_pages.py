"""The login screens, driven with plain HTTP: choices, refusals, cancel, headers, language."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from broker_harness import DV_EIDAS_ENTITY, BrokerEnv, authn_request, delivered_response, redirect_url_for, status_of
from starlette.testclient import TestClient

from ehkit.broker.engine import PageError
from ehkit.saml import constants as c
from ehkit.xml.ns import SAML, q

SSO = "/broker/sso/1.13"


def start(client: TestClient, env: BrokerEnv, index: int = 2, issuer: str | None = None) -> str:
    kwargs = {"issuer": issuer} if issuer else {}
    response = client.get(SSO + "?" + urlsplit(redirect_url_for(env, authn_request(env, index=index, **kwargs))).query)
    assert response.status_code == 303
    return response.headers["location"]


def ids_in(html: str, prefix: str) -> list[str]:
    return re.findall(rf'data-testid="({prefix}[^"]*)"', html)


def login(client: TestClient, flow: str, ad: str, persona: str, password: str = "test") -> httpx.Response:
    assert client.post(flow + "/ad", data={"ad": ad}).status_code == 303
    return client.post(flow + "/authenticate", data={"persona": persona, "password": password})


def assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-cache, no-store"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["x-frame-options"] == "DENY"


def test_ad_list_is_alphabetical_and_filtered_by_identifier_types(client: TestClient, env: BrokerEnv) -> None:
    page = client.get(start(client, env, index=2))
    assert_page_headers(page)
    assert ids_in(page.text, "ad-") == ["ad-alfa", "ad-beta", "ad-zeta"]
    assert 'data-testid="required-loa">EH3<' in page.text
    assert 'data-testid="dv-name">Gemeente Testdorp<' in page.text  # the catalogue's OrganizationDisplayName
    eidas = client.get(start(client, env, index=3, issuer=DV_EIDAS_ENTITY))
    assert ids_in(eidas.text, "ad-") == ["ad-eidas"]


def test_login_represent_and_deliver_an_artifact(client: TestClient, env: BrokerEnv) -> None:
    flow = start(client, env)
    authenticated = login(client, flow, "alfa", "anna:app")
    assert authenticated.status_code == 303 and authenticated.headers["location"] == flow + "/represent"
    page = client.get(flow + "/represent")
    assert_page_headers(page)
    options = ids_in(page.text, "option-")
    assert "option-korenaar-all-direct" in options and "option-korenaar-000012345602-direct" in options
    done = client.post(flow + "/represent", data={"option": "korenaar|000012345602|"})
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith(f"{env.dv_url}/acs?") and parse_qs(urlsplit(location).query)["RelayState"] == ["rs-1"]
    assert_page_headers(done)
    response = delivered_response(client, env, location)
    assert status_of(response)[0] == c.STATUS_SUCCESS and response.find(q(SAML, "Assertion")) is not None
    # The flow is over. Back in the browser returns the person to the DV's ACS (no message: it was
    # delivered already); anything posted to the flow gets the "already completed" page.
    back = client.get(flow + "/represent", follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"{env.dv_url}/acs"
    again = client.post(flow + "/represent", data={"option": "korenaar|000012345602|"})
    assert again.status_code == 303 and again.headers["location"].startswith("/broker/error/")
    page = client.get(again.headers["location"])  # POST, redirect, GET: reloadable, with a language switch
    assert page.status_code == 409 and 'data-reason="flow_finished"' in page.text and 'id="lang-switch"' in page.text
    assert "already completed" not in page.text  # Dutch page, Dutch details


def test_vestiging_restricted_person_sees_only_that_vestiging(client: TestClient, env: BrokerEnv) -> None:
    flow = start(client, env)
    login(client, flow, "alfa", "bram:app")
    options = ids_in(client.get(flow + "/represent").text, "option-")
    assert options == ["option-korenaar-000012345602-direct"]


def test_chain_authorisation_is_offered_with_its_intermediary(client: TestClient, env: BrokerEnv) -> None:
    flow = start(client, env)
    login(client, flow, "beta", "carla:app")
    page = client.get(flow + "/represent").text
    assert "option-vandijk-all-telling" in page and "option-telling-all-direct" in page
    assert "ketenmachtiging" in page


def test_wrong_password_and_too_low_means_are_refused_on_the_page(client: TestClient, env: BrokerEnv) -> None:
    flow = start(client, env, index=1)  # melding, EH2+
    wrong = login(client, flow, "beta", "anna:sms", password="nope")
    assert wrong.status_code == 422 and 'data-reason="bad_password"' in wrong.text
    low = client.post(flow + "/authenticate", data={"persona": "dirk:sms", "password": "test"})
    assert low.status_code == 422 and 'data-reason="loa_too_low"' in low.text
    assert "EH2+" in low.text and "te laag" in low.text
    ok = client.post(flow + "/authenticate", data={"persona": "anna:sms", "password": "test"})
    assert ok.status_code == 303


def test_not_authorised_gets_an_explanation_and_no_response(client: TestClient, env: BrokerEnv) -> None:
    for persona in ("eva:key", "fleur:app"):  # nobody / only the 'melding' service
        flow = start(client, env, index=2)
        ad = "zeta" if persona.startswith("eva") else "alfa"
        login(client, flow, ad, persona)
        page = client.get(flow + "/represent")
        assert page.status_code == 200 and 'data-testid="not-authorised"' in page.text
        assert env.broker.state.flow(flow.rsplit("/", 1)[-1]).finished is False
    # Fleur may do 'melding' for her foundation.
    flow = start(client, env, index=1)
    login(client, flow, "alfa", "fleur:app")
    assert "option-buurtkracht-all-direct" in client.get(flow + "/represent").text


@pytest.mark.parametrize("step", ["choose", "authenticate", "represent", "not-authorised"])
def test_cancel_at_every_step_returns_authn_failed(client: TestClient, env: BrokerEnv, step: str) -> None:
    flow = start(client, env)
    if step in ("authenticate", "represent"):
        client.post(flow + "/ad", data={"ad": "alfa"})
    if step == "represent":
        client.post(flow + "/authenticate", data={"persona": "anna:app", "password": "test"})
    if step == "not-authorised":
        login(client, flow, "zeta", "eva:key")
    response = client.post(flow + "/cancel")
    assert response.status_code == 303
    top, second, _ = status_of(delivered_response(client, env, response.headers["location"]))
    assert (top, second) == (c.STATUS_RESPONDER, c.STATUS_AUTHN_FAILED)


def test_eidas_person_logs_in_without_a_represent_step(client: TestClient, env: BrokerEnv) -> None:
    flow = start(client, env, index=3, issuer=DV_EIDAS_ENTITY)
    low = login(client, flow, "eidas", "sophie:")
    assert low.status_code == 422  # EH2 person, EH3 service
    done = client.post(flow + "/authenticate", data={"persona": "giulia:", "password": "test"})
    assert done.status_code == 303 and done.headers["location"].startswith(env.dv_url)


def test_test_options_switch_to_the_post_binding_and_a_scenario(client: TestClient, env: BrokerEnv) -> None:
    flow = start(client, env, index=1)
    page = client.get(flow)
    assert 'data-testid="scenario-select"' in page.text
    assert (
        client.post(flow + "/options", data={"scenario": "wrong_audience", "binding": "post", "next": flow}).status_code
        == 303
    )
    login(client, flow, "alfa", "anna:app")
    done = client.post(flow + "/represent", data={"option": "korenaar||"})
    assert done.status_code == 200 and 'name="SAMLResponse"' in done.text
    assert f'action="{env.dv_url}/acs"' in done.text
    assert_page_headers(done)


def test_replay_scenario_shows_two_deliveries(client: TestClient, env: BrokerEnv) -> None:
    flow = start(client, env, index=1)
    client.post(flow + "/options", data={"scenario": "replayed_assertion", "binding": "artifact", "next": flow})
    login(client, flow, "alfa", "anna:app")
    page = client.post(flow + "/represent", data={"option": "korenaar||"})
    assert 'data-testid="deliver-1"' in page.text and 'data-testid="deliver-2"' in page.text


def test_english_on_request(client: TestClient, env: BrokerEnv) -> None:
    flow = start(client, env)
    page = client.get(flow + "?lang=en")
    assert '<html lang="en">' in page.text and "Choose your login means provider" in page.text
    again = client.get(flow)  # the choice sticks for the flow
    assert "Choose your login means provider" in again.text
    dutch = client.get(flow + "?lang=nl")
    assert '<html lang="nl">' in dutch.text and "Kies uw inlogmiddel-leverancier" in dutch.text


def test_unknown_flow_and_home_page(client: TestClient, env: BrokerEnv) -> None:
    assert client.get("/broker/login/does-not-exist").status_code == 404
    home = client.get("/")
    assert home.status_code == 200 and "urn:etoegang:DV:00000001234567890000:entities:9009" in home.text
    assert 'data-testid="persona-table"' in home.text
    assert client.get("/broker/static/broker.css").status_code == 200


def test_a_grant_needs_an_authenticated_person(client: TestClient, env: BrokerEnv) -> None:
    flow_id = start(client, env).rsplit("/", 1)[-1]
    flow = env.broker.state.flow(flow_id)
    assert flow is not None and flow.persona_id is None
    with pytest.raises(PageError) as refused:
        env.broker.grant_for(flow, option=None)
    assert refused.value.reason == "flow_incomplete" and refused.value.status == 409
