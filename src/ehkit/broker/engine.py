"""The simulated broker's decisions, independent of HTTP: accept a request, log in, answer.

The browser routes and the JSON API both drive this class, so a headless test
and a person clicking through the pages exercise the same checks and build
the same messages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from lxml import etree

from ehkit.broker.data import (
    ALL_SERVICES,
    AuthServiceSpec,
    Company,
    EidasPerson,
    LoginMeans,
    Person,
    TestData,
    Vestiging,
)
from ehkit.broker.dv_registry import DvRegistry, DvService, RegisteredDv
from ehkit.broker.grant import Grant, build_grant, company_identifiers, eidas_identifiers
from ehkit.broker.keys import BrokerKeys
from ehkit.broker.messages import (
    BuildContext,
    Network,
    build_artifact_response,
    build_login_response,
    build_status_response,
)
from ehkit.broker.messages.context import Tamper
from ehkit.broker.pseudonyms import Pseudonyms
from ehkit.broker.scenarios import Scenario, get_scenario
from ehkit.broker.settings import BrokerSettings
from ehkit.broker.state import AdSession, BrokerState, LoginFlow, SessionParticipant, StoredArtifact
from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import EhkitError, LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.artifact import Artifact
from ehkit.saml.artifact_resolution import build_artifact_resolve, parse_artifact_resolve, parse_artifact_response
from ehkit.saml.authn_request import ParsedAuthnRequest, parse_authn_request
from ehkit.saml.bindings import b64encode, decode_post, decode_redirect, verify_redirect_query
from ehkit.saml.common import issuer_of
from ehkit.saml.metadata import Endpoint
from ehkit.saml.soap import CONTENT_TYPE as SOAP_CONTENT_TYPE
from ehkit.saml.soap import SOAP_ACTION, unwrap, wrap, wrap_serialized
from ehkit.saml.timefmt import format_instant
from ehkit.xml.ns import SAMLP, q
from ehkit.xml.parse import parse_document
from ehkit.xml.trust import TrustSet


class PageError(Exception):
    """The request cannot be answered with SAML (unknown sender, no trustworthy ACS): show a page."""

    def __init__(self, reason: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Delivery:
    """What the browser carries back to the DV."""

    acs_url: str
    binding: Literal["artifact", "post", "oidc"]
    relay_state: str | None
    saml_art: str | None = None
    saml_response: str | None = None
    #: OIDC: the callback's query parameters (code or error, state, iss), to the redirect URI in acs_url.
    oidc_params: tuple[tuple[str, str], ...] | None = None

    @property
    def method(self) -> str:
        return "POST" if self.binding == "post" else "GET"

    @property
    def fields(self) -> dict[str, str]:
        if self.binding == "oidc":
            return dict(self.oidc_params or ())
        out = {"SAMLart": self.saml_art} if self.binding == "artifact" else {"SAMLResponse": self.saml_response}
        if self.relay_state is not None:
            out["RelayState"] = self.relay_state
        return {k: v for k, v in out.items() if v is not None}

    @property
    def url(self) -> str:
        """For the artifact binding: the ACS URL with the query the browser is redirected to."""
        parts = urlsplit(self.acs_url)
        query = parse_qsl(parts.query, keep_blank_values=True) + list(self.fields.items())
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))

    def as_json(self) -> dict[str, object]:
        return {
            "acs_url": self.acs_url,
            "binding": self.binding,
            "method": self.method,
            "url": self.acs_url if self.binding == "post" else self.url,
            "fields": self.fields,
            "SAMLart": self.saml_art,
            "SAMLResponse": self.saml_response,
            "RelayState": self.relay_state,
        }


@dataclass(frozen=True)
class Refusal:
    """A request refused with a SAML status; ``delivery`` carries it to the DV."""

    delivery: Delivery
    status: str
    sub_status: str | None
    message: str


class RequestRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


@dataclass(frozen=True)
class RepresentationOption:
    """One way the person may act for this service: a company, maybe a vestiging, maybe through an intermediary."""

    company: Company
    vestiging: Vestiging | None
    intermediary: Company | None
    restricted: bool

    @property
    def key(self) -> str:
        return "|".join(
            (
                self.company.id,
                self.vestiging.number if self.vestiging else "",
                self.intermediary.id if self.intermediary else "",
            )
        )


@dataclass
class ResolutionResult:
    status: int
    body: bytes
    content_type: str = SOAP_CONTENT_TYPE
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class Broker:
    """One simulated herkenningsmakelaar with its AD/MR network, test data and DVs."""

    def __init__(
        self,
        settings: BrokerSettings,
        data: TestData,
        keys: BrokerKeys,
        registry: DvRegistry,
        *,
        http_transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.data = data
        self.keys = keys
        self.registry = registry
        self.state = BrokerState()
        self.pseudonyms = Pseudonyms(settings.hm_entity_id)
        self.network = Network(settings.hm_entity_id, data.machtigingenregister.entity_id, keys)
        self._http_transport = http_transport
        self._last_responses: dict[str, bytes] = {}
        #: Called with (DV EntityID, AuthnRequest XML) for every request that reaches a DV's checks,
        #: whatever binding carried it: the conformance suite judges the request the DV really sent.
        self.request_observer: Callable[[str, bytes], None] | None = None
        #: The OpenID Connect front (ehkit.broker.oidc_provider), set by build_broker.
        self.oidc: Any = None

    # ------------------------------------------------------------ helpers

    def now(self) -> datetime:
        return self.settings.clock()

    @property
    def hm_acs(self) -> str:
        """Where the ADs would send their assertions (the AD assertion's Recipient)."""
        return f"{self.settings.base_url}/broker/acs/1.13"

    def context(self, tamper: Tamper | None = None) -> BuildContext:
        return BuildContext(
            self.network, self.now(), timedelta(seconds=self.settings.assertion_lifetime), tamper or Tamper()
        )

    # ------------------------------------------------------------ accepting a request

    async def accept(self, *, method: str, query_string: str, form: dict[str, str]) -> LoginFlow:
        """Read an AuthnRequest as any binding carries it and open a login flow.

        Raises PageError when no response can be sent, RequestRefused when
        the DV gets a Requester status back.
        """
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        params = {**query, **form} if method == "POST" else query
        relay_state = params.get("RelayState")
        limit = self.settings.relay_state_limit
        if relay_state is not None and limit is not None and len(relay_state.encode("utf-8")) > limit:
            raise PageError(
                "relay_state_too_long", f"RelayState is longer than {limit} bytes (the afsprakenstelsel limit)."
            )
        if "SAMLart" in params:
            xml, dv = await self._pull_request(params["SAMLart"])
            return self._open_flow(xml, dv, relay_state, query_signed=False, pre_verified=True)
        if "SAMLRequest" not in params:
            raise PageError("no_request", "This address expects a SAML AuthnRequest (SAMLRequest or SAMLart).")
        try:
            xml = decode_redirect(params["SAMLRequest"]) if method == "GET" else decode_post(params["SAMLRequest"])
        except LoginRejected as exc:
            raise PageError(exc.reason, f"The SAMLRequest cannot be decoded: {exc.message}") from None
        dv, request_id = self._identify(xml)
        query_signed = method == "GET" and "Signature" in query
        if query_signed:
            try:
                verify_redirect_query(query_string, dv.trust_set())
            except LoginRejected as exc:
                self._refuse(
                    dv,
                    dv.default_acs(),
                    request_id,
                    relay_state,
                    f"the Redirect-binding signature is not valid: {exc.message}",
                )
        return self._open_flow(xml, dv, relay_state, query_signed=query_signed, pre_verified=False)

    def _identify(self, xml: bytes) -> tuple[RegisteredDv, str | None]:
        """Who sent this (unverified), so that a refusal can go to the ACS in its metadata."""
        try:
            root = parse_document(xml).root
        except EhkitError as exc:
            raise PageError(exc.reason, f"The AuthnRequest is not acceptable XML: {exc.message}") from None
        if root.tag != q(SAMLP, "AuthnRequest"):
            raise PageError("request_malformed", "The SAMLRequest is not an AuthnRequest.")
        try:
            issuer = issuer_of(root)
        except LoginRejected as exc:
            raise PageError(exc.reason, exc.message) from None
        dv = self.registry.get(issuer)
        if dv is None:
            known = ", ".join(d.entity_id for d in self.registry.all()) or "none"
            raise PageError(
                "issuer_unknown",
                f"The sender {issuer!r} is not a DV known to this broker (known: {known}). Load its SP metadata "
                "with --dv-metadata/--dv-catalogue or --config.",
            )
        return dv, root.get("ID")

    def _refuse(
        self,
        dv: RegisteredDv,
        acs: Endpoint,
        request_id: str | None,
        relay_state: str | None,
        message: str,
        *,
        sub: str = c.STATUS_REQUEST_UNSUPPORTED,
    ) -> NoReturn:
        delivery = self.status_delivery(
            dv, acs, request_id, relay_state, c.STATUS_REQUESTER, sub, message, binding="artifact"
        )
        raise RequestRefused(Refusal(delivery, c.STATUS_REQUESTER, sub, message))

    def _select_acs(self, dv: RegisteredDv, parsed: ParsedAuthnRequest) -> Endpoint:
        req = parsed.request
        if req.assertion_consumer_service_index is not None:
            found = [e for e in dv.acs if e.index == req.assertion_consumer_service_index]
            if not found:
                raise PageError(
                    "acs_unknown",
                    f"AssertionConsumerServiceIndex {req.assertion_consumer_service_index} is not in the DV's metadata.",
                )
            return found[0]
        if req.assertion_consumer_service_url:
            found = [e for e in dv.acs if e.location == req.assertion_consumer_service_url]
            if not found:
                raise PageError(
                    "acs_unknown",
                    f"AssertionConsumerServiceURL {req.assertion_consumer_service_url!r} is not in the DV's metadata; "
                    "the broker only answers at addresses the DV published.",
                )
            by_binding = [e for e in found if e.binding == req.protocol_binding]
            return (by_binding or found)[0]
        return dv.default_acs()

    def _open_flow(
        self, xml: bytes, dv: RegisteredDv, relay_state: str | None, *, query_signed: bool, pre_verified: bool
    ) -> LoginFlow:
        _, request_id = self._identify(xml)
        if self.request_observer is not None:
            self.request_observer(dv.entity_id, xml)
        try:
            parsed = parse_authn_request(
                xml, None if pre_verified else dv.trust_set(), require_signature=not (query_signed or pre_verified)
            )
        except LoginRejected as exc:
            if exc.reason.startswith("signature"):
                self._refuse(
                    dv,
                    dv.default_acs(),
                    request_id,
                    relay_state,
                    f"the AuthnRequest signature is not acceptable ({exc.reason}): {exc.message}",
                )
            raise PageError(exc.reason, f"The AuthnRequest is not acceptable: {exc.message}") from None
        req = parsed.request
        acs = self._select_acs(dv, parsed)
        now = self.now()

        def refuse(message: str) -> NoReturn:
            self._refuse(dv, acs, req.id, relay_state, message)

        if urlsplit(req.destination).path != self.settings.sso_path:
            refuse(f"Destination {req.destination!r} is not this broker's SSO endpoint {self.settings.sso_url}")
        age = abs((now - req.issue_instant).total_seconds())
        if age > self.settings.request_max_age:
            refuse(
                f"the AuthnRequest was issued at {format_instant(req.issue_instant)}, too far from now ({int(age)} s)"
            )
        if req.is_passive:
            refuse('IsPassive="true" is not supported: eHerkenning always shows the login screens')
        if req.attribute_consuming_service_index is None:
            service = dv.default_service()
            if service is None:
                refuse("no AttributeConsumingServiceIndex and the DV has no services in its metadata")
        else:
            service = dv.services.get(req.attribute_consuming_service_index)
            if service is None:
                known = ", ".join(str(i) for i in sorted(dv.services)) or "none"
                refuse(
                    f"AttributeConsumingServiceIndex {req.attribute_consuming_service_index} is not a service of this DV (known: {known})"
                )
        if req.requested_loa is not None and req.requested_loa > service.loa:
            refuse(
                f"the requested level {req.requested_loa} is above the catalogue level {service.loa} of {service.service_id}"
            )
        if not self.state.remember_request(dv.entity_id, req.id, now):
            refuse(f"the AuthnRequest ID {req.id} was used before; every request needs a new ID")
        binding: Literal["artifact", "post"] = "post" if acs.binding == c.BINDING_POST else "artifact"
        flow = LoginFlow(
            id=self.state.new_flow_id(),
            dv=dv,
            service=service,
            request_id=req.id,
            relay_state=relay_state,
            acs=acs,
            response_binding=binding,
            requested_loa=req.requested_loa,
            provider_name=req.provider_name,
            created=now,
            lang=self.settings.default_lang,
            force_authn=req.force_authn,
        )
        self.state.add_flow(flow)
        return flow

    async def _pull_request(self, saml_art: str) -> tuple[bytes, RegisteredDv]:
        """The Artifact request binding: fetch the AuthnRequest at the DV's artifact resolution service."""
        try:
            artifact = Artifact.decode(saml_art)
        except LoginRejected as exc:
            raise PageError(exc.reason, exc.message) from None
        dv = self.registry.by_source_id(artifact.source_id)
        if dv is None:
            raise PageError("issuer_unknown", "The artifact's SourceID matches no DV known to this broker.")
        endpoints = [e for e in dv.artifact_resolution if e.binding == c.BINDING_SOAP]
        if not endpoints:
            raise PageError(
                "no_artifact_resolution", f"{dv.entity_id} sent an artifact but publishes no ArtifactResolutionService."
            )
        location = endpoints[0].location
        hm = self.keys.hm
        resolve = build_artifact_resolve(
            saml_art,
            issuer=self.settings.hm_entity_id,
            destination=location,
            now=self.now(),
            key=hm.private_key,
            key_name=hm.key_name,
        )
        kwargs: dict[str, object] = {"timeout": 10.0}
        if self._http_transport is not None:
            kwargs["transport"] = self._http_transport
        try:
            async with httpx.AsyncClient(**kwargs) as client:  # type: ignore[arg-type]
                answer = await client.post(
                    location,
                    content=wrap(resolve),
                    headers={"Content-Type": SOAP_CONTENT_TYPE, "SOAPAction": SOAP_ACTION},
                )
        except httpx.HTTPError as exc:
            raise PageError(
                "artifact_resolution_failed", f"Could not resolve the request artifact at {location}: {exc}"
            ) from None
        try:
            payload, doc = unwrap(answer.content)
            message = parse_artifact_response(payload, doc, dv.trust_set())
        except EhkitError as exc:
            raise PageError(exc.reason, f"The DV's ArtifactResponse is not acceptable: {exc}") from None
        if message.message is None or message.message.tag != q(SAMLP, "AuthnRequest"):
            raise PageError("request_malformed", "The DV's ArtifactResponse holds no AuthnRequest.")
        return etree.tostring(message.message), dv

    # ------------------------------------------------------------ the login steps

    def eligible_ads(self, service: DvService) -> list[AuthServiceSpec]:
        """ADs that can deliver one of the service's identifier sets, alphabetically."""
        sets = service.set_frozensets()
        return [ad for ad in self.data.sorted_ads() if ad.delivers(sets)]

    def personas_at(self, ad: AuthServiceSpec) -> list[tuple[Person | EidasPerson, list[LoginMeans | None]]]:
        """Who can log in at this AD, with their means there (eIDAS persons have one implicit means)."""
        if ad.kind == "eidas":
            return [(p, [None]) for p in self.data.eidas_persons]
        out: list[tuple[Person | EidasPerson, list[LoginMeans | None]]] = []
        for person in self.data.persons:
            means: list[LoginMeans | None] = [m for m in person.means if m.ad == ad.id]
            if means:
                out.append((person, means))
        return out

    def authenticate(
        self,
        flow: LoginFlow,
        ad: AuthServiceSpec,
        persona_id: str,
        means_id: str | None,
        password: str | None,
        *,
        check_password: bool = True,
    ) -> LevelOfAssurance:
        """Check the login at the AD and the means' level against the service. Returns the level used.

        Raises ValueError with a user-facing reason code: ``unknown_persona``,
        ``bad_password``, ``loa_too_low``.
        """
        persona = next((p for p, _ in self.personas_at(ad) if p.id == persona_id), None)
        if persona is None:
            raise ValueError("unknown_persona")
        if check_password and password != persona.password:
            raise ValueError("bad_password")
        if isinstance(persona, EidasPerson):
            loa = persona.loa
        else:
            means = persona.means_by_id(means_id or "") if means_id else None
            if means is None:
                candidates = [m for m in persona.means if m.ad == ad.id]
                if not candidates:
                    raise ValueError("unknown_persona")
                means = max(candidates, key=lambda m: m.loa)
            if means.ad != ad.id:
                raise ValueError("unknown_persona")
            loa = means.loa
        if loa < flow.service.loa:
            raise ValueError("loa_too_low")
        flow.ad_id, flow.persona_id, flow.loa_used = ad.id, persona.id, loa
        return loa

    def representation_options(self, flow: LoginFlow, person: Person) -> list[RepresentationOption]:
        """What the MR allows this person for this flow's service."""
        return self.options_for(flow.dv, flow.service, person)

    def options_for(self, dv: RegisteredDv, service: DvService, person: Person) -> list[RepresentationOption]:
        """What the MR allows this person for this service (also shown on the overview page)."""
        options: list[RepresentationOption] = []
        for auth in person.authorisations:
            if not (auth.covers(service.uuid) or (service.instance_uuid and auth.covers(service.instance_uuid))):
                continue
            company = self.data.company(auth.company)
            if company_identifiers(service, company, dv, self.pseudonyms) is None:
                continue
            intermediary = self.data.company(auth.via) if auth.via else None
            if intermediary is not None and not service.allows_intermediation:
                continue
            if auth.vestiging is not None:
                if not service.vestiging_restriction:
                    continue
                options.append(RepresentationOption(company, company.vestiging(auth.vestiging), intermediary, True))
                continue
            options.append(RepresentationOption(company, None, intermediary, False))
            if service.vestiging_restriction:
                options.extend(RepresentationOption(company, v, intermediary, False) for v in company.vestigingen)
        return options

    def chains_not_allowed(self, service: DvService, person: Person) -> list[Company]:
        """Intermediaries of this person's chain authorisations that this service does not accept."""
        if service.allows_intermediation:
            return []
        found: dict[str, Company] = {}
        for auth in person.authorisations:
            covers = auth.covers(service.uuid) or (service.instance_uuid and auth.covers(service.instance_uuid))
            if auth.via and covers:
                found.setdefault(auth.via, self.data.company(auth.via))
        return list(found.values())

    def grant_for(self, flow: LoginFlow, *, option: RepresentationOption | None) -> Grant:
        if not flow.ad_id or not flow.persona_id or flow.loa_used is None:
            raise PageError("flow_incomplete", "This login session has no authenticated person yet.", status=409)
        persona = self.data.find_persona(flow.persona_id)
        return build_grant(
            self.data,
            self.pseudonyms,
            dv=flow.dv,
            service=flow.service,
            in_response_to=flow.request_id,
            acs_url=flow.acs.location,
            requested_loa=flow.requested_loa,
            ad=self.data.ad(flow.ad_id),
            loa_used=flow.loa_used,
            person=persona,
            company=option.company if option else None,
            vestiging=option.vestiging.number if option and option.vestiging else None,
            intermediary=option.intermediary if option else None,
        )

    def eidas_allowed(self, flow: LoginFlow, person: EidasPerson) -> bool:
        return eidas_identifiers(flow.service, flow.dv, person, self.pseudonyms) is not None

    # ------------------------------------------------------------ single sign-on

    def sso_session(self, flow: LoginFlow) -> AdSession | None:
        """The browser's AD session when this login may reuse it: ForceAuthn="false", a service with
        SSOSupport below EH4, a live session (at most AD_SESSION_MAX) at an AD that serves the
        service, at a level high enough for it."""
        from ehkit.domain.sso import sso_allowed

        if flow.oidc is not None or flow.force_authn or not sso_allowed(flow.service.sso_support, flow.service.loa):
            return None
        session = self.state.ad_session(flow.browser, self.now())
        if session is None or session.loa_used < flow.service.loa:
            return None
        if session.ad_id not in {ad.id for ad in self.eligible_ads(flow.service)}:
            return None
        return session

    def use_sso(self, flow: LoginFlow, session: AdSession) -> None:
        flow.ad_id, flow.persona_id, flow.loa_used, flow.sso = session.ad_id, session.persona_id, session.loa_used, True

    def _session_grant(self, flow: LoginFlow, grant: Grant) -> Grant:
        """Tie the login to the browser's AD session (new, or reused by SSO) for single logout."""
        from dataclasses import replace as _replace
        from uuid import uuid4

        from ehkit.broker.logout import ad_session_for_login

        if flow.browser is None or not flow.ad_id or not flow.persona_id or flow.loa_used is None:
            return grant
        session = self.state.ad_session(flow.browser, self.now()) if flow.sso else None
        if session is None:
            session = ad_session_for_login(
                self, flow.browser, ad_id=flow.ad_id, persona_id=flow.persona_id, loa=flow.loa_used
            )
        participant = SessionParticipant(flow.dv.entity_id, flow.service.service_id, str(uuid4()), str(uuid4()))
        self.state.join_ad_session(flow.browser, participant)
        return _replace(
            grant,
            session_index=participant.session_index,
            name_id=participant.name_id,
            authn_instant=session.created if flow.sso else None,
        )

    # ------------------------------------------------------------ answering

    def finish(self, flow: LoginFlow, grant: Grant, scenario_id: str | None = None) -> list[Delivery]:
        """Build the Response for a successful login and hand out how the browser delivers it.

        Replay scenarios give two deliveries; every other scenario one.
        """
        if flow.oidc is not None:
            return self.oidc.finish(flow, grant, scenario_id)  # type: ignore[no-any-return]
        scenario = get_scenario(scenario_id or flow.scenario)
        grant = self._session_grant(flow, grant)
        xml = build_login_response(grant, self.context(scenario.tamper(grant)), hm_acs=self.hm_acs)
        flow.finished = True
        return self._deliver(flow.dv, flow.acs, flow.response_binding, flow.relay_state, xml, scenario)

    def cancel(
        self, flow: LoginFlow, message: str = "De gebruiker heeft het inloggen afgebroken / the user cancelled"
    ) -> Delivery:
        """Cancel at any step: Responder + AuthnFailed, as the afsprakenstelsel prescribes
        (over OIDC: ``error=access_denied`` to the redirect URI)."""
        if flow.oidc is not None:
            return self.oidc.cancel(flow)  # type: ignore[no-any-return]
        flow.finished = True
        return self.status_delivery(
            flow.dv,
            flow.acs,
            flow.request_id,
            flow.relay_state,
            c.STATUS_RESPONDER,
            c.STATUS_AUTHN_FAILED,
            message,
            binding=flow.response_binding,
        )

    def status_delivery(
        self,
        dv: RegisteredDv,
        acs: Endpoint,
        request_id: str | None,
        relay_state: str | None,
        top: str,
        sub: str | None,
        message: str,
        *,
        binding: str,
    ) -> Delivery:
        xml = build_status_response(
            self.context(), destination=acs.location, in_response_to=request_id, top=top, second=sub, message=message
        )
        return self._deliver(dv, acs, binding, relay_state, xml, get_scenario(None))[0]

    def _deliver(
        self, dv: RegisteredDv, acs: Endpoint, binding: str, relay_state: str | None, xml: bytes, scenario: Scenario
    ) -> list[Delivery]:
        if binding == "post":
            delivery = Delivery(acs.location, "post", relay_state, saml_response=b64encode(xml))
            return [delivery, delivery] if scenario.delivery != "once" else [delivery]
        expires = self.now() + timedelta(seconds=self.settings.artifact_ttl)
        uses = 2 if scenario.delivery == "twice_same_artifact" else 1
        first = self._new_artifact()
        self.state.store_artifact(
            first, StoredArtifact(dv.entity_id, xml, expires, uses, scenario.resolution, scenario.id)
        )
        deliveries = [Delivery(acs.location, "artifact", relay_state, saml_art=first)]
        if scenario.delivery in ("twice_same_artifact", "twice_spent_artifact"):
            deliveries.append(deliveries[0])
        elif scenario.delivery == "twice_new_artifact":
            second = self._new_artifact()
            self.state.store_artifact(
                second, StoredArtifact(dv.entity_id, xml, expires, 1, scenario.resolution, scenario.id)
            )
            deliveries.append(Delivery(acs.location, "artifact", relay_state, saml_art=second))
        return deliveries

    def _new_artifact(self) -> str:
        """Type 0x0004, SourceID = SHA-1 of our EntityID, endpoint index 0 (our one ARS)."""
        return Artifact.new(self.settings.hm_entity_id, endpoint_index=0).encode()

    # ------------------------------------------------------------ artifact resolution

    def _trust_of(self, issuer: str) -> TrustSet | None:
        dv = self.registry.get(issuer)
        return dv.trust_set() if dv is not None else None

    def resolve(self, body: bytes, *, client_cert_der: bytes | None) -> ResolutionResult:
        """Answer an ArtifactResolve. Faults use SOAP 1.1 (HTTP 500 with a soap:Fault)."""
        try:
            payload, _ = unwrap(body)
            message = parse_artifact_resolve(payload, self._trust_of)
        except EhkitError as exc:
            return soap_fault(exc.reason, str(exc))
        dv = self.registry.get(message.issuer)
        if dv is None:  # unregistered between the signature check and now
            return soap_fault("issuer_unknown", f"{message.issuer} is not a registered DV")
        problem = self._check_client_certificate(dv, client_cert_der)
        if problem is not None:
            return soap_fault("client_certificate", problem, status=403)
        if message.destination and urlsplit(message.destination).path != self.settings.ars_path:
            return soap_fault(
                "destination_mismatch", f"Destination {message.destination!r} is not {self.settings.ars_url}"
            )
        entry = self.state.take_artifact(message.artifact, message.issuer, self.now())
        if entry is not None and entry.resolution == "http_500":
            return ResolutionResult(500, b"Internal Server Error (scenario http_500)", "text/plain; charset=utf-8")
        xml = build_artifact_response(
            self.context(), in_response_to=message.id, message=entry.response_xml if entry else None
        )
        envelope = wrap_serialized(xml)  # serialize() output: no XML declaration
        delay = self.settings.slow_resolution_seconds if entry is not None and entry.resolution == "slow" else 0.0
        return ResolutionResult(200, envelope, delay=delay)

    def _check_client_certificate(self, dv: RegisteredDv, der: bytes | None) -> str | None:
        policy = self.settings.client_cert_policy
        if policy == "off":
            return None
        if der is None:
            return "a TLS client certificate is required" if policy == "require" else None
        digest = hashlib.sha256(der).hexdigest()
        from cryptography.hazmat.primitives.serialization import Encoding

        allowed = {hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest() for cert in dv.signing_certificates}
        if digest not in allowed:
            return f"the TLS client certificate is not a certificate of {dv.entity_id} in its metadata"
        return None

    # ------------------------------------------------------------ flows started without a browser

    def unsolicited_flow(self, dv: RegisteredDv, service: DvService, relay_state: str | None) -> LoginFlow:
        """A flow with no AuthnRequest (IdP-initiated): eHerkenning DVs must refuse what it produces."""
        flow = LoginFlow(
            id=self.state.new_flow_id(),
            dv=dv,
            service=service,
            request_id=None,
            relay_state=relay_state,
            acs=dv.default_acs(),
            response_binding="artifact",
            requested_loa=None,
            provider_name=None,
            created=self.now(),
        )
        self.state.add_flow(flow)
        return flow


def soap_fault(reason: str, message: str, status: int = 500) -> ResolutionResult:
    from ehkit.xml.ns import SOAP11

    env = etree.Element(q(SOAP11, "Envelope"), nsmap={"soap11": SOAP11})
    body = etree.SubElement(env, q(SOAP11, "Body"))
    fault = etree.SubElement(body, q(SOAP11, "Fault"))
    etree.SubElement(fault, "faultcode").text = "soap11:Client"
    etree.SubElement(fault, "faultstring").text = f"{reason}: {message}"[:500]
    return ResolutionResult(status, etree.tostring(env, xml_declaration=True, encoding="utf-8"))


__all__ = [
    "ALL_SERVICES",
    "Broker",
    "Delivery",
    "PageError",
    "Refusal",
    "RepresentationOption",
    "RequestRefused",
    "ResolutionResult",
    "soap_fault",
]
