"""SP (DV) metadata per service group, in the shape AS 1.24a and the brokers accept.

The afsprakenstelsel says elements it does not list must not appear, and
brokers turned that into concrete rejections (open-forms #4785): no
NameIDFormat, no ``use`` on KeyDescriptor, no validUntil/cacheDuration, a
RequestedAttribute naming the ServiceID in every AttributeConsumingService,
exactly one default service, an administrative contact. KPN also wants eIDAS
services in their own EntityDescriptor (open-forms #5103), hence one document
per configured service group.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from ehkit.catalogue.build import document_id
from ehkit.catalogue.keys import key_descriptor, load_published, load_signing_pair
from ehkit.catalogue.ns import ARTIFACT_BINDING, METADATA_NSMAP, POST_BINDING, SAML_PROTOCOL, XML_LANG, md
from ehkit.config import EhkitConfig, ServiceConfig, ServiceGroup
from ehkit.saml.constants import BINDING_REDIRECT as REDIRECT_BINDING
from ehkit.saml.timefmt import format_instant
from ehkit.xml.signature import sign_element


def _localized(parent: etree._Element, tag: str, values: dict[str, str]) -> None:
    for lang in ("nl", "en"):
        if lang in values:
            el = etree.SubElement(parent, md(tag))
            el.set(XML_LANG, lang)
            el.text = values[lang]


def _attribute_consuming_service(service: ServiceConfig, *, default: bool) -> etree._Element:
    acs = etree.Element(md("AttributeConsumingService"))
    acs.set("index", str(service.index))
    if default:
        acs.set("isDefault", "true")
    _localized(acs, "ServiceName", service.names)
    _localized(acs, "ServiceDescription", service.descriptions)
    # The broker finds the catalogue service through this attribute's Name.
    etree.SubElement(acs, md("RequestedAttribute")).set("Name", str(service.service_id))
    for attribute in service.attributes:
        req = etree.SubElement(acs, md("RequestedAttribute"))
        req.set("Name", attribute.urn)
        if attribute.required:
            req.set("isRequired", "true")
    return acs


def build_sp_metadata_element(config: EhkitConfig, group: ServiceGroup | str, at: datetime) -> etree._Element:
    """The unsigned EntityDescriptor for one service group."""
    if isinstance(group, str):
        group = config.service_group(group)
    dv = config.dv
    root = etree.Element(md("EntityDescriptor"), nsmap=METADATA_NSMAP)
    root.set("ID", document_id("metadata", str(group.entity_id), format_instant(at)))
    root.set("entityID", str(group.entity_id))

    sp = etree.SubElement(root, md("SPSSODescriptor"))
    sp.set("AuthnRequestsSigned", "true")
    sp.set("WantAssertionsSigned", "true")
    sp.set("protocolSupportEnumeration", SAML_PROTOCOL)
    for files in config.keys.metadata_certificates(at):
        # No ``use``: one certificate for signing and encryption (AS allows it, brokers ask for it).
        sp.append(key_descriptor(load_published(files), use=None))
    if dv.slo_url and any(s.sso_support for s in group.services):
        # A DV that applies SSO must offer single logout (AS "Single sign-on and user sessions"):
        # the broker answers a LogoutRequest and sends its own here, by Redirect or POST.
        for binding in (REDIRECT_BINDING, POST_BINDING):
            slo = etree.SubElement(sp, md("SingleLogoutService"))
            slo.set("Binding", binding)
            slo.set("Location", dv.slo_url)
    artifact = etree.SubElement(sp, md("AssertionConsumerService"))
    artifact.set("Binding", ARTIFACT_BINDING)
    artifact.set("Location", dv.acs_url)
    artifact.set("index", "0")
    artifact.set("isDefault", "true")
    if dv.post_acs_url:
        post = etree.SubElement(sp, md("AssertionConsumerService"))
        post.set("Binding", POST_BINDING)
        post.set("Location", dv.post_acs_url)
        post.set("index", "1")
    default = group.default_service
    for service in sorted(group.services, key=lambda s: s.index):
        sp.append(_attribute_consuming_service(service, default=service is default))

    if dv.organization_url:
        org = etree.SubElement(root, md("Organization"))
        _localized(org, "OrganizationName", dv.display_names)
        _localized(org, "OrganizationDisplayName", dv.display_names)
        _localized(org, "OrganizationURL", {"nl": dv.organization_url, "en": dv.organization_url})
    if dv.contact is not None:
        contact = etree.SubElement(root, md("ContactPerson"))
        contact.set("contactType", "administrative")
        etree.SubElement(contact, md("Company")).text = dv.contact.company
        if dv.contact.given_name:
            etree.SubElement(contact, md("GivenName")).text = dv.contact.given_name
        if dv.contact.surname:
            etree.SubElement(contact, md("SurName")).text = dv.contact.surname
        etree.SubElement(contact, md("EmailAddress")).text = dv.contact.email
        if dv.contact.telephone:
            etree.SubElement(contact, md("TelephoneNumber")).text = dv.contact.telephone
    return root


def build_sp_metadata(config: EhkitConfig, group: ServiceGroup | str, at: datetime) -> bytes:
    """Signed SP metadata for ``group`` as it should be published at moment ``at``.

    Before a configured rollover activates it carries the current certificate;
    from the activation on only the next one, and it is then signed with the
    next key too.
    """
    root = build_sp_metadata_element(config, group, at)
    etree.indent(root, space="  ")
    pair = load_signing_pair(config.keys.signing_pair(at))
    sign_element(root, pair.private_key, key_name=pair.key_name, certificate=pair.certificate, position=0)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def build_all_sp_metadata(config: EhkitConfig, at: datetime) -> dict[str, bytes]:
    """Every group's metadata, keyed by group name."""
    return {group.name: build_sp_metadata(config, group, at) for group in config.service_groups()}
