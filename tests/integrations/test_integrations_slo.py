"""Single sign-on and single logout through the integrations, against the running simulator.

In headless Chromium (Starlette/FastAPI and Flask): a second service in the AD session
logs in without credentials; logging out ends the DV session and the simulator's AD
session, after which a login asks for credentials again; a broken LogoutResponse still
leaves the user logged out (fail closed); a broker-initiated logout ends the DV session.
Headless (httpx): a refused LogoutRequest ends the session too.
"""

from __future__ import annotations

from typing import Any

import pytest
from site_env import Headless, Site

from support.broker_pages import choose_ad, log_in

pytestmark = [pytest.mark.network]


@pytest.fixture(scope="module")
def slo_sites(make_site: Any) -> dict[str, Site]:
    # The site on "localhost", the broker on 127.0.0.1: every hop between them is cross-site.
    return {"fastapi": make_site("fastapi", host="localhost", slo=True), "flask": make_site("flask", slo=True)}


def _login_with_credentials(page: Any) -> None:
    page.get_by_test_id("service-name").wait_for()
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("option-korenaar-all-direct").check()
    page.get_by_test_id("represent-submit").click()


def _logged_out_at_dv(page: Any, site: Site) -> None:
    page.goto(site.url + "/vergunning")
    assert page.url.startswith(site.broker_url + "/broker/login/")


@pytest.mark.browser
@pytest.mark.parametrize("which", ["fastapi", "flask"])
def test_sso_for_a_second_service_and_single_logout(page: Any, slo_sites: dict[str, Site], which: str) -> None:
    site = slo_sites[which]
    page.goto(site.url + "/vergunning")
    _login_with_credentials(page)
    page.get_by_test_id("identity").wait_for()
    # A second service in the same AD session: no AD choice, no password.
    page.goto(site.url + "/melding")
    page.get_by_test_id("ehkit-retry").click()
    page.get_by_test_id("sso-notice").wait_for()
    assert page.get_by_test_id("password").count() == 0
    page.get_by_test_id("represent-submit").click()
    page.get_by_test_id("identity").wait_for()
    assert page.get_by_test_id("service").inner_text() == "melding"
    # Single logout: the DV session ends first, then the broker ends the AD session.
    page.goto(site.url + "/eherkenning/logout/")
    page.get_by_test_id("ehkit-logout-submit").click()
    page.get_by_test_id("logged-out").wait_for()
    assert "Alfa" in page.get_by_test_id("logout-message").inner_text()
    page.get_by_test_id("logout-continue").click()
    page.wait_for_url(site.url + "/")
    # A login after that asks for the credentials again.
    page.goto(site.url + "/melding")
    page.get_by_test_id("service-name").wait_for()
    assert page.get_by_test_id("submit-ad").is_visible()


@pytest.mark.browser
def test_a_wrongly_signed_logout_response_still_logs_out(page: Any, slo_sites: dict[str, Site], audit: Any) -> None:
    site = slo_sites["fastapi"]
    page.goto(site.url + "/vergunning")
    _login_with_credentials(page)
    page.get_by_test_id("identity").wait_for()
    page.goto(site.url + "/eherkenning/logout/")
    page.get_by_test_id("ehkit-logout-submit").click()
    page.get_by_test_id("logged-out").wait_for()
    page.locator("#test-options summary").click()
    page.get_by_test_id("logout-scenario-select").select_option("logout_wrong_key")
    page.get_by_test_id("logout-continue").click()
    page.get_by_test_id("ehkit-page").wait_for()
    assert page.get_by_test_id("ehkit-page").get_attribute("data-outcome") == "logout-incomplete"
    assert "signature_untrusted" in [e["reason"] for e in audit()]
    _logged_out_at_dv(page, site)


@pytest.mark.browser
def test_broker_initiated_logout_ends_the_dv_session(page: Any, slo_sites: dict[str, Site]) -> None:
    site = slo_sites["flask"]
    page.goto(site.url + "/vergunning")
    _login_with_credentials(page)
    page.get_by_test_id("identity").wait_for()
    page.goto(site.broker_url + "/broker/session")
    page.get_by_test_id("broker-logout").click()
    page.get_by_test_id("logged-out").wait_for()
    assert page.locator('[data-outcome="ok"]').count() == 1
    _logged_out_at_dv(page, site)


def test_a_refused_logout_request_still_ends_the_session(slo_sites: dict[str, Site]) -> None:
    site = slo_sites["flask"]
    user = Headless(site)
    try:
        user.login("melding", person="anna")
        assert user.http.get("/melding").status_code == 200
        answer = user.http.get("/eherkenning/slo/", params={"SAMLRequest": "bm90IGEgbWVzc2FnZQ=="})
        # The broker still gets an answer (Requester/RequestDenied), at its SingleLogoutService.
        assert answer.status_code == 303 and answer.headers["location"].startswith(site.broker_url + "/broker/slo/")
        assert user.http.get("/melding").status_code == 302
    finally:
        user.close()


def test_logout_without_an_ad_session_is_not_possible_at_the_broker(slo_sites: dict[str, Site]) -> None:
    """A headless login has no AD session at the simulator: it says so, and the DV is logged out anyway."""
    site = slo_sites["fastapi"]
    user = Headless(site)
    try:
        user.login("melding", person="anna")
        done = user.http.post("/eherkenning/logout/", headers={"Origin": site.url})
        assert done.status_code == 303 and done.headers["location"].startswith(site.broker_url + "/broker/slo/")
        assert user.http.get("/melding").status_code == 302
    finally:
        user.close()


def test_the_check_command_sees_where_the_slo_endpoint_is(slo_sites: dict[str, Site]) -> None:
    from ehkit.config import load_config
    from ehkit.integrations.base.checks import route_findings
    from ehkit.integrations.base.settings import IntegrationSettings

    site = slo_sites["flask"]
    config = load_config(site.config)
    settings = IntegrationSettings.from_mapping({"CONFIG": str(site.config)}, label=str, source="test")
    ok = [f for f in route_findings(config, settings, "/eherkenning/acs/") if f.field == "dv.slo_url"]
    assert [f.level for f in ok] == ["ok"]
    wrong = [f for f in route_findings(config, settings, "/elders/acs/") if f.field == "dv.slo_url"]
    assert [f.level for f in wrong] == ["error"] and "/elders/slo/" in wrong[0].message
