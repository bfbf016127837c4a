"""The sample portal's fourth service, "subsidie", logs in over the simulator's OpenID Connect front."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from oidc_harness import free_port

from support.broker_pages import choose_ad, log_in

pytestmark = [pytest.mark.browser, pytest.mark.network]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from ehkit.demo.runner import start

    running = start(tmp_path_factory.mktemp("demo-oidc"), portal_port=free_port(), broker_port=free_port())
    try:
        yield running
    finally:
        running.stop()


def test_subsidie_over_oidc_in_the_demo(page: Any, demo: Any) -> None:
    from ehkit.config import load_config

    config = load_config(demo.paths.config)
    assert config.protocol_of(config.service("subsidie")) == "oidc"
    assert {config.protocol_of(config.service(k)) for k in ("melding", "vergunning", "eidas")} == {"saml"}
    page.goto(demo.portal_url + "/")
    page.get_by_test_id("login-subsidie").click()
    page.get_by_test_id("service-name").wait_for()
    assert page.url.startswith(demo.broker_url + "/broker/login/")
    choose_ad(page, "alfa")
    log_in(page, "bram-app")
    page.get_by_test_id("option-korenaar-000012345602-direct").check()
    page.get_by_test_id("represent-submit").click()
    page.get_by_test_id("result").wait_for()
    assert page.url == f"{demo.portal_url}/dienst/subsidie"
    assert "30123456" in page.get_by_test_id("legal-subject").inner_text()
    assert page.get_by_test_id("vestiging").inner_text() == "000012345602"
    assert page.get_by_test_id("loa-required").inner_text() == "EH3"
