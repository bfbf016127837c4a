"""The headless JSON API: complete a login without the pages, for automated tests.

``POST /api/login`` takes what the browser would carry to the broker (the
redirect URL the DV produced, or a POSTed SAMLRequest) plus the choices a
person would make, runs the same checks and builders as the pages, and
returns what the browser would carry back to the DV.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ehkit.broker.data import EidasPerson, Person
from ehkit.broker.dv_registry import apply_catalogue, parse_sp_metadata
from ehkit.broker.engine import Broker, Delivery, PageError, RepresentationOption, RequestRefused
from ehkit.broker.grant import Grant
from ehkit.broker.routes_saml import broker_of
from ehkit.broker.scenarios import catalogue, get_scenario
from ehkit.broker.state import LoginFlow
from ehkit.errors import EhkitError


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.error, "message": self.message, **self.extra}, status_code=self.status)


async def personas(request: Request) -> Response:
    data = broker_of(request).data
    return JSONResponse(data.summary())


async def scenarios(request: Request) -> Response:
    """The SAML scenarios; ``?protocol=oidc`` gives those of the OpenID Connect front,
    ``?kind=logout`` those of the LogoutResponse (docs/logout.md)."""
    if request.query_params.get("kind") == "logout":
        from ehkit.broker.logout import LOGOUT_SCENARIOS

        return JSONResponse([s.summary() for s in LOGOUT_SCENARIOS])
    if request.query_params.get("protocol") == "oidc":
        from ehkit.broker.oidc_scenarios import oidc_catalogue

        return JSONResponse(oidc_catalogue())
    return JSONResponse(catalogue())


def _dv_summary(broker: Broker) -> list[dict[str, Any]]:
    return [
        {
            "entity_id": dv.entity_id,
            "names": dv.names,
            "source": dv.source,
            "warnings": list(dv.warnings),
            "acs": [asdict(e) for e in dv.acs],
            "services": [
                {
                    "index": s.index,
                    "service_id": s.service_id,
                    "uuid": s.uuid,
                    "instance_uuid": s.instance_uuid,
                    "names": s.names,
                    "loa": s.loa.label,
                    "identifier_sets": [[t.urn for t in st] for st in s.identifier_sets],
                    "vestiging_restriction": s.vestiging_restriction,
                    "requested_attributes": list(s.requested_attributes),
                    "eidas": s.eidas,
                    "intermediation": s.intermediation,
                    "from_catalogue": s.from_catalogue,
                }
                for s in sorted(dv.services.values(), key=lambda s: s.index)
            ],
        }
        for dv in broker.registry.all()
    ]


async def dvs(request: Request) -> Response:
    return JSONResponse(_dv_summary(broker_of(request)))


async def add_dv(request: Request) -> Response:
    """Register a DV at runtime: ``{"metadata": "<xml>", "catalogue": "<xml>"}`` (catalogue optional)."""
    broker = broker_of(request)
    try:
        body = json.loads(await request.body())
        loaded = parse_sp_metadata(str(body["metadata"]).encode("utf-8"), source="API")
        if body.get("catalogue"):
            loaded = apply_catalogue(loaded, str(body["catalogue"]).encode("utf-8"), source="API catalogue")
    except (ValueError, KeyError, TypeError) as exc:
        return ApiError(400, "invalid_body", f"expected JSON with a 'metadata' XML string: {exc}").response()
    except EhkitError as exc:
        return ApiError(400, exc.reason, exc.message).response()
    for dv in loaded:
        broker.registry.add(dv)
    return JSONResponse(
        {"added": [dv.entity_id for dv in loaded], "warnings": [w for dv in loaded for w in dv.warnings]},
        status_code=201,
    )


# ------------------------------------------------------------------ /api/login


async def _open(broker: Broker, body: dict[str, Any]) -> LoginFlow:
    if body.get("redirect_url"):
        parts = urlsplit(str(body["redirect_url"]))
        if parts.path == "/oidc/authorize":
            return _open_oidc(broker, parts.query)
        return await broker.accept(method="GET", query_string=parts.query, form={})
    if body.get("saml_request"):
        form = {"SAMLRequest": str(body["saml_request"])}
        if body.get("relay_state") is not None:
            form["RelayState"] = str(body["relay_state"])
        return await broker.accept(method="POST", query_string="", form=form)
    if body.get("saml_art"):
        query = {"SAMLart": str(body["saml_art"])}
        if body.get("relay_state") is not None:
            query["RelayState"] = str(body["relay_state"])
        return await broker.accept(method="POST", query_string="", form=query)
    dv = broker.registry.get(body.get("dv"))
    service_key = body.get("service")
    if dv is None and service_key is not None:
        found = broker.registry.find_service(str(service_key))
        if found:
            dv = found[0]
    if dv is None:
        raise ApiError(
            400,
            "no_request",
            "give redirect_url, saml_request or saml_art (what the browser carries), or dv + service for an unsolicited response",
        )
    service = None
    if service_key is None:
        service = dv.default_service()
    elif isinstance(service_key, int) or str(service_key).isdigit():
        service = dv.services.get(int(service_key))
    else:
        found = broker.registry.find_service(str(service_key))
        service = found[1] if found and found[0].entity_id == dv.entity_id else None
    if service is None:
        raise ApiError(400, "service_unknown", f"no service {service_key!r} at {dv.entity_id}")
    return broker.unsolicited_flow(dv, service, body.get("relay_state"))


def _open_oidc(broker: Broker, query: str) -> LoginFlow:
    """An OpenID Connect authorization request, as the browser would bring it to /oidc/authorize."""
    from urllib.parse import parse_qsl

    from ehkit.broker.oidc_provider import OidcRefused

    pairs = parse_qsl(query, keep_blank_values=True)
    params = dict(pairs)
    if len(params) != len(pairs):
        raise ApiError(400, "invalid_request", "a parameter of the authorization request appears twice")
    try:
        return broker.oidc.authorize(params, lang=broker.settings.default_lang)  # type: ignore[no-any-return]
    except OidcRefused as exc:
        raise ApiError(400, exc.error, exc.description, redirect=exc.url) from None


def _scenario_for(flow: LoginFlow | None, scenario_id: Any) -> Any:
    from ehkit.broker.oidc_scenarios import get_oidc_scenario

    if flow is not None and flow.oidc is not None:
        return get_oidc_scenario(scenario_id)
    return get_scenario(scenario_id)


def _pick_ad(
    broker: Broker, flow: LoginFlow, persona: Person | EidasPerson, wanted: str | None, means: str | None
) -> str:
    eligible = broker.eligible_ads(flow.service)
    if wanted:
        if wanted not in {a.id for a in eligible}:
            raise ApiError(
                400,
                "ad_not_eligible",
                f"authentication service {wanted!r} cannot serve {flow.service.service_id}",
                eligible=[a.id for a in eligible],
            )
        return wanted
    if isinstance(persona, EidasPerson):
        candidates = [a for a in eligible if a.kind == "eidas"]
    else:
        ads_of_means = [m.ad for m in persona.means if (means is None or m.id == means)]
        candidates = [a for a in eligible if a.id in ads_of_means]
        strong = [a for a in candidates if any(m.ad == a.id and m.loa >= flow.service.loa for m in persona.means)]
        candidates = strong or candidates
    if not candidates:
        raise ApiError(
            422,
            "no_login_means",
            f"{persona.id} has no login means at an authentication service that can serve this service",
            eligible=[a.id for a in eligible],
        )
    return candidates[0].id


def _pick_option(options: list[RepresentationOption], body: dict[str, Any]) -> RepresentationOption:
    company, vestiging, via = body.get("company"), body.get("vestiging"), body.get("via")

    def label(o: RepresentationOption) -> dict[str, str | None]:
        return {
            "company": o.company.id,
            "kvk": str(o.company.kvk),
            "vestiging": o.vestiging.number if o.vestiging else None,
            "via": o.intermediary.id if o.intermediary else None,
        }

    chosen = [o for o in options if company is None or company in (o.company.id, str(o.company.kvk))]
    if company is None and len({o.company.id for o in chosen}) > 1:
        chosen = []  # several companies: the caller must say which
    if via is None:
        # Prefer acting directly; a company reachable only through an intermediary still counts.
        chosen = [o for o in chosen if o.intermediary is None] or chosen
    else:
        chosen = [
            o for o in chosen if o.intermediary is not None and via in (o.intermediary.id, str(o.intermediary.kvk))
        ]
    if vestiging is not None:
        chosen = [o for o in chosen if o.vestiging is not None and o.vestiging.number == vestiging]
    elif len(chosen) > 1:
        chosen = [o for o in chosen if o.vestiging is None] or [o for o in chosen if o.restricted]
    if len(chosen) != 1:
        raise ApiError(
            400,
            "choose_option",
            "give company (and vestiging / via) to pick exactly one of the options",
            options=[label(o) for o in options],
        )
    return chosen[0]


def _grant_json(grant: Grant) -> dict[str, Any]:
    return {
        "persona": grant.persona_id,
        "company": grant.company_id,
        "vestiging": grant.vestiging,
        "intermediary": grant.intermediary.id if grant.intermediary else None,
        "intermediary_kvk": str(grant.intermediary.kvk) if grant.intermediary else None,
        "ad": grant.ad.entity_id,
        "loa_used": grant.loa_used.label,
        "acting_pseudonym": grant.acting_pseudonym,
        "identifiers": [{"type": i.kind.urn, "value": i.value} for i in grant.identifiers],
        "service_id": grant.service.service_id,
        "service_uuid": grant.service.uuid,
        "attributes": dict(grant.attributes),
    }


def _result(status: str, flow: LoginFlow | None, deliveries: list[Delivery], **extra: Any) -> JSONResponse:
    scenario = _scenario_for(flow, flow.scenario if flow else None)
    return JSONResponse(
        {
            "status": status,
            "flow_id": flow.id if flow else None,
            "scenario": scenario.summary(),
            "expected_reason": scenario.expected_reason if status == "success" else None,
            "delivery": deliveries[0].as_json(),
            "deliveries": [d.as_json() for d in deliveries],
            **extra,
        }
    )


async def login(request: Request) -> Response:
    broker = broker_of(request)
    try:
        body = json.loads(await request.body() or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
    except ValueError as exc:
        return ApiError(400, "invalid_body", str(exc)).response()
    try:
        return await _login(broker, body)
    except ApiError as exc:
        return exc.response()


async def _login(broker: Broker, body: dict[str, Any]) -> Response:
    try:
        flow = await _open(broker, body)
    except PageError as exc:
        raise ApiError(400, exc.reason, exc.message) from None
    except RequestRefused as refused:
        r = refused.refusal
        return _result("refused", None, [r.delivery], status_code=r.status, sub_status=r.sub_status, message=r.message)
    try:
        scenario = _scenario_for(flow, body.get("scenario"))
    except KeyError as exc:
        raise ApiError(400, "scenario_unknown", str(exc.args[0])) from None
    flow.scenario = scenario.id
    if body.get("response_binding") in ("artifact", "post"):
        flow.response_binding = body["response_binding"]
    if body.get("action", "login") == "cancel":
        return _result("cancelled", flow, [broker.cancel(flow)])
    if not body.get("person"):
        raise ApiError(400, "person_missing", "give person (a persona id from /api/personas)")
    try:
        persona = broker.data.find_persona(str(body["person"]))
    except EhkitError as exc:
        raise ApiError(400, exc.reason, exc.message) from None
    means = body.get("means")
    ad_id = _pick_ad(broker, flow, persona, body.get("ad"), means)
    try:
        broker.authenticate(flow, broker.data.ad(ad_id), persona.id, means, None, check_password=False)
    except ValueError as exc:
        raise ApiError(
            422, str(exc), f"{persona.id} cannot log in for {flow.service.service_id} at {ad_id}: {exc}"
        ) from None
    if isinstance(persona, EidasPerson):
        if not broker.eidas_allowed(flow, persona):
            raise ApiError(
                403, "not_authorised", "the service accepts no identifier an eIDAS person has; no response is sent"
            )
        grant = broker.grant_for(flow, option=None)
    else:
        options = broker.representation_options(flow, persona)
        if not options:
            raise ApiError(
                403,
                "not_authorised",
                f"{persona.id} is not authorised for {flow.service.service_id}; a real broker sends no response",
            )
        grant = broker.grant_for(flow, option=_pick_option(options, body))
    deliveries = broker.finish(flow, grant)
    return _result("success", flow, deliveries, grant=_grant_json(grant))
