"""The HM's answer to an AuthnRequest: verify first, then read into typed objects.

Two steps, kept apart on purpose:

1. :func:`verify_message` establishes *authenticity* and touches no state:
   hardened parse (done by the caller, once), the ArtifactResponse signature
   and InResponseTo, the Response signature (absent only inside a verified
   ArtifactResponse), the Assertion signature (always), the Issuer of each,
   and the position of every verified element. It returns the verified
   elements; nothing else in the document is ever read.
2. :func:`read_response` and :func:`read_assertion` turn those verified
   elements into plain values. They check *form* (one AuthnStatement, times
   parse, no duplicate attributes) but no *policy* (is the audience ours, is
   the time right): that lives in :mod:`ehkit.sp.policy`, which knows the
   pending request.

Advice (the AD and MR assertions the HM passes along) is never a source of
identity. :func:`read_assertion` only reports the Issuer of each Advice
assertion, for the informational AD/MR entity IDs of a login.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from lxml import etree

from ehkit.errors import EhkitError, LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.artifact_resolution import ArtifactResponseMessage, parse_artifact_response
from ehkit.saml.common import child, children, issuer_of
from ehkit.saml.timefmt import parse_instant
from ehkit.xml.ns import DS_SIGNATURE, SAML, SAMLP, SOAP11, XSI, q
from ehkit.xml.parse import ParsedDocument, element_text
from ehkit.xml.signature import VerifiedSignature, find_signature, verify_element
from ehkit.xml.trust import TrustSet

Binding = Literal["artifact", "post"]

SAML_ASSERTION = q(SAML, "Assertion")
SAML_ENCRYPTED_ASSERTION = q(SAML, "EncryptedAssertion")
SAML_ADVICE = q(SAML, "Advice")
SAML_SUBJECT = q(SAML, "Subject")
SAML_NAMEID = q(SAML, "NameID")
SAML_ENCRYPTED_ID = q(SAML, "EncryptedID")
SAML_SUBJECT_CONFIRMATION = q(SAML, "SubjectConfirmation")
SAML_SUBJECT_CONFIRMATION_DATA = q(SAML, "SubjectConfirmationData")
SAML_CONDITIONS = q(SAML, "Conditions")
SAML_AUDIENCE_RESTRICTION = q(SAML, "AudienceRestriction")
SAML_AUDIENCE = q(SAML, "Audience")
SAML_ONE_TIME_USE = q(SAML, "OneTimeUse")
SAML_AUTHN_STATEMENT = q(SAML, "AuthnStatement")
SAML_AUTHN_CONTEXT = q(SAML, "AuthnContext")
SAML_AUTHN_CONTEXT_CLASS_REF = q(SAML, "AuthnContextClassRef")
SAML_AUTHENTICATING_AUTHORITY = q(SAML, "AuthenticatingAuthority")
SAML_ATTRIBUTE_STATEMENT = q(SAML, "AttributeStatement")
SAML_ATTRIBUTE = q(SAML, "Attribute")
SAML_ATTRIBUTE_VALUE = q(SAML, "AttributeValue")
SAML_ENCRYPTED_ATTRIBUTE = q(SAML, "EncryptedAttribute")
SAML_ISSUER = q(SAML, "Issuer")
SAMLP_RESPONSE = q(SAMLP, "Response")
SAMLP_ARTIFACT_RESPONSE = q(SAMLP, "ArtifactResponse")
SAMLP_STATUS = q(SAMLP, "Status")
SAMLP_STATUS_CODE = q(SAMLP, "StatusCode")
SAMLP_STATUS_MESSAGE = q(SAMLP, "StatusMessage")
SAMLP_EXTENSIONS = q(SAMLP, "Extensions")
SOAP_ENVELOPE = q(SOAP11, "Envelope")
SOAP_BODY = q(SOAP11, "Body")
SOAP_HEADER = q(SOAP11, "Header")
SOAP_FAULT = q(SOAP11, "Fault")
XSI_TYPE = q(XSI, "type")


def _reject(message: str, reason: str) -> LoginRejected:
    return LoginRejected(message, reason=reason)


# ------------------------------------------------------------------ step 1: authenticity


@dataclass(frozen=True)
class Status:
    code: str
    sub_code: str | None = None
    message: str | None = None

    @property
    def success(self) -> bool:
        return self.code == c.STATUS_SUCCESS


@dataclass(frozen=True)
class VerifiedMessage:
    """What :func:`verify_message` proved. Read only these elements.

    ``response`` was verified by its own signature, or (artifact binding only)
    by the signature of the enclosing ``artifact_response`` whose direct child
    it is. ``assertion`` is the direct child of ``response`` and carries a
    verified HM signature; it is None only when the status is not Success.
    """

    binding: Binding
    response: etree._Element
    assertion: etree._Element | None
    status: Status
    response_id: str
    in_response_to: str | None
    response_issue_instant: datetime
    assertion_id: str | None
    assertion_issue_instant: datetime | None
    artifact_response: ArtifactResponseMessage | None
    response_signature: VerifiedSignature | None
    assertion_signature: VerifiedSignature | None


def message_element(doc: ParsedDocument) -> etree._Element:
    """The SAML message in a parsed document: the root, or the single child of a
    SOAP 1.1 Body (artifact resolution answers arrive wrapped)."""
    root = doc.root
    if root.tag != SOAP_ENVELOPE:
        return root
    kids = children(root)
    bodies = [k for k in kids if k.tag == SOAP_BODY]
    if len(bodies) != 1 or any(k.tag not in (SOAP_HEADER, SOAP_BODY) for k in kids):
        raise _reject("SOAP envelope must hold exactly one Body", "soap_malformed")
    payload = children(bodies[0])
    if len(payload) != 1:
        raise _reject("SOAP Body must hold exactly one element", "soap_malformed")
    if payload[0].tag == SOAP_FAULT:
        raise _reject("the broker answered with a SOAP fault", "soap_fault")
    return payload[0]


def _verify(
    element: etree._Element, trust: TrustSet, what: str, namespace_declarations: int | None = None
) -> VerifiedSignature:
    try:
        return verify_element(element, trust, namespace_declarations=namespace_declarations)
    except EhkitError as exc:
        raise _reject(f"{what} signature: {exc.message}", exc.reason) from None


def _require_issuer(element: etree._Element, expected: str, what: str) -> None:
    issuer = issuer_of(element)
    if issuer is None:
        raise _reject(f"{what} has no Issuer", "issuer_missing")
    if issuer != expected:
        raise _reject(f"{what} Issuer {issuer[:120]!r} is not the broker {expected!r}", "issuer_mismatch")


def _instant(element: etree._Element, attr: str, what: str) -> datetime:
    return parse_instant(element.get(attr), f"{what} {attr}")


def read_status(response: etree._Element) -> Status:
    status = child(response, SAMLP_STATUS, required=True, what="Status")
    top = child(status, SAMLP_STATUS_CODE, required=True, what="StatusCode")
    code = top.get("Value")
    if not code:
        raise _reject("StatusCode has no Value", "status_malformed")
    sub = child(top, SAMLP_STATUS_CODE, what="second-level StatusCode")
    message_el = child(status, SAMLP_STATUS_MESSAGE, what="StatusMessage")
    message = element_text(message_el).strip()[:500] if message_el is not None else None
    return Status(code, sub.get("Value") if sub is not None else None, message or None)


def _outside_advice(assertion: etree._Element, top: etree._Element) -> bool:
    """True unless ``assertion`` is ``top`` or lies inside ``top``'s own Advice."""
    if assertion is top:
        return False
    node = assertion.getparent()
    while node is not None and node is not top:
        if node.tag == SAML_ADVICE and node.getparent() is top:
            return False
        node = node.getparent()
    return True


def verify_message(
    doc: ParsedDocument,
    *,
    binding: Binding,
    broker_entity_id: str,
    trust: TrustSet,
    artifact_resolve_id: str | None = None,
    require_response_signature: bool = False,
) -> VerifiedMessage:
    """Establish who sent the message and which elements are covered, or raise.

    ``require_response_signature`` only matters for the artifact binding: with
    POST the Response signature is always required, since nothing else
    authenticates it.
    """
    element = message_element(doc)
    artifact: ArtifactResponseMessage | None = None
    if binding == "artifact":
        if element.tag != SAMLP_ARTIFACT_RESPONSE:
            raise _reject(
                f"expected an ArtifactResponse, got {etree.QName(element).localname}", "message_type_unexpected"
            )
        if artifact_resolve_id is None:
            raise ValueError(
                "artifact_resolve_id is required for the artifact binding: it is the ID of our ArtifactResolve"
            )
        artifact = parse_artifact_response(element, doc, trust)  # verifies the signature first
        _require_issuer(element, broker_entity_id, "ArtifactResponse")
        if artifact.in_response_to != artifact_resolve_id:
            raise _reject("the ArtifactResponse does not answer our ArtifactResolve", "artifact_response_mismatch")
        response = artifact.message
        if response is None:
            raise _reject("the ArtifactResponse carries no message", "artifact_response_empty")
        if response.tag != SAMLP_RESPONSE:
            raise _reject(
                f"the ArtifactResponse carries a {etree.QName(response).localname}, not a Response",
                "message_type_unexpected",
            )
        if response.getparent() is not element:  # position of what the ArtifactResponse signature covers
            raise _reject("the Response is not a direct child of the ArtifactResponse", "assertion_wrapping")
    elif binding == "post":
        if element is not doc.root or element.tag != SAMLP_RESPONSE:
            raise _reject(f"expected a Response, got {etree.QName(element).localname}", "message_type_unexpected")
        response = element
    else:  # pragma: no cover - guarded by the type
        raise ValueError(f"unknown binding {binding!r}")

    if response.get("Version") != "2.0":
        raise _reject("Response Version must be 2.0", "version_unsupported")
    response_signature = None
    if find_signature(response) is not None:
        response_signature = _verify(response, trust, "Response", doc.namespace_declarations)
    elif binding == "post" or require_response_signature:
        raise _reject("the Response is not signed", "signature_missing")
    _require_issuer(response, broker_entity_id, "Response")
    if child(response, SAMLP_EXTENSIONS) is not None:
        raise _reject("the Response carries Extensions, which the profile forbids", "response_extensions")
    response_id = response.get("ID")
    if not response_id:
        raise _reject("the Response has no ID", "response_malformed")
    response_instant = _instant(response, "IssueInstant", "Response")
    status = read_status(response)

    top = [k for k in children(response) if k.tag == SAML_ASSERTION]
    if any(k.tag == SAML_ENCRYPTED_ASSERTION for k in children(response)):
        raise _reject("EncryptedAssertion is not used in eHerkenning and is refused", "encrypted_assertion_unsupported")
    assertion = None
    assertion_signature = None
    assertion_id = None
    assertion_instant = None
    if status.success:
        if len(top) != 1:
            raise _reject(f"the Response must hold exactly one Assertion, it holds {len(top)}", "assertion_count")
        assertion = top[0]
        # Every other Assertion in the document must sit inside this one's Advice.
        for other in doc.root.iter(SAML_ASSERTION):
            if _outside_advice(other, assertion):
                raise _reject("an Assertion appears outside the signed assertion's Advice", "assertion_wrapping")
        if find_signature(assertion) is None:
            raise _reject("the Assertion is not signed", "signature_missing")
        assertion_signature = _verify(assertion, trust, "Assertion", doc.namespace_declarations)
        if assertion.getparent() is not response:
            raise _reject("the signed Assertion is not a direct child of the Response", "assertion_wrapping")
        _require_issuer(assertion, broker_entity_id, "Assertion")
        if assertion.get("Version") != "2.0":
            raise _reject("Assertion Version must be 2.0", "version_unsupported")
        assertion_id = assertion.get("ID")
        assertion_instant = _instant(assertion, "IssueInstant", "Assertion")
    return VerifiedMessage(
        binding=binding,
        response=response,
        assertion=assertion,
        status=status,
        response_id=response_id,
        in_response_to=response.get("InResponseTo"),
        response_issue_instant=response_instant,
        assertion_id=assertion_id,
        assertion_issue_instant=assertion_instant,
        artifact_response=artifact,
        response_signature=response_signature,
        assertion_signature=assertion_signature,
    )


# ------------------------------------------------------------------ step 2: reading


@dataclass(frozen=True)
class NameID:
    value: str
    format: str | None
    name_qualifier: str | None
    sp_name_qualifier: str | None = None


@dataclass(frozen=True)
class AttributeValue:
    """One AttributeValue. ``kind`` says which of the fields holds it."""

    kind: Literal["text", "nameid", "encrypted"]
    text: str | None = None
    name_id: NameID | None = None
    element: etree._Element | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Attribute:
    name: str
    name_format: str | None
    values: tuple[AttributeValue, ...]


@dataclass(frozen=True)
class SubjectConfirmation:
    method: str
    recipient: str | None
    in_response_to: str | None
    not_on_or_after: datetime | None
    not_before: datetime | None


@dataclass(frozen=True)
class Conditions:
    not_before: datetime | None
    not_on_or_after: datetime | None
    audience_restrictions: tuple[tuple[str, ...], ...]
    one_time_use: bool
    unsupported: tuple[str, ...]


@dataclass(frozen=True)
class AuthnInfo:
    authn_instant: datetime
    session_index: str | None
    session_not_on_or_after: datetime | None
    class_ref: str | None
    authenticating_authorities: tuple[str, ...]


@dataclass(frozen=True)
class AdviceAssertion:
    """The Issuer of an assertion the HM passed along in Advice. Informational only."""

    issuer: str | None
    is_authorization_decision: bool


@dataclass(frozen=True)
class AssertionContent:
    id: str
    issuer: str
    issue_instant: datetime
    subject_name_id: NameID | None
    confirmations: tuple[SubjectConfirmation, ...]
    conditions: Conditions | None
    authn: AuthnInfo
    attributes: tuple[Attribute, ...]
    encrypted_id_count: int
    advice: tuple[AdviceAssertion, ...]


@dataclass(frozen=True)
class ResponseContent:
    id: str
    in_response_to: str | None
    destination: str | None
    issue_instant: datetime
    status: Status


def read_response(verified: VerifiedMessage) -> ResponseContent:
    r = verified.response
    return ResponseContent(
        id=verified.response_id,
        in_response_to=verified.in_response_to,
        destination=r.get("Destination"),
        issue_instant=verified.response_issue_instant,
        status=verified.status,
    )


def read_name_id(el: etree._Element) -> NameID:
    """A NameID's value is all its text, comments ignored (``1234<!---->5`` is ``12345``);
    child elements are refused. No whitespace trimming: identifiers compare exactly."""
    try:
        value = element_text(el)
    except EhkitError:
        raise _reject("NameID must hold only text", "nameid_invalid") from None
    return NameID(value, el.get("Format"), el.get("NameQualifier"), el.get("SPNameQualifier"))


def _optional_instant(el: etree._Element, attr: str, what: str) -> datetime | None:
    value = el.get(attr)
    return None if value is None else parse_instant(value, f"{what} {attr}")


def _subject(assertion: etree._Element) -> tuple[NameID | None, tuple[SubjectConfirmation, ...]]:
    subject = child(assertion, SAML_SUBJECT, required=True, what="Subject")
    name_id = None
    nid = child(subject, SAML_NAMEID, what="Subject NameID")
    if nid is not None:
        name_id = read_name_id(nid)
    confirmations = []
    for sc in children(subject):
        if sc.tag != SAML_SUBJECT_CONFIRMATION:
            continue
        data = child(sc, SAML_SUBJECT_CONFIRMATION_DATA, what="SubjectConfirmationData")
        confirmations.append(
            SubjectConfirmation(
                method=sc.get("Method", ""),
                recipient=data.get("Recipient") if data is not None else None,
                in_response_to=data.get("InResponseTo") if data is not None else None,
                not_on_or_after=_optional_instant(data, "NotOnOrAfter", "SubjectConfirmationData")
                if data is not None
                else None,
                not_before=_optional_instant(data, "NotBefore", "SubjectConfirmationData")
                if data is not None
                else None,
            )
        )
    return name_id, tuple(confirmations)


def _conditions(assertion: etree._Element) -> Conditions | None:
    cond = child(assertion, SAML_CONDITIONS, what="Conditions")
    if cond is None:
        return None
    restrictions: list[tuple[str, ...]] = []
    one_time = False
    unsupported: list[str] = []
    for k in children(cond):
        if k.tag == SAML_AUDIENCE_RESTRICTION:
            audiences = []
            for a in children(k):
                if a.tag != SAML_AUDIENCE:
                    raise _reject("AudienceRestriction holds something other than Audience", "conditions_malformed")
                audiences.append(element_text(a).strip())
            restrictions.append(tuple(audiences))
        elif k.tag == SAML_ONE_TIME_USE:
            one_time = True  # we enforce one-time use anyway (replay cache)
        else:
            unsupported.append(k.get(XSI_TYPE) or etree.QName(k).localname)
    return Conditions(
        not_before=_optional_instant(cond, "NotBefore", "Conditions"),
        not_on_or_after=_optional_instant(cond, "NotOnOrAfter", "Conditions"),
        audience_restrictions=tuple(restrictions),
        one_time_use=one_time,
        unsupported=tuple(unsupported),
    )


def _authn(assertion: etree._Element) -> AuthnInfo:
    statements = [k for k in children(assertion) if k.tag == SAML_AUTHN_STATEMENT]
    if len(statements) != 1:
        raise _reject(
            f"the Assertion must hold exactly one AuthnStatement, it holds {len(statements)}", "statement_invalid"
        )
    st = statements[0]
    ctx = child(st, SAML_AUTHN_CONTEXT, required=True, what="AuthnContext")
    ref = child(ctx, SAML_AUTHN_CONTEXT_CLASS_REF, what="AuthnContextClassRef")
    authorities = tuple(element_text(a).strip() for a in children(ctx) if a.tag == SAML_AUTHENTICATING_AUTHORITY)
    return AuthnInfo(
        authn_instant=_instant(st, "AuthnInstant", "AuthnStatement"),
        session_index=st.get("SessionIndex"),
        session_not_on_or_after=_optional_instant(st, "SessionNotOnOrAfter", "AuthnStatement"),
        class_ref=element_text(ref).strip() if ref is not None else None,
        authenticating_authorities=authorities,
    )


def _attribute_value(v: etree._Element) -> AttributeValue:
    kids = children(v)
    if not kids:
        return AttributeValue("text", text=element_text(v), element=v)
    if len(kids) != 1:
        raise _reject("an AttributeValue holds more than one element", "attribute_value_invalid")
    k = kids[0]
    if k.tag == SAML_NAMEID:
        return AttributeValue("nameid", name_id=read_name_id(k), element=k)
    if k.tag == SAML_ENCRYPTED_ID:
        return AttributeValue("encrypted", element=k)
    raise _reject(
        f"an AttributeValue holds an unexpected {etree.QName(k).localname} element", "attribute_value_invalid"
    )


def _attributes(assertion: etree._Element) -> tuple[tuple[Attribute, ...], int]:
    statements = [k for k in children(assertion) if k.tag == SAML_ATTRIBUTE_STATEMENT]
    if len(statements) != 1:
        raise _reject(
            f"the Assertion must hold exactly one AttributeStatement, it holds {len(statements)}", "statement_invalid"
        )
    attributes = []
    encrypted = 0
    for a in children(statements[0]):
        if a.tag == SAML_ENCRYPTED_ATTRIBUTE:
            raise _reject("EncryptedAttribute is not supported", "encrypted_attribute_unsupported")
        if a.tag != SAML_ATTRIBUTE:
            raise _reject("unexpected element in AttributeStatement", "statement_invalid")
        name = a.get("Name")
        if not name:
            raise _reject("an Attribute has no Name", "attribute_value_invalid")
        values = []
        for v in children(a):
            if v.tag != SAML_ATTRIBUTE_VALUE:
                raise _reject("unexpected element in Attribute", "attribute_value_invalid")
            value = _attribute_value(v)
            if value.kind == "encrypted":
                encrypted += 1
            values.append(value)
        attributes.append(Attribute(name, a.get("NameFormat"), tuple(values)))
    return tuple(attributes), encrypted


_ALLOWED_STATEMENTS = frozenset(
    {
        SAML_ISSUER,
        DS_SIGNATURE,
        SAML_SUBJECT,
        SAML_CONDITIONS,
        SAML_ADVICE,
        SAML_AUTHN_STATEMENT,
        SAML_ATTRIBUTE_STATEMENT,
    }
)


def _advice(assertion: etree._Element) -> tuple[AdviceAssertion, ...]:
    adv = child(assertion, SAML_ADVICE, what="Advice")
    if adv is None:
        return ()
    out = []
    for a in children(adv):
        if a.tag != SAML_ASSERTION:
            continue
        iss = child(a, SAML_ISSUER)
        is_decision = any(
            k.tag == q(SAML, "Statement") and (k.get(XSI_TYPE) or "").endswith(c.XACML_STATEMENT_TYPE)
            for k in children(a)
        )
        out.append(AdviceAssertion(element_text(iss).strip() if iss is not None else None, is_decision))
    return tuple(out)


def read_assertion(verified: VerifiedMessage) -> AssertionContent:
    """The verified assertion as values. Identity-bearing parts come only from
    its own Subject, Conditions, AuthnStatement and AttributeStatement."""
    a = verified.assertion
    if a is None or verified.assertion_id is None or verified.assertion_issue_instant is None:
        raise _reject("the Response holds no assertion", "assertion_count")
    for k in children(a):
        if k.tag not in _ALLOWED_STATEMENTS:
            raise _reject(f"the Assertion holds an unsupported {etree.QName(k).localname} element", "statement_invalid")
    name_id, confirmations = _subject(a)
    attributes, encrypted = _attributes(a)
    issuer = issuer_of(a)
    if issuer is None:  # verify_message refuses this already; a VerifiedMessage built by hand may not
        raise _reject("the Assertion has no Issuer", "issuer_missing")
    return AssertionContent(
        id=verified.assertion_id,
        issuer=issuer,
        issue_instant=verified.assertion_issue_instant,
        subject_name_id=name_id,
        confirmations=confirmations,
        conditions=_conditions(a),
        authn=_authn(a),
        attributes=attributes,
        encrypted_id_count=encrypted,
        advice=_advice(a),
    )
