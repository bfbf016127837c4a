"""The single-logout endpoints and pages of the simulator (see ehkit.broker.logout)."""

from __future__ import annotations

import contextlib

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ehkit.broker import logout as slo
from ehkit.broker.engine import PageError
from ehkit.broker.i18n import LANGS
from ehkit.broker.pages import page_headers, render, request_lang
from ehkit.broker.routes_saml import broker_of, error_page
from ehkit.broker.state import LogoutFlow


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303, headers=page_headers())


def _send(request: Request, delivery: slo.SloDelivery, lang: str) -> Response:
    if delivery.binding == "redirect":
        return RedirectResponse(delivery.url, status_code=303, headers=page_headers())
    return render(request, "deliver.html", {"delivery": delivery}, lang=lang)


async def _form(request: Request) -> dict[str, str]:
    if request.method != "POST":
        return {}
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


async def slo_endpoint(request: Request) -> Response:
    """The HM's SingleLogoutService: a DV's LogoutRequest, or its LogoutResponse to ours."""
    broker = broker_of(request)
    form = await _form(request)
    hint = form.pop("lang", None) or request.query_params.get("lang")
    lang = hint if hint in LANGS else request_lang(request, broker.settings.default_lang)
    query = request.scope.get("query_string", b"").decode("latin-1")
    params = {**dict(request.query_params), **form}
    try:
        if "SAMLRequest" in params:
            flow = slo.receive_logout_request(
                broker,
                method=request.method,
                query_string=query,
                form=form,
                browser=request.cookies.get(slo.SSO_COOKIE),
                lang=lang,
            )
            return _redirect(f"/broker/logout/{flow.id}")
        if "SAMLResponse" in params:
            flow = slo.receive_logout_response(broker, method=request.method, query_string=query, form=form)
            delivery = slo.next_request(broker, flow)
            return _send(request, delivery, flow.lang) if delivery else _redirect(f"/broker/logout/{flow.id}")
    except PageError as exc:
        return error_page(request, exc.reason, exc.message, lang=lang, status=exc.status)
    return error_page(request, "logout_malformed", "This address expects a SAMLRequest or SAMLResponse.", lang=lang)


def _flow_or_error(request: Request) -> tuple[LogoutFlow, str] | Response:
    broker = broker_of(request)
    lang = request_lang(request, broker.settings.default_lang)
    flow = broker.state.logout(request.path_params["logout_id"])
    if flow is None:
        return error_page(request, "flow_unknown", "", lang=lang, status=404)
    if request.query_params.get("lang") in LANGS:
        flow.lang = request.query_params["lang"]
    return flow, flow.lang


async def logout_page(request: Request) -> Response:
    """ "Logged out at [DV] and [AD]", or "logout not possible now", with the way back to the DV."""
    found = _flow_or_error(request)
    if isinstance(found, Response):
        return found
    flow, lang = found
    broker = broker_of(request)
    ad_name = broker.data.ad(flow.session.ad_id).name if flow.session is not None else ""
    if flow.kind == "broker":
        response = render(request, "broker_logged_out.html", {"flow": flow, "ad_name": ad_name}, lang=lang)
    else:
        ctx = {
            "flow": flow,
            "impossible": flow.session is None,
            "dv_name": flow.dv.name(lang) if flow.dv is not None else "",
            "ad_name": ad_name,
            "scenarios": slo.LOGOUT_SCENARIOS,
            "show_options": broker.settings.show_test_options,
        }
        response = render(request, "logged_out.html", ctx, lang=lang)
    response.delete_cookie(slo.SSO_COOKIE)
    return response


async def logout_continue(request: Request) -> Response:
    found = _flow_or_error(request)
    if isinstance(found, Response):
        return found
    flow, lang = found
    broker = broker_of(request)
    form = await _form(request)
    scenario = "none"
    with contextlib.suppress(KeyError):
        scenario = slo.get_logout_scenario(form.get("scenario")).id
    try:
        delivery = slo.answer_delivery(broker, flow, scenario)
    except PageError as exc:
        return error_page(request, exc.reason, exc.message, lang=lang, status=exc.status)
    return _send(request, delivery, lang)


async def session_page(request: Request) -> Response:
    """This browser's AD session at the simulator, with the broker-initiated logout button."""
    broker = broker_of(request)
    lang = request_lang(request, broker.settings.default_lang)
    session = broker.state.ad_session(request.cookies.get(slo.SSO_COOKIE), broker.now())
    ad_name = broker.data.ad(session.ad_id).name if session is not None else ""
    return render(request, "session.html", {"session": session, "ad_name": ad_name}, lang=lang)


async def session_logout(request: Request) -> Response:
    broker = broker_of(request)
    lang = request_lang(request, broker.settings.default_lang)
    flow = slo.start_broker_logout(broker, request.cookies.get(slo.SSO_COOKIE), lang)
    try:
        delivery = slo.next_request(broker, flow)
    except PageError as exc:
        return error_page(request, exc.reason, exc.message, lang=lang, status=exc.status)
    return _send(request, delivery, lang) if delivery else _redirect(f"/broker/logout/{flow.id}")
