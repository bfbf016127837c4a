"""Start-up errors per framework, and the settings that change the flow: DEFAULT_SERVICE,
CATALOGUE_DOWNLOAD, REQUEST_BINDING=post, LOGOUT_HOOK (the single-logout seam)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dv_apps import fastapi_app, flask_app, starlette_app
from site_env import Headless, Site, env

from ehkit.config import ConfigInvalidError
from ehkit.errors import ConfigError, EhkitError

pytestmark = pytest.mark.network

HOOK_CALLS: list[Any] = []


def logout_at_broker(sp: Any, login: Any) -> Any:
    """A stand-in for SP-initiated single logout: where the browser should go next."""
    from datetime import UTC, datetime

    from ehkit.sp import LoginStart

    HOOK_CALLS.append((sp.settings.broker_entity_id, login.service))
    return LoginStart("_logout", "redirect", "https://broker.example/slo?SAMLRequest=x", "", datetime.now(UTC))


def failing_hook(sp: Any, login: Any) -> Any:
    raise EhkitError("the broker has no logout endpoint", reason="metadata_no_endpoint")


@pytest.fixture(scope="module")
def hooked(make_site: Any) -> Site:
    return make_site(
        "flask",
        settings={
            "LOGOUT_HOOK": "test_integrations_options.logout_at_broker",
            "DEFAULT_SERVICE": "vergunning",
            "CATALOGUE_DOWNLOAD": True,
            "LOGOUT_REDIRECT": "/tot-ziens",
        },
    )


def test_logout_hook_sends_the_browser_to_the_broker_after_the_local_logout(hooked: Site) -> None:
    user = Headless(hooked)
    user.login("melding", person="anna")
    done = user.http.post("/eherkenning/logout/")
    assert done.status_code == 303 and done.headers["location"] == "https://broker.example/slo?SAMLRequest=x"
    assert HOOK_CALLS[-1][1] == "melding"
    assert user.http.get("/melding").status_code == 302  # the local session is gone already
    # Logged out already: no login, so no broker logout either.
    assert user.http.post("/eherkenning/logout/").headers["location"] == "/tot-ziens"
    user.close()


def test_a_failing_logout_hook_still_logs_out_locally(hooked: Site) -> None:
    from dataclasses import replace

    core = hooked.eh.core(hooked.app)  # type: ignore[attr-defined]
    core.settings = replace(core.settings, logout_hook=failing_hook)
    user = Headless(hooked)
    user.login("melding", person="anna")
    done = user.http.post("/eherkenning/logout/")
    assert done.headers["location"] == "/tot-ziens"
    assert user.http.get("/melding").status_code == 302
    user.close()


def test_default_service_and_catalogue_download(hooked: Site) -> None:
    user = Headless(hooked)
    start = user.start(None)
    assert start.status_code == 303
    answer = user.at_broker(start, person="anna", company="korenaar")
    assert answer["grant"]["loa_used"] == "EH3"  # vergunning, the default service
    catalogue = user.http.get("/eherkenning/catalogue/")
    assert catalogue.status_code == 200 and b"ServiceCatalogue" in catalogue.content
    assert catalogue.headers["content-disposition"] == 'attachment; filename="catalogue.xml"'
    assert user.http.get("/eherkenning/catalogue/").content == catalogue.content  # served from the cache
    user.close()


def test_post_request_binding(make_site: Any) -> None:
    site = make_site("starlette", settings={"REQUEST_BINDING": "post"})
    user = Headless(site)
    start = user.start("melding")
    assert start.status_code == 200 and "no-store" in start.headers["cache-control"]
    assert 'name="SAMLRequest"' in start.text and "document.forms[0].submit()" in start.text
    assert "ehkit_request" in user.http.cookies
    import html
    import re

    import httpx

    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', start.text))
    answer = httpx.post(
        f"{site.broker_url}/api/login",
        json={
            "saml_request": html.unescape(fields["SAMLRequest"]),
            "relay_state": fields["RelayState"],
            "person": "anna",
        },
    )
    assert answer.status_code == 200, answer.text
    assert user.deliver(answer.json()["delivery"]).headers["location"] == "/"
    assert user.http.get("/melding").status_code == 200
    user.close()


# ------------------------------------------------------------------ start-up errors


def test_fastapi_stops_at_start_up_naming_the_field(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    app, eh = fastapi_app({"CONFIG": str(tmp_path / "missing.toml")})
    with pytest.raises(ConfigError, match=r"settings\['CONFIG'\]"), TestClient(app):
        pass
    with pytest.raises(RuntimeError, match=r"lifespan=eh\.lifespan"):
        eh.core  # noqa: B018 - the property raises


def test_starlette_stops_at_start_up_on_an_unknown_setting(setup_template: Path) -> None:
    from starlette.testclient import TestClient

    app, _ = starlette_app({"CONFIG": str(setup_template / "ehkit.toml"), "SESION_MAX_AGE": 10})
    with pytest.raises(ConfigInvalidError, match=r"settings\['SESION_MAX_AGE'\]: unknown setting"), TestClient(app):
        pass


def test_starlette_and_fastapi_run_with_a_good_configuration(setup_template: Path, caplog: Any) -> None:
    from starlette.testclient import TestClient

    for build in (fastapi_app, starlette_app):
        app, eh = build({"CONFIG": str(setup_template / "ehkit.toml")})
        with TestClient(app) as client:
            assert app.state.ehkit is eh
            assert client.get("/").status_code == 200
        assert eh._core is None  # closed at shutdown


def test_flask_stops_at_start_up(setup_template: Path) -> None:
    with pytest.raises(ConfigInvalidError, match="EHKIT_ACS_URLL: unknown setting"):
        flask_app({"CONFIG": str(setup_template / "ehkit.toml"), "ACS_URLL": "x"})
    from flask import Flask

    from ehkit.integrations.flask import EHerkenning

    bare = Flask("no_secret")
    with pytest.raises(ConfigInvalidError, match="SECRET_KEY"):
        EHerkenning(bare)
    late = EHerkenning()
    with pytest.raises(RuntimeError, match="not initialised"), bare.app_context():
        late.core()


def test_a_guard_without_a_session_middleware_says_so(setup_template: Path) -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from ehkit.integrations.starlette import EHerkenning

    with env(EHKIT_CONFIG=str(setup_template / "ehkit.toml")):
        eh = EHerkenning()

        @eh.require("melding")
        async def view(request: Any) -> PlainTextResponse:
            return PlainTextResponse("x")

        app = Starlette(routes=[Route("/x", view), eh.mount()], lifespan=eh.lifespan)
        with TestClient(app) as client, pytest.raises(RuntimeError, match="SessionMiddleware"):
            client.get("/x")


# ------------------------------------------------------------------ pages overridden by the project's templates

CUSTOM = '{% extends "ehkit/base.html" %}{% block content %}<p data-testid="custom">Eigen tekst: {{ t.cancelled_title }}</p>{% endblock %}'


def test_fastapi_pages_come_from_the_project_templates_first(setup_template: Path, tmp_path: Path) -> None:
    from fastapi import FastAPI
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.testclient import TestClient

    from ehkit.integrations.fastapi import EHerkenning

    (tmp_path / "ehkit").mkdir()
    (tmp_path / "ehkit" / "cancelled.html").write_text(CUSTOM)
    eh = EHerkenning({"CONFIG": str(setup_template / "ehkit.toml")}, templates=[tmp_path])
    app = FastAPI(lifespan=eh.lifespan)
    app.add_middleware(SessionMiddleware, secret_key="x" * 32)
    app.include_router(eh.router, prefix="/eherkenning")
    with TestClient(app) as client:
        page = client.get("/eherkenning/error/cancelled/")
        assert 'data-testid="custom">Eigen tekst: Inloggen afgebroken<' in page.text
        assert 'data-testid="ehkit-lang-switch"' in page.text  # the packaged base.html still frames it
        assert "Inloggen is niet gelukt" in client.get("/eherkenning/error/refused/").text  # not overridden


def test_flask_pages_come_from_the_app_templates_first(setup_template: Path, tmp_path: Path) -> None:
    from flask import Flask

    from ehkit.integrations.flask import EHerkenning

    (tmp_path / "ehkit").mkdir()
    (tmp_path / "ehkit" / "cancelled.html").write_text(CUSTOM)
    app = Flask("custom_pages", template_folder=str(tmp_path))
    app.config.update(SECRET_KEY="x" * 32, EHKIT_CONFIG=str(setup_template / "ehkit.toml"))
    EHerkenning(app)
    page = app.test_client().get("/eherkenning/error/cancelled/?lang=en")
    assert 'data-testid="custom">Eigen tekst: Login cancelled<' in page.text
    assert page.headers["Cache-Control"].startswith("no-cache, no-store")
