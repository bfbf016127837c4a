"""The same small DV application in each framework, for the end-to-end tests.

Views (as the examples): ``/`` (shows the login if any), ``/melding`` (service
melding, EH2+), ``/vergunning`` (service vergunning, EH3), ``/overzicht`` (any
service counting at EH3), ``/api/wie`` (JSON, any login), ``/api/login`` (the whole
LoginResult as JSON, for comparing a SAML and an OIDC login). Each identity
field has a ``data-testid``.
"""

# No "from __future__ import annotations": FastAPI must evaluate the Annotated[..., Depends(...)]
# annotations where they are written, inside the builder (they name local variables).

import html
from collections.abc import Mapping
from typing import Annotated, Any

SECRET = "test-session-secret-0123456789abcdef"  # noqa: S105 - test apps only


def identity_html(login: Any) -> str:
    rows = {
        "service": login.service,
        "legal-type": login.legal_subject.type.name,
        "legal-subject": str(login.legal_subject),
        "vestiging": login.vestigingsnummer or "alle vestigingen",
        "pseudonym": str(login.acting_subject),
        "loa": login.loa.label,
        "intermediary": login.intermediary.kvk if login.intermediary else "geen",
    }
    cells = "".join(f'<dt>{k}</dt><dd data-testid="{k}">{html.escape(v)}</dd>' for k, v in rows.items())
    return f'<!DOCTYPE html><html lang="nl"><body><dl data-testid="identity">{cells}</dl></body></html>'


def login_json(login: Any) -> dict[str, Any]:
    """Every field of the LoginResult, as JSON-safe values (identifiers as type, value and URN)."""
    import dataclasses
    from datetime import datetime

    def plain(value: Any) -> Any:
        if value is None or isinstance(value, (str, int, bool)):
            return value
        if isinstance(value, datetime):
            return value.isoformat()
        if hasattr(value, "label"):  # LevelOfAssurance
            return value.label
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if hasattr(value, "name") and hasattr(value, "urn"):  # IdentifierType
            return value.name
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        return str(value)

    return {f.name: plain(getattr(login, f.name)) for f in dataclasses.fields(login)}


def home_html(login: Any) -> str:
    body = identity_html(login) if login else '<p data-testid="anonymous">niet ingelogd</p>'
    return f"<!DOCTYPE html><html><body>{body}</body></html>"


def fastapi_app(settings: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
    from fastapi import Depends, FastAPI, Request
    from fastapi.responses import HTMLResponse
    from starlette.middleware.sessions import SessionMiddleware

    from ehkit.integrations.fastapi import EHerkenning, NoStoreMiddleware, require_eherkenning

    eh = EHerkenning(settings)
    app = FastAPI(lifespan=eh.lifespan, exception_handlers=eh.exception_handlers)
    app.add_middleware(NoStoreMiddleware)
    app.add_middleware(SessionMiddleware, secret_key=SECRET)
    app.include_router(eh.router, prefix="/eherkenning")

    @app.get("/")
    def home(request: Request) -> HTMLResponse:
        return HTMLResponse(home_html(eh.login_of(request)))

    @app.get("/melding")
    def melding(login: Annotated[Any, Depends(require_eherkenning("melding"))]) -> HTMLResponse:
        return HTMLResponse(identity_html(login))

    @app.get("/vergunning")
    def vergunning(login: Annotated[Any, Depends(require_eherkenning("vergunning"))]) -> HTMLResponse:
        return HTMLResponse(identity_html(login))

    @app.get("/overzicht")
    def overzicht(login: Annotated[Any, Depends(eh.require(loa="EH3"))]) -> HTMLResponse:
        return HTMLResponse(identity_html(login))

    @app.get("/api/wie")
    def wie(login: Annotated[Any, Depends(require_eherkenning())]) -> dict[str, str]:
        return {"service": login.service, "legal": str(login.legal_subject)}

    @app.get("/api/login")
    def whole(login: Annotated[Any, Depends(require_eherkenning())]) -> dict[str, Any]:
        return login_json(login)

    return app, eh


def starlette_app(settings: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    from ehkit.integrations.starlette import EHerkenning

    eh = EHerkenning(settings)

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(home_html(eh.login_of(request)))

    @eh.require("melding")
    async def melding(request: Request) -> HTMLResponse:
        return HTMLResponse(identity_html(request.state.eherkenning))

    @eh.require("vergunning")
    def vergunning(request: Request) -> HTMLResponse:  # a sync endpoint runs in the thread pool
        return HTMLResponse(identity_html(request.state.eherkenning))

    @eh.require(loa="EH3")
    async def overzicht(request: Request) -> HTMLResponse:
        return HTMLResponse(identity_html(request.state.eherkenning))

    @eh.require()
    async def wie(request: Request) -> JSONResponse:
        login = request.state.eherkenning
        return JSONResponse({"service": login.service, "legal": str(login.legal_subject)})

    @eh.require()
    async def whole(request: Request) -> JSONResponse:
        return JSONResponse(login_json(request.state.eherkenning))

    app = Starlette(
        routes=[
            eh.mount("/eherkenning"),
            Route("/", home),
            Route("/melding", melding),
            Route("/vergunning", vergunning),
            Route("/overzicht", overzicht),
            Route("/api/wie", wie),
            Route("/api/login", whole),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET)],
        lifespan=eh.lifespan,
    )
    return app, eh


def flask_app(settings: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
    from flask import Flask, jsonify

    from ehkit.integrations.flask import EHerkenning, current_login, eherkenning_required

    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET
    for key, value in (settings or {}).items():
        app.config[f"EHKIT_{key}"] = value
    eh = EHerkenning(app)

    @app.get("/")
    def home() -> str:
        return home_html(current_login())

    @app.get("/melding")
    @eherkenning_required(service="melding")
    def melding() -> str:
        return identity_html(current_login())

    @app.get("/vergunning")
    @eherkenning_required(service="vergunning")
    def vergunning() -> str:
        return identity_html(current_login())

    @app.get("/overzicht")
    @eherkenning_required(loa="EH3")
    def overzicht() -> str:
        return identity_html(current_login())

    @app.get("/api/wie")
    @eherkenning_required
    def wie() -> Any:
        login = current_login()
        return jsonify(service=login.service, legal=str(login.legal_subject))

    @app.get("/api/login")
    @eherkenning_required
    def whole() -> Any:
        return jsonify(login_json(current_login()))

    return app, eh


BUILDERS = {"fastapi": fastapi_app, "starlette": starlette_app, "flask": flask_app}
ASGI = {"fastapi", "starlette"}
