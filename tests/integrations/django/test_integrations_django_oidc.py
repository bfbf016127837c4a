"""The Django test project over SAML and over OpenID Connect: the scenarios of
tests/integrations/test_integrations_oidc.py, with both configurations served by
pytest-django's one live server (``on`` switches ``settings.EHKIT["CONFIG"]``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test.utils import override_settings
from site_env import AsgiServer, Site, broker_app, copy_setup, free_port, use_oidc
from test_integrations_oidc import (
    test_a_callback_for_another_browsers_login_is_refused,
    test_a_callback_without_the_binding_cookie_is_not_redeemed,
    test_back_to_the_spent_answer_after_a_login_is_a_redirect,
    test_cancel_over_oidc_gives_the_cancelled_page,
    test_each_oidc_fault_is_refused_with_its_reason,
    test_the_level_guard_holds_for_an_oidc_login,
    test_the_same_view_admits_saml_and_oidc_with_the_same_login_result,
)

pytestmark = pytest.mark.network

__all__ = [  # the shared scenarios, run here against Django
    "test_a_callback_for_another_browsers_login_is_refused",
    "test_a_callback_without_the_binding_cookie_is_not_redeemed",
    "test_back_to_the_spent_answer_after_a_login_is_a_redirect",
    "test_cancel_over_oidc_gives_the_cancelled_page",
    "test_each_oidc_fault_is_refused_with_its_reason",
    "test_the_level_guard_holds_for_an_oidc_login",
    "test_the_same_view_admits_saml_and_oidc_with_the_same_login_result",
]


@pytest.fixture(scope="module")
def dj_oidc_site(live_server: Any, setup_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same Django project and urls.py; only its ehkit.toml says OIDC."""
    broker_port = free_port()
    broker_url = f"http://127.0.0.1:{broker_port}"
    directory = tmp_path_factory.mktemp("django-oidc")
    config = copy_setup(setup_template, directory, site_url=live_server.url, broker_url=broker_url)
    use_oidc(config, site_url=live_server.url, broker_url=broker_url)
    site = Site("django-oidc", live_server.url, broker_url, config)
    site.servers.append(AsgiServer(broker_app(config, broker_url), broker_port, lifespan="off").start())
    yield site
    site.stop()


@pytest.fixture
def saml_site(dj_site: Site) -> Site:
    return dj_site


@pytest.fixture
def oidc_site(dj_oidc_site: Site) -> Site:
    return dj_oidc_site


@pytest.fixture
def on() -> Callable[[Site], Any]:
    return lambda site: override_settings(EHKIT={"CONFIG": str(site.config)})


def test_manage_py_check_finds_the_callback_route(dj_oidc_site: Site) -> None:
    from ehkit.integrations.base.checks import run_checks
    from ehkit.integrations.django.checks import acs_route, callback_route
    from ehkit.integrations.django.conf import integration_settings

    assert callback_route() == "/eherkenning/oidc/callback/"
    with override_settings(EHKIT={"CONFIG": str(dj_oidc_site.config)}):
        found = run_checks(integration_settings, acs_route=acs_route(), callback_route=callback_route(), offline=True)
        assert [f for f in found if f.field == "broker.oidc.redirect_uri" and f.level == "ok"]
        moved = {"CONFIG": str(dj_oidc_site.config), "OIDC_REDIRECT_URI": dj_oidc_site.url + "/elders/callback/"}
        with override_settings(EHKIT=moved):
            found = run_checks(
                integration_settings, acs_route=acs_route(), callback_route=callback_route(), offline=True
            )
    errors = [f for f in found if f.level == "error"]
    assert len(errors) == 1 and errors[0].field == 'EHKIT["OIDC_REDIRECT_URI"]'
    assert "/eherkenning/oidc/callback/" in errors[0].message
