"""The AD's assertion, carried in the HM assertion's Advice.

Shaped after the real 2023 message: issued a few seconds before the HM's,
audiences HM + DV + MR, an AuthnStatement with the level the means delivered
and the AD's OIN as AuthenticatingAuthority, and attributes Representation,
ServiceUUID, AuthorizationRegistryID and the acting person encrypted for the
MR (only the MR may read the AD's internal pseudonym). Signed by the AD's own
key, without InclusiveNamespaces, as the AD in that message signs.
"""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from ehkit.broker.grant import Grant
from ehkit.broker.messages.context import BuildContext
from ehkit.broker.messages.identifiers import Reader, add_identifier
from ehkit.broker.messages.xmltext import SAML, XS, XSI, el, normalize, serialize
from ehkit.domain.identifiers import EntityID
from ehkit.domain.urns import ACTING_SUBJECT_ID, AUTHORIZATION_REGISTRY_ID, REPRESENTATION, SERVICE_UUID, IdentifierType
from ehkit.saml import constants as c
from ehkit.saml.ids import new_id
from ehkit.saml.timefmt import format_instant
from ehkit.xml.signature import sign_element

_NSMAP = {"saml": SAML, "xs": XS}


def _typed_value(attribute: etree._Element, value: str, xs_type: str) -> None:
    av = el(attribute, SAML, "AttributeValue", value, nsmap={"xsi": XSI})
    av.set("{%s}type" % XSI, xs_type)


def build_ad_assertion(grant: Grant, ctx: BuildContext, *, ad_request_id: str, hm_acs: str) -> tuple[bytes, str, str]:
    """Returns (signed assertion XML, its ID, its SignatureValue for LinkedDeclarationSignatureValue)."""
    net = ctx.network
    issued = ctx.now - timedelta(seconds=8)
    assertion_id = new_id()
    root = el(
        None, SAML, "Assertion", nsmap=_NSMAP, ID=assertion_id, IssueInstant=format_instant(issued), Version="2.0"
    )
    el(root, SAML, "Issuer", grant.ad.entity_id)
    subject = el(root, SAML, "Subject")
    el(subject, SAML, "NameID", new_id()[1:33], Format=c.NAMEID_TRANSIENT)
    confirmation = el(subject, SAML, "SubjectConfirmation", Method=c.CM_BEARER)
    el(
        confirmation,
        SAML,
        "SubjectConfirmationData",
        InResponseTo=ad_request_id,
        NotOnOrAfter=format_instant(issued + timedelta(minutes=10)),
        Recipient=hm_acs,
    )
    conditions = el(
        root,
        SAML,
        "Conditions",
        NotBefore=format_instant(issued - timedelta(minutes=10)),
        NotOnOrAfter=format_instant(issued + timedelta(minutes=10)),
    )
    restriction = el(conditions, SAML, "AudienceRestriction")
    for audience in (net.hm_entity_id, grant.dv.entity_id, net.mr_entity_id):
        el(restriction, SAML, "Audience", audience)
    authn = el(root, SAML, "AuthnStatement", AuthnInstant=format_instant(issued - timedelta(seconds=1)))
    context = el(authn, SAML, "AuthnContext")
    el(context, SAML, "AuthnContextClassRef", ctx.tamper.loa_urn or grant.loa_used.urn)
    el(context, SAML, "AuthenticatingAuthority", str(EntityID(grant.ad.entity_id).oin))
    statement = el(root, SAML, "AttributeStatement")
    _typed_value(
        el(statement, SAML, "Attribute", Name=REPRESENTATION), "true" if grant.representation else "false", "xs:boolean"
    )
    _typed_value(el(statement, SAML, "Attribute", Name=SERVICE_UUID), grant.service.uuid, "xs:string")
    _typed_value(el(statement, SAML, "Attribute", Name=AUTHORIZATION_REGISTRY_ID), net.mr_entity_id, "xs:string")
    acting = el(el(statement, SAML, "Attribute", Name=ACTING_SUBJECT_ID), SAML, "AttributeValue")
    mr_key = net.keys.mr
    add_identifier(
        acting,
        IdentifierType.PSEUDO.urn,
        grant.ad_pseudonym,
        [Reader(net.mr_entity_id, mr_key.public_key, mr_key.key_name_sha1)],
        prefix="saml",
        encrypt=True,
    )
    ad_key = net.ad_key(grant.ad.id)
    root = normalize(root)
    signature = sign_element(root, ad_key.private_key, key_name=ad_key.key_name_sha1)
    signature_value = "".join(signature.findtext("{http://www.w3.org/2000/09/xmldsig#}SignatureValue") or "")
    return serialize(root), assertion_id, signature_value
