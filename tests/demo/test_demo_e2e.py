"""The demo as a newcomer uses it: the sample portal, the simulator's screens,
back at the portal logged in. Playwright drives the system Chromium headless
against ``ehkit.demo.runner.start`` on free loopback ports."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.broker_pages import choose_ad, choose_scenario, log_in

pytestmark = [pytest.mark.browser, pytest.mark.network]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from ehkit.demo.runner import start

    root = tmp_path_factory.mktemp("demo")
    running = start(root, portal_port=_free_port(), broker_port=_free_port())
    try:
        yield running
    finally:
        running.stop()


def start_login(page: Any, demo: Any, service: str) -> None:
    page.goto(demo.portal_url + "/")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_test_id(f"login-{service}").click()
    page.get_by_test_id("service-name").wait_for()
    assert page.url.startswith(demo.broker_url)


def at_result(page: Any, demo: Any, service: str) -> dict[str, str]:
    page.get_by_test_id("result").wait_for()
    assert page.url == f"{demo.portal_url}/dienst/{service}"
    out = {}
    for field in ("legal-subject", "vestiging", "pseudonym", "loa-used", "loa-required", "intermediary"):
        if page.get_by_test_id(field).count():
            out[field] = page.get_by_test_id(field).inner_text()
    return out


def test_home_lists_the_three_services(page: Any, demo: Any) -> None:
    page.goto(demo.portal_url + "/")
    assert page.get_by_test_id("loa-melding").inner_text() == "EH2+"
    assert page.get_by_test_id("loa-vergunning").inner_text() == "EH3"
    assert page.get_by_test_id("loa-eidas").inner_text() == "EH3"
    # eIDAS: "European login" with the European-login mark and a link to government.nl, not eHerkenning.
    eidas = page.get_by_test_id("login-eidas")
    assert eidas.inner_text().strip() == "European login" and eidas.locator("img").count() == 1
    assert page.get_by_test_id("european-login-about").get_attribute("href") == "https://www.government.nl/"
    page.get_by_test_id("lang-switch").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Log in with eHerkenning" in page.get_by_test_id("login-melding").inner_text()
    assert "eHerkenning" not in page.get_by_test_id("login-eidas").inner_text()


def log_out(page: Any) -> None:
    """The portal's logout is single logout: the simulator says where you are logged out, then back."""
    page.get_by_test_id("logout").click()
    page.get_by_test_id("logged-out").wait_for()
    page.get_by_test_id("logout-continue").click()
    page.get_by_test_id("message").wait_for()


def test_sso_for_a_second_service_and_single_logout(page: Any, demo: Any) -> None:
    start_login(page, demo, "vergunning")
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("option-korenaar-all-direct").check()
    page.get_by_test_id("represent-submit").click()
    at_result(page, demo, "vergunning")
    # A second service within the AD session: no AD choice, no credentials.
    start_login(page, demo, "melding")
    page.get_by_test_id("sso-notice").wait_for()
    assert page.get_by_test_id("password").count() == 0
    page.get_by_test_id("represent-submit").click()
    at_result(page, demo, "melding")
    # Logging out ends the DV session and the simulator's AD session.
    page.get_by_test_id("logout").click()
    page.get_by_test_id("logged-out").wait_for()
    assert "Alfa" in page.get_by_test_id("logout-message").inner_text()
    page.get_by_test_id("logout-continue").click()
    assert page.get_by_test_id("message").inner_text() == "U bent uitgelogd."
    page.goto(demo.portal_url + "/dienst/melding")
    assert page.get_by_test_id("result").count() == 0
    # A login after that asks for the credentials again.
    start_login(page, demo, "melding")
    assert page.get_by_test_id("submit-ad").is_visible()


def test_company_login_and_logout(page: Any, demo: Any) -> None:
    start_login(page, demo, "vergunning")
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("option-korenaar-all-direct").check()
    page.get_by_test_id("represent-submit").click()
    r = at_result(page, demo, "vergunning")
    assert r["legal-subject"] == "30123456"
    assert r["loa-used"] == "EH3" and r["loa-required"] == "EH3"
    assert r["vestiging"] == "alle vestigingen"
    assert r["intermediary"] == "geen"
    assert "@" in r["pseudonym"] and len(r["pseudonym"]) == 97
    assert "Bakkerij De Korenaar" in page.get_by_test_id("company-name").inner_text()
    assert page.get_by_test_id("identifier-rsin").inner_text() == "843464097"
    assert "urn:" not in page.locator("dl").first.inner_text()
    log_out(page)
    assert page.get_by_test_id("message").inner_text() == "U bent uitgelogd."
    assert page.get_by_test_id("login-vergunning").is_visible()


def test_pseudonym_is_stable_per_person_and_company(page: Any, demo: Any) -> None:
    seen = []
    for _ in range(2):
        start_login(page, demo, "melding")
        choose_ad(page, "alfa")
        log_in(page, "anna-app")
        page.get_by_test_id("represent-submit").click()
        seen.append(at_result(page, demo, "melding")["pseudonym"])
        log_out(page)
    assert seen[0] == seen[1]


def test_vestiging_restricted_person(page: Any, demo: Any) -> None:
    start_login(page, demo, "vergunning")
    choose_ad(page, "alfa")
    log_in(page, "bram-app")
    page.get_by_test_id("option-korenaar-000012345602-direct").check()
    page.get_by_test_id("represent-submit").click()
    r = at_result(page, demo, "vergunning")
    assert r["legal-subject"] == "30123456"
    assert r["vestiging"] == "000012345602"


def test_intermediary_chain_authorisation(page: Any, demo: Any) -> None:
    start_login(page, demo, "melding")
    choose_ad(page, "beta")
    log_in(page, "carla-app")
    page.get_by_test_id("option-vandijk-all-telling").check()
    page.get_by_test_id("represent-submit").click()
    r = at_result(page, demo, "melding")
    assert r["legal-subject"] == "30234567"
    assert r["intermediary"].startswith("KvK 30345678")
    assert page.get_by_test_id("company-name").inner_text() == "Bouwbedrijf Van Dijk B.V."


def test_eidas_person(page: Any, demo: Any) -> None:
    start_login(page, demo, "eidas")
    choose_ad(page, "eidas")
    log_in(page, "giulia-eidas")
    r = at_result(page, demo, "eidas")
    assert r["loa-used"] == "EH3"
    assert r["legal-subject"]  # a pseudonym, not a KvK number
    assert not r["legal-subject"].isdigit()
    # The person, with labels; the pseudonym once; the URNs only under the details.
    assert page.get_by_test_id("person-first_name").inner_text() == "Giulia"
    assert page.get_by_test_id("person-family_name").inner_text() == "Rossi"
    assert page.get_by_test_id("person-date_of_birth").inner_text() == "1990-07-01"
    main = page.get_by_test_id("result").inner_text().replace(page.get_by_test_id("details").inner_text(), "")
    assert main.count(r["legal-subject"]) == 1 and "urn:" not in main
    assert "vestiging" not in r


def test_cancel_ends_on_a_clear_dutch_page(page: Any, demo: Any) -> None:
    start_login(page, demo, "melding")
    page.get_by_test_id("cancel").click()
    page.get_by_test_id("problem").wait_for()
    assert page.get_by_test_id("problem").get_attribute("data-reason") == "cancelled"
    assert page.get_by_test_id("problem-title").inner_text() == "Inloggen afgebroken"
    assert page.get_by_test_id("retry").get_attribute("href") == "/login/melding"
    # Processed once, then redirected: the address holds no SAMLart and a reload shows the same page.
    assert "/uitkomst/" in page.url and "SAMLart" not in page.url
    page.reload()
    assert page.get_by_test_id("problem").get_attribute("data-reason") == "cancelled"


def test_not_authorised_shows_explanation_at_broker(page: Any, demo: Any) -> None:
    start_login(page, demo, "vergunning")
    choose_ad(page, "zeta")
    log_in(page, "eva-key")
    page.get_by_test_id("not-authorised").wait_for()
    assert page.url.startswith(demo.broker_url)  # no response to the portal
    page.get_by_test_id("cancel").click()
    assert page.get_by_test_id("problem").get_attribute("data-reason") == "cancelled"


def test_insufficient_loa_page(page: Any, demo: Any) -> None:
    start_login(page, demo, "vergunning")
    choose_scenario(page, "loa_too_low")
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("represent-submit").click()
    page.get_by_test_id("problem").wait_for()
    assert page.get_by_test_id("problem").get_attribute("data-reason") == "loa_too_low"
    assert "EH3" in page.get_by_test_id("problem-text").inner_text()


def test_unreachable_broker_page(page: Any, demo: Any, tmp_path: Path) -> None:
    """The broker goes away between the login and the artifact resolution."""
    from ehkit.saml.artifact import Artifact

    start_login(page, demo, "melding")  # creates a pending request in this browser's session
    broker_server = demo.servers[0]
    broker_server.should_exit = True
    demo.threads[0].join(10)
    try:
        art = Artifact.new("urn:etoegang:HM:00000009876543210000:entities:9001").encode()
        from urllib.parse import quote

        page.goto(f"{demo.portal_url}/eherkenning/acs?SAMLart={quote(art, safe='')}")
        page.get_by_test_id("problem").wait_for()
        assert page.get_by_test_id("problem-title").inner_text() == "eHerkenning is niet bereikbaar"
    finally:
        # Leave the module's demo usable for tests that might run after this one.
        import threading

        import uvicorn

        server = uvicorn.Server(broker_server.config)
        th = threading.Thread(target=server.run, daemon=True)
        th.start()
        demo.servers[0], demo.threads[0] = server, th
        import time

        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)


def test_back_after_a_login_shows_the_logged_in_page(page: Any, demo: Any) -> None:
    start_login(page, demo, "vergunning")
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("represent-submit").click()
    at_result(page, demo, "vergunning")
    page.go_back()
    page.get_by_test_id("result").wait_for()
    assert page.url == f"{demo.portal_url}/dienst/vergunning"


def test_a_failed_login_page_survives_a_reload(page: Any, demo: Any) -> None:
    start_login(page, demo, "melding")
    choose_scenario(page, "wrong_audience")
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("represent-submit").click()
    page.get_by_test_id("problem").wait_for()
    assert page.get_by_test_id("problem-code").inner_text() == "audience_mismatch"
    assert "SAMLart" not in page.url
    page.reload()
    assert page.get_by_test_id("problem-code").inner_text() == "audience_mismatch"


def test_the_portal_language_carries_over_to_the_broker(page: Any, demo: Any) -> None:
    page.goto(demo.portal_url + "/?lang=en")
    page.get_by_test_id("login-melding").click()
    page.get_by_test_id("service-name").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Choose your login means provider" in page.content()


def test_unknown_addresses_get_a_404_page_and_there_is_a_favicon(page: Any, demo: Any) -> None:
    for path in ("/login/bestaat-niet", "/dienst/bestaat-niet", "/nergens"):
        response = page.goto(demo.portal_url + path)
        assert response.status == 404
        assert page.get_by_test_id("problem-title").inner_text() == "Pagina niet gevonden"
    response = page.goto(demo.portal_url + "/nergens?lang=en")
    assert response.status == 404 and page.get_by_test_id("problem-title").inner_text() == "Page not found"
    for base in (demo.portal_url, demo.broker_url):
        icon = page.request.get(base + "/favicon.ico")
        assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_remember_my_choice_of_authentication_service(page: Any, demo: Any) -> None:
    start_login(page, demo, "melding")
    assert not page.get_by_test_id("remember").is_checked()  # nothing is remembered unasked
    assert page.get_by_test_id("remembered-ad").count() == 0
    page.get_by_test_id("ad-beta").check()
    page.get_by_test_id("remember").check()
    page.get_by_test_id("submit-ad").click()
    page.get_by_test_id("ad-name").wait_for()
    page.get_by_test_id("cancel").click()
    page.get_by_test_id("problem").wait_for()
    # Next time: pre-selected, said so, and another can be chosen.
    start_login(page, demo, "melding")
    assert page.get_by_test_id("ad-beta").is_checked() and page.get_by_test_id("remember").is_checked()
    assert "Bèta Inlogdiensten (test)" in page.get_by_test_id("remembered-ad").inner_text()
    page.get_by_test_id("ad-alfa").check()
    page.get_by_test_id("remember").uncheck()  # and forget it
    page.get_by_test_id("submit-ad").click()
    assert "Alfa Herkenning" in page.get_by_test_id("ad-name").inner_text()
    page.get_by_test_id("cancel").click()
    page.get_by_test_id("problem").wait_for()
    start_login(page, demo, "melding")
    assert page.get_by_test_id("remembered-ad").count() == 0
    assert not any(page.get_by_test_id(f"ad-{ad}").is_checked() for ad in ("alfa", "beta", "zeta"))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_portal_and_simulator_pages_are_in_one_language(page: Any, demo: Any, lang: str) -> None:
    from ehkit.broker.data import load_test_data
    from ehkit.broker.i18n import TEXTS as BROKER_TEXTS
    from ehkit.demo.texts import TEXTS as PORTAL_TEXTS
    from support.languages import assert_one_language, known_labels

    data = load_test_data()
    portal = known_labels((t["nl"], t["en"]) for t in PORTAL_TEXTS.values())
    broker = known_labels(
        [*BROKER_TEXTS.values(), *((p.description_nl, p.description_en) for p in data.persons)]
        + [(a.description_nl, a.description_en) for a in data.authentication_services]
    )
    page.goto(f"{demo.portal_url}/?lang={lang}")
    assert_one_language(page.content(), lang, portal, "portal home")
    page.get_by_test_id("login-vergunning").click()
    page.get_by_test_id("service-name").wait_for()
    assert_one_language(page.content(), lang, broker, "choose AD")
    choose_ad(page, "beta")
    assert_one_language(page.content(), lang, broker, "log in")
    log_in(page, "carla-app")
    page.get_by_test_id("represent-submit").wait_for()
    assert_one_language(page.content(), lang, broker, "represent")
    assert page.get_by_test_id("chains-not-allowed").count() == 1  # vergunning allows no intermediaries
    page.get_by_test_id("represent-submit").click()
    page.get_by_test_id("result").wait_for()
    assert_one_language(page.content(), lang, portal, "result")
    page.goto(f"{demo.portal_url}/nergens")
    assert_one_language(page.content(), lang, portal, "404")
    page.goto(f"{demo.broker_url}/?lang={lang}")  # the simulator's own pages: its switch (a cookie there)
    assert_one_language(page.content(), lang, broker, "simulator overview")
    page.goto(f"{demo.portal_url}/login/melding")
    page.get_by_test_id("cancel").click()
    page.get_by_test_id("problem").wait_for()
    assert_one_language(page.content(), lang, portal, "cancelled")


def test_the_simulator_overview_says_who_may_act_for_whom_per_service(demo: Any) -> None:
    import httpx

    page = httpx.get(demo.broker_url + "/?lang=en").text

    def item(service: int, person: str) -> str:
        match = re.search(rf'data-testid="who-{service}-{person}">(.*?)</li>', page, re.S)
        assert match, f"{person} not listed for service {service}"
        return html.unescape(" ".join(re.sub(r"<[^>]+>", "", match.group(1)).split()))

    # melding (1) allows intermediaries: Carla's chain authorisations count there.
    assert "Bouwbedrijf Van Dijk B.V. (chain authorisation through Administratiekantoor Telling & Co B.V.)" in item(
        1, "carla"
    )
    assert "login means too low" in item(1, "dirk")
    # vergunning (2) does not: Carla acts for her own office only; Bram for his branch only.
    assert item(2, "carla") == "Carla Telling may act for: Administratiekantoor Telling & Co B.V."
    assert "branch 000012345602 only" in item(2, "bram")
    assert 'data-testid="who-2-fleur"' not in page  # authorised for melding only
    # eidas (3): the eIDAS persons, Sophie's EH2 too low for EH3.
    assert "acts for themself (eIDAS)" in item(3, "giulia") and "too low" not in item(3, "giulia")
    assert "login means too low" in item(3, "sophie")
    assert 'data-testid="who-3-anna"' not in page


def test_back_after_an_oidc_login_shows_the_logged_in_page(page: Any, demo: Any) -> None:
    """ "subsidie" logs in over OIDC through the same integration; Back from its result page never gives a 403."""
    start_login(page, demo, "subsidie")
    choose_ad(page, "alfa")
    log_in(page, "bram-app")
    page.get_by_test_id("option-korenaar-000012345602-direct").check()
    page.get_by_test_id("represent-submit").click()
    r = at_result(page, demo, "subsidie")
    assert r["legal-subject"] == "30123456" and r["loa-required"] == "EH3"
    response = page.go_back()
    assert response is None or response.status < 400
    page.get_by_test_id("result").wait_for()
    assert page.url == f"{demo.portal_url}/dienst/subsidie"
