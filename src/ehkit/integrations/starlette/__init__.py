"""eHerkenning for Starlette: a mountable set of routes, a guard decorator, a lifespan.

::

    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware
    from ehkit.integrations.starlette import EHerkenning

    eh = EHerkenning()                      # ehkit.toml from EHKIT_CONFIG

    @eh.require("vergunning")
    async def aanvraag(request):
        login = request.state.eherkenning   # the LoginResult
        ...

    app = Starlette(
        routes=[eh.mount("/eherkenning"), Route("/aanvraag", aanvraag)],
        middleware=[Middleware(SessionMiddleware, secret_key=..., https_only=True)],
        lifespan=eh.lifespan,
    )

Starlette's ``SessionMiddleware`` keeps the session in a signed cookie: it
has no server-side ID to rotate, so a login *replaces* the session's whole
content (a new cookie value) and logout empties it; the login inside is
sealed and carries its own expiry (``SESSION_MAX_AGE``). See
docs/integrations/fastapi.md.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Literal, cast

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
from ehkit.integrations.base.jinja import environment, render
from ehkit.sp.provider import ServiceProvider
from ehkit.sp.result import LoginResult

__all__ = ["EHerkenning", "NoStoreMiddleware", "StarletteSession"]

log = logging.getLogger("ehkit.integrations")
_NO_STORE_FLAG = "ehkit_no_store"
Endpoint = Callable[[Request], Awaitable[Response] | Response]


class StarletteSession:
    """``request.session`` (SessionMiddleware) as the core's SessionPort."""

    def __init__(self, request: Request) -> None:
        if "session" not in request.scope:
            raise RuntimeError(
                "eHerkenning needs a session: add Middleware(SessionMiddleware, secret_key=...) to the application"
            )
        self._session = request.session

    def load(self) -> Any:
        return self._session.get(SESSION_KEY)

    def establish(self, sealed: str, result: LoginResult) -> None:
        # A cookie session has no ID: clearing it drops everything from before the login.
        self._session.clear()
        self._session[SESSION_KEY] = sealed

    def destroy(self) -> None:
        self._session.clear()


class NoStoreMiddleware:
    """Adds ``Cache-Control: no-store`` to every response of a request that passed an eHerkenning guard.

    Needed with FastAPI when a guarded endpoint returns a ``Response`` object
    itself (FastAPI then ignores headers set by dependencies).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get(_NO_STORE_FLAG):
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in (b"cache-control", b"pragma")
                ]
                headers += [(k.lower().encode(), v.encode()) for k, v in NO_STORE.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


class EHerkenning:
    """The Starlette integration. Build at import time (cheap); ``lifespan`` loads the configuration.

    ``settings`` take the keys of docs/integrations (``ACS_URL``, ``STORE``,
    ``SESSION_MAX_AGE``, ...); ``config`` is the path of ``ehkit.toml``
    (default: ``EHKIT_CONFIG``, else ``./ehkit.toml``); ``templates`` are
    directories searched before the packaged pages.
    """

    route_prefix = "ehkit_"

    def __init__(
        self,
        settings: Mapping[str, Any] | None = None,
        *,
        config: str | os.PathLike[str] | None = None,
        templates: Sequence[str | os.PathLike[str]] = (),
    ) -> None:
        self._values = dict(settings or {})
        if config is not None:
            self._values["CONFIG"] = os.fspath(config)
        self._templates = environment(templates)
        self._core: EHerkenningCore | None = None

    # ------------------------------------------------------------------ life cycle

    def settings(self) -> IntegrationSettings:
        return IntegrationSettings.from_mapping(
            self._values, label=lambda key: f"settings[{key!r}]", source="EHerkenning(settings=...)"
        )

    def start(self, *, sp: ServiceProvider | None = None) -> EHerkenningCore:
        """Load and validate everything; raises ConfigError naming the field. Idempotent.
        ``sp``: a ServiceProvider built by the caller (e.g. with its own transports)."""
        if self._core is None:
            self._core = EHerkenningCore(self.settings(), sp=sp)
        return self._core

    def stop(self) -> None:
        if self._core is not None:
            self._core.close()
            self._core = None

    @property
    def core(self) -> EHerkenningCore:
        if self._core is None:
            raise RuntimeError(
                "eHerkenning is not started: pass lifespan=eh.lifespan to the application "
                "(or call eh.start() at start-up)"
            )
        return self._core

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """Start-up: configuration errors stop the application here, naming the field."""
        self.start()
        self.check_application(app)
        app.state.ehkit = self
        try:
            yield
        finally:
            self.stop()

    def check_application(self, app: Any) -> None:
        middleware = [getattr(m, "cls", None) for m in getattr(app, "user_middleware", [])]
        if not any(getattr(cls, "__name__", "") == "SessionMiddleware" for cls in middleware):
            log.warning("no SessionMiddleware found on the application: eHerkenning logins need a session")

    # ------------------------------------------------------------------ routes

    def endpoints(self) -> list[tuple[str, str, Callable[[Request], Awaitable[Response]], list[str]]]:
        """(path, name, endpoint, methods) of the well-known views, relative to the mount point."""
        return [
            ("/login/", "login", self.login_view, ["GET"]),
            ("/acs/", "acs", self.acs_view, ["GET", "POST"]),
            ("/oidc/callback/", "oidc_callback", self.oidc_callback_view, ["GET"]),
            ("/metadata/{group}/", "metadata", self.metadata_view, ["GET"]),
            ("/catalogue/", "catalogue", self.catalogue_view, ["GET"]),
            ("/logout/", "logout", self.logout_view, ["GET", "POST"]),
            ("/slo/", "slo", self.slo_view, ["GET", "POST"]),
            ("/error/{outcome}/", "error", self.error_view, ["GET"]),
        ]

    @property
    def routes(self) -> list[Route]:
        return [
            Route(path, endpoint, methods=methods, name=self.route_prefix + name)
            for path, name, endpoint, methods in self.endpoints()
        ]

    def mount(self, path: str = "/eherkenning") -> Mount:
        """The routes under ``path`` (``dv.acs_url`` must then end in ``<path>/acs/``, and
        ``broker.oidc.redirect_uri``, for an OIDC front, in ``<path>/oidc/callback/``)."""
        return Mount(path, routes=self.routes)

    def urls(self, request: Request) -> Urls:
        def path(name: str, **params: str) -> str:
            return str(request.url_for(self.route_prefix + name, **params).path)

        return Urls(
            login=path("login"),
            logout=path("logout"),
            error=path("error", outcome="OUTCOME").replace("OUTCOME", "{outcome}"),
        )

    # ------------------------------------------------------------------ translation

    async def web_request(self, request: Request, *, read_form: bool = False) -> WebRequest:
        form: dict[str, str] = {}
        if read_form and request.method == "POST":
            data = await request.form(max_files=0, max_fields=20)
            form = {k: v for k, v in data.items() if isinstance(v, str)}
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return WebRequest(
            method=request.method,
            origin=f"{request.url.scheme}://{request.url.netloc}",
            full_path=path,
            query=dict(request.query_params),
            form=form,
            cookies=dict(request.cookies),
            headers={k.lower(): v for k, v in request.headers.items()},
            urls=self.urls(request),
        )

    def response(self, web: WebResponse) -> Response:
        response: Response
        if web.page is not None:
            response = HTMLResponse(render(self._templates, web.page), status_code=web.status)
        elif web.location is not None:
            response = RedirectResponse(web.location, status_code=web.status)
        elif web.html is not None:
            response = HTMLResponse(web.html, status_code=web.status)
        else:
            response = Response(web.body or b"", status_code=web.status, media_type=web.content_type)
        for key, value in web.headers.items():
            response.headers[key] = value
        for c in web.cookies:
            samesite = cast(Literal["lax", "strict", "none"], c.samesite)
            if c.delete:
                response.delete_cookie(c.name, path=c.path, secure=c.secure, httponly=c.httponly, samesite=samesite)
            else:
                response.set_cookie(
                    c.name,
                    c.value,
                    max_age=c.max_age,
                    path=c.path,
                    secure=c.secure,
                    httponly=c.httponly,
                    samesite=samesite,
                )
        return response

    # ------------------------------------------------------------------ views

    async def login_view(self, request: Request) -> Response:
        web = await self.web_request(request)
        # start_login signs with RSA and may fetch metadata: keep it off the event loop.
        return self.response(await run_in_threadpool(self.core.login, web))

    async def acs_view(self, request: Request) -> Response:
        web = await self.web_request(request, read_form=True)
        session = StarletteSession(request)
        return self.response(await run_in_threadpool(self.core.acs, web, session))

    async def oidc_callback_view(self, request: Request) -> Response:
        web = await self.web_request(request)
        session = StarletteSession(request)
        # The code is redeemed at the provider's token endpoint: blocking I/O, off the event loop.
        return self.response(await run_in_threadpool(self.core.oidc_callback, web, session))

    async def error_view(self, request: Request) -> Response:
        web = await self.web_request(request)
        return self.response(self.core.error_view(web, request.path_params["outcome"]))

    async def metadata_view(self, request: Request) -> Response:
        return self.response(await run_in_threadpool(self.core.metadata_document, request.path_params["group"]))

    async def catalogue_view(self, request: Request) -> Response:
        return self.response(await run_in_threadpool(self.core.catalogue_document))

    async def logout_view(self, request: Request) -> Response:
        web = await self.web_request(request, read_form=True)
        if request.method == "GET":
            return self.response(self.core.logout_page(web, csrf_input=""))
        if self.core.cross_site(web):
            return Response("cross-site logout refused\n", status_code=403, media_type="text/plain")
        return self.response(await run_in_threadpool(self.core.logout, web, StarletteSession(request)))

    async def slo_view(self, request: Request) -> Response:
        """The SingleLogoutService (dv.slo_url): the broker's LogoutResponse or LogoutRequest."""
        web = await self.web_request(request, read_form=True)
        web = replace(web, query_string=request.scope.get("query_string", b"").decode("latin-1"))
        return self.response(await run_in_threadpool(self.core.slo, web, StarletteSession(request)))

    # ------------------------------------------------------------------ for the application's views

    def login_of(self, request: Request) -> LoginResult | None:
        """The session's eHerkenning login (None when absent or expired)."""
        return self.core.current_login(StarletteSession(request).load())

    async def guard_web(
        self, request: Request, requirement: Requirement
    ) -> tuple[LoginResult | None, WebResponse | None]:
        """The guard decision as the core gives it; on success the login is in ``request.state.eherkenning``."""
        web = await self.web_request(request)
        login, denied = self.core.guard(web, StarletteSession(request).load(), requirement)
        if denied is None:
            request.state.eherkenning = login
            setattr(request.state, _NO_STORE_FLAG, True)
        return login, denied

    async def guard(self, request: Request, requirement: Requirement) -> tuple[LoginResult | None, Response | None]:
        login, denied = await self.guard_web(request, requirement)
        return (None, self.response(denied)) if denied is not None else (login, None)

    def require(
        self, service: str | Sequence[str] | None = None, loa: str | None = None
    ) -> Callable[[Endpoint], Callable[[Request], Awaitable[Response]]]:
        """Decorator for an endpoint: anonymous users go to the login of ``service``, a login for
        another service or a lower level gets a 403 page; the login is in ``request.state.eherkenning``."""
        requirement = Requirement.of(service, loa)

        def decorate(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
            @functools.wraps(endpoint)
            async def guarded(request: Request) -> Response:
                _, denied = await self.guard(request, requirement)
                if denied is not None:
                    return denied
                response: Response
                if inspect.iscoroutinefunction(endpoint):
                    response = await endpoint(request)
                else:
                    response = cast(Response, await run_in_threadpool(endpoint, request))
                for key, value in NO_STORE.items():
                    response.headers[key] = value
                return response

            return guarded

        return decorate
