"""eHerkenning for Flask 3: an extension with a Blueprint, a guard decorator and ``flask ehkit`` commands.

::

    from flask import Flask
    from ehkit.integrations.flask import EHerkenning, current_login, eherkenning_required

    app = Flask(__name__)
    app.config.update(SECRET_KEY=..., EHKIT_CONFIG="ehkit.toml")
    eh = EHerkenning(app)                 # or eh.init_app(app) in an app factory

    @app.get("/aanvraag")
    @eherkenning_required(service="vergunning")
    def aanvraag():
        return f"KvK {current_login().legal_subject}"

Settings are ``app.config["EHKIT_<KEY>"]`` (the keys of docs/integrations/flask.md)
plus ``EHKIT_URL_PREFIX`` (default ``/eherkenning``). ``init_app`` loads and
validates everything, so a configuration error stops the start-up.

Flask's default session is a signed cookie without a server-side ID: a login
*replaces* its whole content (``session.clear()``), and with a server-side
session interface that offers ``regenerate`` (Flask-Session) the ID is
regenerated too. The login inside is sealed and carries its own expiry.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar, cast, overload

import click
import flask
from flask import Blueprint, Flask, current_app, g, request, session
from flask.cli import AppGroup
from markupsafe import Markup
from werkzeug.wrappers import Response

from ehkit.errors import EhkitError
from ehkit.integrations.base import (
    NO_STORE,
    SESSION_KEY,
    EHerkenningCore,
    IntegrationSettings,
    Requirement,
    Urls,
    WebRequest,
    WebResponse,
)
from ehkit.integrations.base.checks import Finding, failed, refresh_metadata, run_checks, sp_metadata
from ehkit.sp.result import LoginResult

__all__ = ["EHerkenning", "current_login", "eherkenning_required"]

F = TypeVar("F", bound=Callable[..., Any])
_EXTENSION = "ehkit"
_FLASK_ONLY = ("URL_PREFIX",)


class FlaskSession:
    """``flask.session`` as the core's SessionPort."""

    def load(self) -> Any:
        return session.get(SESSION_KEY)

    def establish(self, sealed: str, result: LoginResult) -> None:
        regenerate = getattr(current_app.session_interface, "regenerate", None)
        session.clear()
        if callable(regenerate):  # server-side sessions (Flask-Session): a new ID as well
            regenerate(session)
        session[SESSION_KEY] = sealed

    def destroy(self) -> None:
        session.clear()


def settings_from(app: Flask) -> IntegrationSettings:
    values = {
        key[len("EHKIT_") :]: value
        for key, value in app.config.items()
        if key.startswith("EHKIT_") and key[len("EHKIT_") :] not in _FLASK_ONLY
    }
    return IntegrationSettings.from_mapping(values, label=lambda key: f"EHKIT_{key}", source="the Flask app.config")


class EHerkenning:
    """The extension. ``EHerkenning(app)`` or ``EHerkenning()`` + ``init_app(app)``."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        if not app.secret_key:
            from ehkit.config import ConfigInvalidError, ConfigProblem

            raise ConfigInvalidError(
                [ConfigProblem("SECRET_KEY", "is not set: Flask needs it to sign the session that holds the login")],
                source="the Flask app.config",
            )
        core = EHerkenningCore(settings_from(app))  # start-up: errors name the EHKIT_ key or ehkit.toml field
        app.extensions[_EXTENSION] = core
        prefix = app.config.get("EHKIT_URL_PREFIX", "/eherkenning")
        app.register_blueprint(_blueprint(), url_prefix=prefix)
        app.cli.add_command(_commands())

    @staticmethod
    def core(app: Flask | None = None) -> EHerkenningCore:
        target = app or current_app
        try:
            return cast(EHerkenningCore, target.extensions[_EXTENSION])
        except KeyError:
            raise RuntimeError("eHerkenning is not initialised on this app: call EHerkenning(app)") from None


# ------------------------------------------------------------------ translation


def _urls() -> Urls:
    return Urls(
        login=flask.url_for("ehkit.login"),
        logout=flask.url_for("ehkit.logout"),
        error=flask.url_for("ehkit.error", outcome="OUTCOME").replace("OUTCOME", "{outcome}"),
    )


def _web_request() -> WebRequest:
    full = request.full_path if request.query_string else request.path
    return WebRequest(
        method=request.method,
        origin=request.host_url.rstrip("/"),
        full_path=full,
        query=request.args.to_dict(flat=True),
        form=request.form.to_dict(flat=True) if request.method == "POST" else {},
        cookies=dict(request.cookies),
        headers={k.lower(): v for k, v in request.headers.items()},
        urls=_urls(),
    )


def _response(web: WebResponse) -> Response:
    response: Response
    if web.page is not None:
        response = flask.make_response(flask.render_template(web.page.template, **web.page.context), web.status)
    elif web.location is not None:
        response = flask.redirect(web.location, code=web.status)
    elif web.html is not None:
        response = flask.make_response(web.html, web.status)
        response.mimetype = "text/html"
    else:
        response = flask.make_response(web.body or b"", web.status)
        if web.content_type:
            response.headers["Content-Type"] = web.content_type
    for key, value in web.headers.items():
        response.headers[key] = value
    for c in web.cookies:
        samesite = {"none": "None", "lax": "Lax", "strict": "Strict"}[c.samesite]
        if c.delete:
            response.delete_cookie(c.name, path=c.path, secure=c.secure, httponly=c.httponly, samesite=samesite)
        else:
            response.set_cookie(
                c.name, c.value, max_age=c.max_age, path=c.path, secure=c.secure, httponly=c.httponly, samesite=samesite
            )
    return response


# ------------------------------------------------------------------ views


def _blueprint() -> Blueprint:
    from ehkit.integrations.base import template_dir

    bp = Blueprint("ehkit", __name__, template_folder=str(template_dir()))

    @bp.get("/login/")
    def login() -> Response:
        return _response(EHerkenning.core().login(_web_request()))

    @bp.route("/acs/", methods=["GET", "POST"])
    def acs() -> Response:
        return _response(EHerkenning.core().acs(_web_request(), FlaskSession()))

    @bp.get("/oidc/callback/")
    def oidc_callback() -> Response:
        return _response(EHerkenning.core().oidc_callback(_web_request(), FlaskSession()))

    @bp.get("/metadata/<group>/")
    def metadata(group: str) -> Response:
        return _response(EHerkenning.core().metadata_document(group))

    @bp.get("/catalogue/")
    def catalogue() -> Response:
        return _response(EHerkenning.core().catalogue_document())

    @bp.route("/logout/", methods=["GET", "POST"])
    def logout() -> Response:
        core, web = EHerkenning.core(), _web_request()
        if request.method == "GET":
            return _response(core.logout_page(web, csrf_input=Markup("")))
        if core.cross_site(web):
            return flask.make_response("cross-site logout refused\n", 403)
        return _response(core.logout(web, FlaskSession()))

    @bp.route("/slo/", methods=["GET", "POST"])
    def slo() -> Response:
        web = replace(_web_request(), query_string=request.query_string.decode("latin-1"))
        return _response(EHerkenning.core().slo(web, FlaskSession()))

    @bp.get("/error/<outcome>/")
    def error(outcome: str) -> Response:
        return _response(EHerkenning.core().error_view(_web_request(), outcome))

    return bp


# ------------------------------------------------------------------ for the application's views


def current_login() -> LoginResult | None:
    """The session's eHerkenning login (None when absent or expired); inside a guarded view also ``g.eherkenning``."""
    found = g.get("eherkenning")
    if found is not None:
        return cast(LoginResult, found)
    return EHerkenning.core().current_login(session.get(SESSION_KEY))


@overload
def eherkenning_required(view: F) -> F: ...
@overload
def eherkenning_required(
    view: None = None, *, service: str | Sequence[str] | None = None, loa: str | None = None
) -> Callable[[F], F]: ...


def eherkenning_required(
    view: F | None = None, *, service: str | Sequence[str] | None = None, loa: str | None = None
) -> F | Callable[[F], F]:
    """Guard a view. Anonymous users go to the login of ``service``; a login for another
    service or below the level gets a 403 page. The login is in ``g.eherkenning``."""
    requirement = Requirement.of(service, loa)

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            login, denied = EHerkenning.core().guard(_web_request(), session.get(SESSION_KEY), requirement)
            if denied is not None:
                return _response(denied)
            g.eherkenning = login
            response = flask.make_response(fn(*args, **kwargs))
            for key, value in NO_STORE.items():
                response.headers[key] = value
            return response

        return cast(F, guarded)

    return decorate(view) if view is not None else decorate


# ------------------------------------------------------------------ flask ehkit ...


def _print(findings: list[Finding], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"ok": not failed(findings), "findings": [f.as_dict() for f in findings]}, indent=2))
        return
    marks = {
        "ok": click.style("ok", fg="green"),
        "warning": click.style("warning", fg="yellow"),
        "error": click.style("error", fg="red"),
    }
    for f in findings:
        click.echo(f"{marks[f.level]:>18}  {f.field}: {f.message}")
    click.echo("FAILED" if failed(findings) else "OK")


def _commands() -> AppGroup:
    group = AppGroup("ehkit", help="eHerkenning: check the configuration, print SP metadata, refresh broker metadata.")

    @group.command("check")
    @click.option("--offline", is_flag=True, help="Skip the broker metadata and state store checks.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def check(offline: bool, as_json: bool) -> None:
        """Validate the settings, ehkit.toml, keys and routes; fetch the broker metadata."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        with app.test_request_context():  # url_for needs a request (or SERVER_NAME)
            acs = flask.url_for("ehkit.acs")
            callback = flask.url_for("ehkit.oidc_callback")
        findings = run_checks(lambda: settings_from(app), acs_route=acs, offline=offline, callback_route=callback)
        _print(findings, as_json)
        if failed(findings):
            raise SystemExit(1)

    @group.command("metadata")
    @click.option("--group", "-g", "name", default=None, help="Only this service group.")
    def metadata(name: str | None) -> None:
        """Print the signed SP metadata (one group, or all)."""
        try:
            docs = sp_metadata(EHerkenning.core().config, name)
        except EhkitError as exc:
            raise click.ClickException(f"{exc.message} ({exc.reason})") from None
        for data in docs.values():
            click.echo(data.decode("utf-8"), nl=False)

    @group.command("refresh-metadata")
    @click.option("--url", default=None, help="Fetch from here and replace broker.metadata_file after verifying.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def refresh(url: str | None, as_json: bool) -> None:
        """Fetch the broker metadata and verify its signature against the configured trust."""
        try:
            result = refresh_metadata(EHerkenning.core().config, url=url)
        except EhkitError as exc:
            raise click.ClickException(f"{exc.message} ({exc.reason})") from None
        if as_json:
            click.echo(json.dumps(result.as_dict(), indent=2))
        else:
            click.echo(
                f"{result.entity_id}: {result.signing_certificates} signing certificate(s), valid until {result.valid_until}"
            )
            if result.written_to:
                click.echo(f"wrote {result.written_to}")

    return group
