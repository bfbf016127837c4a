"""Single logout for the DV: SP-initiated (start, finish) and broker-initiated (answer).

:class:`~ehkit.sp.provider.ServiceProvider` exposes these as
``start_logout``, ``finish_logout`` and ``handle_logout_request``; the logic
lives here so the login code stays readable. The order of work for an
incoming message mirrors the login's:

1. **authenticity**: the Redirect query signature or the enveloped POST
   signature with a key from the broker metadata only, then the Issuer;
2. **replay cache** on the message ID;
3. for a LogoutResponse, **the pending logout is consumed** (atomically);
4. **policy**: Destination is our SLO endpoint, IssueInstant in the window,
   RelayState is the token we sent, then the status.

Fail closed: the caller ends the local session *before* it hands over the
broker's message, so a refused logout message never keeps a session alive.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ehkit.errors import EhkitError
from ehkit.saml import constants as c
from ehkit.saml.bindings import b64encode, post_form
from ehkit.saml.ids import new_id
from ehkit.saml.logout import (
    LogoutBinding,
    LogoutRejected,
    LogoutRequest,
    LogoutResponse,
    VerifiedLogout,
    check_logout,
    decode_logout,
    logout_redirect_url,
    peek_id,
    replay_key,
    to_signed_xml,
    verify_logout,
)
from ehkit.saml.response import NameID, Status
from ehkit.sp import relay_state as relay
from ehkit.sp.stores.base import PendingRequest

if TYPE_CHECKING:
    from ehkit.sp.provider import ServiceProvider
    from ehkit.sp.result import LoginResult

#: ``PendingRequest.response_binding`` of a logout we started.
LOGOUT_PENDING = "logout"
NO_CACHE: Mapping[str, str] = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class LogoutStart:
    """Where to send the browser with a logout message (our LogoutRequest, or our answer to the
    broker's). ``method`` "redirect": 303 to ``url``; "post": 200 with ``form_html``."""

    request_id: str
    method: Literal["redirect", "post"]
    url: str
    relay_state: str | None
    expires_at: datetime | None = None
    form_html: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: NO_CACHE, hash=False)


@dataclass(frozen=True)
class LogoutResult:
    """The broker confirmed the logout. ``relay_target`` is the path given to ``start_logout``."""

    request_id: str
    service: str
    status: Status
    relay_target: str | None


@dataclass(frozen=True)
class LogoutAnswer:
    """What a broker-initiated LogoutRequest led to.

    ``response`` carries our signed LogoutResponse to the broker (always
    send it). ``rejected`` is set when the request was refused (the answer
    then says Requester/RequestDenied); ``session_ended`` is what the
    application's callback reported for a valid request.
    """

    response: LogoutStart
    session_ended: bool
    session_indexes: tuple[str, ...]
    rejected: LogoutRejected | None = None


def login_of(result_or_session: Any) -> LoginResult:
    """A LoginResult, or anything holding one as ``.result`` (the integrations' StoredLogin)."""
    from ehkit.sp.result import LoginResult

    if isinstance(result_or_session, LoginResult):
        return result_or_session
    inner = getattr(result_or_session, "result", None)
    if isinstance(inner, LoginResult):
        return inner
    raise LogoutRejected("there is no eHerkenning login to log out", reason="logout_no_session")


def _as_logout(exc: EhkitError) -> LogoutRejected:
    return exc if isinstance(exc, LogoutRejected) else LogoutRejected(exc.message, reason=exc.reason)


def _slo_endpoint(sp: ServiceProvider, now: datetime, binding: LogoutBinding | None) -> tuple[str, LogoutBinding]:
    metadata = sp.metadata(now=now)
    wanted: tuple[LogoutBinding, ...] = (binding,) if binding else ("redirect", "post")
    uri = {"redirect": c.BINDING_REDIRECT, "post": c.BINDING_POST}
    for name in wanted:
        for ep in metadata.slo:
            if ep.binding == uri[name] and ep.location:
                return ep.location, name
    raise LogoutRejected(
        f"the broker metadata has no SingleLogoutService for {' or '.join(wanted)}: single logout is not "
        "possible with this broker (log out locally only)",
        reason="logout_not_supported",
    )


def _our_slo(sp: ServiceProvider) -> str:
    if not sp.settings.slo_url:
        raise LogoutRejected(
            "single logout needs dv.slo_url (the DV's SingleLogoutService address)", reason="logout_slo_url_missing"
        )
    return sp.settings.slo_url


def start_logout(
    sp: ServiceProvider,
    result_or_session: Any,
    *,
    relay_state: str | None,
    now: datetime,
    binding: LogoutBinding | None,
) -> LogoutStart:
    login = login_of(result_or_session)
    _our_slo(sp)
    settings = sp.settings
    try:
        service = settings.service(login.service)
    except EhkitError as exc:
        raise _as_logout(exc) from None
    target = relay.check_target(relay_state) if relay_state is not None else None
    destination, chosen = _slo_endpoint(sp, now, binding)
    name_id = NameID(*login.name_id) if login.name_id else None
    request = LogoutRequest(
        id=new_id(),
        issue_instant=now,
        destination=destination,
        issuer=settings.entity_id_for(service),
        name_id=name_id,
        session_indexes=(login.session_index,) if login.session_index else (),
    )
    token = relay.new_token()
    pending = PendingRequest(
        request_id=request.id,
        service=service.key,
        loa=service.loa,
        requested_loa=None,
        response_binding=LOGOUT_PENDING,
        created_at=now,
        expires_at=now + settings.logout_ttl,
        relay_target=target,
        relay_token=token,
    )
    sp._store_call(sp.store.put_pending, pending, now=now)
    key = settings.signing_key
    if chosen == "redirect":
        url = logout_redirect_url(request, key.private_key, relay_state=token)
        return LogoutStart(request.id, "redirect", url, token, pending.expires_at)
    xml = to_signed_xml(request, key.private_key, key.key_name)
    form = post_form(destination, {"SAMLRequest": b64encode(xml), "RelayState": token})
    return LogoutStart(request.id, "post", destination, token, pending.expires_at, form_html=form)


def _receive(
    sp: ServiceProvider,
    kind: Literal["request", "response"],
    *,
    query_string: str | None,
    form_value: str | None,
    relay_state: str | None,
    now: datetime,
    seen: list[bytes],
) -> VerifiedLogout:
    """Steps 1, 2 and the Destination/time policy, for either kind of message."""
    settings = sp.settings
    if (query_string is None) == (form_value is None):
        raise LogoutRejected("expected a Redirect query string or a POST form value", reason="logout_malformed")
    binding: LogoutBinding = "redirect" if query_string is not None else "post"
    try:
        metadata = sp.metadata(now=now)
        trust = sp._trust(metadata, now)
    except EhkitError as exc:
        raise _as_logout(exc) from None
    xml, relay_value, query_verified = decode_logout(
        kind,
        binding=binding,
        trust=trust,
        query_string=query_string,
        form_value=form_value,
        relay_state=relay_state,
        max_chars=sp._limits.max_bytes * 4 // 3 + 4,
    )
    seen.append(xml)
    message = verify_logout(
        xml,
        kind,
        binding=binding,
        trust=trust,
        expected_issuer=settings.broker_entity_id,
        query_verified=query_verified,
        relay_state=relay_value,
        limits=sp._limits,
    )
    expires = max(message.issue_instant, now) + settings.max_message_age + 2 * settings.clock_skew
    if not sp._store_call(sp.store.mark_seen, replay_key(message), expires_at=expires, now=now):
        raise LogoutRejected("this logout message was already processed (replay)", reason="logout_replay")
    return message


def finish_logout(
    sp: ServiceProvider,
    *,
    query_string: str | None,
    saml_response: str | None,
    relay_state: str | None,
    request_id: str | None,
    now: datetime,
) -> LogoutResult:
    settings = sp.settings
    ours = _our_slo(sp)
    message = _receive(
        sp, "response", query_string=query_string, form_value=saml_response, relay_state=relay_state, now=now, seen=[]
    )
    irt = message.in_response_to
    if not irt:
        raise LogoutRejected("the LogoutResponse answers no logout of ours", reason="logout_unsolicited")
    if request_id is not None and not hmac.compare_digest(irt.encode(), request_id.encode()):
        raise LogoutRejected("the LogoutResponse answers another browser's logout", reason="logout_request_id_mismatch")
    pending = sp._store_call(sp.store.take_pending, irt, now=now)
    if pending is None or pending.response_binding != LOGOUT_PENDING:
        raise LogoutRejected(
            "the LogoutResponse answers no pending logout (unknown, or already used)",
            reason="logout_in_response_to_unknown",
        )
    if pending.expired(now):
        raise LogoutRejected("the logout took too long: the request has expired", reason="logout_issue_instant_invalid")
    check_logout(
        message,
        expected_destinations=(ours,),
        now=now,
        clock_skew=settings.clock_skew,
        max_age=settings.max_message_age,
    )
    try:
        relay.check_token(message.relay_state, pending.relay_token)
    except EhkitError as exc:
        raise _as_logout(exc) from None
    status = message.status or Status(c.STATUS_RESPONDER)
    if not status.success:
        shown = f"{status.code.rsplit(':', 1)[-1]}/{(status.sub_code or '-').rsplit(':', 1)[-1]}"
        raise LogoutRejected(
            f"the broker could not complete the logout ({shown}); the local session is ended",
            reason="logout_status_failed",
        )
    return LogoutResult(pending.request_id, pending.service, status, pending.relay_target)


def handle_logout_request(
    sp: ServiceProvider,
    *,
    query_string: str | None,
    saml_request: str | None,
    relay_state: str | None,
    end_session: Callable[[VerifiedLogout], bool],
    now: datetime,
) -> LogoutAnswer:
    settings = sp.settings
    ours = _our_slo(sp)
    seen: list[bytes] = []
    rejected: LogoutRejected | None = None
    message: VerifiedLogout | None = None
    try:
        message = _receive(
            sp,
            "request",
            query_string=query_string,
            form_value=saml_request,
            relay_state=relay_state,
            now=now,
            seen=seen,
        )
        check_logout(
            message,
            expected_destinations=(ours,),
            now=now,
            clock_skew=settings.clock_skew,
            max_age=settings.max_message_age,
        )
    except EhkitError as exc:
        rejected = _as_logout(exc)
    ended = False
    if message is not None and rejected is None:
        # An unknown session is no error: it is gone, which is what the broker asks for.
        ended = bool(end_session(message))
        status = Status(c.STATUS_SUCCESS)
        in_response_to: str | None = message.id
        relay_back = message.relay_state
    else:
        status = Status(c.STATUS_REQUESTER, c.STATUS_REQUEST_DENIED, "the LogoutRequest was refused")
        in_response_to = peek_id(seen[0]) if seen else None
        relay_back = None  # not echoed: it came with a message we could not trust
    binding = message.binding if message is not None else ("redirect" if query_string is not None else "post")
    destination, chosen = _answer_endpoint(sp, now, binding)
    issuer = settings.entity_id
    if message is not None and message.name_id is not None and message.name_id.sp_name_qualifier in sp.entity_ids:
        issuer = message.name_id.sp_name_qualifier or issuer
    response = LogoutResponse(
        id=new_id(),
        issue_instant=now,
        destination=destination,
        issuer=issuer,
        in_response_to=in_response_to,
        status=status,
    )
    key = settings.signing_key
    if chosen == "redirect":
        url = logout_redirect_url(response, key.private_key, relay_state=relay_back)
        start = LogoutStart(response.id, "redirect", url, relay_back)
    else:
        xml = to_signed_xml(response, key.private_key, key.key_name)
        fields = {"SAMLResponse": b64encode(xml)}
        if relay_back is not None:
            fields["RelayState"] = relay_back
        start = LogoutStart(response.id, "post", destination, relay_back, form_html=post_form(destination, fields))
    indexes = message.session_indexes if message is not None else ()
    return LogoutAnswer(start, ended, indexes, rejected)


def _answer_endpoint(sp: ServiceProvider, now: datetime, binding: LogoutBinding) -> tuple[str, LogoutBinding]:
    """The broker's SLO endpoint from its metadata (never an address from the message), same binding first."""
    try:
        return _slo_endpoint(sp, now, binding)
    except LogoutRejected:
        return _slo_endpoint(sp, now, None)
