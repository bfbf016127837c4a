"""The login screens, as a real HM shows them: choose the AD, log in, choose whom to represent.

Every step has a cancel button (Responder + AuthnFailed back to the DV); a
person without an authorisation gets an explanation and no response, as the
afsprakenstelsel's brokers do.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ehkit.broker.data import EidasPerson
from ehkit.broker.engine import Broker
from ehkit.broker.grant import eidas_identifiers
from ehkit.broker.i18n import LANGS, translator
from ehkit.broker.logout import SSO_COOKIE
from ehkit.broker.oidc_scenarios import OIDC_SCENARIOS, get_oidc_scenario
from ehkit.broker.pages import page_headers, render, request_lang
from ehkit.broker.routes_saml import broker_of, deliver, error_page
from ehkit.broker.scenarios import SCENARIOS, get_scenario
from ehkit.broker.state import LoginFlow

STEPS = 3
#: The cookie that remembers the chosen authentication service in this browser (its id only).
AD_COOKIE = "ehkit_broker_ad"
AD_COOKIE_AGE = 365 * 24 * 3600


def _flow(request: Request) -> tuple[Broker, LoginFlow] | Response:
    """The live login session of this URL, or the error page to show instead."""
    broker = broker_of(request)
    flow = broker.state.flow(request.path_params["flow_id"])
    lang = request_lang(request, broker.settings.default_lang)
    if flow is None:
        return error_page(request, "flow_unknown", "", lang=lang, status=404)
    if request.query_params.get("lang") in LANGS:
        flow.lang = request.query_params["lang"]
    if flow.finished:
        if request.method == "GET":
            # The browser's Back button after the login: the answer went to the DV already and
            # cannot be sent twice, so send the person back to the DV's ACS without a message;
            # the DV shows where they are (the ehkit demo: the logged-in page).
            return RedirectResponse(flow.acs.location, status_code=303, headers=page_headers())
        return error_page(request, "flow_finished", "", lang=flow.lang, status=409)
    return broker, flow


def _context(request: Request, broker: Broker, flow: LoginFlow, step: int, **extra: Any) -> dict[str, Any]:
    base = f"/broker/login/{flow.id}"
    return {
        "flow": flow,
        "step": step,
        "steps": STEPS,
        "url": lambda name: f"{base}/{name}" if name else base,
        "here": request.url.path,
        "scenario": _scenario_of(flow),
        "scenarios": OIDC_SCENARIOS if flow.oidc is not None else SCENARIOS,
        "show_options": broker.settings.show_test_options,
        "sso_ad": broker.data.ad(flow.ad_id).name if flow.sso and flow.ad_id else None,
        **extra,
    }


def _scenario_of(flow: LoginFlow) -> Any:
    return get_oidc_scenario(flow.scenario) if flow.oidc is not None else get_scenario(flow.scenario)


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303, headers=page_headers())


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _remembered_ad(request: Request, ads: list[Any]) -> str | None:
    chosen = request.cookies.get(AD_COOKIE)
    return chosen if chosen in {a.id for a in ads} else None


def _with_browser(request: Request, flow: LoginFlow, response: Response) -> Response:
    """Keep the browser's AD-session cookie (a random value) so a later login can use SSO."""
    if flow.browser and request.cookies.get(SSO_COOKIE) != flow.browser:
        response.set_cookie(SSO_COOKIE, flow.browser, httponly=True, samesite="lax")
    return response


async def choose_ad(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    if flow.browser is None and flow.oidc is None:
        flow.browser = request.cookies.get(SSO_COOKIE) or secrets.token_urlsafe(24)
    session = broker.sso_session(flow)
    if session is not None and not flow.sso:
        # Single sign-on: the AD session of this browser authenticates this login; no credentials.
        broker.use_sso(flow, session)
        persona = broker.data.find_persona(session.persona_id)
        if isinstance(persona, EidasPerson) and broker.eidas_allowed(flow, persona):
            answer = deliver(request, broker.finish(flow, broker.grant_for(flow, option=None)), lang=flow.lang)
            return _with_browser(request, flow, answer)
        return _with_browser(request, flow, _redirect(f"/broker/login/{flow.id}/represent"))
    ads = broker.eligible_ads(flow.service)
    remembered = _remembered_ad(request, ads)
    selected = flow.ad_id if flow.ad_id in {a.id for a in ads} else remembered
    ctx = _context(
        request,
        broker,
        flow,
        1,
        ads=ads,
        selected=selected,
        remembered=broker.data.ad(remembered) if remembered else None,
    )
    return _with_browser(request, flow, render(request, "choose_ad.html", ctx, lang=flow.lang))


async def choose_ad_post(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    form = await _form(request)
    ad_id = form.get("ad", "")
    if ad_id not in {a.id for a in broker.eligible_ads(flow.service)}:
        return _redirect(f"/broker/login/{flow.id}")
    flow.ad_id = ad_id
    response = _redirect(f"/broker/login/{flow.id}/authenticate")
    # "Onthoud deze keuze": this browser remembers the provider, nothing else; unticked forgets it.
    if form.get("remember") == "1":
        response.set_cookie(AD_COOKIE, ad_id, max_age=AD_COOKIE_AGE, httponly=True, samesite="lax")
    elif AD_COOKIE in request.cookies:
        response.delete_cookie(AD_COOKIE)
    return response


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
    if isinstance(persona, EidasPerson) and broker.eidas_allowed(flow, persona):
        return deliver(request, broker.finish(flow, broker.grant_for(flow, option=None)), lang=flow.lang)
    # The next page (or the explanation that there is none) is a GET: reloadable, with a language switch.
    return _redirect(f"/broker/login/{flow.id}/represent")


async def represent(request: Request) -> Response:
    found = _flow(request)
    if isinstance(found, Response):
        return found
    broker, flow = found
    if not flow.persona_id or flow.loa_used is None:
        return _redirect(f"/broker/login/{flow.id}")
    person = broker.data.find_persona(flow.persona_id)
    if isinstance(person, EidasPerson):
        # Only reached when the service accepts no identifier an eIDAS person has.
        return render(request, "not_authorised.html", _context(request, broker, flow, 3, chains=[]), lang=flow.lang)
    options = broker.representation_options(flow, person)
    chains = [c.name for c in broker.chains_not_allowed(flow.service, person)]
    if not options:
        ctx = _context(request, broker, flow, 3, chains=chains)
        return render(request, "not_authorised.html", ctx, lang=flow.lang)
    ctx = _context(request, broker, flow, 3, options=options, chains=chains)
    return render(request, "represent.html", ctx, lang=flow.lang)


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
    lookup = get_oidc_scenario if flow.oidc is not None else get_scenario
    with contextlib.suppress(KeyError):  # an unknown scenario keeps the current one
        flow.scenario = lookup(form.get("scenario")).id
    if form.get("binding") in ("artifact", "post"):
        flow.response_binding = form["binding"]  # type: ignore[assignment]
    target = form.get("next", "")
    if not target.startswith(f"/broker/login/{flow.id}"):
        target = f"/broker/login/{flow.id}"
    return _redirect(target)


async def index(request: Request) -> Response:
    """The overview: endpoints, DVs, test persons with their authorisations, who may do what per service."""
    broker = broker_of(request)
    lang = request_lang(request, broker.settings.default_lang)
    services = [
        (
            dv,
            service,
            [
                (p, options, max(m.loa for m in p.means) >= service.loa)
                for p in broker.data.persons
                if p.means and (options := broker.options_for(dv, service, p))
            ],
            [
                (e, e.loa >= service.loa)
                for e in broker.data.eidas_persons
                if eidas_identifiers(service, dv, e, broker.pseudonyms) is not None
            ],
        )
        for dv in broker.registry.all()
        for service in sorted(dv.services.values(), key=lambda s: s.index)
    ]
    ctx = {
        "settings": broker.settings,
        "dvs": broker.registry.all(),
        "data": broker.data,
        "scenarios": SCENARIOS,
        "key_name": broker.keys.hm.key_name,
        "services": services,
    }
    return render(request, "index.html", ctx, lang=lang)
