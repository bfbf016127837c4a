"""The sample DV portal "Gemeente Voorbeeldstad", built on :mod:`ehkit.integrations.starlette`.

The portal is an example of the integration: one mount (``eh.mount("/eherkenning")``)
gives the login, the SAML ACS, the OpenID Connect callback, logout and the SP
metadata; a signed session cookie (``SessionMiddleware``) holds the sealed
``LoginResult``. Whether a service logs in over SAML or OIDC ("subsidie") is
``ehkit.toml``'s business: no line of this module differs between the two.

What the portal adds are its own pages: the list of services, one result page
per service (``/dienst/<key>``, opened with ``eh.core.check``, the integration's
guard rules), and for a login that did not succeed a page that shows the
reason code (``/uitkomst/<id>``; the integration's ``ERROR_HOOK`` sends the
browser there). The broker's answer is processed once and redirected
(POST/GET, redirect, GET): reloading the outcome or result page shows it
again, the URL never holds a spent ``SAMLart`` or ``code``, and a browser
going Back to the spent answer after a login lands on its result page.

Outcome records are kept in memory behind their own cookie: this is a demo.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ehkit.demo.result import summary
from ehkit.demo.texts import t as _t
from ehkit.integrations.base import Cookie, Requirement, WebRequest, WebResponse
from ehkit.integrations.starlette import EHerkenning, StarletteSession

log = logging.getLogger("ehkit.demo")
#: The cookie of the portal's outcome records (the login itself is in LOGIN_COOKIE, the integration's session).
SESSION_COOKIE = "voorbeeldstad_session"
LOGIN_COOKIE = "voorbeeldstad_login"
SESSION_TTL = 3600.0
#: How long an outcome page (cancelled, refused, unavailable) can be reloaded.
OUTCOME_TTL = 600.0
#: At most this many outcome records per session; the oldest go first (bounded memory per visitor).
MAX_OUTCOMES = 20
#: At most this many visitors with outcome records; the oldest go first.
MAX_SESSIONS = 10_000
NO_CACHE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}
STATIC = resources.files("ehkit.demo").joinpath("static")
MOUNT = "/eherkenning"


@dataclass(frozen=True)
class Outcome:
    """How a login ended when it did not log the user in; shown at ``/uitkomst/<id>``."""

    kind: str  # "cancelled" | "loa_too_low" | "unavailable" | "refused"
    reason: str
    service: str | None
    created: float = field(default_factory=time.monotonic)


@dataclass
class Session:
    """One visitor's outcome records."""

    created: float = field(default_factory=time.monotonic)
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def add_outcome(self, item: Outcome) -> str:
        for key in [k for k, o in self.outcomes.items() if time.monotonic() - o.created > OUTCOME_TTL]:
            del self.outcomes[key]
        while len(self.outcomes) >= MAX_OUTCOMES:
            del self.outcomes[next(iter(self.outcomes))]
        key = secrets.token_urlsafe(9)
        self.outcomes[key] = item
        return key


class SessionStore:
    """Outcome records behind a random cookie; nothing about the user is in the cookie.

    Written from the integration's views (in the thread pool) and read by the
    outcome page (on the event loop): one lock.
    """

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _live(self, sid: str | None) -> Session | None:
        session = self._sessions.get(sid or "")
        if session is not None and time.monotonic() - session.created > SESSION_TTL:
            del self._sessions[sid or ""]
            return None
        return session

    def find(self, sid: str | None) -> Session | None:
        with self._lock:
            return self._live(sid)

    def add(self, sid: str | None, item: Outcome) -> tuple[str, str, bool]:
        """Record ``item``: (session id, outcome id, whether the session is new and needs its cookie)."""
        with self._lock:
            session = self._live(sid)
            if sid is not None and session is not None:
                return sid, session.add_outcome(item), False
            while len(self._sessions) >= MAX_SESSIONS:
                del self._sessions[next(iter(self._sessions))]
            new_sid, session = secrets.token_urlsafe(24), Session()
            self._sessions[new_sid] = session
            return new_sid, session.add_outcome(item), True


def with_lang_hint(url: str, lang: str) -> str:
    """Tell the broker the portal's language: ``lang`` beside the SAML or OIDC parameters (not signed over)."""
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "nl"
    return "en" if lang == "en" else "nl"


class PortalEHerkenning(EHerkenning):
    """The integration, plus the demo's language hint on the way to the broker."""

    async def login_view(self, request: Request) -> Response:
        response = await super().login_view(request)
        location = response.headers.get("location")
        if response.status_code in (302, 303) and location and not location.startswith("/"):
            response.headers["location"] = with_lang_hint(location, lang_of(request))
        return response


def create_portal(config: str | Path, *, sp: Any = None) -> Starlette:
    """The portal for the ``ehkit.toml`` at ``config``; the integration is started here, so a
    configuration error stops the demo before it serves anything. ``app.state.ehkit`` is the
    integration (``app.state.ehkit.stop()`` closes its connections). ``sp``: a ServiceProvider
    built by the caller for the same configuration (the conformance tests give it their transports)."""
    env = Environment(
        loader=FileSystemLoader(str(resources.files("ehkit.demo").joinpath("templates"))),
        autoescape=select_autoescape(["html"]),
    )
    outcomes = SessionStore()

    def error_hook(req: WebRequest, kind: str, reason: str, service: str | None, next_path: str | None) -> WebResponse:
        """ERROR_HOOK: a login that did not succeed goes to the portal's outcome page, which shows the code."""
        item = Outcome("loa_too_low" if reason == "loa_too_low" else kind, reason, service)
        sid, key, created = outcomes.add(req.cookies.get(SESSION_COOKIE), item)
        response = WebResponse.redirect(f"/uitkomst/{key}")
        if created:
            response.cookies.append(Cookie(SESSION_COOKIE, sid, int(SESSION_TTL), "/", secure=False))
        return response

    eh = PortalEHerkenning(
        {
            "CONFIG": str(config),
            "LOGIN_REDIRECT": "/",
            "LOGOUT_REDIRECT": "/?uitgelogd=1",
            "ERROR_HOOK": error_hook,
        }
    )
    core = eh.start(sp=sp)
    services = {s.key: s for s in core.config.services}

    def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        other = "en" if lang == "nl" else "nl"
        html = env.get_template(name).render(
            lang=lang, t=lambda key: _t(key, lang), lang_url=f"{request.url.path}?lang={other}", **ctx
        )
        resp = HTMLResponse(html, status_code=status, headers=NO_CACHE)
        if request.query_params.get("lang") in ("nl", "en"):
            resp.set_cookie("lang", lang, httponly=True, samesite="lax")
        return resp

    def service_view(s: Any, lang: str) -> dict[str, Any]:
        return {
            "key": s.key,
            "name": s.name_en if lang == "en" else s.name_nl,
            "description": s.description_en if lang == "en" else s.description_nl,
            "loa": s.loa.label,
            "eidas": s.eidas,
        }

    def not_found(request: Request, what: str) -> HTMLResponse:
        lang = lang_of(request)
        return render(
            request,
            "problem.html",
            404,
            title=_t("not_found_title", lang),
            text=_t(what, lang),
            reason="not_found",
            service=None,
            show_code=False,
        )

    async def home(request: Request) -> Response:
        lang = lang_of(request)
        login = eh.login_of(request)
        message = _t("logged_out", lang) if request.query_params.get("uitgelogd") else None
        return render(
            request,
            "home.html",
            services=[service_view(s, lang) for s in core.config.services],
            logged_in={login.service} if login is not None else set(),
            message=message,
        )

    async def login(request: Request) -> Response:
        """``/login/<key>``: the integration's login for that service, back to its result page."""
        key = request.path_params["service"]
        if key not in services:
            return not_found(request, "unknown_service")
        target = eh.urls(request).login_for(key, f"/dienst/{key}")
        return RedirectResponse(target, status_code=303, headers=NO_CACHE)

    async def old_callback(request: Request) -> Response:
        """The OIDC callback's address before the portal used the integration: same query, new path."""
        path = str(request.url_for("ehkit_oidc_callback").path)
        query = urlencode(request.query_params.multi_items())
        return RedirectResponse(path + (f"?{query}" if query else ""), status_code=307, headers=NO_CACHE)

    async def outcome_page(request: Request) -> Response:
        session = outcomes.find(request.cookies.get(SESSION_COOKIE))
        item = session.outcomes.get(request.path_params["outcome_id"]) if session is not None else None
        if item is None or time.monotonic() - item.created > OUTCOME_TTL:
            return not_found(request, "outcome_gone")
        lang = lang_of(request)
        pages = {
            "cancelled": (200, "cancelled_title", "cancelled", False),
            "loa_too_low": (403, "loa_title", "loa_text", False),
            "unavailable": (503, "unreachable_title", "unreachable", True),
            "refused": (400, "failed_title", "failed", True),
        }
        status, title, text, show_code = pages[item.kind]
        required = services[item.service].loa.label if item.service in services else "?"
        return render(
            request,
            "problem.html",
            status,
            title=_t(title, lang),
            text=_t(text, lang).format(required=required),
            reason=item.reason,
            service=item.service,
            show_code=show_code,
        )

    async def service_page(request: Request) -> Response:
        key = request.path_params["service"]
        if key not in services:
            return not_found(request, "unknown_service")
        lang = lang_of(request)
        name = service_view(services[key], lang)["name"]
        # The integration's guard rules: a login for this service, at its level, still valid.
        decision, result = core.check(StarletteSession(request).load(), Requirement.of(key))
        if not decision.ok or result is None:
            return render(
                request,
                "problem.html",
                401,
                title=name,
                text=_t("not_logged_in", lang),
                reason="not_logged_in",
                service=key,
                show_code=False,
            )
        logout_url = str(request.url_for("ehkit_logout").path)
        return render(request, "service.html", r=summary(result), service_name=name, logout_url=logout_url)

    async def favicon(request: Request) -> Response:
        return Response(STATIC.joinpath("favicon.svg").read_bytes(), media_type="image/svg+xml")

    async def european_login_mark(request: Request) -> Response:
        return Response(STATIC.joinpath("european-login.svg").read_bytes(), media_type="image/svg+xml")

    async def unknown_path(request: Request, exc: Exception) -> Response:
        return not_found(request, "unknown_page")

    app = Starlette(
        routes=[
            eh.mount(MOUNT),
            Route("/", home),
            Route("/login/{service}", login),
            Route("/oidc/callback", old_callback),
            Route("/uitkomst/{outcome_id}", outcome_page),
            Route("/dienst/{service}", service_page),
            # The logout form's address before the portal used the integration.
            Route("/logout", eh.logout_view, methods=["POST"]),
            Route("/favicon.svg", favicon),
            Route("/favicon.ico", favicon),
            Route("/static/european-login.svg", european_login_mark),
        ],
        middleware=[
            # A signed cookie holding the sealed login; http on loopback, so not https_only.
            Middleware(
                SessionMiddleware,
                secret_key=secrets.token_urlsafe(32),
                session_cookie=LOGIN_COOKIE,
                max_age=int(SESSION_TTL),
                same_site="lax",
            )
        ],
        exception_handlers={404: unknown_path},
    )
    app.state.ehkit = eh
    return app
