"""The DVs the simulator serves, read from what a real broker reads: SP metadata and the catalogue.

The SP metadata gives the DV's keys, its ACS endpoints and which services
(AttributeConsumingService index -> ServiceID) it has; the service catalogue
adds what the broker network enforces per service: the level of assurance,
the accepted identifier types, restrictions, requested attributes, the
ServiceUUID and the encryption certificates the AD/MR encrypt identifiers for.
Reading the DV's own published documents (rather than a side channel) means a
mistake in them shows up at the simulator as it would at a real broker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import httpx
from cryptography import x509
from lxml import etree

from ehkit.domain.identifiers import EntityID, ServiceID
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import VESTIGINGSNR, IdentifierType, identifier_type
from ehkit.errors import ConfigError, EhkitError
from ehkit.pki import key_name_sha256
from ehkit.pki.untrusted import CertificateError, certificate_from_base64
from ehkit.saml import constants as c
from ehkit.saml.metadata import Endpoint
from ehkit.xml.ns import DS, MD, q
from ehkit.xml.parse import ParseLimits, parse_xml
from ehkit.xml.signature import check_signature_shape, find_signature, verify_element
from ehkit.xml.trust import TrustSet

if TYPE_CHECKING:
    from ehkit.catalogue.model import CatalogueDocument

_METADATA_LIMITS = ParseLimits(max_bytes=4 * 1024 * 1024, max_depth=64, max_elements=100_000).without_counts()
#: UUIDs for services known from metadata only (no catalogue): stable, so "*" authorisations work.
_METADATA_ONLY_NS = uuid.UUID("a5d0f3c2-6e1b-4d7a-9c8e-2f4b6a1d3e90")
EIDAS_INBOUND = "eIDAS-inbound"


@dataclass(frozen=True)
class EncryptionTarget:
    """A DV certificate identifiers are encrypted for, with the KeyName it is published under."""

    certificate: x509.Certificate
    key_name: str


@dataclass(frozen=True)
class DvService:
    """One service (ServiceInstance) of a DV as the broker network knows it."""

    index: int
    service_id: str
    uuid: str
    instance_uuid: str | None
    names: dict[str, str]
    loa: LevelOfAssurance
    identifier_sets: tuple[tuple[IdentifierType, ...], ...]
    vestiging_restriction: bool = False
    requested_attributes: tuple[str, ...] = ()
    eidas: bool = False
    intermediation: str = "noIntermediation"
    encryption: tuple[EncryptionTarget, ...] = ()
    from_catalogue: bool = False
    #: The catalogue's SSOSupport (metadata alone: no SSO).
    sso_support: bool = False

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("nl") or next(iter(self.names.values()), self.service_id)

    @property
    def allows_intermediation(self) -> bool:
        """Chain authorisations count unless the catalogue says ``noIntermediation`` (metadata alone says nothing)."""
        return not (self.from_catalogue and self.intermediation == "noIntermediation")

    @property
    def identifier_types(self) -> frozenset[IdentifierType]:
        return frozenset(t for s in self.identifier_sets for t in s)

    def set_frozensets(self) -> list[frozenset[IdentifierType]]:
        return [frozenset(s) for s in self.identifier_sets]


@dataclass(frozen=True)
class RegisteredDv:
    """A DV (one SP EntityDescriptor) with its services."""

    entity_id: str
    names: dict[str, str]
    signing_certificates: tuple[x509.Certificate, ...]
    encryption: tuple[EncryptionTarget, ...]
    acs: tuple[Endpoint, ...]
    artifact_resolution: tuple[Endpoint, ...] = ()
    services: dict[int, DvService] = field(default_factory=dict)
    #: The DV's SingleLogoutService endpoints (SP metadata).
    slo: tuple[Endpoint, ...] = ()
    source: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def oin(self) -> str:
        return str(EntityID(self.entity_id).oin)

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("nl") or next(iter(self.names.values()), self.entity_id)

    def trust_set(self) -> TrustSet:
        return TrustSet.from_certificates(self.signing_certificates, label=self.entity_id)

    def default_service(self) -> DvService | None:
        return min(self.services.values(), key=lambda s: s.index) if self.services else None

    def service_by_uuid(self, value: str) -> DvService | None:
        value = value.lower()
        return next(
            (s for s in self.services.values() if s.uuid.lower() == value or (s.instance_uuid or "").lower() == value),
            None,
        )

    def encryption_for(self, service: DvService) -> tuple[EncryptionTarget, ...]:
        """The catalogue's ServiceCertificates (what the MR uses), else the metadata's keys."""
        return service.encryption or self.encryption

    def slo_endpoint(self, binding: str | None = None) -> Endpoint | None:
        """The DV's SingleLogoutService for ``binding`` (Redirect or POST), else any."""
        usable = [e for e in self.slo if e.binding in (c.BINDING_REDIRECT, c.BINDING_POST) and e.location]
        preferred = [e for e in usable if e.binding == binding]
        found = preferred or usable
        return found[0] if found else None

    def default_acs(self) -> Endpoint:
        artifact = [e for e in self.acs if e.binding == c.BINDING_ARTIFACT]
        pool = artifact or list(self.acs)
        defaults = [e for e in pool if e.is_default]
        return (defaults or sorted(pool, key=lambda e: e.index if e.index is not None else 0))[0]


class DvRegistry:
    """DVs by EntityID. Mutable at runtime (the API can add one)."""

    def __init__(self, dvs: Iterable[RegisteredDv] = ()) -> None:
        self._dvs: dict[str, RegisteredDv] = {}
        for dv in dvs:
            self.add(dv)

    def add(self, dv: RegisteredDv) -> None:
        self._dvs[dv.entity_id] = dv

    def get(self, entity_id: str | None) -> RegisteredDv | None:
        return self._dvs.get(entity_id or "")

    def all(self) -> list[RegisteredDv]:
        return sorted(self._dvs.values(), key=lambda d: d.entity_id)

    def by_source_id(self, source_id: bytes) -> RegisteredDv | None:
        from ehkit.saml.artifact import source_id as sid

        return next((d for d in self._dvs.values() if sid(d.entity_id) == source_id), None)

    def find_service(self, key: str) -> tuple[RegisteredDv, DvService] | None:
        """A service by ServiceID or ServiceUUID, across all DVs."""
        for dv in self._dvs.values():
            for service in dv.services.values():
                if key in (service.service_id, service.uuid, service.instance_uuid):
                    return dv, service
        return None

    def __len__(self) -> int:
        return len(self._dvs)


# ------------------------------------------------------------------ reading


def _read_source(source: str) -> bytes:
    """A file path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=10.0, follow_redirects=True)
            response.raise_for_status()
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ConfigError(f"cannot fetch {source[:200]}: {exc}", reason="dv_source_unreachable") from None
        return response.content
    try:
        return Path(source).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {source[:200]}: {exc.strerror or exc}", reason="dv_source_unreadable") from None
    except (ValueError, RuntimeError) as exc:  # a NUL byte in the path; ~user with no such user
        raise ConfigError(f"cannot read {source[:200]!r}: {exc}", reason="dv_source_unreadable") from None


def _text(el: etree._Element | None) -> str:
    return "".join(cast("list[str]", el.xpath("text()"))).strip() if el is not None else ""


def _localized(parent: etree._Element, tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in parent.findall(tag):
        out.setdefault(el.get("{http://www.w3.org/XML/1998/namespace}lang", "nl"), _text(el))
    return out


def _certificates(descriptor: etree._Element, use: str) -> list[EncryptionTarget]:
    out = []
    for kd in descriptor.findall(q(MD, "KeyDescriptor")):
        if kd.get("use") not in (None, use):
            continue
        key_info = kd.find(q(DS, "KeyInfo"))
        if key_info is None:
            continue
        cert_el = key_info.find(f"{q(DS, 'X509Data')}/{q(DS, 'X509Certificate')}")
        if cert_el is None:
            continue
        try:
            cert = certificate_from_base64(_text(cert_el))
        except CertificateError as exc:
            raise ConfigError(
                f"a KeyDescriptor holds an unusable certificate ({exc.message})", reason="dv_metadata_invalid"
            ) from None
        name = _text(key_info.find(q(DS, "KeyName"))) or key_name_sha256(cert)
        out.append(EncryptionTarget(cert, name))
    return out


def _endpoints(descriptor: etree._Element, local: str) -> tuple[Endpoint, ...]:
    out = []
    for ep in descriptor.findall(q(MD, local)):
        idx = ep.get("index")
        out.append(
            Endpoint(
                ep.get("Binding", ""),
                ep.get("Location", ""),
                int(idx) if idx and idx.isdigit() else None,
                ep.get("isDefault") == "true",
            )
        )
    return tuple(out)


def parse_sp_metadata(xml: bytes, *, source: str = "SP metadata") -> list[RegisteredDv]:
    """Every SP EntityDescriptor in the document (an EntityDescriptor or EntitiesDescriptor).

    The DV's metadata is signed with its own key; the simulator checks that
    signature against the certificate inside (consistency, not trust: a real
    broker would check PKIoverheid too). Unsigned metadata is accepted with a
    warning so a DV can try the simulator before its signing works.
    """
    try:
        root = parse_xml(xml, _METADATA_LIMITS)
    except EhkitError as exc:
        raise ConfigError(f"{source}: not acceptable XML: {exc}", reason="dv_metadata_invalid") from None
    if root.tag == q(MD, "EntitiesDescriptor"):
        entities = root.findall(q(MD, "EntityDescriptor"))
    elif root.tag == q(MD, "EntityDescriptor"):
        entities = [root]
    else:
        raise ConfigError(f"{source}: not SAML metadata (EntityDescriptor expected)", reason="dv_metadata_invalid")
    result = []
    for entity in entities:
        sp = entity.find(q(MD, "SPSSODescriptor"))
        if sp is None:
            continue
        entity_id = entity.get("entityID", "")
        if not EntityID.is_valid(entity_id) or EntityID(entity_id).role != "DV":
            raise ConfigError(f"{source}: entityID {entity_id!r} is not a DV EntityID", reason="dv_metadata_invalid")
        signing = _certificates(sp, "signing")
        if not signing:
            raise ConfigError(f"{source}: {entity_id} has no signing certificate", reason="dv_metadata_invalid")
        warnings: list[str] = []
        signed = root if find_signature(root) is not None else entity if find_signature(entity) is not None else None
        if signed is None:
            warnings.append("the SP metadata is not signed (a real broker refuses that)")
        else:
            try:
                verify_element(signed, TrustSet.from_certificates([t.certificate for t in signing]))
            except EhkitError as exc:
                raise ConfigError(
                    f"{source}: the metadata signature does not verify with its own certificate: {exc}",
                    reason="dv_metadata_signature",
                ) from None
        if sp.get("AuthnRequestsSigned") != "true":
            warnings.append('SPSSODescriptor lacks AuthnRequestsSigned="true"')
        acs = _endpoints(sp, "AssertionConsumerService")
        if not acs:
            raise ConfigError(f"{source}: {entity_id} has no AssertionConsumerService", reason="dv_metadata_invalid")
        organization = entity.find(q(MD, "Organization"))
        names = _localized(organization, q(MD, "OrganizationDisplayName")) if organization is not None else {}
        services: dict[int, DvService] = {}
        for acs_el in sp.findall(q(MD, "AttributeConsumingService")):
            raw_index = acs_el.get("index", "")
            if not raw_index.isdigit():
                continue
            index = int(raw_index)
            requested = [r.get("Name", "") for r in acs_el.findall(q(MD, "RequestedAttribute"))]
            service_ids = [r for r in requested if ServiceID.is_valid(r)]
            service_id = service_ids[0] if service_ids else str(ServiceID.build(EntityID(entity_id).oin, max(index, 1)))
            services[index] = DvService(
                index=index,
                service_id=service_id,
                uuid=str(uuid.uuid5(_METADATA_ONLY_NS, service_id)),
                instance_uuid=None,
                names=_localized(acs_el, q(MD, "ServiceName")) or {"nl": service_id},
                loa=LevelOfAssurance.EH2,
                identifier_sets=((IdentifierType.KVK,),),
                requested_attributes=tuple(r for r in requested if r not in service_ids),
            )
        result.append(
            RegisteredDv(
                entity_id=entity_id,
                names=names or {"nl": entity_id},
                signing_certificates=tuple(t.certificate for t in signing),
                encryption=tuple(_certificates(sp, "encryption")),
                acs=acs,
                artifact_resolution=_endpoints(sp, "ArtifactResolutionService"),
                services=services,
                slo=_endpoints(sp, "SingleLogoutService"),
                source=source,
                warnings=tuple(warnings),
            )
        )
    if not result:
        raise ConfigError(f"{source}: no SPSSODescriptor found", reason="dv_metadata_invalid")
    return result


def _identifier_sets(ecta: list[tuple[str, int | None, etree._Element]]) -> tuple[tuple[IdentifierType, ...], ...]:
    sets: dict[int, list[IdentifierType]] = {}
    for urn, number, _ in ecta:
        kind = identifier_type(urn)
        if kind is not None and kind not in sets.setdefault(number or 0, []):
            sets[number or 0].append(kind)
    return tuple(tuple(v) for _, v in sorted(sets.items()) if v)


def _catalogue_signature_warning(
    doc: CatalogueDocument, dvs: list[RegisteredDv], source: str, *, unsigned_ok: bool
) -> str | None:
    """Refuse a catalogue whose signature is broken or not the DV's; a warning when it has none.

    A broker checks the DV's signature on the catalogue before it registers any
    service. The simulator does the same against the signing certificates of the
    DVs it loaded from SP metadata (consistency, as for the metadata: it has no
    PKIoverheid trust to check). An empty ``<ds:Signature/>`` is refused like a
    wrong one, whatever certificates are known.
    """
    if doc.signature is None:
        if unsigned_ok:
            return None
        return f"the catalogue {source} is not signed (a real broker refuses that; ehkit catalogue build signs it)"
    certificates = [cert for dv in dvs for cert in dv.signing_certificates]
    if not certificates:
        return None  # nothing to check it against; apply_catalogue reports the missing metadata
    try:
        verify_element(doc.root, TrustSet.from_certificates(certificates))
    except EhkitError as exc:
        raise ConfigError(
            f"{source}: the catalogue's signature does not verify with the signing certificate in the DV's "
            f"SP metadata: {exc.message} ({exc.reason})",
            reason="dv_catalogue_signature",
        ) from None
    return None


def apply_catalogue(
    dvs: list[RegisteredDv], xml: bytes, *, source: str = "catalogue", unsigned_ok: bool = False
) -> list[RegisteredDv]:
    """Enrich DVs with their catalogue entries (LoA, identifiers, UUIDs, certificates).

    Instances are matched on ServiceID; a catalogue service whose DV has no
    metadata is reported, since the broker could not send it a response. The
    catalogue's signature must be well-formed and the DV's (see
    :func:`_catalogue_signature_warning`); ``unsigned_ok`` is for catalogues the
    simulator builds itself, in memory.
    """
    from ehkit.catalogue.model import read_catalogue

    try:
        doc = read_catalogue(xml)
    except EhkitError as exc:
        raise ConfigError(f"{source}: not acceptable XML: {exc}", reason="dv_catalogue_invalid") from None
    if doc.signature is not None:
        try:  # before anything is read from it: an empty or malformed signature is refused outright
            check_signature_shape(doc.root)
        except EhkitError as exc:
            raise ConfigError(
                f"{source}: the catalogue's ds:Signature is not well-formed: {exc.message} ({exc.reason}); "
                "sign the catalogue again (ehkit catalogue build), and check it with ehkit catalogue validate",
                reason="dv_catalogue_signature",
            ) from None
    by_service_id: dict[str, tuple[RegisteredDv, int]] = {}
    for dv in dvs:
        for index, service in dv.services.items():
            by_service_id[service.service_id] = (dv, index)
    updated = {dv.entity_id: dv for dv in dvs}
    matched = 0
    for view in doc.services():
        sid = view.instance.service_id or ""
        if sid not in by_service_id:
            continue
        dv, index = by_service_id[sid]
        dv = updated[dv.entity_id]
        base = dv.services[index]
        definition = view.definition
        if definition is None:
            raise ConfigError(
                f"{source}: {sid} has no ServiceDefinition (InstanceOfService {view.instance.instance_of})",
                reason="dv_catalogue_invalid",
            )
        try:
            loa = LevelOfAssurance.from_urn(definition.loa or "")
        except EhkitError:
            raise ConfigError(
                f"{source}: {sid} has no valid AuthnContextClassRef ({definition.loa!r})", reason="dv_catalogue_invalid"
            ) from None
        sets = _identifier_sets(definition.ecta) or ((IdentifierType.KVK,),)
        certs = tuple(
            EncryptionTarget(e.certificate, e.key_name or key_name_sha256(e.certificate))
            for e in view.instance.certificates
            if e.certificate is not None and e.use in (None, "encryption")
        )
        service = replace(
            base,
            uuid=definition.uuid or base.uuid,
            instance_uuid=view.instance.uuid,
            names=definition.names.as_dict() or base.names,
            loa=loa,
            identifier_sets=sets,
            vestiging_restriction=VESTIGINGSNR in definition.restrictions,
            requested_attributes=tuple(a.name for a in definition.attributes) or base.requested_attributes,
            eidas=EIDAS_INBOUND in view.instance.classifiers,
            intermediation=view.instance.intermediation or "noIntermediation",
            encryption=certs,
            from_catalogue=True,
            sso_support=(view.instance.sso or "").strip() in ("true", "1"),
        )
        names = dv.names
        if set(names.values()) <= {dv.entity_id}:
            names = view.provider.display_names.as_dict() or names  # the catalogue's OrganizationDisplayName
        updated[dv.entity_id] = replace(dv, names=names, services={**dv.services, index: service})
        matched += 1
    if matched == 0:
        raise ConfigError(
            f"{source}: none of its ServiceIDs appear in the loaded SP metadata "
            f"(metadata services: {', '.join(sorted(by_service_id)) or 'none'})",
            reason="dv_catalogue_unmatched",
        )
    touched = [dv for dv in dvs if updated[dv.entity_id] is not dv]
    warning = _catalogue_signature_warning(doc, touched, source, unsigned_ok=unsigned_ok)
    if warning is not None:
        for dv in touched:
            current = updated[dv.entity_id]
            updated[dv.entity_id] = replace(current, warnings=(*current.warnings, warning))
    return list(updated.values())


def load_dvs(metadata_sources: Iterable[str], catalogue_sources: Iterable[str] = ()) -> list[RegisteredDv]:
    dvs: list[RegisteredDv] = []
    for source in metadata_sources:
        dvs.extend(parse_sp_metadata(_read_source(source), source=source))
    for source in catalogue_sources:
        dvs = apply_catalogue(dvs, _read_source(source), source=source)
    return dvs


def dvs_from_config(config: object, *, at: datetime) -> list[RegisteredDv]:
    """A DV straight from ``ehkit.toml``: its SP metadata and catalogue are built
    in memory with the same builders the DV publishes with, then read back."""
    from ehkit.catalogue.build import build_catalogue
    from ehkit.catalogue.sp_metadata import build_all_sp_metadata

    label = str(getattr(config, "source", None) or "ehkit.toml")
    dvs: list[RegisteredDv] = []
    for group, xml in build_all_sp_metadata(config, at).items():  # type: ignore[arg-type]
        dvs.extend(parse_sp_metadata(xml, source=f"{label} [{group}]"))
    return apply_catalogue(dvs, build_catalogue(config, at=at, sign=False), source=label, unsigned_ok=True)  # type: ignore[arg-type]
