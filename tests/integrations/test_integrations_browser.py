"""In headless Chromium: a login through the simulator's screens, the pages people see, and the
binding cookie against a real browser's SameSite rules (cross-site artifact GET and cross-site POST).

Servers are shared per module and one browser per session, to keep this fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from site_env import Site, self_signed

from support.broker_pages import choose_ad, log_in

pytestmark = [pytest.mark.browser, pytest.mark.network]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def fastapi_site(make_site: Any) -> Site:
    # The site on "localhost", the broker on 127.0.0.1: every return from the broker is cross-site.
    return make_site("fastapi", host="localhost")


@pytest.fixture(scope="module")
def flask_site(make_site: Any) -> Site:
    return make_site("flask")


def login_at_broker(page: Any, person: str = "anna-app", option: str | None = "option-korenaar-all-direct") -> None:
    page.get_by_test_id("service-name").wait_for()
    choose_ad(page, "alfa")
    log_in(page, person)
    if option:
        page.get_by_test_id(option).check()
    page.get_by_test_id("represent-submit").click()


@pytest.mark.parametrize("which", ["fastapi", "flask"])
def test_login_through_the_simulator_screens(
    page: Any, which: str, request: pytest.FixtureRequest, shots: Path
) -> None:
    site: Site = request.getfixturevalue(f"{which}_site")
    page.goto(site.url + "/vergunning")
    assert page.url.startswith(site.broker_url + "/broker/login/"), (page.url, page.content()[:2000])
    login_at_broker(page)
    page.get_by_test_id("identity").wait_for()
    assert page.url == site.url + "/vergunning"
    assert page.get_by_test_id("legal-subject").inner_text() == "30123456"
    assert page.get_by_test_id("loa").inner_text() == "EH3"
    assert page.get_by_test_id("vestiging").inner_text() == "alle vestigingen"
    # The level guard in the browser: a vergunning login does not open melding.
    page.goto(site.url + "/melding")
    assert page.get_by_test_id("ehkit-page").get_attribute("data-verdict") == "wrong_service"
    assert page.get_by_test_id("ehkit-title").inner_text() == "Andere inlog nodig"
    page.screenshot(path=str(shots / f"forbidden-nl-{which}.png"), full_page=True)
    page.get_by_test_id("ehkit-retry").click()
    assert page.url.startswith(site.broker_url + "/broker/login/")


def test_cancel_page_in_dutch_and_english(page: Any, fastapi_site: Site, shots: Path) -> None:
    page.goto(fastapi_site.url + "/vergunning")
    page.get_by_test_id("cancel").click()
    page.get_by_test_id("ehkit-page").wait_for()
    assert page.get_by_test_id("ehkit-page").get_attribute("data-outcome") == "cancelled"
    assert page.get_by_test_id("ehkit-title").inner_text() == "Inloggen afgebroken"
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(shots / f"cancelled-nl-{width}.png"), full_page=True)
    page.get_by_test_id("ehkit-lang-switch").click()
    assert page.get_by_test_id("ehkit-title").inner_text() == "Login cancelled"
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(shots / "cancelled-en-1280.png"), full_page=True)
    page.get_by_test_id("ehkit-retry").click()  # back to the broker for the same service
    assert page.get_by_test_id("service-name").is_visible()


def test_logout_in_the_browser(page: Any, flask_site: Site, shots: Path) -> None:
    page.goto(flask_site.url + "/melding")
    login_at_broker(page, option=None)
    page.get_by_test_id("identity").wait_for()
    page.goto(flask_site.url + "/eherkenning/logout/?lang=en")
    assert page.get_by_test_id("ehkit-title").inner_text() == "Log out"
    page.set_viewport_size({"width": 375, "height": 700})
    page.screenshot(path=str(shots / "logout-en-375.png"), full_page=True)
    page.get_by_test_id("ehkit-logout-submit").click()
    page.get_by_test_id("anonymous").wait_for()
    page.goto(flask_site.url + "/melding")
    assert page.url.startswith(flask_site.broker_url)


@pytest.fixture(scope="module")
def post_sites(make_site: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    """The POST response binding on https://localhost, the broker on http://127.0.0.1 (cross-site)."""
    ssl = self_signed(tmp_path_factory.mktemp("tls"))
    settings = {"RESPONSE_BINDING": "post"}
    return {
        "none": make_site("fastapi", host="localhost", site_ssl=ssl, post=True, settings=settings),
        "lax": make_site(
            "fastapi", host="localhost", site_ssl=ssl, post=True, settings={**settings, "COOKIE_SAMESITE": "Lax"}
        ),
    }


@pytest.fixture
def tls_page(browser: Any) -> Any:
    context = browser.new_context(locale="nl-NL", ignore_https_errors=True)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def test_cross_site_post_carries_the_samesite_none_cookie(tls_page: Any, post_sites: dict[str, Site]) -> None:
    site = post_sites["none"]
    tls_page.goto(site.url + "/melding")
    cookie = next(c for c in tls_page.context.cookies() if c["name"] == "ehkit_request")
    assert cookie["sameSite"] == "None" and cookie["secure"] and cookie["httpOnly"]
    login_at_broker(tls_page, option=None)  # the broker answers with a self-posting form: a cross-site POST
    tls_page.get_by_test_id("identity").wait_for()
    assert tls_page.url == site.url + "/melding"
    assert tls_page.get_by_test_id("service").inner_text() == "melding"


def test_cross_site_post_drops_a_lax_cookie(tls_page: Any, post_sites: dict[str, Site], audit: Any) -> None:
    """Why the cookie is SameSite=None: with Lax the browser leaves it out of the broker's POST."""
    site = post_sites["lax"]
    tls_page.goto(site.url + "/melding")
    login_at_broker(tls_page, option=None)
    tls_page.get_by_test_id("ehkit-page").wait_for()
    assert tls_page.get_by_test_id("ehkit-page").get_attribute("data-outcome") == "refused"
    assert "request_binding_missing" in [e["reason"] for e in audit()]


def test_cross_site_artifact_get_carries_the_lax_cookie(page: Any, fastapi_site: Site) -> None:
    """Plain http, site and broker on different sites: the artifact's top-level GET redirect carries Lax."""
    page.goto(fastapi_site.url + "/melding")
    cookie = next(c for c in page.context.cookies() if c["name"] == "ehkit_request")
    assert cookie["sameSite"] == "Lax" and not cookie["secure"]
    login_at_broker(page, option=None)
    page.get_by_test_id("identity").wait_for()
    assert page.get_by_test_id("service").inner_text() == "melding"


@pytest.fixture(scope="module")
def oidc_site(make_site: Any) -> Site:
    # The same test app as the other sites; its ehkit.toml says OIDC. Site on "localhost", the
    # simulator on 127.0.0.1: the return from the provider is a cross-site top-level GET.
    return make_site("starlette", host="localhost", oidc=True)


def test_oidc_login_through_the_integration(page: Any, oidc_site: Site, shots: Path) -> None:
    page.goto(oidc_site.url + "/vergunning")
    # The simulator's OpenID provider shows the same screens as its SAML front.
    assert page.url.startswith(oidc_site.broker_url + "/broker/login/"), page.url
    login_at_broker(page, "bram-app", "option-korenaar-000012345602-direct")
    page.get_by_test_id("identity").wait_for()
    assert page.url == oidc_site.url + "/vergunning"
    assert page.get_by_test_id("legal-subject").inner_text() == "30123456"
    assert page.get_by_test_id("vestiging").inner_text() == "000012345602"
    assert page.get_by_test_id("loa").inner_text() == "EH3"
    page.screenshot(path=str(shots / "oidc-logged-in.png"), full_page=True)
    # Back from the protected view: never a bare 403 from the spent callback.
    response = page.go_back()
    assert response is None or response.status < 400, (page.url, response.status if response else None)
    page.goto(oidc_site.url + "/vergunning")
    assert page.get_by_test_id("legal-subject").inner_text() == "30123456"
    # The level guard as for SAML: a vergunning login does not open melding.
    page.goto(oidc_site.url + "/melding")
    assert page.get_by_test_id("ehkit-page").get_attribute("data-verdict") == "wrong_service"
