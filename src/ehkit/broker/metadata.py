"""The simulator's own (HM) metadata, shaped like a real broker's 1.13 pre-production metadata.

A DV configures the simulator exactly as it would configure a broker: it
downloads this document, pins the signing certificate, and reads endpoints
and keys from it. So it carries what the real one carries: the etoegang
version attribute, the assurance-certification entity attribute,
WantAuthnRequestsSigned, KeyDescriptors with a SHA-256 KeyName and the
certificate, the SOAP ArtifactResolutionService, SingleLogoutService for
Redirect and POST, SSO for Artifact, POST and Redirect, and the NameIDFormat
list of identifier types.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from lxml import etree

from ehkit.broker.settings import INTERFACE_VERSION, BrokerSettings
from ehkit.domain.urns import METADATA_EXTENSION
from ehkit.pki import KeyPair
from ehkit.saml import constants as c
from ehkit.saml.timefmt import format_instant
from ehkit.xml.ns import DS, MD, SAML, XML, q
from ehkit.xml.signature import sign_element

MDATTR = "urn:oasis:names:tc:SAML:metadata:attribute"
ASSURANCE_CERTIFICATION = "urn:oasis:names:tc:SAML:attribute:assurance-certification"
CACHE_DURATION = "P1D"
VALIDITY = timedelta(days=7)

#: As listed by the real 1.13 broker metadata, plus the 1.13 pseudonym URN that responses use.
NAME_ID_FORMATS = (
    "urn:etoegang:1.9:EntityConcernedID:KvKnr",
    "urn:etoegang:1.9:EntityConcernedID:Pseudo",
    "urn:etoegang:1.13:EntityConcernedID:Pseudo",
    "urn:etoegang:1.9:EntityConcernedID:RSIN",
    "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier",
    "urn:etoegang:1.12:EntityConcernedID:BSN",
    "urn:etoegang:1.12:EntityConcernedID:PseudoID",
)


def _md(parent: etree._Element | None, local: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = (
        etree.Element(q(MD, local), nsmap={"md": MD, "ds": DS, "esd": METADATA_EXTENSION})
        if parent is None
        else etree.SubElement(parent, q(MD, local))
    )
    for key, value in attrs.items():
        node.set(key, value)
    if text is not None:
        node.text = text
    return node


def _key_descriptor(parent: etree._Element, pair: KeyPair, use: str) -> None:
    kd = _md(parent, "KeyDescriptor", use=use)
    ki = etree.SubElement(kd, q(DS, "KeyInfo"))
    etree.SubElement(ki, q(DS, "KeyName")).text = pair.key_name
    xd = etree.SubElement(ki, q(DS, "X509Data"))
    etree.SubElement(xd, q(DS, "X509Certificate")).text = base64.b64encode(
        pair.certificate.public_bytes(serialization.Encoding.DER)
    ).decode("ascii")


def build_hm_metadata(settings: BrokerSettings, hm: KeyPair, *, now: datetime) -> bytes:
    """Signed HM metadata (an EntityDescriptor). The signature carries the certificate only,
    as the afsprakenstelsel asks for metadata signatures."""
    document_id = "_" + hashlib.sha256(f"{settings.hm_entity_id}|{hm.key_name}|{now.date()}".encode()).hexdigest()[:40]
    root = _md(
        None,
        "EntityDescriptor",
        ID=document_id,
        entityID=settings.hm_entity_id,
        cacheDuration=CACHE_DURATION,
        validUntil=format_instant(now + VALIDITY),
    )
    root.set(q(METADATA_EXTENSION, "version"), INTERFACE_VERSION)
    extensions = _md(root, "Extensions")
    attrs = etree.SubElement(extensions, q(MDATTR, "EntityAttributes"), nsmap={"mdattr": MDATTR})
    attribute = etree.SubElement(attrs, q(SAML, "Attribute"), nsmap={"saml": SAML})
    attribute.set("Name", ASSURANCE_CERTIFICATION)
    attribute.set("NameFormat", c.ATTRNAME_URI)
    etree.SubElement(attribute, q(SAML, "AttributeValue")).text = "urn:etoegang:core:assurance-class:loa4"

    idp = _md(
        root,
        "IDPSSODescriptor",
        WantAuthnRequestsSigned="true",
        protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol",
    )
    _key_descriptor(idp, hm, "signing")
    _key_descriptor(idp, hm, "encryption")
    _md(
        idp, "ArtifactResolutionService", Binding=c.BINDING_SOAP, Location=settings.ars_url, index="0", isDefault="true"
    )
    # Schema order: SingleLogoutService before NameIDFormat (SSODescriptorType), then SingleSignOnService.
    for binding in (c.BINDING_REDIRECT, c.BINDING_POST):
        _md(idp, "SingleLogoutService", Binding=binding, Location=settings.slo_url)
    for name_id_format in NAME_ID_FORMATS:
        _md(idp, "NameIDFormat", name_id_format)
    for binding in (c.BINDING_ARTIFACT, c.BINDING_POST, c.BINDING_REDIRECT):
        _md(idp, "SingleSignOnService", Binding=binding, Location=settings.sso_url)

    org = _md(root, "Organization")
    for tag, value in (
        ("OrganizationName", settings.hm_name),
        ("OrganizationDisplayName", f"{settings.hm_name} {INTERFACE_VERSION} (test)"),
        ("OrganizationURL", settings.base_url + "/"),
    ):
        for lang in ("nl", "en"):
            _md(org, tag, value).set(q(XML, "lang"), lang)
    contact = _md(root, "ContactPerson", contactType="technical")
    _md(contact, "Company", "ehkit")
    _md(contact, "EmailAddress", "mailto:broker-simulator@ehkit.invalid")

    etree.indent(root, space="  ")
    sign_element(root, hm.private_key, certificate=hm.certificate, position=0)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
