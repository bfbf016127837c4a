"""The MR's assertion: an XACML authorisation decision, carried in the HM assertion's Advice.

Its Statement is ``xacml-saml:XACMLAuthzDecisionStatementType`` holding the
XACML Response (Decision Permit) and the Request it decided: Subject
(ActingEntityID, ActingSubjectID, LinkedDeclarationSignatureValue,
LegalSubjectID), Resource (ServiceID, ServiceUUID, LevelOfAssurance as
requested, restrictions, the KvK number, LevelOfAssuranceUsed) and Action
Authenticate, in the order of the 2023 message. The MR encrypts the
identifiers for the DV and signs with its own key; the ``xacml-saml`` prefix
used only inside xsi:type is declared on the assertion and named in
InclusiveNamespaces, so the signature does not depend on where it is embedded.
"""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from ehkit.broker.grant import Grant
from ehkit.broker.messages.context import BuildContext
from ehkit.broker.messages.identifiers import Reader, add_identifier
from ehkit.broker.messages.xmltext import MR_INCLUSIVE, SAML, XACML_CONTEXT, XACML_SAML, XSI, el, normalize, serialize
from ehkit.domain.urns import (
    ACTING_ENTITY_ID,
    ACTING_SUBJECT_ID,
    LEGAL_SUBJECT_ID,
    LEVEL_OF_ASSURANCE,
    LEVEL_OF_ASSURANCE_USED,
    LINKED_DECLARATION_SIGNATURE_VALUE,
    SERVICE_ID,
    SERVICE_UUID,
    VESTIGINGSNR,
    IdentifierType,
)
from ehkit.saml import constants as c
from ehkit.saml.ids import new_id
from ehkit.saml.timefmt import format_instant
from ehkit.xml.signature import sign_element

XS_STRING = "http://www.w3.org/2001/XMLSchema#string"
XS_BASE64 = "http://www.w3.org/2001/XMLSchema#base64Binary"
ENCRYPTED_ID_TYPE = "urn:oasis:names:tc:SAML:2.0:assertion#EncryptedID"
ACTION_ID = "urn:oasis:names:tc:xacml:1.0:action:action-id"
ACCESS_SUBJECT = "urn:oasis:names:tc:xacml:1.0:subject-category:access-subject"
XACML_OK = "urn:oasis:names:tc:xacml:1.0:status:ok"

_NSMAP = {"saml2": SAML, "xacml-saml": XACML_SAML}


def dv_readers(grant: Grant) -> list[Reader]:
    """One EncryptedKey per DV encryption certificate (two during a rollover)."""
    return [
        Reader(grant.dv.entity_id, target.certificate.public_key(), target.key_name)  # type: ignore[arg-type]
        for target in grant.dv.encryption_for(grant.service)
    ]


def _attribute(parent: etree._Element, attribute_id: str, data_type: str, issuer: str | None) -> etree._Element:
    return el(parent, XACML_CONTEXT, "Attribute", AttributeId=attribute_id, DataType=data_type, Issuer=issuer)


def _string(parent: etree._Element, attribute_id: str, value: str, issuer: str | None) -> None:
    el(_attribute(parent, attribute_id, XS_STRING, issuer), XACML_CONTEXT, "AttributeValue", value)


def build_mr_assertion(grant: Grant, ctx: BuildContext, *, ad_assertion_id: str, ad_signature_value: str) -> bytes:
    """The signed MR assertion as XML text."""
    net = ctx.network
    mr = net.mr_entity_id
    issued = ctx.now - timedelta(seconds=2)
    root = el(None, SAML, "Assertion", nsmap=_NSMAP, ID=new_id(), IssueInstant=format_instant(issued), Version="2.0")
    el(root, SAML, "Issuer", mr)
    subject = el(root, SAML, "Subject")
    el(subject, SAML, "NameID", new_id()[1:41], Format=c.NAMEID_TRANSIENT, NameQualifier=mr)
    el(
        root,
        SAML,
        "Conditions",
        NotBefore=format_instant(issued),
        NotOnOrAfter=format_instant(issued + timedelta(minutes=2)),
    )
    el(el(root, SAML, "Advice"), SAML, "AssertionIDRef", ad_assertion_id)
    statement = el(root, SAML, "Statement", nsmap={"xsi": XSI})
    statement.set("{%s}type" % XSI, "xacml-saml:XACMLAuthzDecisionStatementType")

    response = el(statement, XACML_CONTEXT, "Response", nsmap={"xacml-context": XACML_CONTEXT})
    result = el(response, XACML_CONTEXT, "Result")
    el(result, XACML_CONTEXT, "Decision", "Permit")
    el(el(result, XACML_CONTEXT, "Status"), XACML_CONTEXT, "StatusCode", Value=XACML_OK)

    request = el(statement, XACML_CONTEXT, "Request", nsmap={"xacml-context": XACML_CONTEXT})
    subj = el(request, XACML_CONTEXT, "Subject", SubjectCategory=ACCESS_SUBJECT)
    _string(subj, ACTING_ENTITY_ID, grant.acting_pseudonym, mr)
    readers = dv_readers(grant)
    encrypt = not ctx.tamper.plaintext_identifiers
    acting = _attribute(subj, ACTING_SUBJECT_ID, ENCRYPTED_ID_TYPE, mr)
    add_identifier(
        el(acting, XACML_CONTEXT, "AttributeValue"),
        IdentifierType.PSEUDO.urn,
        grant.acting_pseudonym,
        readers,
        encrypt=encrypt,
    )
    linked = _attribute(subj, LINKED_DECLARATION_SIGNATURE_VALUE, XS_BASE64, mr)
    el(linked, XACML_CONTEXT, "AttributeValue", ad_signature_value)
    legal = _attribute(subj, LEGAL_SUBJECT_ID, ENCRYPTED_ID_TYPE, mr)
    add_identifier(
        el(legal, XACML_CONTEXT, "AttributeValue"),
        grant.primary.kind.urn,
        grant.primary.value,
        readers,
        encrypt=encrypt,
    )

    resource = el(request, XACML_CONTEXT, "Resource")
    _string(resource, SERVICE_ID, ctx.tamper.service_id or grant.service.service_id, None)
    _string(resource, SERVICE_UUID, grant.service.uuid, None)
    _string(resource, LEVEL_OF_ASSURANCE, (grant.requested_loa or grant.service.loa).urn, None)
    if grant.vestiging:
        _string(resource, VESTIGINGSNR, grant.vestiging, mr)
    kvk = grant.kvk()
    if kvk:
        _string(resource, IdentifierType.KVK.urn, kvk, mr)
    _string(resource, LEVEL_OF_ASSURANCE_USED, ctx.tamper.loa_urn or grant.loa_used.urn, mr)

    action = el(request, XACML_CONTEXT, "Action")
    _string(action, ACTION_ID, "Authenticate", None)
    el(request, XACML_CONTEXT, "Environment")

    key = net.keys.mr
    root = normalize(root)
    sign_element(root, key.private_key, key_name=key.key_name_sha1, inclusive_prefixes=MR_INCLUSIVE)
    return serialize(root)
