"""The same application over SAML and over OpenID Connect: only ehkit.toml differs.

Each framework's test app (tests/integrations/dv_apps.py; Django:
tests/integrations/django) runs twice, once with the simulator's SAML front
and once with ``[broker] protocol = "oidc"`` and a ``[broker.oidc]`` table
(site_env.use_oidc). The same protected view admits a user who logged in
either way with the same LoginResult (field by field, except how the login
travelled), and every OIDC fault scenario of the simulator ends on the
integration's outcome page with its reason code in the audit log.

The scenario functions take ``saml_site``, ``oidc_site`` and ``on`` (which
makes a site's configuration the active one: a no-op for the ASGI/WSGI sites,
``override_settings`` for Django, whose one live server serves both).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import httpx
import pytest
from site_env import Headless, Site

from ehkit.broker.oidc_scenarios import OIDC_SCENARIOS, OidcScenario
from ehkit.reasons import REASONS

pytestmark = pytest.mark.network

FRAMEWORKS = ["fastapi", "starlette", "flask"]

#: Fields that say how the login travelled rather than who logged in (docs/oidc.md, "LoginResult").
PROTOCOL_FIELDS = {
    "request_id",
    "response_id",
    "assertion_id",
    "binding",
    "authn_instant",
    "session_index",
    "authenticating_authority",
    "authorization_registry",
    "session_not_on_or_after",
    "name_id",  # the SAML Subject NameID, for single logout
}
CALLBACK = "/eherkenning/oidc/callback/"

On = Callable[[Site], AbstractContextManager[Any]]


@pytest.fixture(scope="module", params=FRAMEWORKS)
def pair(request: pytest.FixtureRequest, make_site: Any) -> tuple[Site, Site]:
    return make_site(request.param), make_site(request.param, oidc=True)


@pytest.fixture
def saml_site(pair: tuple[Site, Site]) -> Site:
    return pair[0]


@pytest.fixture
def oidc_site(pair: tuple[Site, Site]) -> Site:
    return pair[1]


@pytest.fixture
def on() -> On:
    return lambda site: nullcontext()


class User(Headless):
    def __enter__(self) -> User:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _login_at(site: Site, user: User, service: str, next_path: str, **choices: Any) -> httpx.Response:
    start = user.start(service, next_path)
    assert start.headers["location"].startswith(site.broker_url + "/oidc/authorize?")
    answer = user.at_broker(start, **choices)
    return user.deliver(answer["delivery"])


def test_the_same_view_admits_saml_and_oidc_with_the_same_login_result(
    saml_site: Site, oidc_site: Site, on: On
) -> None:
    results: dict[str, dict[str, Any]] = {}
    for protocol, site in (("saml", saml_site), ("oidc", oidc_site)):
        with on(site), User(site) as user:
            start = user.start("vergunning", "/vergunning")
            location = start.headers["location"]
            cookie = start.headers["set-cookie"]
            if protocol == "oidc":
                assert location.startswith(site.broker_url + "/oidc/authorize?")
                assert f"Path={CALLBACK}" in cookie  # the binding cookie goes to the callback only
            else:
                assert location.startswith(site.broker_url + "/broker/") and "Path=/eherkenning/acs/" in cookie
            answer = user.at_broker(start, person="bram")
            done = user.deliver(answer["delivery"])
            assert done.status_code == 303 and done.headers["location"] == "/vergunning", done.text
            if protocol == "oidc":
                assert urlpath(answer["delivery"]["url"]) == CALLBACK
                assert f"Path={CALLBACK}" in done.headers["set-cookie"] and "Max-Age=0" in done.headers["set-cookie"]
            page = user.http.get("/vergunning")
            assert page.status_code == 200
            assert 'data-testid="legal-subject">30123456<' in page.text
            assert 'data-testid="vestiging">000012345602<' in page.text
            assert user.http.get("/melding").status_code == 403  # the same service guard
            results[protocol] = user.http.get("/api/login").json()
    saml, oidc = results["saml"], results["oidc"]
    assert saml["binding"] == "artifact" and oidc["binding"] == "oidc"
    assert set(saml) == set(oidc)
    differing = {k for k in saml if k not in PROTOCOL_FIELDS and saml[k] != oidc[k]}
    assert not differing, {k: (saml[k], oidc[k]) for k in differing}
    assert oidc["loa_required"] == "EH3" and oidc["relay_state"] == "/vergunning"


def urlpath(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _expected(scenario: OidcScenario) -> str | None:
    # The test sites do not fetch userinfo: a fault in the userinfo answer never reaches them.
    return None if scenario.needs_userinfo else scenario.expected_reason


@pytest.mark.parametrize("scenario", OIDC_SCENARIOS, ids=lambda s: s.id)
def test_each_oidc_fault_is_refused_with_its_reason(
    oidc_site: Site, on: On, scenario: OidcScenario, audit: Callable[[], list[dict[str, Any]]]
) -> None:
    expected = _expected(scenario)
    with on(oidc_site), User(oidc_site) as user:
        start = user.start("vergunning", "/vergunning")
        binding = user.http.cookies.get("ehkit_request")
        answer = user.at_broker(start, person="bram", scenario=scenario.id)
        deliveries = answer["deliveries"]
        if expected is None:
            assert user.deliver(deliveries[0]).headers["location"] == "/vergunning"
            assert user.http.get("/vergunning").status_code == 200
            return
        assert expected in REASONS
        if scenario.delivery == "twice":
            first, second = deliveries
            assert user.deliver(first).headers["location"] == "/vergunning"  # the genuine login
            # Back to the spent callback: the cookie is gone, nothing is processed, the user is
            # sent where the login went (not a 403).
            back = user.deliver(second)
            assert back.status_code == 303 and back.headers["location"] == "/vergunning"
            assert audit()[-1]["reason"] == "request_binding_missing"
            # Someone who kept the cookie gets no further: the state is used up.
            user.http.cookies.set("ehkit_request", binding, path=CALLBACK)
            done = user.deliver(second)
        else:
            (delivery,) = deliveries
            done = user.deliver(delivery)
        assert done.status_code == 303
        assert done.headers["location"].startswith("/eherkenning/error/"), done.headers["location"]
        assert audit()[-1]["reason"] == expected
        page = user.http.get(done.headers["location"])
        assert page.status_code in (403, 503) and 'data-outcome="' in page.text
        assert expected not in page.text  # the reason is in the audit log, not on the page
        if scenario.delivery != "twice":
            assert user.http.get("/vergunning").status_code == 302  # still not logged in


def test_cancel_over_oidc_gives_the_cancelled_page(
    oidc_site: Site, on: On, audit: Callable[[], list[dict[str, Any]]]
) -> None:
    with on(oidc_site), User(oidc_site) as user:
        done = _login_at(oidc_site, user, "vergunning", "/vergunning", action="cancel")
        assert done.headers["location"] == "/eherkenning/error/cancelled/?service=vergunning&next=%2Fvergunning"
        page = user.http.get(done.headers["location"])
        assert page.status_code == 200 and 'data-outcome="cancelled"' in page.text
        assert audit()[-1]["reason"] == "cancelled"


def test_the_level_guard_holds_for_an_oidc_login(oidc_site: Site, on: On) -> None:
    with on(oidc_site), User(oidc_site) as user:
        done = _login_at(oidc_site, user, "melding", "/melding", person="anna")
        assert done.headers["location"] == "/melding"
        assert user.http.get("/melding").status_code == 200
        level = user.http.get("/overzicht")  # melding is EH2+: not enough for a view that needs EH3
        assert level.status_code == 403 and 'data-verdict="level_too_low"' in level.text


@pytest.mark.parametrize("protocol", ["saml", "oidc"])
def test_back_to_the_spent_answer_after_a_login_is_a_redirect(
    saml_site: Site, oidc_site: Site, on: On, protocol: str
) -> None:
    site = oidc_site if protocol == "oidc" else saml_site
    with on(site), User(site) as user:
        start = user.start("vergunning", "/vergunning")
        delivery = user.at_broker(start, person="bram")["delivery"]
        assert user.deliver(delivery).headers["location"] == "/vergunning"
        again = user.deliver(delivery)  # Back (or reload) to the ACS / callback
        assert again.status_code == 303 and again.headers["location"] == "/vergunning"
        bare = user.http.get(CALLBACK if protocol == "oidc" else "/eherkenning/acs/")  # the answer's address alone
        assert bare.status_code == 303 and bare.headers["location"] == "/vergunning"
        assert user.http.get("/vergunning").status_code == 200


def test_a_callback_without_the_binding_cookie_is_not_redeemed(
    oidc_site: Site, on: On, audit: Callable[[], list[dict[str, Any]]]
) -> None:
    """Login CSRF over OIDC: someone else's code and state delivered to a browser that started no login."""
    with on(oidc_site), User(oidc_site) as user, User(oidc_site) as victim:
        delivery = user.at_broker(user.start("vergunning", "/vergunning"), person="bram")["delivery"]
        refused = victim.deliver(delivery)
        assert refused.headers["location"].startswith("/eherkenning/error/refused/")
        assert audit()[-1]["reason"] == "request_binding_missing"
        assert victim.http.get("/vergunning").status_code == 302
        # The code was not redeemed: the browser that started the login still completes it.
        assert user.deliver(delivery).headers["location"] == "/vergunning"


def test_a_callback_for_another_browsers_login_is_refused(
    oidc_site: Site, on: On, audit: Callable[[], list[dict[str, Any]]]
) -> None:
    with on(oidc_site), User(oidc_site) as user, User(oidc_site) as other:
        other.start("vergunning", "/vergunning")  # the other browser has a pending login of its own
        delivery = user.at_broker(user.start("vergunning", "/vergunning"), person="bram")["delivery"]
        refused = other.deliver(delivery)
        assert refused.headers["location"].startswith("/eherkenning/error/refused/")
        assert audit()[-1]["reason"] == "request_id_mismatch"
        assert user.deliver(delivery).headers["location"] == "/vergunning"


__all__ = [
    "PROTOCOL_FIELDS",
    "test_a_callback_for_another_browsers_login_is_refused",
    "test_a_callback_without_the_binding_cookie_is_not_redeemed",
    "test_back_to_the_spent_answer_after_a_login_is_a_redirect",
    "test_cancel_over_oidc_gives_the_cancelled_page",
    "test_each_oidc_fault_is_refused_with_its_reason",
    "test_the_level_guard_holds_for_an_oidc_login",
    "test_the_same_view_admits_saml_and_oidc_with_the_same_login_result",
]
