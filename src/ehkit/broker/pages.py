"""Rendering the browser pages, with the headers the afsprakenstelsel asks of them."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ehkit.broker.i18n import LANGS, translator

#: AS "Interface specifications web": pages sent to the browser must not be cached.
NO_CACHE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}
SECURITY = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # form-action stays open: the response form posts to the DV's ACS on another origin.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
}
LANG_COOKIE = "ehkit_broker_lang"

_ENV = Environment(
    loader=PackageLoader("ehkit.broker", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_headers() -> dict[str, str]:
    return {**NO_CACHE, **SECURITY}


def accept_language(header: str | None) -> str | None:
    """The first of our languages in an ``Accept-Language`` header, by quality (RFC 9110 §12.5.4)."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGS:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (-quality, position, primary)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


def request_lang(request: Request, default: str) -> str:
    """``?lang=`` (the switch, or a DV's hint on the SSO URL) wins, then the switch's cookie,
    then the browser's ``Accept-Language``, then the default."""
    hint = request.query_params.get("lang")
    if hint in LANGS:
        return hint
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return cookie
    return accept_language(request.headers.get("accept-language")) or default


def lang_switch_url(request: Request, lang: str) -> str:
    other = "en" if lang == "nl" else "nl"
    url = request.url.include_query_params(lang=other)
    return f"{url.path}?{url.query}"


def render(
    request: Request, template: str, context: dict[str, Any], *, lang: str, status: int = 200, base_path: str = ""
) -> HTMLResponse:
    ctx = {
        "lang": lang,
        "t": translator(lang),
        "static": lambda name: f"{base_path}/broker/static/{name}",
        "lang_url": lang_switch_url(request, lang) if request.method == "GET" else None,
        **context,
    }
    response = HTMLResponse(_ENV.get_template(template).render(ctx), status_code=status, headers=page_headers())
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="lax")
    return response
