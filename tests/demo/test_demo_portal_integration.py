"""The portal is built on ehkit.integrations.starlette: its routes, the old addresses that still work,
and the outcome page the integration's ERROR_HOOK leads to. No broker runs here (Starlette's test client)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ehkit.demo.portal import SESSION_COOKIE, create_portal
from ehkit.demo.setup import ACS_PATH, CALLBACK_PATH, prepare
from ehkit.integrations.starlette import EHerkenning


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from starlette.testclient import TestClient

    # Ports nobody listens on: the broker is "down" for every login that reaches it.
    paths = prepare(tmp_path_factory.mktemp("portal"), portal_port=9, broker_port=9)
    app = create_portal(paths.config)
    try:
        yield TestClient(app, base_url="http://127.0.0.1:9", follow_redirects=False)
    finally:
        app.state.ehkit.stop()


def test_the_portal_mounts_the_integration(portal: Any) -> None:
    eh = portal.app.state.ehkit
    assert isinstance(eh, EHerkenning)
    assert eh.core.acs_path == ACS_PATH and eh.core.callback_path == CALLBACK_PATH
    assert eh.core.protocols["subsidie"] == "oidc" and eh.core.protocols["melding"] == "saml"
    metadata = portal.get("/eherkenning/metadata/eherkenning/")
    assert metadata.status_code == 200 and metadata.headers["content-type"].startswith("application/samlmetadata")
    start = portal.get("/login/melding")
    assert start.status_code == 303
    assert start.headers["location"] == "/eherkenning/login/?service=melding&next=%2Fdienst%2Fmelding"


def test_old_addresses_keep_working(portal: Any) -> None:
    old_acs = portal.get("/eherkenning/acs?SAMLart=abc")
    assert old_acs.status_code == 307 and old_acs.headers["location"].endswith("/eherkenning/acs/?SAMLart=abc")
    old_callback = portal.get("/oidc/callback?code=c&state=s&iss=x")
    assert old_callback.status_code == 307
    assert old_callback.headers["location"] == "/eherkenning/oidc/callback/?code=c&state=s&iss=x"
    assert portal.post("/logout", headers={"Origin": "http://127.0.0.1:9"}).headers["location"] == "/?uitgelogd=1"


def test_a_failed_start_ends_on_the_portal_outcome_page_with_its_code(portal: Any) -> None:
    portal.cookies.clear()
    for service, code in (("subsidie", "oidc_discovery_unavailable"), ("melding", "metadata_unavailable")):
        start = portal.get(f"/eherkenning/login/?service={service}&next=/dienst/{service}")
        assert start.status_code == 303 and start.headers["location"].startswith("/uitkomst/")
        assert portal.cookies.get(SESSION_COOKIE)
        page = portal.get(start.headers["location"])
        assert page.status_code == 503 and 'data-testid="problem-code"' in page.text
        assert code in page.text, page.text
        assert 'href="/login/' + service + '"' in page.text
    # Another visitor cannot open the record.
    portal.cookies.clear()
    assert portal.get(start.headers["location"]).status_code == 404


def test_an_answer_without_a_login_in_progress_gives_a_clear_page(portal: Any) -> None:
    portal.cookies.clear()
    for path in (CALLBACK_PATH + "?code=c&state=s", ACS_PATH + "?SAMLart=abc"):
        answer = portal.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/uitkomst/")
        page = portal.get(answer.headers["location"])
        assert page.status_code == 400 and "request_binding_missing" in page.text
