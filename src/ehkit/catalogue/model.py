"""Reading a service catalogue into plain values, for the rules and for diff.

The reader is lenient on purpose: it must describe a broken catalogue well
enough for the rules to say what is broken, so a missing element becomes
``None`` or an empty list instead of an exception. Parsing itself goes through
the hardened parser; catalogues may come from anyone.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import cast

from cryptography import x509
from lxml import etree

from ehkit.catalogue.ns import ESC, XML_LANG, ds, esc, md, saml
from ehkit.pki import key_name_sha256
from ehkit.xml.parse import ParseLimits, parse_xml

# Network-wide catalogues run to megabytes; one DV's catalogue is far smaller.
CATALOGUE_LIMITS = ParseLimits(max_bytes=16 * 1024 * 1024, max_depth=64, max_elements=500_000)


def text_of(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return "".join(cast("list[str]", el.xpath("text()"))).strip()


def path_of(el: etree._Element) -> str:
    """``/ServiceCatalogue/ServiceProvider/ServiceInstance[2]/ServiceID``: local names, 1-based indexes."""
    parts: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


@dataclass
class Localized:
    """Per-language values, keeping duplicates and the elements for rules that need them."""

    items: list[tuple[str | None, str, etree._Element]] = field(default_factory=list)

    @classmethod
    def read(cls, parent: etree._Element, tag: str) -> Localized:
        return cls([(el.get(XML_LANG), text_of(el) or "", el) for el in parent.findall(tag)])

    def get(self, lang: str) -> str | None:
        for item_lang, value, _ in self.items:
            if item_lang == lang:
                return value
        return None

    @property
    def langs(self) -> set[str]:
        return {lang for lang, _, _ in self.items if lang}

    def as_dict(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for lang, value, _ in self.items:
            out.setdefault(lang or "", value)
        return out

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class CertificateEntry:
    element: etree._Element
    use: str | None
    key_name: str | None
    certificate: x509.Certificate | None
    problem: str | None = None

    @property
    def fingerprint(self) -> str | None:
        return key_name_sha256(self.certificate) if self.certificate is not None else None


def read_key_descriptor(el: etree._Element) -> CertificateEntry:
    key_info = el.find(ds("KeyInfo"))
    key_name = text_of(key_info.find(ds("KeyName"))) if key_info is not None else None
    cert_el = el.find(f"{ds('KeyInfo')}/{ds('X509Data')}/{ds('X509Certificate')}")
    cert = None
    problem = None
    if cert_el is None:
        problem = "no X509Certificate"
    else:
        raw = "".join((text_of(cert_el) or "").split())
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode(raw, validate=True))
        except (binascii.Error, ValueError):
            problem = "the X509Certificate is not a readable certificate"
    return CertificateEntry(el, el.get("use"), key_name or None, cert, problem)


@dataclass
class AttributeEntry:
    element: etree._Element
    name: str
    required: bool
    purposes: Localized


@dataclass
class DefinitionEntry:
    element: etree._Element
    uuid: str | None
    is_public: str | None
    is_portal: str | None
    names: Localized
    descriptions: Localized
    description_urls: Localized
    loa: str | None
    hm_id: str | None
    ecta: list[tuple[str, int | None, etree._Element]]
    asta: list[str]
    restrictions: list[str]
    attributes: list[AttributeEntry]

    def ecta_sets(self) -> dict[int, frozenset[str]]:
        """setNumber -> identifier URNs; entries without a setNumber form set 0."""
        sets: dict[int, set[str]] = {}
        for urn, number, _ in self.ecta:
            sets.setdefault(number or 0, set()).add(urn)
        return {k: frozenset(v) for k, v in sorted(sets.items())}


@dataclass
class InstanceEntry:
    element: etree._Element
    service_id: str | None
    uuid: str | None
    instance_of: str | None
    is_public: str | None
    service_urls: Localized
    privacy_urls: Localized
    hm_id: str | None
    additional_hm_ids: list[str]
    sso: str | None
    ecta: list[str]
    certificates: list[CertificateEntry]
    intermediation: str | None
    classifiers: list[str]
    bsnk_structure: str | None
    bsnk_key_set: str | None

    @property
    def index(self) -> int | None:
        tail = (self.service_id or "").rsplit(":", 1)[-1]
        return int(tail) if tail.isdigit() else None


@dataclass
class ProviderEntry:
    element: etree._Element
    oin: str | None
    is_public: str | None
    display_names: Localized
    definitions: list[DefinitionEntry]
    instances: list[InstanceEntry]


@dataclass
class ServiceView:
    """An instance with the definition it instantiates (``None`` when the link is broken)."""

    provider: ProviderEntry
    instance: InstanceEntry
    definition: DefinitionEntry | None

    @property
    def key(self) -> str:
        """What diff matches services on: the definition's ServiceUUID, else the ServiceID."""
        return (self.definition.uuid if self.definition and self.definition.uuid else None) or (
            self.instance.service_id or ""
        )


@dataclass
class CatalogueDocument:
    root: etree._Element
    id: str | None
    version: str | None
    issue_instant: str | None
    providers: list[ProviderEntry]

    @property
    def signature(self) -> etree._Element | None:
        return self.root.find(ds("Signature"))

    def services(self) -> list[ServiceView]:
        views = []
        for provider in self.providers:
            by_uuid = {d.uuid: d for d in provider.definitions if d.uuid}
            for instance in provider.instances:
                views.append(ServiceView(provider, instance, by_uuid.get(instance.instance_of or "")))
        return views


def _definition(el: etree._Element) -> DefinitionEntry:
    ecta = []
    for item in el.findall(esc("EntityConcernedTypesAllowed")):
        raw = item.get("setNumber")
        ecta.append((text_of(item) or "", int(raw) if raw and raw.isdigit() else None, item))
    attributes = [
        AttributeEntry(
            a,
            a.get("Name", ""),
            a.get("isRequired", "false") in ("true", "1"),
            Localized.read(a, esc("PurposeStatement")),
        )
        for a in el.findall(esc("RequestedAttribute"))
    ]
    return DefinitionEntry(
        element=el,
        uuid=text_of(el.find(esc("ServiceUUID"))),
        is_public=el.get(esc("IsPublic")),
        is_portal=el.get(esc("IsPortal")),
        names=Localized.read(el, esc("ServiceName")),
        descriptions=Localized.read(el, esc("ServiceDescription")),
        description_urls=Localized.read(el, esc("ServiceDescriptionURL")),
        loa=text_of(el.find(saml("AuthnContextClassRef"))),
        hm_id=text_of(el.find(esc("HerkenningsmakelaarId"))),
        ecta=ecta,
        asta=[text_of(a) or "" for a in el.findall(esc("ActingSubjectTypesAllowed"))],
        restrictions=[text_of(r) or "" for r in el.findall(esc("ServiceRestrictionsAllowed"))],
        attributes=attributes,
    )


def _instance(el: etree._Element) -> InstanceEntry:
    intermediation_el = el.find(esc("ServiceIntermediation"))
    return InstanceEntry(
        element=el,
        service_id=text_of(el.find(esc("ServiceID"))),
        uuid=text_of(el.find(esc("ServiceUUID"))),
        instance_of=text_of(el.find(esc("InstanceOfService"))),
        is_public=el.get(esc("IsPublic")),
        service_urls=Localized.read(el, esc("ServiceURL")),
        privacy_urls=Localized.read(el, esc("PrivacyPolicyURL")),
        hm_id=text_of(el.find(esc("HerkenningsmakelaarId"))),
        additional_hm_ids=[text_of(a) or "" for a in el.findall(esc("AdditionalHerkenningsmakelaarId"))],
        sso=text_of(el.find(esc("SSOSupport"))),
        ecta=[text_of(a) or "" for a in el.findall(esc("EntityConcernedTypesAllowed"))],
        certificates=[
            read_key_descriptor(kd) for kd in el.findall(f"{esc('ServiceCertificate')}/{md('KeyDescriptor')}")
        ],
        intermediation=(
            intermediation_el.get("intermediationAllowed", "noIntermediation")
            if intermediation_el is not None
            else None
        ),
        classifiers=[text_of(c) or "" for c in el.findall(f"{esc('Classifiers')}/{esc('Classifier')}")],
        bsnk_structure=text_of(el.find(esc("BsnkStructureVersion"))),
        bsnk_key_set=text_of(el.find(esc("BsnkRecipientKeySetVersion"))),
    )


def read_catalogue_element(root: etree._Element) -> CatalogueDocument:
    providers = []
    for p in root.findall(esc("ServiceProvider")):
        providers.append(
            ProviderEntry(
                element=p,
                oin=text_of(p.find(esc("ServiceProviderID"))),
                is_public=p.get(esc("IsPublic")),
                display_names=Localized.read(p, esc("OrganizationDisplayName")),
                definitions=[_definition(d) for d in p.findall(esc("ServiceDefinition"))],
                instances=[_instance(i) for i in p.findall(esc("ServiceInstance"))],
            )
        )
    return CatalogueDocument(
        root=root,
        id=root.get("ID"),
        version=root.get(esc("Version")),
        issue_instant=root.get(esc("IssueInstant")),
        providers=providers,
    )


def read_catalogue(data: bytes) -> CatalogueDocument:
    """Parse (hardened) and read a catalogue. Raises XmlSecurityError on unparsable input."""
    return read_catalogue_element(parse_xml(data, CATALOGUE_LIMITS))


def is_catalogue(root: etree._Element) -> bool:
    return root.tag == esc("ServiceCatalogue") and etree.QName(root).namespace == ESC
