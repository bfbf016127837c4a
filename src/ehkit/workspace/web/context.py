"""One request's context, and the ``view`` wrapper every page goes through.

The wrapper does, for every route, in this order: open a database session;
load the server-side session from the cookie (or start an anonymous one); pick
the language; require a signed-in user; check the CSRF token of every POST;
check the membership and role for every ``/p/{slug}`` route (404 for projects
the user is not a member of, exactly as for unknown ones); run the handler;
commit, or roll back when the handler reported a failure.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ehkit.workspace.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ehkit.workspace.models import Project, User, WebSession
from ehkit.workspace.services import access
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.web.i18n import T, field_label, item_text, problem_text, t

COOKIE = "ehkit_ws_session"
FLASH = {"saved", "deleted", "test_keys_done", "simulator_broker_done", "level_saved"}
MAX_FORM_BYTES = 512 * 1024


@dataclass
class Ctx:
    request: Request
    db: Session
    web: WebSession
    lang: str
    templates: jinja2.Environment
    form: FormData | None = None
    user: User | None = None
    project: Project | None = None
    role: str | None = None
    failed: bool = False
    cookie: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def me(self) -> User:
        """The signed-in user (every route with ``auth`` has one)."""
        if self.user is None:
            raise RuntimeError("no signed-in user in this request")
        return self.user

    @property
    def p(self) -> Project:
        """The project of a ``/p/{slug}`` route, after the membership check."""
        if self.project is None:
            raise RuntimeError("not a project route")
        return self.project

    @property
    def r(self) -> str:
        if self.role is None:
            raise RuntimeError("not a project route")
        return self.role

    @property
    def actor(self) -> Actor:
        return Actor(self.me.id, self.me.email)

    @property
    def state(self) -> Any:
        return self.request.app.state.ws

    @property
    def can_edit(self) -> bool:
        return self.role is not None and access.can(self.role, "editor")

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    def t(self, key: str, /, **params: Any) -> str:
        return t(self.lang, key, **params)

    def item(self, key: str, params: dict[str, Any]) -> str:
        return item_text(self.lang, key, params)

    def value(self, name: str, default: str = "") -> str:
        if self.form is None:
            return default
        raw = self.form.get(name, default)
        return raw if isinstance(raw, str) else default

    def values(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]

    def version(self) -> int | None:
        raw = self.value("version")
        return int(raw) if raw.isdigit() else None

    def url(self, path: str, **query: Any) -> str:
        clean = {k: v for k, v in query.items() if v is not None}
        return path + ("?" + urlencode(clean, doseq=True) if clean else "")

    def purl(self, suffix: str = "") -> str:
        return f"/p/{quote(self.p.slug)}{suffix}"

    def render(self, name: str, status: int = 200, **variables: Any) -> HTMLResponse:
        template = self.templates.get_template(name)
        flash = self.request.query_params.get("msg")
        html = template.render(
            ctx=self, t=self.t, lang=self.lang, user=self.user, project=self.project, role=self.role,
            csrf=self.web.csrf_token, flash=flash if flash in FLASH else None, path=self.request.url.path,
            **variables,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status)

    def redirect(self, url: str, msg: str | None = None) -> RedirectResponse:
        if msg:
            url += ("&" if "?" in url else "?") + f"msg={msg}"
        return RedirectResponse(url, status_code=303)

    def errors(self, exc: InvalidInput) -> dict[str, list[str]]:
        """Field name (first path segment) -> messages, for the fields and the error summary."""
        self.failed = True
        found: dict[str, list[str]] = {}
        for problem in exc.problems:
            name = problem.field.split(".", 1)[0].split("[", 1)[0] or "_form"
            found.setdefault(name, []).append(problem_text(self.lang, problem))
        return found

    def error_summary(self, exc: InvalidInput) -> list[tuple[str, str, str]]:
        return [
            (
                p.field.split(".", 1)[0].split("[", 1)[0] or "_form",
                field_label(self.lang, p.field),
                problem_text(self.lang, p),
            )
            for p in exc.problems
        ]


Handler = Callable[[Ctx], Awaitable[Response]]


def error_page(ctx: Ctx, status: int, title: str, message: str) -> HTMLResponse:
    ctx.failed = True
    return ctx.render("error.html", status=status, title=ctx.t(title), message=ctx.t(message))


def view(
    *, auth: bool = True, need: str | None = None, write: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """``need``: the project role the route requires (``/p/{slug}`` routes); ``write``: POST changes data."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            state = request.app.state.ws
            session = state.db.new_session()
            try:
                ctx = _context(request, session, state)
                response = await _run(ctx, handler, auth=auth, need=need, write=write)
                if ctx.failed:
                    session.rollback()
                    _keep_session(session, ctx)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
            if ctx.cookie is not None:
                response.set_cookie(
                    COOKIE, ctx.cookie, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                    max_age=int(access.SESSION_LIFETIME.total_seconds()), path="/",
                )  # fmt: skip
            return response

        return endpoint

    return decorate


def _keep_session(session: Session, ctx: Ctx) -> None:
    """A failed request still keeps a newly started session (its CSRF token is already in the page)."""
    if ctx.cookie is not None and session.get(WebSession, ctx.web.id) is None:
        session.add(
            WebSession(
                id=ctx.web.id, user_id=ctx.web.user_id, csrf_token=ctx.web.csrf_token, lang=ctx.web.lang,
                created_at=ctx.web.created_at, last_seen_at=ctx.web.last_seen_at, expires_at=ctx.web.expires_at,
            )
        )  # fmt: skip


def _context(request: Request, session: Session, state: Any) -> Ctx:
    web = access.load_session(session, request.cookies.get(COOKIE))
    cookie = None
    if web is None:
        opened = access.open_session(session, lang=_accept_lang(request))
        web, cookie = opened.record, opened.token
    wanted = request.query_params.get("lang")
    if wanted in ("nl", "en") and wanted != web.lang:
        web.lang = wanted
    ctx = Ctx(request, session, web, web.lang, state.templates, cookie=cookie)
    ctx.user = web.user if web.user_id is not None else None
    return ctx


def _accept_lang(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    first = header.split(",", 1)[0].strip().lower()
    return "en" if first.startswith("en") else "nl"


async def _run(ctx: Ctx, handler: Handler, *, auth: bool, need: str | None, write: bool) -> Response:
    request = ctx.request
    if auth and ctx.user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    if request.method == "POST":
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_FORM_BYTES:
            return error_page(ctx, 413, "err_403_title", "err_csrf")
        ctx.form = await request.form()
        submitted = ctx.value("csrf") or request.headers.get("x-csrf-token")
        if not access.csrf_ok(ctx.web, submitted):
            return error_page(ctx, 403, "err_403_title", "err_csrf")
    try:
        if need is not None:
            slug = request.path_params["slug"]
            ctx.project, ctx.role = access.require(ctx.db, ctx.me, slug, "viewer")
            required = "editor" if (write and request.method == "POST" and need == "viewer") else need
            if not access.can(ctx.role, required):
                return error_page(ctx, 403, "err_403_title", "err_403")
        return await handler(ctx)
    except NotFound:
        return error_page(ctx, 404, "err_404_title", "err_404")
    except Forbidden:
        return error_page(ctx, 403, "err_403_title", "err_403")
    except Conflict:
        ctx.failed = True
        return ctx.render("error.html", status=409, title=ctx.t("err_409_title"), message=ctx.t("err_409"), reload=True)
    except InvalidInput as exc:
        ctx.failed = True
        return ctx.render(
            "error.html", status=400, title=ctx.t("error_summary"), message="", summary=ctx.error_summary(exc)
        )


def path_int(request: Request, name: str) -> int:
    raw = request.path_params.get(name)
    if isinstance(raw, int):
        return raw
    raise NotFound(f"bad id {raw!r}", reason="workspace_not_found")


__all__ = ["COOKIE", "Ctx", "Problem", "T", "error_page", "path_int", "view"]
