"""Rules every service catalogue must meet, whatever the broker."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import cast

from cryptography.hazmat.primitives.asymmetric import rsa

from ehkit.catalogue.findings import Hit, Severity, rule
from ehkit.catalogue.model import DefinitionEntry, InstanceEntry, Localized, ServiceView, path_of
from ehkit.catalogue.ns import EIDAS_INBOUND, KNOWN_CLASSIFIERS, esc
from ehkit.catalogue.rules import common as c
from ehkit.catalogue.schema import CATALOGUE_XSD, validate_xsd
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import VESTIGINGSNR, IdentifierType, identifier_type, is_identifying
from ehkit.errors import EhkitError
from ehkit.pki import certificate_oin, key_name_sha256
from ehkit.xml.signature import verify_element
from ehkit.xml.trust import TrustSet

E, W = Severity.ERROR, Severity.WARNING
EIDAS_TYPES = {IdentifierType.PSEUDO, IdentifierType.PSEUDO_ID, IdentifierType.EIDAS_LEGAL}


def _is_eidas(view: ServiceView) -> bool:
    return EIDAS_INBOUND in view.instance.classifiers


@rule(
    "CAT-XSD",
    E,
    "catalogue",
    "the document validates against the service-catalogue XSD (element order, types, lengths, required elements)",
    c.AS_SC_XSD,
)
def xsd(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for error in validate_xsd(ctx.doc.root, CATALOGUE_XSD):
        yield (error.path or f"line {error.line}", f"line {error.line}: {error.message}")


@rule(
    "CAT-SIGNATURE",
    E,
    "catalogue",
    "a ds:Signature is present as the first child of ServiceCatalogue",
    f"{c.AS_SC}; {c.AS_SC_XSD}",
)
def signature_present(ctx: c.CatalogueContext) -> Iterator[Hit]:
    root = ctx.doc.root
    sig = ctx.doc.signature
    if sig is None:
        yield (path_of(root), "the catalogue is not signed; sign it with the DV key (ehkit catalogue build does)")
        return
    first = next((child for child in root if isinstance(child.tag, str)), None)
    if first is not sig:
        yield (path_of(sig), "ds:Signature must be the first child of ServiceCatalogue")


@rule(
    "CAT-SIGNATURE-VALID",
    E,
    "catalogue",
    "with --cert: the signature verifies with that certificate "
    "(enveloped, exc-c14n, rsa-sha256, reference to the catalogue ID)",
    c.AS_SIG,
)
def signature_valid(ctx: c.CatalogueContext) -> Iterator[Hit]:
    if ctx.trusted is None or ctx.doc.signature is None:
        return
    try:
        verify_element(ctx.doc.root, TrustSet.from_certificates(ctx.trusted))
    except EhkitError as exc:
        yield (path_of(ctx.doc.signature), f"signature does not verify: {exc.message} ({exc.reason})")


_LIMITS = (
    ("ServiceName", 64),
    ("OrganizationDisplayName", 64),
    ("ServiceDescription", 1024),
    ("PurposeStatement", 1024),
    ("ServiceDescriptionURL", 512),
    ("ServiceURL", 512),
    ("PrivacyPolicyURL", 512),
)


@rule(
    "CAT-LENGTH",
    E,
    "catalogue",
    "names and OrganizationDisplayName at most 64 characters, descriptions and "
    "purpose statements at most 1024, URLs at most 512",
    c.AS_SC_XSD,
)
def lengths(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for tag, limit in _LIMITS:
        for el in ctx.doc.root.iter(esc(tag)):
            value = "".join(cast("list[str]", el.xpath("text()")))
            if len(value) > limit:
                yield (path_of(el), f"{tag} is {len(value)} characters, at most {limit} allowed")


def _langs(items: Localized, what: str, path: str) -> Iterator[Hit]:
    missing = {"nl", "en"} - items.langs
    if items and missing:
        yield (path, f"{what} has no {' and '.join(sorted(missing))} version")


@rule(
    "CAT-LANG",
    W,
    "catalogue",
    "OrganizationDisplayName, ServiceName and ServiceDescription exist in Dutch and "
    "English (foreign and eIDAS users see the English text)",
    f"{c.AS_SC}; {c.SIGNICAT_TEMPLATE}",
)
def languages(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        yield from _langs(provider.display_names, "OrganizationDisplayName", path_of(provider.element))
        for d in provider.definitions:
            yield from _langs(d.names, "ServiceName", path_of(d.element))
            yield from _langs(d.descriptions, "ServiceDescription", path_of(d.element))


@rule("CAT-OIN", E, "catalogue", "ServiceProviderID and HerkenningsmakelaarId are 20-digit OINs", c.AS_SC_XSD)
def oins(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for tag in (
        "ServiceProviderID",
        "HerkenningsmakelaarId",
        "AdditionalHerkenningsmakelaarId",
        "ServiceIntermediationAllowed",
    ):
        for el in ctx.doc.root.iter(esc(tag)):
            value = "".join(cast("list[str]", el.xpath("text()"))).strip()
            if not c.OIN_RE.match(value):
                yield (path_of(el), f"{tag} {value!r} is not an OIN (20 digits)")


@rule(
    "CAT-UUID-FORMAT",
    E,
    "catalogue",
    "ServiceUUID and InstanceOfService are lowercase RFC 4122 UUIDs (the XSD only says string)",
    c.AS_SC,
)
def uuid_format(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            if not c.is_uuid(d.uuid):
                yield (path_of(d.element) + "/ServiceUUID", f"ServiceUUID {d.uuid!r} is not a UUID")
        for i in provider.instances:
            if not c.is_uuid(i.uuid):
                yield (path_of(i.element) + "/ServiceUUID", f"ServiceUUID {i.uuid!r} is not a UUID")
            if i.instance_of is not None and not c.is_uuid(i.instance_of):
                yield (path_of(i.element) + "/InstanceOfService", f"InstanceOfService {i.instance_of!r} is not a UUID")


@rule(
    "CAT-UUID-UNIQUE",
    E,
    "catalogue",
    "every ServiceDefinition and ServiceInstance has its own ServiceUUID",
    f"{c.AS_SC}; {c.OPENFORMS_880}",
)
def uuid_unique(ctx: c.CatalogueContext) -> Iterator[Hit]:
    seen: dict[str, str] = {}
    for provider in ctx.doc.providers:
        entries: list[DefinitionEntry | InstanceEntry] = [*provider.definitions, *provider.instances]
        for entry in entries:
            if not entry.uuid:
                continue
            path = path_of(entry.element) + "/ServiceUUID"
            if entry.uuid.lower() in seen:
                yield (path, f"ServiceUUID {entry.uuid} is also used at {seen[entry.uuid.lower()]}")
            else:
                seen[entry.uuid.lower()] = path


@rule(
    "CAT-SERVICEID",
    E,
    "catalogue",
    "ServiceID reads urn:etoegang:DV:<ServiceProviderID>:services:<index>, index >= 1",
    c.AS_SERVICEID,
)
def service_id(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for i in provider.instances:
            path = path_of(i.element) + "/ServiceID"
            m = c.SERVICE_ID_RE.match(i.service_id or "")
            if not m:
                yield (path, f"ServiceID {i.service_id!r} is not urn:etoegang:DV:<OIN>:services:<index>")
            elif m.group(1) != provider.oin:
                yield (path, f"ServiceID carries OIN {m.group(1)}, the ServiceProviderID is {provider.oin}")
            elif int(m.group(2)) < 1:
                yield (path, "the service index must be 1 or higher")


@rule(
    "CAT-INDEX-UNIQUE",
    E,
    "catalogue",
    "no two ServiceInstances share a ServiceID (the AttributeConsumingServiceIndex selects the service)",
    c.AS_SERVICEID,
)
def index_unique(ctx: c.CatalogueContext) -> Iterator[Hit]:
    counts = Counter(i.service_id for p in ctx.doc.providers for i in p.instances if i.service_id)
    for provider in ctx.doc.providers:
        for i in provider.instances:
            if i.service_id and counts[i.service_id] > 1:
                yield (path_of(i.element) + "/ServiceID", f"ServiceID {i.service_id} is used by several instances")


@rule(
    "CAT-INSTANCE-OF",
    E,
    "catalogue",
    "every ServiceInstance names (InstanceOfService) a ServiceDefinition of the same provider",
    c.AS_SC,
)
def instance_of(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if view.definition is None:
            yield (
                path_of(view.instance.element),
                f"InstanceOfService {view.instance.instance_of!r} names no ServiceDefinition in this catalogue",
            )


@rule("CAT-DEFINITION-USED", W, "catalogue", "every ServiceDefinition has at least one ServiceInstance", c.AS_SC)
def definition_used(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        used = {i.instance_of for i in provider.instances}
        for d in provider.definitions:
            if d.uuid not in used:
                yield (
                    path_of(d.element),
                    f"ServiceDefinition {d.uuid} has no ServiceInstance, so nobody can log in to it",
                )


@rule(
    "CAT-LOA",
    E,
    "catalogue",
    "AuthnContextClassRef is an etoegang level URN (urn:etoegang:core:assurance-class:loa2|loa2plus|loa3|loa4)",
    c.AS_SC,
)
def loa_known(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            if d.loa and d.loa.endswith(":loa1"):
                continue  # CAT-LOA1 says it better
            if c.loa_of(d.loa) is None:
                yield (path_of(d.element) + "/AuthnContextClassRef", f"{d.loa!r} is not an eHerkenning level URN")


@rule("CAT-LOA1", E, "catalogue", "no service requires loa1 (EH1 no longer exists; brokers refuse it)", c.EH1_END)
def loa1(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            if d.loa == "urn:etoegang:core:assurance-class:loa1":
                yield (
                    path_of(d.element) + "/AuthnContextClassRef",
                    "loa1 (EH1) ended on 1 July 2021; use loa2 or higher",
                )


def _bsnk_types(view: ServiceView) -> set[IdentifierType]:
    urns = [urn for urn, _, _ in view.definition.ecta] + view.definition.asta if view.definition else []
    urns += view.instance.ecta
    types = {identifier_type(u) for u in urns}
    return {t for t in types if t is not None and t.requires_loa3}


@rule("CAT-BSN-LOA", E, "catalogue", "a service accepting BSN or PseudoID requires at least loa3", c.BSN_LOA3)
def bsn_loa(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            types = {identifier_type(u) for u, _, _ in d.ecta} | {identifier_type(u) for u in d.asta}
            bsnk = {t for t in types if t is not None and t.requires_loa3}
            level = c.loa_of(d.loa)
            if bsnk and level is not None and level < LevelOfAssurance.EH3:
                names = ", ".join(sorted(t.urn.rsplit(":", 1)[-1] for t in bsnk))
                yield (
                    path_of(d.element) + "/AuthnContextClassRef",
                    f"{names} needs at least loa3, the service requires {level.code}",
                )


@rule(
    "CAT-ECTA-KNOWN",
    E,
    "catalogue",
    "EntityConcernedTypesAllowed and ActingSubjectTypesAllowed name known "
    "identifier types (KvKnr, RSIN, BSN, PseudoID, Pseudo, eIDASLegalIdentifier)",
    c.AS_IDK,
)
def ecta_known(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            for urn, _, el in d.ecta:
                if identifier_type(urn) is None:
                    yield (path_of(el), f"{urn!r} is not a known identifier type")


@rule(
    "CAT-ECTA-SETS",
    W,
    "catalogue",
    "setNumber is used on all EntityConcernedTypesAllowed of a definition or "
    "on none (sets are alternatives in order of preference)",
    c.SIGNICAT_ECTA,
)
def ecta_sets(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            numbered = [n is not None for _, n, _ in d.ecta]
            if any(numbered) and not all(numbered):
                yield (path_of(d.element), "some EntityConcernedTypesAllowed have a setNumber and others not")


@rule(
    "CAT-IDENTIFYING-ATTR",
    E,
    "catalogue",
    "no RequestedAttribute names an identifier (KvKnr, RSIN, BSN, "
    "Pseudo...): identifiers come from EntityConcernedTypesAllowed",
    f"{c.AS_IDK}; {c.KPN_FEEDBACK}",
)
def identifying_attr(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            for a in d.attributes:
                if is_identifying(a.name):
                    yield (path_of(a.element), f"{a.name} is an identifier and may not be requested as an attribute")


@rule(
    "CAT-VESTIGING-KVK",
    E,
    "catalogue",
    "the Vestigingsnr service restriction only appears together with KvKnr in EntityConcernedTypesAllowed",
    f"{c.AS_SC}; {c.SIGNICAT_BRANCH}",
)
def vestiging(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            if VESTIGINGSNR in d.restrictions and not any(
                identifier_type(u) is IdentifierType.KVK for u, _, _ in d.ecta
            ):
                yield (
                    path_of(d.element),
                    "the Vestigingsnr restriction needs KvKnr among the accepted identifiers",
                )


@rule("CAT-PURPOSE", E, "catalogue", "every RequestedAttribute has a non-empty PurposeStatement", c.AS_SC)
def purpose(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            for a in d.attributes:
                if not any(value.strip() for _, value, _ in a.purposes.items):
                    yield (path_of(a.element), f"{a.name} is requested without a purpose statement")


@rule("CAT-PRIVACY-URL", E, "catalogue", "a service that requests attributes has a PrivacyPolicyURL", c.AS_PROCESS)
def privacy_url(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if view.definition and view.definition.attributes and not view.instance.privacy_urls:
            yield (path_of(view.instance.element), "the service requests attributes but has no PrivacyPolicyURL")


@rule("CAT-SERVICE-URL", W, "catalogue", "a public service instance has a ServiceURL", c.AS_PROCESS)
def service_url(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if view.instance.is_public in ("true", "1") and not view.instance.service_urls:
            yield (path_of(view.instance.element), "a public service should give the URL where users start it")


@rule("CAT-CLASSIFIER", W, "catalogue", "Classifier values are known (eIDAS-inbound)", c.AS_SC)
def classifier(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        for value in view.instance.classifiers:
            if value not in KNOWN_CLASSIFIERS:
                yield (path_of(view.instance.element) + "/Classifiers", f"unknown Classifier {value!r}")


@rule(
    "CAT-EIDAS-IDENTIFIERS",
    E,
    "catalogue",
    "an eIDAS-inbound service accepts only Pseudo, PseudoID or "
    "eIDASLegalIdentifier (foreign users have no KvK number, RSIN or BSN)",
    f"{c.AS_IDK}; {c.RESEARCH}",
)
def eidas_identifiers(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if not _is_eidas(view) or view.definition is None:
            continue
        for urn, _, el in view.definition.ecta:
            t = identifier_type(urn)
            if t is not None and t not in EIDAS_TYPES:
                yield (path_of(el), f"eIDAS-inbound service accepts {urn}, which foreign users do not have")


@rule(
    "CAT-EIDAS-COUNTERPART",
    W,
    "catalogue",
    "a public DV with a service at loa3 or higher also offers an "
    "eIDAS-inbound service at loa3 or higher (notified eIDAS means must be accepted at substantial/high)",
    c.EIDAS_ART6,
)
def eidas_counterpart(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        if provider.is_public not in ("true", "1"):
            continue
        views = [v for v in ctx.doc.services() if v.provider is provider and v.definition is not None]
        eidas_levels = [c.loa_of(v.definition.loa) for v in views if _is_eidas(v)]  # type: ignore[union-attr]
        has_eidas = any(level is not None and level >= LevelOfAssurance.EH3 for level in eidas_levels)
        for v in views:
            level = c.loa_of(v.definition.loa)  # type: ignore[union-attr]
            if not _is_eidas(v) and level is not None and level >= LevelOfAssurance.EH3 and not has_eidas:
                yield (
                    path_of(v.instance.element),
                    f"{v.instance.service_id} requires {level.label} (eIDAS "
                    "substantial or higher) but the catalogue has no eIDAS-inbound service at that level",
                )


@rule(
    "CAT-HM-ID",
    E,
    "catalogue",
    "a ServiceInstance names the same HerkenningsmakelaarId as its ServiceDefinition",
    c.AS_SC,
)
def hm_id(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if view.definition and view.definition.hm_id and view.instance.hm_id != view.definition.hm_id:
            yield (
                path_of(view.instance.element) + "/HerkenningsmakelaarId",
                f"instance names broker {view.instance.hm_id}, its definition {view.definition.hm_id}",
            )


@rule(
    "CAT-CERT",
    E,
    "catalogue",
    "every ServiceInstance has a ServiceCertificate: md:KeyDescriptor "
    'use="encryption" with an RSA >= 2048 X509Certificate and KeyName = its SHA-256 hex fingerprint',
    f"{c.AS_SC}; {c.PKIO}",
)
def certificate(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        instance = view.instance
        if not instance.certificates:
            yield (path_of(instance.element), "no ServiceCertificate: identifiers cannot be encrypted to this DV")
        for cert in instance.certificates:
            path = path_of(cert.element)
            if cert.use != "encryption":
                yield (path, f"KeyDescriptor use is {cert.use!r}; the catalogue publishes the encryption certificate")
            if cert.certificate is None:
                yield (path, cert.problem or "no certificate")
                continue
            public = cert.certificate.public_key()
            if not isinstance(public, rsa.RSAPublicKey) or public.key_size < 2048:
                yield (path, "the certificate key is not RSA of at least 2048 bits")
            expected = key_name_sha256(cert.certificate)
            if cert.key_name is None:
                yield (path, f"no ds:KeyName; write the SHA-256 fingerprint {expected}")
            elif cert.key_name != expected:
                yield (path, f"KeyName {cert.key_name} is not the SHA-256 fingerprint {expected}")


@rule("CAT-CERT-VALIDITY", W, "catalogue", "published certificates are valid now and for at least 30 more days", c.PKIO)
def certificate_validity(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        for cert in view.instance.certificates:
            if cert.certificate is None:
                continue
            x = cert.certificate
            if x.not_valid_after_utc < ctx.now:
                yield (path_of(cert.element), f"the certificate expired on {x.not_valid_after_utc:%Y-%m-%d}")
            elif x.not_valid_after_utc < ctx.now + c.EXPIRY_WARNING:
                yield (
                    path_of(cert.element),
                    f"the certificate expires on {x.not_valid_after_utc:%Y-%m-%d}; "
                    "plan the rollover (ehkit catalogue rollover)",
                )


@rule(
    "CAT-CERT-OIN",
    W,
    "catalogue",
    "the encryption certificate carries the DV's OIN (subject serialNumber = ServiceProviderID)",
    f"{c.PKIO}; {c.DIGIDENTITY_KEYS}",
)
def certificate_oin_matches(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        for cert in view.instance.certificates:
            if cert.certificate is None:
                continue
            oin = certificate_oin(cert.certificate)
            if oin != view.provider.oin:
                yield (path_of(cert.element), f"certificate OIN {oin} differs from the DV OIN {view.provider.oin}")


@rule("CAT-CERT-COUNT", W, "catalogue", "at most two certificates per instance (the current and the next)", c.NEXT_CERT)
def certificate_count(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if len(view.instance.certificates) > 2:
            yield (
                path_of(view.instance.element),
                f"{len(view.instance.certificates)} certificates; publish only "
                "the current one and, during a rollover, the next one",
            )


@rule(
    "CAT-BSNK",
    E,
    "catalogue",
    "BsnkStructureVersion and BsnkRecipientKeySetVersion are present when the service uses BSN or PseudoID",
    c.AS_SC,
)
def bsnk(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if _bsnk_types(view) and (view.instance.bsnk_structure is None or view.instance.bsnk_key_set is None):
            yield (
                path_of(view.instance.element),
                "the service uses BSN or PseudoID: add BsnkStructureVersion and BsnkRecipientKeySetVersion",
            )


@rule("CAT-SSO-LOA4", E, "catalogue", "SSOSupport is not true for a loa4 service", c.AS_SSO)
def sso_loa4(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if (
            view.instance.sso in ("true", "1")
            and view.definition is not None
            and c.loa_of(view.definition.loa) is LevelOfAssurance.EH4
        ):
            yield (path_of(view.instance.element) + "/SSOSupport", "single sign-on is never allowed at loa4")


@rule(
    "CAT-VERSION",
    W,
    "catalogue",
    "Version reads urn:etoegang:<scheme>:service-catalogue:<T|P>:<n> (AS) or "
    "urn:etoegang:<scheme>:<n> (seen in practice)",
    c.AS_SC,
)
def version(ctx: c.CatalogueContext) -> Iterator[Hit]:
    value = ctx.doc.version or ""
    if not any(r.match(value) for r in c.VERSION_RES):
        yield (path_of(ctx.doc.root), f"Version {value!r} has neither known form")
