"""The whole login as a person does it: a DV page, the broker's screens, back at the DV.

Playwright drives the system Chromium (headless) against the broker and a DV
web app using the ehkit SP, both on loopback ports.
"""

from __future__ import annotations

from typing import Any

import pytest
from broker_harness import BrokerEnv

from support.broker_pages import choose_ad, choose_scenario, log_in

pytestmark = [pytest.mark.browser, pytest.mark.network]


def begin(page: Any, live: BrokerEnv, service: str) -> None:
    page.goto(f"{live.dv_url}/start/{service}")
    page.get_by_test_id("service-name").wait_for()
    assert page.url.startswith(f"{live.base_url}/broker/login/")


def test_vestiging_login_through_every_screen(page: Any, live: BrokerEnv) -> None:
    begin(page, live, "vergunning")
    assert page.get_by_test_id("required-loa").inner_text() == "EH3"
    assert page.locator("html").get_attribute("lang") == "nl"
    ads = page.locator("[data-testid^='ad-']:not([data-testid='ad-name'])")
    assert [ads.nth(i).get_attribute("data-testid") for i in range(ads.count())] == ["ad-alfa", "ad-beta", "ad-zeta"]
    choose_ad(page, "alfa")
    log_in(page, "bram-app")
    page.get_by_test_id("option-korenaar-000012345602-direct").check()
    page.get_by_test_id("represent-submit").click()
    page.get_by_test_id("dv-welcome").wait_for()
    assert page.url.startswith(f"{live.dv_url}/acs?SAMLart=")
    assert page.get_by_test_id("dv-legal-type").inner_text() == "KVK"
    assert page.get_by_test_id("dv-legal-value").inner_text() == "30123456"
    assert page.get_by_test_id("dv-vestiging").inner_text() == "000012345602"
    assert page.get_by_test_id("dv-loa").inner_text() == "EH3"


def test_wrong_password_low_means_and_cancel(page: Any, live: BrokerEnv) -> None:
    begin(page, live, "melding")
    choose_ad(page, "beta")
    log_in(page, "anna-sms", password="fout")
    assert page.get_by_test_id("error-message").get_attribute("data-reason") == "bad_password"
    log_in(page, "dirk-sms")
    assert page.get_by_test_id("error-message").get_attribute("data-reason") == "loa_too_low"
    assert page.get_by_role("alert").count() == 1
    page.get_by_test_id("cancel").click()
    page.get_by_test_id("dv-refused").wait_for()
    assert page.get_by_test_id("dv-refused").get_attribute("data-reason") == "cancelled"


def test_not_authorised_page_then_cancel(page: Any, live: BrokerEnv) -> None:
    begin(page, live, "vergunning")
    choose_ad(page, "zeta")
    log_in(page, "eva-key")
    page.get_by_test_id("not-authorised").wait_for()
    assert live.base_url in page.url  # no response went to the DV
    page.get_by_test_id("cancel").click()
    assert page.get_by_test_id("dv-refused").get_attribute("data-reason") == "cancelled"


def test_english_and_a_scenario_chosen_on_the_page(page: Any, live: BrokerEnv) -> None:
    begin(page, live, "melding")
    page.locator("#lang-switch").click()
    page.get_by_text("Choose your login means provider").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    choose_scenario(page, "wrong_audience")
    assert "Wrong audience" in page.get_by_test_id("current-scenario").inner_text()
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("represent-submit").click()
    assert page.get_by_test_id("dv-refused").get_attribute("data-reason") == "audience_mismatch"


def test_post_binding_form_submits_itself(page: Any, live: BrokerEnv) -> None:
    begin(page, live, "melding")
    page.locator("#test-options summary").click()
    page.get_by_test_id("binding-select").select_option("post")
    page.get_by_test_id("options-save").click()
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("represent-submit").click()
    page.get_by_test_id("dv-refused").wait_for()
    assert page.url == f"{live.dv_url}/acs"
    # The DV asked for the artifact binding, so its SP refuses the POSTed response as such.
    assert page.get_by_test_id("dv-refused").get_attribute("data-reason") == "binding_mismatch"


def test_eidas_login(page: Any, live: BrokerEnv) -> None:
    begin(page, live, "eidas")
    choose_ad(page, "eidas")
    log_in(page, "giulia-eidas")
    page.get_by_test_id("dv-welcome").wait_for()
    assert page.get_by_test_id("dv-legal-type").inner_text() == "PSEUDO"
