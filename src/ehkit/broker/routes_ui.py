"""The login screens, as a real HM shows them: choose the AD, log in, choose whom to represent.

Every step has a cancel button (Responder + AuthnFailed back to the DV); a
person without an authorisation gets an explanation and no response, as the
afsprakenstelsel's brokers do.
"""

from __future__ import annotations

import contextlib
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ehkit.broker.data import EidasPerson
from ehkit.broker.engine import Broker
from ehkit.broker.i18n import translator
from ehkit.broker.pages import page_headers, render, request_lang
from ehkit.broker.routes_saml import broker_of, deliver, error_page
from ehkit.broker.scenarios import SCENARIOS, get_scenario
from ehkit.broker.state import LoginFlow

STEPS = 3


def _flow(request: Request) -> tuple[Broker, LoginFlow] | Response:
    """The live login session of this URL, or the error page to show instead."""
    broker = broker_of(request)
    flow = broker.state.flow(request.path_params["flow_id"])
    lang = request_lang(request, broker.settings.default_lang)
    if flow is None:
        return error_page(
            request,
            "flow_unknown",
            "This login session is unknown or has expired; start again at the service provider.",
            lang=lang,
            status=404,
        )
    if request.query_params.get("lang") in ("nl", "en"):
        flow.lang = request.query_params["lang"]
    if flow.finished:
        return error_page(
            request, "flow_finished", "This login session is already completed.", lang=flow.lang, status=409
        )
    return broker, flow


def _context(request: Request, broker: Broker, flow: LoginFlow, step: int, **extra: Any) -> dict[str, Any]:
    base = f"/broker/login/{flow.id}"
    return {
        "flow": flow,
        "step": step,
        "steps": STEPS,
        "url": lambda name: f"{base}/{name}" if name else base,
        "here": request.url.path,
        "scenario": get_scenario(flow.scenario),
        "scenarios": SCENARIOS,
        "show_options": broker.settings.show_test_options,
        **extra,
    }


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303, headers=page_headers())


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


async def choose_ad(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    ads = broker.eligible_ads(flow.service)
    return render(request, "choose_ad.html", _context(request, broker, flow, 1, ads=ads), lang=flow.lang)


async def choose_ad_post(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    ad_id = (await _form(request)).get("ad", "")
    if ad_id not in {a.id for a in broker.eligible_ads(flow.service)}:
        return _redirect(f"/broker/login/{flow.id}")
    flow.ad_id = ad_id
    return _redirect(f"/broker/login/{flow.id}/authenticate")


def _authenticate_page(
    request: Request, broker: Broker, flow: LoginFlow, *, error: str | None = None, selected: str | None = None
) -> Response:
    if not flow.ad_id:
        return _redirect(f"/broker/login/{flow.id}")
    ad = broker.data.ad(flow.ad_id)
    t = translator(flow.lang)
    error_text = None
    if error:
        error_text = t(f"err_{error}")
        if error == "loa_too_low":
            error_text = f"{error_text} {flow.service.loa.label}."
    ctx = _context(
        request,
        broker,
        flow,
        2,
        ad=ad,
        personas=broker.personas_at(ad),
        required=flow.service.loa,
        error=error,
        error_text=error_text,
        selected=selected,
    )
    return render(request, "authenticate.html", ctx, lang=flow.lang, status=200 if error is None else 422)


async def authenticate(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    if not flow.ad_id:
        return _redirect(f"/broker/login/{flow.id}")
    return _authenticate_page(request, broker, flow)


async def authenticate_post(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    if not flow.ad_id:
        return _redirect(f"/broker/login/{flow.id}")
    form = await _form(request)
    persona_id, _, means_id = form.get("persona", "").partition(":")
    try:
        broker.authenticate(flow, broker.data.ad(flow.ad_id), persona_id, means_id or None, form.get("password"))
    except ValueError as exc:
        return _authenticate_page(request, broker, flow, error=str(exc), selected=form.get("persona"))
    persona = broker.data.find_persona(persona_id)
    if isinstance(persona, EidasPerson):
        if not broker.eidas_allowed(flow, persona):
            return render(request, "not_authorised.html", _context(request, broker, flow, 3), lang=flow.lang)
        return deliver(request, broker.finish(flow, broker.grant_for(flow, option=None)), lang=flow.lang)
    return _redirect(f"/broker/login/{flow.id}/represent")


async def represent(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    if not flow.persona_id or flow.loa_used is None:
        return _redirect(f"/broker/login/{flow.id}")
    person = broker.data.person(flow.persona_id)
    options = broker.representation_options(flow, person)
    if not options:
        return render(request, "not_authorised.html", _context(request, broker, flow, 3), lang=flow.lang)
    return render(request, "represent.html", _context(request, broker, flow, 3, options=options), lang=flow.lang)


async def represent_post(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    if not flow.persona_id or flow.loa_used is None:
        return _redirect(f"/broker/login/{flow.id}")
    key = (await _form(request)).get("option", "")
    options = broker.representation_options(flow, broker.data.person(flow.persona_id))
    chosen = next((o for o in options if o.key == key), None)
    if chosen is None:
        return _redirect(f"/broker/login/{flow.id}/represent")
    return deliver(request, broker.finish(flow, broker.grant_for(flow, option=chosen)), lang=flow.lang)


async def cancel(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    return deliver(request, [broker.cancel(flow)], lang=flow.lang)


async def options(request: Request) -> Response:
    """The test-options control: scenario and response binding for this login."""
    found = _flow(request)
    if isinstance(found, Response):
        return found
    _, flow = found
    form = await _form(request)
    with contextlib.suppress(KeyError):  # an unknown scenario keeps the current one
        flow.scenario = get_scenario(form.get("scenario")).id
    if form.get("binding") in ("artifact", "post"):
        flow.response_binding = form["binding"]  # type: ignore[assignment]
    target = form.get("next", "")
    if not target.startswith(f"/broker/login/{flow.id}"):
        target = f"/broker/login/{flow.id}"
    return _redirect(target)


async def index(request: Request) -> Response:
    broker = broker_of(request)
    lang = request_lang(request, broker.settings.default_lang)
    ctx = {
        "settings": broker.settings,
        "dvs": broker.registry.all(),
        "data": broker.data,
        "scenarios": SCENARIOS,
        "key_name": broker.keys.hm.key_name,
    }
    return render(request, "index.html", ctx, lang=lang)
