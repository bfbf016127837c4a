"""The sample DV portal "Gemeente Voorbeeldstad".

It shows how an application uses ``ehkit.sp``: ``start_login`` on the way out,
``finish_login`` at the ACS, the request ID kept in the user's session, and one
clear page per way a login can end. Sessions are in memory: this is a demo.
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

from ehkit.demo.texts import t as _t
from ehkit.errors import EhkitError, LoginCancelled, LoginRejected

log = logging.getLogger("ehkit.demo")
SESSION_COOKIE = "voorbeeldstad_session"
SESSION_TTL = 3600.0
_UNREACHABLE = {
    "artifact_resolution_failed",
    "artifact_resolution_timeout",
    "artifact_resolution_http",
    "metadata_unavailable",
    "store_unavailable",
}
NO_CACHE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}


@dataclass
class Session:
    created: float = field(default_factory=time.monotonic)
    pending_request_id: str | None = None
    pending_service: str | None = None
    logins: dict[str, dict[str, Any]] = field(default_factory=dict)


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


def _summary(result: Any) -> dict[str, Any]:
    """What the portal shows, taken from the typed LoginResult."""
    legal = result.legal_subject
    attrs = dict(result.attributes)
    company = attrs.pop("urn:etoegang:1.11:attribute-represented:CompanyName", None)
    inter = result.intermediary
    return {
        "legal_type": legal.type.label,
        "legal_value": str(legal),
        "company_name": ", ".join(company) if company else None,
        "vestiging": result.vestigingsnummer,
        "pseudonym": str(result.acting_subject),
        "loa": result.loa.label,
        "loa_required": result.loa_required.label,
        "intermediary": (f"KvK {inter.kvk}" + (f" ({inter.company_name})" if inter.company_name else ""))
        if inter
        else None,
        "attributes": [(k.rsplit(":", 1)[-1], ", ".join(v)) for k, v in sorted(attrs.items())],
        "broker": result.broker,
    }


def create_portal(sp: Any, config: Any) -> Starlette:
    """``sp`` is an ``ehkit.ServiceProvider``; the portal uses only its public API.
    ``config`` (the loaded ``ehkit.toml``) supplies the service names to show."""
    env = Environment(
        loader=FileSystemLoader(str(resources.files("ehkit.demo").joinpath("templates"))),
        autoescape=select_autoescape(["html"]),
    )
    sessions = SessionStore()

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

    def services_view(lang: str) -> list[dict[str, Any]]:
        return [
            {
                "key": s.key,
                "name": s.name_en if lang == "en" else s.name_nl,
                "description": s.description_en if lang == "en" else s.description_nl,
                "loa": s.loa.label,
                "eidas": s.eidas,
            }
            for s in config.services
        ]

    def service_name(key: str, lang: str) -> str:
        for s in services_view(lang):
            if s["key"] == key:
                return str(s["name"])
        return key

    async def home(request: Request) -> Response:
        sid, session = sessions.get(request)
        message = _t("logged_out", lang_of(request)) if request.query_params.get("uitgelogd") else None
        resp = render(
            request,
            "home.html",
            services=services_view(lang_of(request)),
            logged_in=set(session.logins),
            message=message,
        )
        return with_session(resp, sid)

    async def login(request: Request) -> Response:
        key = request.path_params["service"]
        if key not in {s.key for s in config.services}:
            return render(
                request,
                "problem.html",
                404,
                title="404",
                text=key,
                reason="unknown_service",
                service=None,
                show_code=True,
            )
        sid, session = sessions.get(request)
        try:
            # The SP does blocking I/O (metadata, artifact resolution) and RSA work: keep it off the event loop.
            start = await run_in_threadpool(sp.start_login, key, relay_state=f"/dienst/{key}")
        except EhkitError as exc:
            log.warning("start_login failed: %s (%s)", exc.reason, exc)
            return problem(request, exc, key)
        session.pending_request_id = start.request_id
        session.pending_service = key
        if start.method == "redirect":
            resp: Response = RedirectResponse(start.url, status_code=303, headers=dict(start.headers))
        else:
            resp = HTMLResponse(start.form_html or "", headers=dict(start.headers))
        return with_session(resp, sid)

    async def acs(request: Request) -> Response:
        sid, session = sessions.get(request)
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            params.update({k: str(v) for k, v in form.items()})
        return await complete(
            request,
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
        """Where the OpenID provider sends the browser back for a service with protocol = "oidc"."""
        sid, session = sessions.get(request)
        query = request.query_params.multi_items()
        return await complete(
            request, sid, session, lambda: sp.finish_oidc_login(query, request_id=session.pending_request_id)
        )

    async def complete(request: Request, sid: str, session: Session, finish: Any) -> Response:
        try:
            result = await run_in_threadpool(finish)
        except LoginRejected as exc:
            service = session.pending_service
            session.pending_request_id = session.pending_service = None
            return with_session(problem(request, exc, service), sid)
        session.pending_request_id = session.pending_service = None
        session.logins[result.service] = _summary(result)
        target = result.relay_state or f"/dienst/{result.service}"
        return with_session(RedirectResponse(target, status_code=303, headers=NO_CACHE), sid)

    def problem(request: Request, exc: EhkitError, service: str | None) -> HTMLResponse:
        lang = lang_of(request)
        if isinstance(exc, LoginCancelled):
            return render(
                request,
                "problem.html",
                title=_t("cancelled_title", lang),
                text=_t("cancelled", lang),
                reason=exc.reason,
                service=service,
                show_code=False,
            )
        if exc.reason == "loa_too_low":
            required = next((s.loa.label for s in config.services if s.key == service), "?")
            text = _t("loa_text", lang).format(required=required)
            return render(
                request,
                "problem.html",
                403,
                title=_t("loa_title", lang),
                text=text,
                reason=exc.reason,
                service=service,
                show_code=False,
            )
        if exc.reason in _UNREACHABLE:
            return render(
                request,
                "problem.html",
                503,
                title=_t("unreachable_title", lang),
                text=_t("unreachable", lang),
                reason=exc.reason,
                service=service,
                show_code=True,
            )
        return render(
            request,
            "problem.html",
            400,
            title=_t("failed_title", lang),
            text=_t("failed", lang),
            reason=exc.reason,
            service=service,
            show_code=True,
        )

    async def service_page(request: Request) -> Response:
        key = request.path_params["service"]
        sid, session = sessions.get(request)
        summary = session.logins.get(key)
        lang = lang_of(request)
        if summary is None:
            return with_session(
                render(
                    request,
                    "problem.html",
                    401,
                    title=service_name(key, lang),
                    text=_t("not_logged_in", lang),
                    reason="not_logged_in",
                    service=key,
                    show_code=False,
                ),
                sid,
            )
        return with_session(render(request, "service.html", r=summary, service_name=service_name(key, lang)), sid)

    async def logout(request: Request) -> Response:
        sid, _ = sessions.get(request)
        sessions.drop(sid)
        resp = RedirectResponse("/?uitgelogd=1", status_code=303, headers=NO_CACHE)
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    return Starlette(
        routes=[
            Route("/", home),
            Route("/login/{service}", login),
            Route("/acs", acs, methods=["GET", "POST"]),
            Route("/oidc/callback", oidc_callback),
            Route("/dienst/{service}", service_page),
            Route("/logout", logout, methods=["POST"]),
        ]
    )
