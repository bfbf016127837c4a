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


def request_lang(request: Request, default: str) -> str:
    """``?lang=`` wins, then the cookie, then the default."""
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or default
    return lang if lang in LANGS else default


def lang_switch_url(request: Request, lang: str) -> str:
    other = "en" if lang == "nl" else "nl"
    return (
        str(request.url.include_query_params(lang=other).path)
        + "?"
        + str(request.url.include_query_params(lang=other).query)
    )


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
