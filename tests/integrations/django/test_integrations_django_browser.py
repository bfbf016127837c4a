"""The Django app in headless Chromium: a login through the simulator's screens and the cancel page."""

from __future__ import annotations

from typing import Any

import pytest
from site_env import Site

from support.broker_pages import choose_ad, log_in

pytestmark = [pytest.mark.browser, pytest.mark.network]


def test_login_through_the_simulator_screens(page: Any, dj_site: Site) -> None:
    page.goto(dj_site.url + "/aanvraag")
    assert page.url.startswith(dj_site.broker_url + "/broker/login/")
    choose_ad(page, "alfa")
    log_in(page, "bram-app")
    page.get_by_test_id("option-korenaar-000012345602-direct").check()
    page.get_by_test_id("represent-submit").click()
    page.get_by_test_id("identity").wait_for()
    assert page.url == dj_site.url + "/aanvraag"
    assert page.get_by_test_id("legal-subject").inner_text() == "30123456"
    assert page.get_by_test_id("vestiging").inner_text() == "000012345602"


def test_cancel_page_rendered_by_django(page: Any, dj_site: Site, audit: Any) -> None:
    page.goto(dj_site.url + "/melding")
    page.get_by_test_id("cancel").click()
    page.get_by_test_id("ehkit-page").wait_for()
    assert page.get_by_test_id("ehkit-title").inner_text() == "Inloggen afgebroken", audit()
    page.get_by_test_id("ehkit-lang-switch").click()
    assert page.get_by_test_id("ehkit-title").inner_text() == "Login cancelled"
