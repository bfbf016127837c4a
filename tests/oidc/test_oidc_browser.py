"""In the browser: one protected page of an example DV admits a user who logged in over SAML or over
OIDC through the simulator's screens, shows the same login, and refuses the faults."""

from __future__ import annotations

import html
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from oidc_harness import Keys, OidcWorld, ServerThread, Variant, free_port, make_world
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ehkit.errors import LoginRejected
from ehkit.reasons import outcome
from support.broker_pages import choose_ad, choose_scenario, log_in

pytestmark = [pytest.mark.browser, pytest.mark.network]


def example_app(world: OidcWorld) -> Starlette:
    """A DV with one protected page, /aanvraag; the login result lives server-side, keyed by a cookie."""
    pending: dict[str, str] = {}
    sessions: dict[str, Any] = {}

    def show_identity(result: Any) -> str:
        rows = {
            "legal": f"{result.legal_subject.type.name} {result.legal_subject.value}",
            "acting": str(result.acting_subject.value),
            "loa": result.loa.label,
            "vestiging": result.vestigingsnummer or "",
            "service": result.service,
            "binding": result.binding,
        }
        return "".join(f'<dd data-testid="dv-{k}">{html.escape(v)}</dd>' for k, v in rows.items())

    async def start(request: Request) -> Response:
        variant, service = request.path_params["variant"], request.path_params["service"]
        begin = world.sp(variant).start_login(service, relay_state="/aanvraag")
        pending[begin.relay_state] = begin.request_id
        response = RedirectResponse(begin.url, status_code=303)
        response.set_cookie("variant", variant)
        return response

    def finish(request: Request, login: Any) -> Response:
        try:
            result = login()
        except LoginRejected as exc:
            return HTMLResponse(
                f'<p data-testid="dv-refused" data-reason="{html.escape(exc.reason)}">'
                f"{'Geannuleerd' if outcome(exc.reason) == 'cancelled' else 'Inloggen mislukt'}</p>",
                status_code=403,
            )
        sid = secrets.token_urlsafe(16)
        sessions[sid] = result
        response = RedirectResponse(result.relay_state or "/aanvraag", status_code=303)
        response.set_cookie("sid", sid)
        return response

    async def acs(request: Request) -> Response:
        q = request.query_params
        sp = world.sp("saml")
        return finish(
            request,
            lambda: sp.finish_login(
                saml_art=q.get("SAMLart"),
                relay_state=q.get("RelayState"),
                request_id=pending.get(q.get("RelayState") or ""),
            ),
        )

    async def oidc_callback(request: Request) -> Response:
        sp = world.sp(request.cookies.get("variant", "urn"))
        state = request.query_params.get("state") or ""
        return finish(
            request, lambda: sp.finish_oidc_login(request.query_params.multi_items(), request_id=pending.get(state))
        )

    async def protected(request: Request) -> Response:
        result = sessions.get(request.cookies.get("sid", ""))
        if result is None:
            return HTMLResponse('<p data-testid="dv-login-required">Log eerst in</p>', status_code=401)
        return HTMLResponse(f'<h1 data-testid="dv-welcome">Aanvraag</h1><dl>{show_identity(result)}</dl>')

    return Starlette(
        routes=[
            Route("/start/{variant}/{service}", start),
            Route("/acs", acs),
            Route("/oidc/callback", oidc_callback),
            Route("/aanvraag", protected),
        ]
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Iterator[OidcWorld]:
    dv_port = free_port()
    world = make_world(
        tmp_path_factory.mktemp("browser"),
        keys,
        [Variant("saml", protocol="saml"), Variant("urn"), Variant("kc", profile="keycloak")],
        dv_port=dv_port,
    )
    dv = ServerThread(example_app(world), dv_port).start()
    try:
        yield world
    finally:
        dv.stop()
        world.close()


def login_as_bram(page: Any, scenario: str | None = None) -> None:
    choose_ad(page, "alfa")
    if scenario:
        choose_scenario(page, scenario)
    log_in(page, "bram-app")
    page.get_by_test_id("option-korenaar-000012345602-direct").check()
    page.get_by_test_id("represent-submit").click()


def identity_shown(page: Any) -> dict[str, str]:
    page.get_by_test_id("dv-welcome").wait_for()
    return {k: page.get_by_test_id(f"dv-{k}").inner_text() for k in ("legal", "acting", "loa", "vestiging", "service")}


def test_the_same_protected_page_admits_saml_and_oidc_logins(live: OidcWorld, page: Any) -> None:
    page.goto(f"{live.dv_url}/aanvraag")
    assert page.get_by_test_id("dv-login-required").is_visible()
    page.goto(f"{live.dv_url}/start/saml/vergunning")
    login_as_bram(page)
    over_saml = identity_shown(page)
    assert page.get_by_test_id("dv-binding").inner_text() == "artifact"
    for variant in ("urn", "kc"):
        page.context.clear_cookies()
        page.goto(f"{live.dv_url}/start/{variant}/vergunning")
        assert "/broker/login/" in page.url  # the same login screens as for SAML
        login_as_bram(page)
        assert identity_shown(page) == over_saml
        assert page.get_by_test_id("dv-binding").inner_text() == "oidc"
    assert over_saml["legal"] == "KVK 30123456" and over_saml["vestiging"] == "000012345602"


@pytest.mark.parametrize(
    ("scenario", "reason"), [("oidc_alg_none", "oidc_alg_not_allowed"), ("oidc_loa_too_low", "loa_too_low")]
)
def test_faults_chosen_in_the_test_options_are_refused(live: OidcWorld, page: Any, scenario: str, reason: str) -> None:
    page.goto(f"{live.dv_url}/start/urn/vergunning")
    assert page.get_by_test_id("binding-select").count() == 0  # no SAML binding choice for an OIDC login
    login_as_bram(page, scenario)
    refused = page.get_by_test_id("dv-refused")
    refused.wait_for()
    assert refused.get_attribute("data-reason") == reason
    page.goto(f"{live.dv_url}/aanvraag")
    assert page.get_by_test_id("dv-login-required").is_visible()


def test_cancel_on_the_login_screen(live: OidcWorld, page: Any) -> None:
    page.goto(f"{live.dv_url}/start/urn/melding")
    page.get_by_test_id("cancel").first.click()
    refused = page.get_by_test_id("dv-refused")
    refused.wait_for()
    assert refused.get_attribute("data-reason") == "cancelled" and refused.inner_text() == "Geannuleerd"
