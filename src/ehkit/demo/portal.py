"""The sample DV portal "Gemeente Voorbeeldstad".

It shows how an application uses ``ehkit.sp``: ``start_login`` on the way out,
``finish_login`` at the ACS, the request ID kept in the user's session, and one
clear page per way a login can end. Sessions are in memory: this is a demo.

The ACS never renders a page itself: it processes the message once and
redirects (POST/GET, redirect, GET), to the service page after a login or to
an outcome page keyed by a short-lived record in the session. Reloading either
page shows it again; the URL never holds the spent ``SAMLart``.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ehkit.demo.result import summary
from ehkit.demo.setup import ACS_PATH, SLO_PATH
from ehkit.demo.texts import t as _t
from ehkit.errors import EhkitError, LoginRejected
from ehkit.reasons import outcome

log = logging.getLogger("ehkit.demo")
SESSION_COOKIE = "voorbeeldstad_session"
SESSION_TTL = 3600.0
#: How long an outcome page (cancelled, refused, unavailable) can be reloaded.
OUTCOME_TTL = 600.0
#: At most this many outcome records per session; the oldest go first (bounded memory per visitor).
MAX_OUTCOMES = 20
NO_CACHE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}
STATIC = resources.files("ehkit.demo").joinpath("static")


@dataclass(frozen=True)
class Outcome:
    """How a login ended when it did not log the user in; shown at ``/uitkomst/<id>``."""

    kind: str  # "cancelled" | "loa_too_low" | "unavailable" | "refused"
    reason: str
    service: str | None
    created: float = field(default_factory=time.monotonic)


@dataclass
class Session:
    created: float = field(default_factory=time.monotonic)
    pending_request_id: str | None = None
    pending_service: str | None = None
    logins: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The LoginResults themselves, for the LogoutRequest (single logout, docs/logout.md).
    results: dict[str, Any] = field(default_factory=dict)
    last_service: str | None = None
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
    """Server-side sessions behind a random cookie; nothing about the user is in the cookie."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}

    def get(self, request: Request) -> tuple[str, Session]:
        sid = request.cookies.get(SESSION_COOKIE, "")
        session = self._sessions.get(sid)
        if session is None or time.monotonic() - session.created > SESSION_TTL:
            sid, session = secrets.token_urlsafe(24), Session()
            self._sessions[sid] = session
        return sid, session

    def drop(self, sid: str) -> None:
        self._sessions.pop(sid, None)


def with_lang_hint(url: str, lang: str) -> str:
    """Tell the broker the portal's language: ``lang`` beside the SAML parameters (not signed over)."""
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def create_portal(sp: Any, config: Any) -> Starlette:
    """``sp`` is an ``ehkit.ServiceProvider``; the portal uses only its public API.
    ``config`` (the loaded ``ehkit.toml``) supplies the service names to show."""
    env = Environment(
        loader=FileSystemLoader(str(resources.files("ehkit.demo").joinpath("templates"))),
        autoescape=select_autoescape(["html"]),
    )
    sessions = SessionStore()
    services = {s.key: s for s in config.services}

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get("lang") or "nl"
        return "en" if lang == "en" else "nl"

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

    def with_session(resp: Response, sid: str) -> Response:
        resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax", max_age=int(SESSION_TTL))
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
        sid, session = sessions.get(request)
        lang = lang_of(request)
        message = _t("logged_out", lang) if request.query_params.get("uitgelogd") else None
        resp = render(
            request,
            "home.html",
            services=[service_view(s, lang) for s in config.services],
            logged_in=set(session.logins),
            message=message,
        )
        return with_session(resp, sid)

    async def login(request: Request) -> Response:
        key = request.path_params["service"]
        if key not in services:
            return not_found(request, "unknown_service")
        sid, session = sessions.get(request)
        try:
            # The SP does blocking I/O (metadata, artifact resolution) and RSA work: keep it off the event loop.
            start = await run_in_threadpool(sp.start_login, key, relay_state=f"/dienst/{key}")
        except EhkitError as exc:
            log.warning("start_login failed: %s (%s)", exc.reason, exc)
            return with_session(to_outcome(session, exc.reason, key), sid)
        session.pending_request_id = start.request_id
        session.pending_service = key
        lang = lang_of(request)
        if start.method == "redirect":
            target = with_lang_hint(start.url, lang)
            resp: Response = RedirectResponse(target, status_code=303, headers=dict(start.headers))
        else:  # the POST binding: the broker falls back on the browser's Accept-Language
            resp = HTMLResponse(start.form_html or "", headers=dict(start.headers))
        return with_session(resp, sid)

    async def acs(request: Request) -> Response:
        sid, session = sessions.get(request)
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            params.update({k: str(v) for k, v in form.items()})
        if not params.get("SAMLart") and not params.get("SAMLResponse"):
            # No message: the broker sent the browser back after a finished login (Back button).
            target = f"/dienst/{session.last_service}" if session.last_service in session.logins else "/"
            return with_session(RedirectResponse(target, status_code=303, headers=NO_CACHE), sid)
        return await complete(
            sid,
            session,
            lambda: sp.finish_login(
                saml_art=params.get("SAMLart"),
                saml_response=params.get("SAMLResponse"),
                relay_state=params.get("RelayState"),
                request_id=session.pending_request_id,
            ),
        )

    async def oidc_callback(request: Request) -> Response:
        """Where the OpenID provider sends the browser back, for a service with protocol = "oidc" (docs/oidc.md)."""
        sid, session = sessions.get(request)
        query = request.query_params.multi_items()
        return await complete(sid, session, lambda: sp.finish_oidc_login(query, request_id=session.pending_request_id))

    async def complete(sid: str, session: Session, finish: Any) -> Response:
        """The end of every login, over SAML or OIDC: the outcome page, or the service page."""
        try:
            result = await run_in_threadpool(finish)
        except LoginRejected as exc:
            service = session.pending_service
            session.pending_request_id = session.pending_service = None
            return with_session(to_outcome(session, exc.reason, service), sid)
        session.pending_request_id = session.pending_service = None
        session.logins[result.service] = summary(result)
        session.results[result.service] = result
        session.last_service = result.service
        target = result.relay_state or f"/dienst/{result.service}"
        return with_session(RedirectResponse(target, status_code=303, headers=NO_CACHE), sid)

    def to_outcome(session: Session, reason: str, service: str | None) -> Response:
        kind = "loa_too_low" if reason == "loa_too_low" else outcome(reason)
        key = session.add_outcome(Outcome(kind, reason, service))
        return RedirectResponse(f"/uitkomst/{key}", status_code=303, headers=NO_CACHE)

    async def outcome_page(request: Request) -> Response:
        sid, session = sessions.get(request)
        item = session.outcomes.get(request.path_params["outcome_id"])
        if item is None or time.monotonic() - item.created > OUTCOME_TTL:
            return with_session(not_found(request, "outcome_gone"), sid)
        lang = lang_of(request)
        pages = {
            "cancelled": (200, "cancelled_title", "cancelled", False),
            "loa_too_low": (403, "loa_title", "loa_text", False),
            "unavailable": (503, "unreachable_title", "unreachable", True),
            "refused": (400, "failed_title", "failed", True),
        }
        status, title, text, show_code = pages[item.kind]
        required = services[item.service].loa.label if item.service in services else "?"
        page = render(
            request,
            "problem.html",
            status,
            title=_t(title, lang),
            text=_t(text, lang).format(required=required),
            reason=item.reason,
            service=item.service,
            show_code=show_code,
        )
        return with_session(page, sid)

    async def service_page(request: Request) -> Response:
        key = request.path_params["service"]
        if key not in services:
            return not_found(request, "unknown_service")
        sid, session = sessions.get(request)
        lang = lang_of(request)
        name = service_view(services[key], lang)["name"]
        summary_ = session.logins.get(key)
        if summary_ is None:
            page = render(
                request,
                "problem.html",
                401,
                title=name,
                text=_t("not_logged_in", lang),
                reason="not_logged_in",
                service=key,
                show_code=False,
            )
            return with_session(page, sid)
        return with_session(render(request, "service.html", r=summary_, service_name=name), sid)

    async def logout(request: Request) -> Response:
        """Local logout first, then single logout at the broker when it offers it."""
        sid, session = sessions.get(request)
        sessions.drop(sid)
        login = session.results.get(session.last_service or "") or next(iter(session.results.values()), None)
        resp: Response = RedirectResponse("/?uitgelogd=1", status_code=303, headers=NO_CACHE)
        if login is not None and sp.settings.slo_url:
            try:
                start = await run_in_threadpool(sp.start_logout, login, relay_state="/?uitgelogd=1")
            except EhkitError as exc:
                log.warning("single logout could not start (%s): logged out locally", exc.reason)
            else:
                if start.method == "redirect":
                    resp = RedirectResponse(start.url, status_code=303, headers=dict(start.headers))
                else:
                    resp = HTMLResponse(start.form_html or "", headers=dict(start.headers))
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    async def slo(request: Request) -> Response:
        """The portal's SingleLogoutService: the broker's LogoutResponse, or its own LogoutRequest."""
        sid, session = sessions.get(request)
        form = {k: str(v) for k, v in (await request.form()).items()} if request.method == "POST" else {}
        params = form or dict(request.query_params)
        raw = request.scope.get("query_string", b"").decode("latin-1") if request.method == "GET" else None
        if "SAMLResponse" in params:
            sessions.drop(sid)  # fail closed: whatever the answer, this session is over
            try:
                await run_in_threadpool(
                    lambda: sp.finish_logout(
                        query_string=raw, saml_response=form.get("SAMLResponse"), relay_state=form.get("RelayState")
                    )
                )
            except EhkitError as exc:
                log.warning("the LogoutResponse was refused (%s)", exc.reason)
                return to_outcome(sessions.get(request)[1], exc.reason, None)
            return RedirectResponse("/?uitgelogd=1", status_code=303, headers=NO_CACHE)

        def end_session(message: Any) -> bool:
            ours = {r.session_index for r in session.results.values()}
            if ours & set(message.session_indexes):
                sessions.drop(sid)
                return True
            return False

        answer = await run_in_threadpool(
            lambda: sp.handle_logout_request(
                end_session=end_session,
                query_string=raw,
                saml_request=form.get("SAMLRequest"),
                relay_state=form.get("RelayState"),
            )
        )
        if answer.rejected is not None:
            sessions.drop(sid)  # fail closed
        start = answer.response
        if start.method == "redirect":
            return RedirectResponse(start.url, status_code=303, headers=dict(start.headers))
        return HTMLResponse(start.form_html or "", headers=dict(start.headers))

    async def favicon(request: Request) -> Response:
        return Response(STATIC.joinpath("favicon.svg").read_bytes(), media_type="image/svg+xml")

    async def european_login_mark(request: Request) -> Response:
        return Response(STATIC.joinpath("european-login.svg").read_bytes(), media_type="image/svg+xml")

    async def unknown_path(request: Request, exc: Exception) -> Response:
        return not_found(request, "unknown_page")

    return Starlette(
        routes=[
            Route("/", home),
            Route("/login/{service}", login),
            Route(ACS_PATH, acs, methods=["GET", "POST"]),
            Route("/oidc/callback", oidc_callback),
            Route("/uitkomst/{outcome_id}", outcome_page),
            Route("/dienst/{service}", service_page),
            Route("/logout", logout, methods=["POST"]),
            Route(SLO_PATH, slo, methods=["GET", "POST"]),
            Route("/favicon.svg", favicon),
            Route("/favicon.ico", favicon),
            Route("/static/european-login.svg", european_login_mark),
        ],
        exception_handlers={404: unknown_path},
    )
