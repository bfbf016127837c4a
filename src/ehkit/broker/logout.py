"""Single logout at the simulated HM, and the scenarios that break it.

Two flows, as the afsprakenstelsel describes them:

* **DV-initiated**: a DV sends a LogoutRequest to the SingleLogoutService.
  The HM checks it like an AuthnRequest (signature by a key from the DV's
  metadata, Issuer, Destination, time, replay), ends the browser's AD session
  and shows "logged out at [DV] and [AD]"; with no AD session it shows
  "logout not possible now, close all browser windows". The page's button
  carries the LogoutResponse back to the DV's own SingleLogoutService.
* **broker-initiated**: from the session page the HM ends the AD session and
  sends a LogoutRequest to every DV that received a login from it, one after
  the other through the browser; each DV answers with a LogoutResponse.

Scenarios bend the LogoutResponse a DV receives (unsigned, signed by a key
outside the metadata, another InResponseTo), so a DV can show it refuses
them; the reason codes are those of the ehkit SP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl

from ehkit.broker.engine import PageError
from ehkit.broker.state import AdSession, LogoutFlow, SessionParticipant
from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import EhkitError
from ehkit.saml import constants as c
from ehkit.saml.bindings import b64encode
from ehkit.saml.ids import new_id
from ehkit.saml.logout import (
    LogoutBinding,
    LogoutKind,
    LogoutRequest,
    LogoutResponse,
    VerifiedLogout,
    check_logout,
    decode_logout,
    logout_redirect_url,
    to_signed_xml,
    to_xml,
    verify_logout,
)
from ehkit.saml.response import NameID, Status
from ehkit.xml.parse import parse_document

if TYPE_CHECKING:
    from ehkit.broker.dv_registry import RegisteredDv
    from ehkit.broker.engine import Broker

#: The cookie that ties a browser to its AD session at the simulator (a random value only).
SSO_COOKIE = "ehkit_broker_session"
CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class LogoutScenario:
    id: str
    title_nl: str
    title_en: str
    description: str
    #: The ehkit SP reason for refusing the LogoutResponse; None: a correct DV accepts it.
    expected_reason: str | None

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_nl

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title_nl": self.title_nl,
            "title_en": self.title_en,
            "description": self.description,
            "expected_reason": self.expected_reason,
        }


LOGOUT_SCENARIOS: tuple[LogoutScenario, ...] = (
    LogoutScenario("none", "Normaal", "Normal", "A correct, signed LogoutResponse.", None),
    LogoutScenario(
        "logout_unsigned",
        "LogoutResponse zonder handtekening",
        "Unsigned LogoutResponse",
        "The LogoutResponse carries no signature (Redirect: no SigAlg/Signature; POST: no ds:Signature).",
        "signature_missing",
    ),
    LogoutScenario(
        "logout_wrong_key",
        "LogoutResponse met verkeerde sleutel ondertekend",
        "LogoutResponse signed with the wrong key",
        "Signed with a key that is not in the HM metadata.",
        "signature_untrusted",
    ),
    LogoutScenario(
        "logout_wrong_in_response_to",
        "LogoutResponse met verkeerde InResponseTo",
        "LogoutResponse with a wrong InResponseTo",
        "A correctly signed LogoutResponse that answers a request the DV never sent.",
        "logout_in_response_to_unknown",
    ),
)


def get_logout_scenario(scenario_id: str | None) -> LogoutScenario:
    for scenario in LOGOUT_SCENARIOS:
        if scenario.id == (scenario_id or "none"):
            return scenario
    raise KeyError(scenario_id)


@dataclass(frozen=True)
class SloDelivery:
    """A logout message on its way to a DV: a redirect (``url``) or a self-posting form."""

    binding: Literal["redirect", "post"]
    url: str
    acs_url: str
    fields: dict[str, str]


def _binding_uri(binding: LogoutBinding) -> str:
    return c.BINDING_REDIRECT if binding == "redirect" else c.BINDING_POST


def _deliver(
    broker: Broker,
    dv: RegisteredDv,
    message: LogoutRequest | LogoutResponse,
    *,
    binding: LogoutBinding,
    relay_state: str | None,
    scenario: LogoutScenario,
) -> SloDelivery:
    """Sign (or not, per scenario) and address the message to the DV's SingleLogoutService."""
    kind: LogoutKind = "request" if isinstance(message, LogoutRequest) else "response"
    param = "SAMLRequest" if kind == "request" else "SAMLResponse"
    key = broker.keys.rogue if scenario.id == "logout_wrong_key" else broker.keys.hm
    if binding == "redirect":
        signer = None if scenario.id == "logout_unsigned" else key.private_key
        url = logout_redirect_url(message, signer, relay_state=relay_state)
        return SloDelivery("redirect", url, message.destination, {})
    xml = to_xml(message) if scenario.id == "logout_unsigned" else to_signed_xml(message, key.private_key, key.key_name)
    fields = {param: b64encode(xml)}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    return SloDelivery("post", message.destination, message.destination, fields)


def _dv_endpoint(dv: RegisteredDv, binding: LogoutBinding) -> tuple[str, LogoutBinding]:
    ep = dv.slo_endpoint(_binding_uri(binding))
    if ep is None:
        raise PageError(
            "dv_no_slo",
            f"{dv.entity_id} publishes no SingleLogoutService in its SP metadata, so the logout answer cannot be "
            "sent. Set dv.slo_url in ehkit.toml (it is published for services with sso_support).",
        )
    return ep.location, ("redirect" if ep.binding == c.BINDING_REDIRECT else "post")


def _read(
    broker: Broker, kind: LogoutKind, *, method: str, query_string: str, form: dict[str, str]
) -> tuple[RegisteredDv, VerifiedLogout]:
    """Decode, authenticate and check a logout message from a DV; PageError when it is not acceptable."""
    param = "SAMLRequest" if kind == "request" else "SAMLResponse"
    binding: LogoutBinding = "redirect" if method == "GET" else "post"
    query = dict(parse_qsl(query_string, keep_blank_values=True))
    raw = query.get(param) if binding == "redirect" else form.get(param)
    if not raw:
        raise PageError("logout_malformed", f"This address expects a {param}.")
    # Who sent it (unverified), to know whose keys to check the signature with.
    from ehkit.saml.bindings import decode_post, decode_redirect
    from ehkit.saml.common import issuer_of

    try:
        xml = decode_redirect(raw) if binding == "redirect" else decode_post(raw)
        issuer = issuer_of(parse_document(xml).root)
    except EhkitError as exc:
        raise PageError(exc.reason, f"The {param} cannot be read: {exc.message}") from None
    dv = broker.registry.get(issuer)
    if dv is None:
        raise PageError("issuer_unknown", f"The sender {issuer!r} is not a DV known to this broker.")
    trust = dv.trust_set()
    try:
        data, relay_state, query_verified = decode_logout(
            kind,
            binding=binding,
            trust=trust,
            query_string=query_string if binding == "redirect" else None,
            form_value=raw if binding == "post" else None,
            relay_state=form.get("RelayState"),
        )
        message = verify_logout(
            data,
            kind,
            binding=binding,
            trust=trust,
            expected_issuer=dv.entity_id,
            query_verified=query_verified,
            relay_state=relay_state,
        )
        check_logout(
            message,
            expected_destinations=(broker.settings.slo_url,),
            now=broker.now(),
            clock_skew=CLOCK_SKEW,
            max_age=timedelta(seconds=broker.settings.request_max_age),
        )
    except EhkitError as exc:
        raise PageError(exc.reason, f"The {param} is not acceptable: {exc.message}") from None
    if not broker.state.remember_request(dv.entity_id, f"logout:{message.id}", broker.now()):
        raise PageError("logout_replay", f"The {param} ID {message.id} was used before.")
    return dv, message


def receive_logout_request(
    broker: Broker, *, method: str, query_string: str, form: dict[str, str], browser: str | None, lang: str
) -> LogoutFlow:
    """A DV's LogoutRequest: end the browser's AD session (or find none) and open the logout page."""
    dv, message = _read(broker, "request", method=method, query_string=query_string, form=form)
    now = broker.now()
    session = broker.state.ad_session(browser, now)
    if session is None:
        # The cookie may be gone (another browser profile); the SessionIndex still names the session.
        for index in message.session_indexes:
            session = broker.state.session_by_index(index, now)
            if session is not None:
                break
    if session is not None:
        broker.state.end_ad_session(session.browser)
    flow = LogoutFlow(
        id=broker.state.new_flow_id(),
        kind="dv",
        created=now,
        lang=lang,
        dv=dv,
        request_id=message.id,
        relay_state=message.relay_state,
        binding=message.binding,
        session=session,
    )
    broker.state.add_logout(flow)
    return flow


def answer_delivery(broker: Broker, flow: LogoutFlow, scenario_id: str | None) -> SloDelivery:
    """The LogoutResponse to the DV that asked, with the scenario's fault."""
    scenario = get_logout_scenario(scenario_id)
    if flow.dv is None or flow.finished:
        raise PageError("flow_finished", "", status=409)
    destination, binding = _dv_endpoint(flow.dv, flow.binding)
    if flow.session is not None:
        status = Status(c.STATUS_SUCCESS)
    else:
        # No AD session to end: the DV is logged out, the AD could not be told.
        status = Status(c.STATUS_RESPONDER, "urn:oasis:names:tc:SAML:2.0:status:PartialLogout", "no AD session")
    irt = new_id() if scenario.id == "logout_wrong_in_response_to" else flow.request_id
    response = LogoutResponse(
        id=new_id(),
        issue_instant=broker.now(),
        destination=destination,
        issuer=broker.settings.hm_entity_id,
        in_response_to=irt,
        status=status,
    )
    flow.finished = True
    return _deliver(broker, flow.dv, response, binding=binding, relay_state=flow.relay_state, scenario=scenario)


def start_broker_logout(broker: Broker, browser: str | None, lang: str) -> LogoutFlow:
    """End the browser's AD session and queue a LogoutRequest for every DV that got a login from it."""
    now = broker.now()
    session = broker.state.end_ad_session(browser) if broker.state.ad_session(browser, now) else None
    pending: list[SessionParticipant] = []
    if session is not None:
        for participant in session.participants:
            dv = broker.registry.get(participant.dv_entity_id)
            if dv is not None and dv.slo_endpoint() is not None:
                pending.append(participant)
    flow = LogoutFlow(
        id=broker.state.new_flow_id(), kind="broker", created=now, lang=lang, session=session, pending=pending
    )
    broker.state.add_logout(flow)
    return flow


def next_request(broker: Broker, flow: LogoutFlow) -> SloDelivery | None:
    """The next DV's LogoutRequest (RelayState: the logout flow), or None when all were told."""
    if not flow.pending:
        flow.current = None
        flow.finished = True
        return None
    participant = flow.pending.pop(0)
    dv = broker.registry.get(participant.dv_entity_id)
    if dv is None:
        flow.results.append((participant.dv_entity_id, "unknown"))
        return next_request(broker, flow)
    destination, binding = _dv_endpoint(dv, "redirect")
    ad = broker.data.ad(flow.session.ad_id) if flow.session is not None else None
    request = LogoutRequest(
        id=new_id(),
        issue_instant=broker.now(),
        destination=destination,
        issuer=broker.settings.hm_entity_id,
        name_id=NameID(participant.name_id, c.NAMEID_TRANSIENT, ad.entity_id if ad is not None else None),
        session_indexes=(participant.session_index,),
    )
    flow.current = participant
    flow.sent_request_id = request.id
    return _deliver(broker, dv, request, binding=binding, relay_state=flow.id, scenario=get_logout_scenario(None))


def receive_logout_response(broker: Broker, *, method: str, query_string: str, form: dict[str, str]) -> LogoutFlow:
    """A DV's answer to our LogoutRequest: record it; the caller sends the browser on."""
    dv, message = _read(broker, "response", method=method, query_string=query_string, form=form)
    flow = broker.state.logout(message.relay_state or "")
    if flow is None or flow.kind != "broker" or flow.current is None:
        raise PageError("logout_in_response_to_unknown", "This LogoutResponse belongs to no logout in progress.")
    if message.in_response_to != flow.sent_request_id or dv.entity_id != flow.current.dv_entity_id:
        raise PageError("logout_in_response_to_unknown", "This LogoutResponse answers another LogoutRequest.")
    status = message.status
    flow.results.append((dv.entity_id, "ok" if status is not None and status.success else "failed"))
    flow.sent_request_id = None
    return flow


def ad_session_for_login(
    broker: Broker, browser: str, *, ad_id: str, persona_id: str, loa: LevelOfAssurance
) -> AdSession:
    """A new AD session for this browser (a fresh authentication), at most AD_SESSION_MAX long.

    The DVs of an earlier session of the same person at the same AD stay participants: single
    logout must still reach them."""
    from ehkit.domain.sso import AD_SESSION_MAX

    now = broker.now()
    old = broker.state.ad_session(browser, now)
    keep = list(old.participants) if old and old.ad_id == ad_id and old.persona_id == persona_id else []
    session = AdSession(browser, ad_id, persona_id, loa, now, now + AD_SESSION_MAX, keep)
    broker.state.put_ad_session(session)
    return session
