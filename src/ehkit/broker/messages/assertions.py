"""The HM's assertion, the Response around it, and the failure Responses.

Shape and prefixes follow the real 2023 message (``saml2``/``saml2p``,
InclusiveNamespaces "xacml-saml xs xsd"): Subject with a transient NameID
qualified by the AD, bearer confirmation to the ACS, a short Conditions
window with the DV as audience, the AD and MR assertions in Advice, an
AttributeStatement with the identifiers encrypted for the DV, and the
AuthnStatement naming the level used and the AD.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from lxml import etree

from ehkit.broker.grant import Grant, LegalIdentifier
from ehkit.broker.messages.context import BuildContext
from ehkit.broker.messages.identifiers import add_identifier
from ehkit.broker.messages.xacml import dv_readers
from ehkit.broker.messages.xmltext import (
    HM_INCLUSIVE,
    NS_HM,
    SAML,
    SAMLP,
    XSI,
    el,
    normalize,
    placeholder,
    serialize,
    splice,
)
from ehkit.domain.urns import (
    ACTING_SUBJECT_ID,
    INTERMEDIATE_COMPANY_NAME,
    INTERMEDIATE_KVK,
    LEGAL_SUBJECT_ID,
    SERVICE_ID,
    SERVICE_UUID,
    VESTIGINGSNR,
    IdentifierType,
)
from ehkit.pki import KeyPair
from ehkit.saml import constants as c
from ehkit.saml.ids import new_id
from ehkit.saml.timefmt import format_instant
from ehkit.xml.signature import sign_element

_ASSERTION_NSMAP = {"saml2": SAML, "xacml-saml": NS_HM["xacml-saml"], "xs": NS_HM["xs"], "xsd": NS_HM["xsd"]}
_PROTOCOL_NSMAP = {"saml2p": SAMLP, "xacml-saml": NS_HM["xacml-saml"], "xs": NS_HM["xs"], "xsd": NS_HM["xsd"]}
#: The party an "evil" wrapped assertion claims: a KvK number no test company has.
EVIL_KVK = "99999998"


def _string_attribute(statement: etree._Element, name: str, value: str) -> None:
    attribute = el(statement, SAML, "Attribute", Name=name)
    av = el(attribute, SAML, "AttributeValue", value, nsmap={"xsi": XSI})
    av.set("{%s}type" % XSI, "xsd:string")


def _identifier_attribute(
    statement: etree._Element, name: str, ident: LegalIdentifier, grant: Grant, encrypt: bool
) -> None:
    value = el(el(statement, SAML, "Attribute", Name=name), SAML, "AttributeValue")
    add_identifier(value, ident.kind.urn, ident.value, dv_readers(grant), encrypt=encrypt)


def _issuer(parent: etree._Element, entity_id: str) -> None:
    # As in the 2023 message: the protocol message's Issuer declares saml2 itself.
    el(parent, SAML, "Issuer", entity_id, nsmap={"saml2": SAML})


def build_hm_assertion(
    grant: Grant,
    ctx: BuildContext,
    *,
    advice: list[bytes],
    sign_with: KeyPair | None,
    assertion_id: str | None = None,
) -> tuple[bytes, str]:
    """The HM assertion as XML text (signed when ``sign_with`` is given) and its ID."""
    net, tamper = ctx.network, ctx.tamper
    issued = ctx.now
    window = ctx.now + tamper.validity_shift
    assertion_id = assertion_id or new_id()
    irt = tamper.confirmation_in_response_to or grant.in_response_to
    root = el(
        None,
        SAML,
        "Assertion",
        nsmap=_ASSERTION_NSMAP,
        ID=assertion_id,
        IssueInstant=format_instant(issued),
        Version="2.0",
    )
    el(root, SAML, "Issuer", net.hm_entity_id)
    subject = el(root, SAML, "Subject")
    name_id = grant.name_id or str(uuid.uuid4())
    el(subject, SAML, "NameID", name_id, Format=c.NAMEID_TRANSIENT, NameQualifier=grant.ad.entity_id)
    confirmation = el(subject, SAML, "SubjectConfirmation", Method=c.CM_BEARER)
    not_on_or_after = format_instant(window + ctx.assertion_lifetime)
    el(
        confirmation,
        SAML,
        "SubjectConfirmationData",
        InResponseTo=irt,
        NotOnOrAfter=not_on_or_after,
        Recipient=tamper.recipient or grant.acs_url,
    )
    conditions = el(
        root, SAML, "Conditions", NotBefore=format_instant(window - timedelta(seconds=5)), NotOnOrAfter=not_on_or_after
    )
    el(el(conditions, SAML, "AudienceRestriction"), SAML, "Audience", tamper.audience or grant.dv.entity_id)
    advice_el = el(root, SAML, "Advice")
    for i in range(len(advice)):
        placeholder(advice_el, f"advice{i}")

    encrypt = not tamper.plaintext_identifiers
    statement = el(root, SAML, "AttributeStatement")
    acting = el(el(statement, SAML, "Attribute", Name=ACTING_SUBJECT_ID), SAML, "AttributeValue")
    add_identifier(acting, IdentifierType.PSEUDO.urn, grant.acting_pseudonym, dv_readers(grant), encrypt=encrypt)
    _identifier_attribute(statement, LEGAL_SUBJECT_ID, grant.primary, grant, encrypt)
    # Further identifiers of the same party (RSIN next to KvK) travel as plain attributes named
    # by their type, as the 2020 broker sent its KvKnr.
    for extra in grant.identifiers[1:]:
        _string_attribute(statement, extra.kind.urn, extra.value)
    if grant.vestiging:
        _string_attribute(statement, VESTIGINGSNR, grant.vestiging)
    _string_attribute(statement, SERVICE_ID, tamper.service_id or grant.service.service_id)
    _string_attribute(statement, SERVICE_UUID, tamper.service_uuid or grant.service.uuid)
    if grant.intermediary is not None:
        # The intermediary is identified by KvK number, encrypted like every identifier.
        kvk = LegalIdentifier(IdentifierType.KVK, str(grant.intermediary.kvk))
        _identifier_attribute(statement, INTERMEDIATE_KVK, kvk, grant, encrypt)
        _string_attribute(statement, INTERMEDIATE_COMPANY_NAME, grant.intermediary.name)
    for name, value in grant.attributes:
        _string_attribute(statement, name, value)

    authn = el(
        root,
        SAML,
        "AuthnStatement",
        AuthnInstant=format_instant(grant.authn_instant or issued),
        SessionIndex=grant.session_index or str(uuid.uuid4()),
    )
    context = el(authn, SAML, "AuthnContext")
    el(context, SAML, "AuthnContextClassRef", tamper.loa_urn or grant.loa_used.urn)
    el(context, SAML, "AuthenticatingAuthority", grant.ad.entity_id)

    assembled = (
        splice(root, {f"advice{i}": fragment for i, fragment in enumerate(advice)}) if advice else normalize(root)
    )
    if sign_with is not None:
        sign_element(assembled, sign_with.private_key, key_name=sign_with.key_name, inclusive_prefixes=HM_INCLUSIVE)
    return serialize(assembled), assertion_id


def evil_twin(grant: Grant) -> Grant:
    """The grant an attacker would like the DV to read: another company, another person."""
    return replace(
        grant,
        identifiers=(LegalIdentifier(IdentifierType.KVK, EVIL_KVK),),
        acting_pseudonym="e" * 64 + "@" + "e" * 32,
        vestiging=None,
        intermediary=None,
    )


def build_response(
    grant: Grant,
    ctx: BuildContext,
    *,
    assertions: list[bytes],
    response_id: str | None = None,
) -> bytes:
    """A signed success Response carrying ``assertions`` (normally exactly one)."""
    tamper = ctx.tamper
    root = _response_root(
        ctx,
        destination=tamper.destination or grant.acs_url,
        in_response_to=grant.in_response_to,
        response_id=response_id,
    )
    status = el(root, SAMLP, "Status")
    el(status, SAMLP, "StatusCode", Value=c.STATUS_SUCCESS)
    for i in range(len(assertions)):
        placeholder(root, f"assertion{i}")
    assembled = splice(root, {f"assertion{i}": a for i, a in enumerate(assertions)})
    if tamper.sign_response:
        hm = ctx.network.keys.hm
        sign_element(assembled, hm.private_key, key_name=hm.key_name, inclusive_prefixes=HM_INCLUSIVE)
    return serialize(assembled)


def build_status_response(
    ctx: BuildContext,
    *,
    destination: str,
    in_response_to: str | None,
    top: str,
    second: str | None,
    message: str | None,
) -> bytes:
    """A signed failure Response (cancel, refused request): status only, no assertion."""
    root = _response_root(ctx, destination=destination, in_response_to=in_response_to, response_id=None)
    status = el(root, SAMLP, "Status")
    code = el(status, SAMLP, "StatusCode", Value=top)
    if second:
        el(code, SAMLP, "StatusCode", Value=second)
    if message:
        el(status, SAMLP, "StatusMessage", message)
    hm = ctx.network.keys.hm
    sign_element(root, hm.private_key, key_name=hm.key_name, inclusive_prefixes=HM_INCLUSIVE)
    return serialize(root)


def _response_root(
    ctx: BuildContext, *, destination: str, in_response_to: str | None, response_id: str | None
) -> etree._Element:
    root = el(
        None,
        SAMLP,
        "Response",
        nsmap=_PROTOCOL_NSMAP,
        Destination=destination,
        ID=response_id or new_id(),
        InResponseTo=in_response_to,
        IssueInstant=format_instant(ctx.now),
        Version="2.0",
    )
    _issuer(root, ctx.network.hm_entity_id)
    return root


def build_artifact_response(ctx: BuildContext, *, in_response_to: str, message: bytes | None) -> bytes:
    """The signed ArtifactResponse (Status always Success) carrying the Response text, or nothing
    when the artifact is unknown, expired or already used (SAML core 3.5.3)."""
    root = el(
        None,
        SAMLP,
        "ArtifactResponse",
        nsmap=_PROTOCOL_NSMAP,
        ID=new_id(),
        InResponseTo=in_response_to,
        IssueInstant=format_instant(ctx.now),
        Version="2.0",
    )
    _issuer(root, ctx.network.hm_entity_id)
    el(el(root, SAMLP, "Status"), SAMLP, "StatusCode", Value=c.STATUS_SUCCESS)
    if message is not None:
        placeholder(root, "message")
        root = splice(root, {"message": message})
    hm = ctx.network.keys.hm
    sign_element(root, hm.private_key, key_name=hm.key_name, inclusive_prefixes=HM_INCLUSIVE)
    return serialize(root)
