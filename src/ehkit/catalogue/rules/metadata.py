"""Rules for SP (DV) metadata: AS 1.24a as the brokers enforce it, plus broker profiles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

from lxml import etree

from ehkit.catalogue.findings import Hit, Severity, rule
from ehkit.catalogue.model import path_of, read_key_descriptor
from ehkit.catalogue.ns import ARTIFACT_BINDING, EIDAS_INBOUND, POST_BINDING, XML_LANG, md
from ehkit.catalogue.rules import common as c
from ehkit.catalogue.schema import METADATA_XSD, validate_xsd
from ehkit.domain.urns import is_identifying
from ehkit.errors import EhkitError
from ehkit.pki import key_name_sha256
from ehkit.xml.ns import DS
from ehkit.xml.signature import verify_element
from ehkit.xml.trust import TrustSet

E, W = Severity.ERROR, Severity.WARNING


def _descriptors(ctx: c.MetadataContext) -> list[etree._Element]:
    return ctx.root.findall(md("SPSSODescriptor"))


def _acs_list(ctx: c.MetadataContext) -> list[etree._Element]:
    return [a for sp in _descriptors(ctx) for a in sp.findall(md("AttributeConsumingService"))]


def _service_ids(acs: etree._Element) -> list[str]:
    names = [r.get("Name", "") for r in acs.findall(md("RequestedAttribute"))]
    return [n for n in names if c.SERVICE_ID_RE.match(n)]


@rule("META-XSD", E, "metadata", "the document validates against the SAML 2.0 metadata XSD", c.SAML_MD_XSD)
def xsd(ctx: c.MetadataContext) -> Iterator[Hit]:
    for error in validate_xsd(ctx.root, METADATA_XSD):
        yield (error.path or f"line {error.line}", f"line {error.line}: {error.message}")


@rule("META-SIGNATURE", E, "metadata", "the EntityDescriptor is signed, ds:Signature first", f"{c.AS_DVMD}; {c.AS_SIG}")
def signature_present(ctx: c.MetadataContext) -> Iterator[Hit]:
    sig = ctx.root.find(f"{{{DS}}}Signature")
    if sig is None:
        yield (path_of(ctx.root), "the metadata is not signed (ehkit metadata build signs it)")
        return
    first = next((child for child in ctx.root if isinstance(child.tag, str)), None)
    if first is not sig:
        yield (path_of(sig), "ds:Signature must be the first child of EntityDescriptor")


@rule(
    "META-SIGNATURE-SHAPE",
    E,
    "metadata",
    "with or without --cert: the ds:Signature has the profile's structure (one Reference to the "
    "EntityDescriptor ID, DigestValue and SignatureValue present and base64, nothing unknown inside)",
    c.AS_SIG,
)
def signature_shape(ctx: c.MetadataContext) -> Iterator[Hit]:
    yield from c.signature_shape_hits(ctx.root, ctx.root.find(f"{{{DS}}}Signature"))


@rule("META-SIGNATURE-VALID", E, "metadata", "with --cert: the signature verifies with that certificate", c.AS_SIG)
def signature_valid(ctx: c.MetadataContext) -> Iterator[Hit]:
    if ctx.trusted is None or ctx.root.find(f"{{{DS}}}Signature") is None:
        return
    try:
        verify_element(ctx.root, TrustSet.from_certificates(ctx.trusted))
    except EhkitError as exc:
        yield (path_of(ctx.root), f"signature does not verify: {exc.message} ({exc.reason})")


@rule(
    "META-ENTITYID",
    E,
    "metadata",
    "the root is an EntityDescriptor whose entityID reads urn:etoegang:DV:<OIN>:entities:<index>",
    c.AS_DVMD,
)
def entity_id(ctx: c.MetadataContext) -> Iterator[Hit]:
    if ctx.root.tag != md("EntityDescriptor"):
        yield (path_of(ctx.root), "the root must be one md:EntityDescriptor (one per service group)")
        return
    value = ctx.root.get("entityID", "")
    if not c.DV_ENTITY_RE.match(value):
        yield (path_of(ctx.root), f"entityID {value!r} is not a DV EntityID (urn:etoegang:DV:<OIN>:entities:<n>)")


@rule(
    "META-SPSSO",
    E,
    "metadata",
    'exactly one SPSSODescriptor, with AuthnRequestsSigned="true" and WantAssertionsSigned="true", and no other role',
    c.AS_DVMD,
)
def spsso(ctx: c.MetadataContext) -> Iterator[Hit]:
    descriptors = _descriptors(ctx)
    if len(descriptors) != 1:
        yield (path_of(ctx.root), f"{len(descriptors)} SPSSODescriptors; exactly one is required")
    for sp in descriptors:
        for attr in ("AuthnRequestsSigned", "WantAssertionsSigned"):
            if sp.get(attr) not in ("true", "1"):
                yield (path_of(sp), f'{attr} must be "true"')
    for role in (
        "IDPSSODescriptor",
        "RoleDescriptor",
        "AuthnAuthorityDescriptor",
        "AttributeAuthorityDescriptor",
        "PDPDescriptor",
        "AffiliationDescriptor",
    ):
        for el in ctx.root.findall(md(role)):
            yield (path_of(el), f"{role} does not belong in DV metadata")


@rule(
    "META-NAMEIDFORMAT",
    E,
    "metadata",
    "no NameIDFormat (not in the AS table; brokers reject it)",
    f"{c.AS_DVMD}; {c.MAYKIN_124A}",
)
def nameidformat(ctx: c.MetadataContext) -> Iterator[Hit]:
    for el in ctx.root.iter(md("NameIDFormat")):
        yield (path_of(el), "remove NameIDFormat")


@rule(
    "META-KEYDESCRIPTOR-USE",
    E,
    "metadata",
    'KeyDescriptor has no use attribute (one certificate signs and decrypts; KPN rejects use="signing")',
    f"{c.AS_DVMD}; {c.KPN_FEEDBACK}",
)
def keydescriptor_use(ctx: c.MetadataContext) -> Iterator[Hit]:
    for sp in _descriptors(ctx):
        for kd in sp.findall(md("KeyDescriptor")):
            if kd.get("use") is not None:
                yield (path_of(kd), f'remove use="{kd.get("use")}"')


@rule(
    "META-KEYNAME",
    E,
    "metadata",
    "every KeyDescriptor has an X509Certificate and a KeyName equal to its SHA-256 hex fingerprint",
    c.AS_DVMD,
)
def keyname(ctx: c.MetadataContext) -> Iterator[Hit]:
    descriptors = [kd for sp in _descriptors(ctx) for kd in sp.findall(md("KeyDescriptor"))]
    if _descriptors(ctx) and not descriptors:
        yield (path_of(_descriptors(ctx)[0]), "no KeyDescriptor: the broker cannot check the DV's signatures")
    for kd in descriptors:
        entry = read_key_descriptor(kd)
        if entry.certificate is None:
            yield (path_of(kd), entry.problem or "no certificate")
            continue
        expected = key_name_sha256(entry.certificate)
        if entry.key_name != expected:
            yield (path_of(kd), f"KeyName {entry.key_name!r} must be the SHA-256 fingerprint {expected}")


@rule(
    "META-ONE-CERT",
    W,
    "metadata",
    "one certificate: the current one, or only the next one once its activation is reached",
    c.NEXT_CERT,
)
def one_cert(ctx: c.MetadataContext) -> Iterator[Hit]:
    for sp in _descriptors(ctx):
        kds = sp.findall(md("KeyDescriptor"))
        if len(kds) > 1:
            yield (path_of(sp), f"{len(kds)} KeyDescriptors; brokers want one certificate")


@rule(
    "META-CERT-VALIDITY", W, "metadata", "the published certificate is valid now and for at least 30 more days", c.PKIO
)
def cert_validity(ctx: c.MetadataContext) -> Iterator[Hit]:
    for sp in _descriptors(ctx):
        for kd in sp.findall(md("KeyDescriptor")):
            cert = read_key_descriptor(kd).certificate
            if cert is None:
                continue
            if cert.not_valid_after_utc < ctx.now:
                yield (path_of(kd), f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
            elif cert.not_valid_after_utc < ctx.now + c.EXPIRY_WARNING:
                yield (path_of(kd), f"the certificate expires on {cert.not_valid_after_utc:%Y-%m-%d}")
            elif cert.not_valid_before_utc > ctx.now:
                yield (path_of(kd), f"the certificate is only valid from {cert.not_valid_before_utc:%Y-%m-%d}")


@rule("META-NO-VALIDITY", E, "metadata", "no validUntil or cacheDuration anywhere", c.MAYKIN_124A)
def no_validity(ctx: c.MetadataContext) -> Iterator[Hit]:
    for el in ctx.root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("validUntil", "cacheDuration"):
            if el.get(attr) is not None:
                yield (path_of(el), f"remove {attr}")


@rule(
    "META-ACS",
    E,
    "metadata",
    "an AssertionConsumerService with the HTTP-Artifact binding is the default, "
    "locations use https, bindings are Artifact or POST, indexes unique",
    f"{c.AS_DVMD}; {c.MAYKIN_124A}",
)
def acs(ctx: c.MetadataContext) -> Iterator[Hit]:
    for sp in _descriptors(ctx):
        services = sp.findall(md("AssertionConsumerService"))
        artifact = [a for a in services if a.get("Binding") == ARTIFACT_BINDING]
        if not artifact:
            yield (path_of(sp), "no AssertionConsumerService with the HTTP-Artifact binding")
        defaults = [a for a in services if a.get("isDefault") in ("true", "1")]
        if artifact and defaults and defaults[0].get("Binding") != ARTIFACT_BINDING:
            yield (path_of(defaults[0]), "the default AssertionConsumerService should use the Artifact binding")
        indexes = Counter(a.get("index") for a in services)
        for a in services:
            if a.get("Binding") not in (ARTIFACT_BINDING, POST_BINDING):
                yield (path_of(a), f"binding {a.get('Binding')!r} is not used by eHerkenning")
            location = urlsplit(a.get("Location", ""))
            local = location.scheme == "http" and location.hostname in ("127.0.0.1", "localhost", "::1")
            if location.scheme != "https" and not local:
                yield (path_of(a), f"Location {a.get('Location')!r} must use https")
            if indexes[a.get("index")] > 1:
                yield (path_of(a), f"index {a.get('index')} is used twice")


@rule(
    "META-ATTRCS",
    E,
    "metadata",
    'at least one AttributeConsumingService, exactly one with isDefault="true", indexes unique',
    c.MAYKIN_124A,
)
def attribute_consuming(ctx: c.MetadataContext) -> Iterator[Hit]:
    for sp in _descriptors(ctx):
        services = sp.findall(md("AttributeConsumingService"))
        if not services:
            yield (path_of(sp), "no AttributeConsumingService: the broker cannot find the service")
            continue
        defaults = [a for a in services if a.get("isDefault") in ("true", "1")]
        if len(defaults) != 1:
            yield (path_of(sp), f'{len(defaults)} AttributeConsumingServices have isDefault="true"; exactly one must')
        indexes = Counter(a.get("index") for a in services)
        for a in services:
            if indexes[a.get("index")] > 1:
                yield (path_of(a), f"index {a.get('index')} is used twice")


@rule(
    "META-SERVICEID",
    E,
    "metadata",
    "every AttributeConsumingService has a RequestedAttribute whose Name is "
    "the ServiceID urn:etoegang:DV:<entity OIN>:services:<its index>",
    f"{c.MAYKIN_124A}; {c.AS_SERVICEID}",
)
def service_id(ctx: c.MetadataContext) -> Iterator[Hit]:
    m = c.DV_ENTITY_RE.match(ctx.root.get("entityID", ""))
    oin = m.group(1) if m else None
    for acs_el in _acs_list(ctx):
        expected = f"urn:etoegang:DV:{oin}:services:{acs_el.get('index')}" if oin else None
        ids = _service_ids(acs_el)
        if not ids:
            yield (
                path_of(acs_el),
                "no RequestedAttribute naming the ServiceID" + (f" ({expected})" if expected else ""),
            )
        elif expected and expected not in ids:
            yield (
                path_of(acs_el),
                f"ServiceID {ids[0]} does not match index {acs_el.get('index')} and the entity OIN "
                f"(expected {expected})",
            )


@rule(
    "META-IDENTIFYING-ATTR",
    E,
    "metadata",
    "no RequestedAttribute names an identifier (KvKnr, RSIN, BSN, Pseudo...)",
    f"{c.AS_IDK}; {c.KPN_FEEDBACK}",
)
def identifying(ctx: c.MetadataContext) -> Iterator[Hit]:
    for acs_el in _acs_list(ctx):
        for req in acs_el.findall(md("RequestedAttribute")):
            if is_identifying(req.get("Name", "")):
                yield (path_of(req), f"{req.get('Name')} is an identifier; brokers reject it as a RequestedAttribute")


@rule(
    "META-SERVICE-NAME", W, "metadata", "every AttributeConsumingService has a ServiceName in nl and en", c.MAYKIN_124A
)
def service_name(ctx: c.MetadataContext) -> Iterator[Hit]:
    for acs_el in _acs_list(ctx):
        langs = {el.get(XML_LANG) for el in acs_el.findall(md("ServiceName"))}
        missing = {"nl", "en"} - langs
        if missing:
            yield (path_of(acs_el), f"ServiceName has no {' and '.join(sorted(missing))} version")


@rule("META-CONTACT", E, "metadata", "an administrative ContactPerson with an EmailAddress", c.KPN_FEEDBACK)
def contact(ctx: c.MetadataContext) -> Iterator[Hit]:
    admins = [p for p in ctx.root.findall(md("ContactPerson")) if p.get("contactType") == "administrative"]
    if not admins:
        yield (path_of(ctx.root), "no administrative ContactPerson (set [dv.contact] in ehkit.toml)")
    for person in admins:
        if person.find(md("EmailAddress")) is None:
            yield (path_of(person), "the administrative contact has no EmailAddress")


@rule("META-ORGANIZATION", W, "metadata", "an Organization element (name, display name, URL)", c.AS_DVMD)
def organization(ctx: c.MetadataContext) -> Iterator[Hit]:
    if ctx.root.tag == md("EntityDescriptor") and ctx.root.find(md("Organization")) is None:
        yield (path_of(ctx.root), "no Organization (set dv.organization_url in ehkit.toml)")


@rule(
    "META-SSO-SLO",
    E,
    "metadata",
    "with --catalogue: a service with SSOSupport has a SingleLogoutService (Redirect or POST) in its metadata",
    c.AS_SSO,
)
def sso_needs_slo(ctx: c.MetadataContext) -> Iterator[Hit]:
    if ctx.catalogue is None:
        ctx.notes.append("META-SSO-SLO not checked: pass --catalogue to know which services use single sign-on")
        return
    sso = {v.instance.service_id for v in ctx.catalogue.services() if (v.instance.sso or "").strip() in ("true", "1")}
    bindings = {"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"}
    for sp in _descriptors(ctx):
        services = {sid for acs_el in sp.findall(md("AttributeConsumingService")) for sid in _service_ids(acs_el)}
        with_sso = sorted(services & sso)
        has_slo = any(e.get("Binding") in bindings and e.get("Location") for e in sp.findall(md("SingleLogoutService")))
        if with_sso and not has_slo:
            yield (
                path_of(sp),
                f"{', '.join(with_sso)} declare SSOSupport, so the DV must offer single logout: publish a "
                "SingleLogoutService (set dv.slo_url in ehkit.toml)",
            )


# ---------------------------------------------------------------- broker profiles


@rule(
    "KPN-SPLIT-METADATA",
    E,
    "metadata",
    "with --catalogue: eIDAS-inbound services and eHerkenning services are not in the same EntityDescriptor",
    c.KPN_SPLIT,
    profile="kpn",
)
def kpn_split(ctx: c.MetadataContext) -> Iterator[Hit]:
    if ctx.catalogue is None:
        ctx.notes.append("KPN-SPLIT-METADATA not checked: pass --catalogue to know which services are eIDAS")
        return
    eidas = {v.instance.service_id for v in ctx.catalogue.services() if EIDAS_INBOUND in v.instance.classifiers}
    kinds = {}
    for acs_el in _acs_list(ctx):
        for sid in _service_ids(acs_el):
            kinds[sid] = sid in eidas
    if len(set(kinds.values())) > 1:
        mixed = ", ".join(f"{sid} ({'eIDAS' if flag else 'eHerkenning'})" for sid, flag in sorted(kinds.items()))
        yield (
            path_of(ctx.root),
            f"eIDAS and eHerkenning services in one EntityDescriptor: {mixed}; publish them "
            "as separate metadata groups",
        )


@rule(
    "ONEWELCOME-ONE-CERT",
    E,
    "metadata",
    "exactly one KeyDescriptor (one PKIoverheid certificate per connection)",
    c.ONEWELCOME,
    profile="onewelcome",
)
def onewelcome_one_cert(ctx: c.MetadataContext) -> Iterator[Hit]:
    for sp in _descriptors(ctx):
        count = len(sp.findall(md("KeyDescriptor")))
        if count != 1:
            yield (path_of(sp), f"{count} KeyDescriptors; exactly one certificate is expected")
