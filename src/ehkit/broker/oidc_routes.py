"""The OpenID Connect endpoints: discovery, JWKS, authorize, token, userinfo (under ``/oidc``).

Thin HTTP glue around :class:`~ehkit.broker.oidc_provider.OidcProvider`; the
login screens after ``authorize`` are the SAML ones (``/broker/login/...``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ehkit.broker.pages import page_headers, request_lang
from ehkit.broker.routes_saml import broker_of, client_certificate, error_page

__all__ = ["authorize", "discovery", "jwks", "token", "userinfo"]

if TYPE_CHECKING:
    from ehkit.broker.oidc_provider import OidcProvider

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class _NoProvider(Exception):
    pass


def _provider(request: Request) -> OidcProvider:
    provider: OidcProvider | None = broker_of(request).oidc
    if provider is None:  # pragma: no cover - the oidc extra is part of dev
        raise _NoProvider
    return provider


def not_installed(request: Request, exc: Exception) -> Response:  # pragma: no cover
    return JSONResponse(
        {"error": "not_available", "error_description": "the OpenID provider needs the oidc extra (ehkit[oidc])"},
        status_code=501,
    )


async def discovery(request: Request) -> Response:
    return JSONResponse(_provider(request).discovery(), headers={"Cache-Control": "max-age=300"})


async def jwks(request: Request) -> Response:
    return JSONResponse(_provider(request).jwks(), headers={"Cache-Control": "max-age=300"})


async def authorize(request: Request) -> Response:
    broker = broker_of(request)
    lang = request_lang(request, broker.settings.default_lang)
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in params:
            return error_page(request, "invalid_request", f"The parameter {name} appears twice.", lang=lang)
        params[name] = value
    from ehkit.broker.oidc_provider import OidcRefused

    try:
        flow = _provider(request).authorize(params, lang=lang)
    except OidcRefused as exc:
        if exc.url is not None:
            return RedirectResponse(exc.url, status_code=303, headers=page_headers())
        return error_page(request, exc.error, exc.description, lang=lang, status=exc.status)
    return RedirectResponse(f"/broker/login/{flow.id}", status_code=303, headers=page_headers())


async def token(request: Request) -> Response:
    broker = broker_of(request)
    if not request.headers.get("content-type", "").lower().startswith("application/x-www-form-urlencoded"):
        return JSONResponse(
            {"error": "invalid_request", "error_description": "the token request must be form-encoded"},
            status_code=400,
            headers=_NO_STORE,
        )
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    status, body = _provider(request).token(
        form,
        authorization=request.headers.get("authorization"),
        client_cert_der=client_certificate(request, broker.settings),
    )
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="ehkit-simulator"'
    return JSONResponse(body, status_code=status, headers=headers)


async def userinfo(request: Request) -> Response:
    status, body = _provider(request).userinfo(request.headers.get("authorization"))
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return JSONResponse(body, status_code=status, headers=headers)
