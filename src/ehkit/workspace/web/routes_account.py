"""Log in, log out, accept an invitation, choose the language, health."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ehkit.workspace.errors import AuthFailed, InvalidInput, Problem
from ehkit.workspace.models import Project
from ehkit.workspace.services import access
from ehkit.workspace.web.context import COOKIE, Ctx, view


def _safe_next(target: str) -> str:
    """Only paths on this site: no scheme, no host, no protocol-relative //."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _rotate(ctx: Ctx) -> None:
    """A new session id and CSRF token at every sign-in, so a planted session cannot be taken over."""
    lang = ctx.web.lang
    ctx.db.delete(ctx.web)
    opened = access.open_session(ctx.db, user=ctx.user, lang=lang)
    ctx.web, ctx.cookie = opened.record, opened.token


@view(auth=False)
async def login(ctx: Ctx) -> Response:
    next_url = _safe_next(ctx.request.query_params.get("next", "/"))
    if ctx.request.method == "GET":
        return ctx.render("login.html", next_url=next_url, email="", failed=False)
    email = ctx.value("email")
    try:
        user = access.authenticate(ctx.db, email, ctx.value("password"))
    except AuthFailed:
        ctx.failed = True
        return ctx.render(
            "login.html", status=401, next_url=_safe_next(ctx.value("next", "/")), email=email, failed=True
        )
    ctx.user = user
    _rotate(ctx)
    return ctx.redirect(_safe_next(ctx.value("next", "/")))


@view(auth=False)
async def logout(ctx: Ctx) -> Response:
    ctx.db.delete(ctx.web)
    response = ctx.redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@view(auth=False)
async def invitation(ctx: Ctx) -> Response:
    token = str(ctx.request.path_params["token"])
    found = access.open_invitation(ctx.db, token)
    project = ctx.db.get(Project, found.project_id)
    if project is None:  # pragma: no cover - the foreign key cascades
        return ctx.redirect("/")
    other = ctx.user is not None and ctx.user.email != found.email
    variables: dict[str, Any] = {
        "invitation": found,
        "invited_project": project,
        "other_user": other,
        "errors": {},
        "summary": [],
    }
    if ctx.request.method == "GET" or other:
        return ctx.render("invite.html", **variables)
    try:
        if ctx.user is None and ctx.value("password") != ctx.value("password2"):
            raise InvalidInput([Problem("password2", "passwords_differ")], source="invitation")
        user = access.accept_invitation(
            ctx.db, token, user=ctx.user, display_name=ctx.value("display_name"), password=ctx.value("password")
        )
    except InvalidInput as exc:
        variables |= {
            "errors": ctx.errors(exc),
            "summary": ctx.error_summary(exc),
            "display_name": ctx.value("display_name"),
        }
        return ctx.render("invite.html", status=400, **variables)
    ctx.user = user
    _rotate(ctx)
    return ctx.redirect(f"/p/{project.slug}")


async def healthz(request: Request) -> Response:
    state = request.app.state.ws.db.state()
    return JSONResponse({"status": "ok" if state.up_to_date else "degraded", "database": state.as_dict()},
                        status_code=200 if state.up_to_date else 503)  # fmt: skip
