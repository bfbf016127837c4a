"""Steps through the broker simulator's login screens, shared by the browser tests."""

from __future__ import annotations

from typing import Any


def choose_ad(page: Any, ad: str) -> None:
    page.get_by_test_id(f"ad-{ad}").check()
    page.get_by_test_id("submit-ad").click()
    page.get_by_test_id("ad-name").wait_for()


def log_in(page: Any, persona: str, password: str = "test") -> None:
    page.get_by_test_id(f"persona-{persona}").check()
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id("login-submit").click()


def choose_scenario(page: Any, scenario: str) -> None:
    """Pick a fault scenario in the page's test options for this login."""
    page.locator("#test-options summary").click()
    page.get_by_test_id("scenario-select").select_option(scenario)
    page.get_by_test_id("options-save").click()
