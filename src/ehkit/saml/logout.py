"""Single logout between DV and HM: LogoutRequest and LogoutResponse.

Both directions use the same messages. The DV sends a LogoutRequest when the
user logs out (SP-initiated) and receives the HM's LogoutResponse; the HM may
also send a LogoutRequest itself (the session ended at the AD or at another
DV), which the DV answers with a LogoutResponse.

Bindings: HTTP-Redirect (deflated, the signature over the query string:
``SAMLRequest``/``SAMLResponse``, ``RelayState``, ``SigAlg`` exactly as the
sender encoded them) and HTTP-POST (an enveloped signature). A message is
accepted with the strictness of a login Response: the signature by a key from
the sender's metadata only, the Issuer, the Destination, InResponseTo, the
IssueInstant window and replay (the last two in :func:`check_logout`, the
caller keeps the replay cache).

Like the rest of ``ehkit.saml`` this is sans-IO: time comes in as ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ehkit.errors import EhkitError
from ehkit.saml import constants as c
from ehkit.saml.bindings import decode_post, redirect_url, verify_redirect_query
from ehkit.saml.common import NSMAP_P, child, children, issuer_of, sub
from ehkit.saml.response import NameID, Status, read_name_id, read_status
from ehkit.saml.timefmt import format_instant, parse_instant
from ehkit.xml.ns import SAML, SAMLP, q
from ehkit.xml.parse import DEFAULT_LIMITS, ParseLimits, element_text, parse_document
from ehkit.xml.signature import VerifiedSignature, find_signature, sign_element, verify_element
from ehkit.xml.trust import TrustSet

LogoutKind = Literal["request", "response"]
LogoutBinding = Literal["redirect", "post"]

SAMLP_LOGOUT_REQUEST = q(SAMLP, "LogoutRequest")
SAMLP_LOGOUT_RESPONSE = q(SAMLP, "LogoutResponse")
SAMLP_SESSION_INDEX = q(SAMLP, "SessionIndex")
SAML_NAMEID = q(SAML, "NameID")
#: The user asked for the logout (SAML core 3.7.3 reasons).
REASON_USER = "urn:oasis:names:tc:SAML:2.0:logout:user"
REASON_ADMIN = "urn:oasis:names:tc:SAML:2.0:logout:admin"
#: At most this many SessionIndex elements are read from one LogoutRequest.
MAX_SESSION_INDEXES = 10
#: The form field / query parameter of each kind.
PARAM: dict[LogoutKind, str] = {"request": "SAMLRequest", "response": "SAMLResponse"}


SUCCESS = Status(c.STATUS_SUCCESS)


class LogoutRejected(EhkitError):
    """A LogoutRequest or LogoutResponse was refused. ``reason`` is a stable code (ehkit.reasons).

    Refusing a logout message never keeps a session alive: the caller ends the
    local session anyway (fail closed)."""

    reason = "logout_rejected"


def _reject(message: str, reason: str) -> LogoutRejected:
    return LogoutRejected(message, reason=reason)


# ------------------------------------------------------------------ building


@dataclass(frozen=True)
class LogoutRequest:
    id: str
    issue_instant: datetime
    destination: str
    issuer: str
    name_id: NameID | None = None
    session_indexes: tuple[str, ...] = ()
    reason: str | None = REASON_USER
    not_on_or_after: datetime | None = None

    def to_element(self) -> etree._Element:
        el = etree.Element(SAMLP_LOGOUT_REQUEST, nsmap=NSMAP_P)
        el.set("ID", self.id)
        el.set("Version", "2.0")
        el.set("IssueInstant", format_instant(self.issue_instant))
        el.set("Destination", self.destination)
        if self.reason:
            el.set("Reason", self.reason)
        if self.not_on_or_after is not None:
            el.set("NotOnOrAfter", format_instant(self.not_on_or_after))
        sub(el, SAML, "Issuer", self.issuer)
        # The schema requires an identifier: the login's NameID, or an empty transient one.
        nid = self.name_id or NameID("", c.NAMEID_TRANSIENT, None)
        attrs = {"Format": nid.format, "NameQualifier": nid.name_qualifier, "SPNameQualifier": nid.sp_name_qualifier}
        sub(el, SAML, "NameID", nid.value, **{k: v for k, v in attrs.items() if v})
        for index in self.session_indexes:
            sub(el, SAMLP, "SessionIndex", index)
        return el


@dataclass(frozen=True)
class LogoutResponse:
    id: str
    issue_instant: datetime
    destination: str
    issuer: str
    in_response_to: str | None
    status: Status = SUCCESS

    def to_element(self) -> etree._Element:
        el = etree.Element(SAMLP_LOGOUT_RESPONSE, nsmap=NSMAP_P)
        el.set("ID", self.id)
        el.set("Version", "2.0")
        el.set("IssueInstant", format_instant(self.issue_instant))
        el.set("Destination", self.destination)
        if self.in_response_to:
            el.set("InResponseTo", self.in_response_to)
        sub(el, SAML, "Issuer", self.issuer)
        status = sub(el, SAMLP, "Status")
        top = sub(status, SAMLP, "StatusCode", Value=self.status.code)
        if self.status.sub_code:
            sub(top, SAMLP, "StatusCode", Value=self.status.sub_code)
        if self.status.message:
            sub(status, SAMLP, "StatusMessage", self.status.message)
        return el


LogoutMessage = LogoutRequest | LogoutResponse


def to_xml(message: LogoutMessage) -> bytes:
    return etree.tostring(message.to_element(), encoding="utf-8")


def to_signed_xml(message: LogoutMessage, key: rsa.RSAPrivateKey, key_name: str | None) -> bytes:
    """Enveloped signature with only a KeyName, as for the AuthnRequest (POST binding)."""
    el = message.to_element()
    sign_element(el, key, key_name=key_name)
    return etree.tostring(el, encoding="utf-8")


def logout_redirect_url(
    message: LogoutMessage,
    key: rsa.RSAPrivateKey | None,
    *,
    relay_state: str | None = None,
    destination: str | None = None,
) -> str:
    """HTTP-Redirect: the unsigned message, deflated, signed over the query string."""
    param = PARAM["request" if isinstance(message, LogoutRequest) else "response"]
    return redirect_url(
        destination or message.destination, to_xml(message), param=param, relay_state=relay_state, private_key=key
    )


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class VerifiedLogout:
    """A logout message whose signature verified with a key of the expected sender and whose
    Issuer is that sender. ``binding`` says which signature covered it."""

    kind: LogoutKind
    binding: LogoutBinding
    element: etree._Element
    id: str
    issuer: str
    issue_instant: datetime
    destination: str | None
    relay_state: str | None
    in_response_to: str | None = None
    status: Status | None = None
    name_id: NameID | None = None
    session_indexes: tuple[str, ...] = ()
    reason: str | None = None
    not_on_or_after: datetime | None = None
    signature: VerifiedSignature | None = None


def peek_id(xml: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> str | None:
    """The ID of an (unverified) message, to answer a refused LogoutRequest; None when unreadable."""
    try:
        value = parse_document(xml, limits).root.get("ID")
    except EhkitError:
        return None
    return value if value and len(value) <= 256 else None


def decode_logout(
    kind: LogoutKind,
    *,
    binding: LogoutBinding,
    trust: TrustSet,
    query_string: str | None = None,
    form_value: str | None = None,
    relay_state: str | None = None,
    max_chars: int = 512 * 1024,
) -> tuple[bytes, str | None, bool]:
    """The message bytes, the RelayState and whether the Redirect query signature verified.

    Redirect: the query signature is checked here, over the raw query as
    received. POST: the value is base64 of XML (no deflate); its enveloped
    signature is checked by :func:`verify_logout`.
    """
    param = PARAM[kind]
    try:
        if binding == "redirect":
            if query_string is None:
                raise _reject("the Redirect binding needs the raw query string", "logout_malformed")
            message = verify_redirect_query(query_string, trust, param=param)
            return message.xml, message.relay_state, True
        if form_value is None:
            raise _reject(f"the POST binding needs the {param} form field", "logout_malformed")
        return decode_post(form_value, max_chars=max_chars), relay_state, False
    except LogoutRejected:
        raise
    except EhkitError as exc:
        raise _reject(f"the {param}: {exc.message}", exc.reason) from None


def verify_logout(
    xml: bytes,
    kind: LogoutKind,
    *,
    binding: LogoutBinding,
    trust: TrustSet,
    expected_issuer: str,
    query_verified: bool = False,
    relay_state: str | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> VerifiedLogout:
    """Parse (hardened) and authenticate a logout message, or raise :class:`LogoutRejected`.

    ``query_verified`` is True only when :func:`decode_logout` verified a
    Redirect-binding query signature for exactly these bytes; otherwise the
    message must carry an enveloped signature. An enveloped signature that is
    present is always verified, also on a Redirect message.
    """
    try:
        doc = parse_document(xml, limits)
    except EhkitError as exc:
        raise _reject(f"the logout message is not acceptable XML: {exc.message}", exc.reason) from None
    el = doc.root
    tag = SAMLP_LOGOUT_REQUEST if kind == "request" else SAMLP_LOGOUT_RESPONSE
    if el.tag != tag:
        raise _reject(
            f"expected a {etree.QName(tag).localname}, got {etree.QName(el).localname}", "logout_message_unexpected"
        )
    what = etree.QName(tag).localname
    if el.get("Version") != "2.0":
        raise _reject(f"{what} Version must be 2.0", "version_unsupported")
    signature = None
    if find_signature(el) is not None:
        try:
            signature = verify_element(el, trust)
        except EhkitError as exc:
            raise _reject(f"{what} signature: {exc.message}", exc.reason) from None
    elif binding == "post" or not query_verified:
        raise _reject(f"the {what} is not signed", "signature_missing")
    try:
        issuer = issuer_of(el)
    except EhkitError as exc:
        raise _reject(exc.message, exc.reason) from None
    if issuer is None:
        raise _reject(f"the {what} has no Issuer", "issuer_missing")
    if issuer != expected_issuer:
        raise _reject(f"{what} Issuer {issuer[:120]!r} is not {expected_issuer!r}", "issuer_mismatch")
    message_id = el.get("ID")
    if not message_id or len(message_id) > 256:
        raise _reject(f"the {what} has no usable ID", "logout_malformed")
    try:
        instant = parse_instant(el.get("IssueInstant"), f"{what} IssueInstant")
        base: dict[str, Any] = {
            "kind": kind,
            "binding": binding,
            "element": el,
            "id": message_id,
            "issuer": issuer,
            "issue_instant": instant,
            "destination": el.get("Destination"),
            "relay_state": relay_state,
            "signature": signature,
        }
        if kind == "response":
            return VerifiedLogout(**base, in_response_to=el.get("InResponseTo"), status=read_status(el))
        return _read_request(el, base)
    except LogoutRejected:
        raise
    except EhkitError as exc:
        raise _reject(f"{what}: {exc.message}", "logout_malformed") from None


def _read_request(el: etree._Element, base: dict[str, Any]) -> VerifiedLogout:
    nid_el = child(el, SAML_NAMEID, what="NameID")
    if nid_el is None and any(k.tag in (q(SAML, "EncryptedID"), q(SAML, "BaseID")) for k in children(el)):
        raise _reject("the LogoutRequest identifies the user by EncryptedID or BaseID, not NameID", "logout_malformed")
    name_id = read_name_id(nid_el) if nid_el is not None else None
    indexes = [k for k in children(el) if k.tag == SAMLP_SESSION_INDEX]
    if len(indexes) > MAX_SESSION_INDEXES:
        raise _reject(f"the LogoutRequest names more than {MAX_SESSION_INDEXES} sessions", "logout_malformed")
    not_after = el.get("NotOnOrAfter")
    return VerifiedLogout(
        **base,
        name_id=name_id,
        session_indexes=tuple(element_text(k).strip() for k in indexes),
        reason=el.get("Reason"),
        not_on_or_after=parse_instant(not_after, "LogoutRequest NotOnOrAfter") if not_after else None,
    )


def check_logout(
    message: VerifiedLogout,
    *,
    expected_destinations: tuple[str, ...],
    now: datetime,
    clock_skew: timedelta,
    max_age: timedelta,
) -> None:
    """The policy for an authentic logout message: addressed to us, recent, not expired.

    Destination is required: both bindings are front-channel, through the
    browser, so a message for another endpoint must not be replayed here.
    """
    what = "LogoutRequest" if message.kind == "request" else "LogoutResponse"
    if message.destination is None or message.destination not in expected_destinations:
        shown = (message.destination or "")[:200]
        raise _reject(
            f"the {what} is addressed to {shown!r}, not to our logout endpoint", "logout_destination_mismatch"
        )
    if message.issue_instant > now + clock_skew:
        raise _reject(f"the {what} IssueInstant lies in the future", "logout_issue_instant_invalid")
    if message.issue_instant < now - max_age - clock_skew:
        raise _reject(f"the {what} IssueInstant is too old", "logout_issue_instant_invalid")
    if message.not_on_or_after is not None and message.not_on_or_after <= now - clock_skew:
        raise _reject("the LogoutRequest has expired (NotOnOrAfter)", "logout_issue_instant_invalid")


def replay_key(message: VerifiedLogout) -> str:
    """The replay-cache key of a logout message (per kind and sender)."""
    return f"logout-{message.kind}:{message.issuer}:{message.id}"


__all__ = [
    "PARAM",
    "REASON_ADMIN",
    "REASON_USER",
    "LogoutBinding",
    "LogoutKind",
    "LogoutMessage",
    "LogoutRejected",
    "LogoutRequest",
    "LogoutResponse",
    "VerifiedLogout",
    "check_logout",
    "decode_logout",
    "logout_redirect_url",
    "peek_id",
    "replay_key",
    "to_signed_xml",
    "to_xml",
    "verify_logout",
]
