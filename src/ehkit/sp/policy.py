"""The SP's acceptance policy for a verified response.

Runs after :func:`ehkit.saml.response.verify_message` proved authenticity and
after the pending request was consumed. Every check raises
:class:`~ehkit.errors.LoginRejected` with a stable reason (docs/sp.md lists
them all). Nothing here decrypts: identifiers are read by
:mod:`ehkit.sp.identity` only when every check below passed.
"""

from __future__ import annotations

from datetime import datetime

from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.sso import AD_SESSION_MAX
from ehkit.domain.urns import SERVICE_ID, SERVICE_UUID
from ehkit.errors import EhkitError, LoginCancelled, LoginFailed, LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.response import AssertionContent, Attribute, ResponseContent, Status
from ehkit.sp.settings import ServiceSettings, SpSettings
from ehkit.sp.stores.base import PendingRequest


def _reject(message: str, reason: str) -> LoginRejected:
    return LoginRejected(message, reason=reason)


def _short(code: str | None) -> str:
    return (code or "-").rsplit(":", 1)[-1]


def raise_for_status(status: Status) -> None:
    """Map a non-Success status to a typed outcome (AS "Foutafhandeling").

    Responder + AuthnFailed is how the broker reports a cancel; RequestUnsupported
    means the request asked for something the broker or AD cannot do (often an
    identifier type or level the catalogue does not allow). Everything else
    is a generic failure; the codes travel in the message and on the exception.
    """
    if status.success:
        return
    detail = f"{_short(status.code)}/{_short(status.sub_code)}" + (f": {status.message}" if status.message else "")
    exc: LoginRejected
    if status.code == c.STATUS_RESPONDER and status.sub_code == c.STATUS_AUTHN_FAILED:
        exc = LoginCancelled(f"the user cancelled the login at the broker ({detail})")
    elif status.sub_code == c.STATUS_REQUEST_UNSUPPORTED:
        exc = LoginFailed(f"the broker does not support this request ({detail})", reason="request_unsupported")
    else:
        exc = LoginFailed(f"the broker reported a failure ({detail})")
    exc.status = status
    raise exc


def check_instant(instant: datetime, now: datetime, settings: SpSettings, what: str) -> None:
    """An IssueInstant must be recent: not ahead by more than the skew, not older
    than ``max_message_age`` (plus skew)."""
    if instant > now + settings.clock_skew:
        raise _reject(f"{what} IssueInstant lies in the future", "issue_instant_invalid")
    if instant < now - settings.max_message_age - settings.clock_skew:
        raise _reject(f"{what} IssueInstant is too old", "issue_instant_invalid")


def check_response(
    response: ResponseContent, *, expected_destination: str, now: datetime, settings: SpSettings
) -> None:
    if response.destination is None:
        raise _reject("the Response has no Destination", "destination_mismatch")
    if response.destination != expected_destination:
        raise _reject(
            f"the Response is addressed to {response.destination[:200]!r}, not to our ACS", "destination_mismatch"
        )
    check_instant(response.issue_instant, now, settings, "Response")


def single_text(attr: Attribute) -> str:
    if len(attr.values) != 1:
        raise _reject(f"attribute {attr.name} must have exactly one value", "attribute_multivalued")
    value = attr.values[0]
    if value.kind == "text":
        return (value.text or "").strip()
    if value.kind == "nameid" and value.name_id is not None:
        return value.name_id.value.strip()
    raise _reject(f"attribute {attr.name} must hold plain text", "attribute_value_invalid")


def attribute_index(assertion: AssertionContent) -> dict[str, Attribute]:
    """Attributes by name. A name twice (also with different NameFormats, or as
    two aliases of one URN) is refused instead of picking one (case 71)."""
    from ehkit.sp.identity import canonical_attribute_name

    index: dict[str, Attribute] = {}
    for attr in assertion.attributes:
        key = canonical_attribute_name(attr.name)
        if key in index:
            raise _reject(f"attribute {attr.name} appears more than once", "attribute_duplicate")
        index[key] = attr
    return index


def check_assertion(
    assertion: AssertionContent,
    attributes: dict[str, Attribute],
    *,
    response: ResponseContent,
    pending: PendingRequest,
    service: ServiceSettings,
    expected_recipient: str,
    now: datetime,
    settings: SpSettings,
) -> LevelOfAssurance:
    """Every non-identity rule for the assertion; returns the delivered level."""
    skew = settings.clock_skew
    check_instant(assertion.issue_instant, now, settings, "Assertion")

    # Subject confirmation: exactly one, bearer, for our ACS and this request, still valid.
    if len(assertion.confirmations) != 1:
        raise _reject(
            f"the Subject must have exactly one SubjectConfirmation, it has {len(assertion.confirmations)}",
            "subject_confirmation_invalid",
        )
    sc = assertion.confirmations[0]
    if sc.method != c.CM_BEARER:
        raise _reject(f"SubjectConfirmation method {sc.method[:100]!r} is not bearer", "subject_confirmation_invalid")
    if sc.recipient != expected_recipient:
        raise _reject("SubjectConfirmationData Recipient is not our ACS", "recipient_mismatch")
    if sc.in_response_to != response.in_response_to:
        raise _reject("SubjectConfirmationData InResponseTo differs from the Response's", "in_response_to_mismatch")
    if sc.not_on_or_after is None:
        raise _reject("SubjectConfirmationData has no NotOnOrAfter", "subject_confirmation_invalid")
    if sc.not_on_or_after <= now - skew:
        raise _reject("the subject confirmation has expired", "time_expired")
    if sc.not_before is not None and sc.not_before > now + skew:
        raise _reject("the subject confirmation is not yet valid", "time_not_yet_valid")

    # Conditions: time window, audience, nothing we do not understand.
    cond = assertion.conditions
    if cond is None:
        raise _reject("the Assertion has no Conditions", "conditions_missing")
    if cond.unsupported:
        raise _reject(f"unsupported condition {cond.unsupported[0][:100]!r}", "condition_unsupported")
    if cond.not_on_or_after is None:
        raise _reject("Conditions has no NotOnOrAfter", "conditions_missing")
    if cond.not_before is not None and cond.not_before > now + skew:
        raise _reject("the assertion is not yet valid (NotBefore)", "time_not_yet_valid")
    if cond.not_on_or_after <= now - skew:
        raise _reject("the assertion has expired (NotOnOrAfter)", "time_expired")
    audience = settings.entity_id_for(service)
    if not cond.audience_restrictions:
        raise _reject("the Assertion has no AudienceRestriction", "audience_mismatch")
    for restriction in cond.audience_restrictions:
        if audience not in restriction:
            raise _reject("the Assertion is not meant for us (Audience)", "audience_mismatch")

    # Authentication: when, how strong; ForceAuthn means it happened after our request.
    authn = assertion.authn
    if authn.authn_instant > now + skew:
        raise _reject("AuthnInstant lies in the future", "time_not_yet_valid")
    if authn.authn_instant < pending.created_at - skew and not (
        # SSO (SSOSupport below EH4, ForceAuthn="false"): the AD session may predate our request,
        # but never by more than the afsprakenstelsel's maximum session length.
        service.sso and authn.authn_instant >= now - AD_SESSION_MAX - skew
    ):
        raise _reject(
            "the user authenticated before our request (ForceAuthn was asked); an old session was reused",
            "authn_instant_stale",
        )
    if authn.session_not_on_or_after is not None and authn.session_not_on_or_after <= now - skew:
        raise _reject("the authentication session has expired (SessionNotOnOrAfter)", "time_expired")
    if not authn.class_ref:
        raise _reject("the AuthnStatement names no level of assurance", "loa_invalid")
    try:
        loa = LevelOfAssurance.from_urn(authn.class_ref)
    except EhkitError as exc:
        raise _reject(exc.message, exc.reason) from None
    if loa < pending.loa:
        raise _reject(f"delivered level {loa} is below the required {pending.loa}", "loa_too_low")

    # The service: the broker must confirm it is the one we asked for.
    sid = attributes.get(SERVICE_ID)
    if sid is None:
        raise _reject("the assertion does not name the service (ServiceID)", "attribute_missing")
    if single_text(sid) != service.service_id:
        raise _reject("ServiceID differs from the service we asked for", "service_id_mismatch")
    suuid = attributes.get(SERVICE_UUID)
    if suuid is None:
        raise _reject("the assertion does not name the service (ServiceUUID)", "attribute_missing")
    if single_text(suuid).lower() not in service.uuids:
        raise _reject("ServiceUUID differs from the service we asked for", "service_uuid_mismatch")

    if assertion.encrypted_id_count > settings.max_encrypted_ids:
        raise _reject(
            f"{assertion.encrypted_id_count} encrypted identifiers exceed the limit of {settings.max_encrypted_ids}",
            "encrypted_id_limit",
        )
    return loa
