"""Build the DV's signed service catalogue (``esc:ServiceCatalogue``) from the configuration.

The element order follows the packaged XSD exactly (``xsd/eherkenning-dc.xml``):
brokers validate against it, and a wrong order is the most common reason a
hand-written catalogue comes back. Builds are reproducible: the same config,
moment and key give byte-identical output, so a catalogue can be diffed and
reviewed before it is mailed to the broker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from ehkit.catalogue.keys import key_descriptor, load_published, load_signing_pair
from ehkit.catalogue.ns import CATALOGUE_NSMAP, EIDAS_INBOUND, XML_LANG, esc, saml
from ehkit.config import EhkitConfig, ServiceConfig
from ehkit.domain.urns import VESTIGINGSNR
from ehkit.saml.timefmt import format_instant
from ehkit.util.files import atomic_write
from ehkit.xml.signature import sign_element

_ID_NAMESPACE = uuid.UUID("2d0e8c1a-5b7f-4f61-8a3e-9c4b7d2e6f10")


@dataclass(frozen=True)
class BuildOptions:
    """Overrides of the ``[catalogue]`` table for one build (CLI flags)."""

    version_style: str | None = None
    sequence: int | None = None


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _localized(parent: etree._Element, tag: str, values: dict[str, str]) -> None:
    for lang in ("nl", "en"):
        if lang in values:
            el = etree.SubElement(parent, esc(tag))
            el.set(XML_LANG, lang)
            el.text = values[lang]


def _text(parent: etree._Element, tag: str, value: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag)
    for name, attr_value in attrs.items():
        el.set(name, attr_value)
    el.text = value
    return el


def document_id(*parts: str) -> str:
    """A stable ID for reproducible output; it only has to be unique per document."""
    return "_" + uuid.uuid5(_ID_NAMESPACE, "|".join(parts)).hex


def _definition(service: ServiceConfig, hm_oin: str) -> etree._Element:
    el = etree.Element(esc("ServiceDefinition"))
    el.set(esc("IsPublic"), _bool(service.is_public))
    if service.is_portal is not None:
        el.set(esc("IsPortal"), _bool(service.is_portal))
    _text(el, esc("ServiceUUID"), str(service.uuid))
    _localized(el, "ServiceName", service.names)
    _localized(el, "ServiceDescription", service.descriptions)
    if service.description_url:
        _localized(el, "ServiceDescriptionURL", {"nl": service.description_url, "en": service.description_url})
    _text(el, saml("AuthnContextClassRef"), service.loa.urn)
    _text(el, esc("HerkenningsmakelaarId"), hm_oin)
    for number, entries in enumerate(service.identifier_sets, start=1):
        for urn in entries:
            _text(el, esc("EntityConcernedTypesAllowed"), urn, setNumber=str(number))
    for urn in service.acting_subject_types:
        _text(el, esc("ActingSubjectTypesAllowed"), urn)
    if service.vestiging_restriction:
        _text(el, esc("ServiceRestrictionsAllowed"), VESTIGINGSNR)
    for attribute in service.attributes:
        req = etree.SubElement(el, esc("RequestedAttribute"))
        req.set("Name", attribute.urn)
        req.set("isRequired", _bool(attribute.required))
        _localized(req, "PurposeStatement", {"nl": attribute.purpose_nl, "en": attribute.purpose_en})
    return el


def _instance(service: ServiceConfig, config: EhkitConfig, at: datetime) -> etree._Element:
    el = etree.Element(esc("ServiceInstance"))
    el.set(esc("IsPublic"), _bool(service.is_public))
    if service.is_portal is not None:
        el.set(esc("IsPortal"), _bool(service.is_portal))
    _text(el, esc("ServiceID"), str(service.service_id))
    _text(el, esc("ServiceUUID"), str(service.instance_uuid))
    _text(el, esc("InstanceOfService"), str(service.uuid))
    _localized(el, "ServiceURL", service.service_urls)
    _localized(el, "PrivacyPolicyURL", service.privacy_urls)
    _text(el, esc("HerkenningsmakelaarId"), str(config.broker.oin))
    _text(el, esc("SSOSupport"), _bool(service.sso_support))
    for files in config.keys.catalogue_certificates(at):
        holder = etree.SubElement(el, esc("ServiceCertificate"))
        holder.append(key_descriptor(load_published(files), use="encryption"))
    etree.SubElement(el, esc("ServiceIntermediation")).set("intermediationAllowed", service.intermediation)
    if service.eidas:
        classifiers = etree.SubElement(el, esc("Classifiers"))
        _text(classifiers, esc("Classifier"), EIDAS_INBOUND)
    if service.uses_bsnk:
        _text(el, esc("BsnkStructureVersion"), str(service.bsnk_structure_version))
        _text(el, esc("BsnkRecipientKeySetVersion"), str(service.bsnk_recipient_key_set_version))
    return el


def build_catalogue_element(
    config: EhkitConfig, *, at: datetime, options: BuildOptions = BuildOptions()
) -> etree._Element:
    """The unsigned catalogue; :func:`build_catalogue` signs and serialises it."""
    version = config.catalogue.version_urn(style=options.version_style, sequence=options.sequence)
    instant = format_instant(at)
    root = etree.Element(esc("ServiceCatalogue"), nsmap=CATALOGUE_NSMAP)
    root.set("ID", document_id("catalogue", str(config.dv.oin), version, instant))
    root.set(esc("IssueInstant"), instant)
    root.set(esc("Version"), version)
    provider = etree.SubElement(root, esc("ServiceProvider"))
    provider.set(esc("IsPublic"), _bool(config.dv.is_public))
    _text(provider, esc("ServiceProviderID"), str(config.dv.oin))
    _localized(provider, "OrganizationDisplayName", config.dv.display_names)
    services = sorted(config.services, key=lambda s: s.index)
    for service in services:
        provider.append(_definition(service, str(config.broker.oin)))
    for service in services:
        provider.append(_instance(service, config, at))
    return root


def build_catalogue(
    config: EhkitConfig, *, at: datetime, options: BuildOptions = BuildOptions(), sign: bool = True
) -> bytes:
    """The signed catalogue as UTF-8 bytes with an XML declaration.

    Signed with the key that is active at ``at``, as the first child of
    ``ServiceCatalogue`` (the XSD requires it there): enveloped, exc-c14n,
    rsa-sha256, KeyInfo with KeyName and the X509 certificate.
    """
    root = build_catalogue_element(config, at=at, options=options)
    etree.indent(root, space="  ")
    if sign:
        pair = load_signing_pair(config.keys.signing_pair(at))
        sign_element(root, pair.private_key, key_name=pair.key_name, certificate=pair.certificate, position=0)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def write_output(path: str | Path, data: bytes) -> None:
    """Write atomically: a broker upload or a web server never reads half a file."""
    atomic_write(path, data)
