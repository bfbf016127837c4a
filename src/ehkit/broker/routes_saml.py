"""The SAML endpoints a DV talks to: metadata, SSO (all request bindings) and artifact resolution."""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ehkit.broker.engine import Broker, Delivery, PageError, RequestRefused, soap_fault
from ehkit.broker.i18n import LANGS, TEXTS, translator
from ehkit.broker.pages import page_headers, render, request_lang
from ehkit.broker.settings import BrokerSettings
from ehkit.broker.state import ErrorRecord

METADATA_TYPE = "application/samlmetadata+xml"
#: Reasons whose page text says everything; they get no (English) technical message.
TRANSLATED_ONLY = frozenset({"flow_unknown", "flow_finished"})


def broker_of(request: Request) -> Broker:
    return request.app.state.broker  # type: ignore[no-any-return]


def why(reason: str, lang: str) -> str:
    """One sentence in the page's language saying what a reason code means."""
    t = translator(lang)
    key = f"why_{reason}"
    return t(key) if key in TEXTS else t("why_other")


def render_error(request: Request, reason: str, message: str, *, lang: str, status: int) -> Response:
    """Flow errors carry their whole explanation in the page language; engine errors add the technical message."""
    detail = "" if reason in TRANSLATED_ONLY else message
    context = {"reason": reason, "message": detail, "why": why(reason, lang), "title": None, "body": None}
    return render(request, "error.html", {**context, "show_overview": False}, lang=lang, status=status)


def error_page(request: Request, reason: str, message: str, *, lang: str, status: int = 400) -> Response:
    """An error answer. After a POST the browser is sent to a GET address for the same page (POST,
    redirect, GET), so reloading it shows it again instead of re-sending the request, and it gets a
    language switch."""
    if request.method != "POST":
        return render_error(request, reason, message, lang=lang, status=status)
    broker = broker_of(request)
    key = broker.state.add_error(ErrorRecord(reason, message, status, broker.now()))
    return RedirectResponse(f"/broker/error/{key}?lang={lang}", status_code=303, headers=page_headers())


async def error_again(request: Request) -> Response:
    broker = broker_of(request)
    lang = request_lang(request, broker.settings.default_lang)
    record = broker.state.error(request.path_params["error_id"], broker.now())
    if record is None:
        return not_found(request)
    return render_error(request, record.reason, record.message, lang=lang, status=record.status)


def not_found(request: Request, exc: Exception | None = None) -> Response:
    """404 for every unknown address: JSON under /api, a page in the visitor's language elsewhere."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "not_found", "message": f"no such endpoint: {request.url.path}"}, 404)
    broker = broker_of(request)
    lang = request_lang(request, broker.settings.default_lang)
    t = translator(lang)
    context = {
        "reason": "not_found",
        "message": "",
        "why": why("not_found", lang),
        "title": t("page_not_found_title"),
        "body": t("page_not_found_body"),
        "show_overview": True,
    }
    return render(request, "error.html", context, lang=lang, status=404)


async def favicon(request: Request) -> Response:
    return RedirectResponse("/broker/static/favicon.svg", status_code=301)


def deliver(request: Request, deliveries: list[Delivery], *, lang: str) -> Response:
    """Send the browser back to the DV: a redirect for an artifact, a self-submitting form for POST."""
    if len(deliveries) > 1:
        return render(request, "deliver_twice.html", {"deliveries": deliveries}, lang=lang)
    delivery = deliveries[0]
    if delivery.binding in ("artifact", "oidc"):
        return RedirectResponse(delivery.url, status_code=303, headers=page_headers())
    return render(request, "deliver.html", {"delivery": delivery}, lang=lang)


async def metadata(request: Request) -> Response:
    return Response(request.app.state.metadata_xml, media_type=METADATA_TYPE)


async def signing_certificate(request: Request) -> Response:
    pem = broker_of(request).keys.hm.certificate.public_bytes(Encoding.PEM)
    return Response(pem, media_type="application/x-pem-file")


async def ca_certificate(request: Request) -> Response:
    """The simulator's test CA root, for DVs that check the chain (and TLS clients)."""
    pem = broker_of(request).keys.ca.root.public_bytes(Encoding.PEM)
    return Response(pem, media_type="application/x-pem-file")


async def sso(request: Request) -> Response:
    broker = broker_of(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)} if request.method == "POST" else {}
    # The DV's language hint: ``lang`` next to the SAML parameters (query or form); it is not
    # part of the signed Redirect-binding string, so adding it never breaks a signature.
    hint = form.pop("lang", None)
    lang = hint if hint in LANGS else request_lang(request, broker.settings.default_lang)
    query = request.scope.get("query_string", b"").decode("latin-1")
    try:
        flow = await broker.accept(method=request.method, query_string=query, form=form)
    except PageError as exc:
        return error_page(request, exc.reason, exc.message, lang=lang, status=exc.status)
    except RequestRefused as refused:
        return deliver(request, [refused.refusal.delivery], lang=lang)
    flow.lang = lang
    return RedirectResponse(f"/broker/login/{flow.id}", status_code=303, headers=page_headers())


def client_certificate(request: Request, settings: BrokerSettings) -> bytes | None:
    """The DV's TLS client certificate (DER): from the ASGI TLS extension, or a trusted proxy header."""
    tls = (request.scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or []
    if chain:
        return _pem_to_der(chain[0])
    if settings.client_cert_header:
        value = request.headers.get(settings.client_cert_header)
        if value:
            return _pem_to_der(unquote(value))
    return None


def _pem_to_der(pem: str | bytes) -> bytes | None:
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data).public_bytes(Encoding.DER)
    except ValueError:
        try:
            return x509.load_der_x509_certificate(base64.b64decode(data)).public_bytes(Encoding.DER)
        except ValueError:
            return b""  # presented but unreadable: never matches a DV certificate


async def artifact_resolution(request: Request) -> Response:
    broker = broker_of(request)
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("text/xml"):
        # OneWelcome and Signicat refuse anything but text/xml since April 2022; so does the simulator.
        fault = soap_fault(
            "content_type", f"SOAP 1.1 needs Content-Type text/xml, got {content_type[:80]!r}", status=415
        )
        return Response(fault.body, status_code=fault.status, media_type=fault.content_type)
    body = await request.body()
    result = broker.resolve(body, client_cert_der=client_certificate(request, broker.settings))
    if result.delay:
        await asyncio.sleep(result.delay)
    return Response(result.body, status_code=result.status, media_type=result.content_type)
