"""Reading the broker's (HM) SAML metadata: the DV's trust anchor.

Metadata is only used after its signature verified against certificates the DV
pinned (or a CA chain plus the broker's OIN, checked by the caller); the keys
found inside then become the trust set for messages. ``validUntil`` is honoured:
expired metadata is refused rather than silently used.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from cryptography import x509
from lxml import etree

from ehkit.errors import EhkitError
from ehkit.saml import constants as c
from ehkit.saml.timefmt import format_instant, parse_instant
from ehkit.xml.ns import DS, MD, q
from ehkit.xml.parse import ParseLimits, parse_document
from ehkit.xml.signature import find_signature, verify_element
from ehkit.xml.trust import TrustSet


class MetadataError(EhkitError):
    reason = "metadata_invalid"


_DURATION_RE = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str) -> timedelta:
    """xs:duration as used by cacheDuration (years and months approximated)."""
    m = _DURATION_RE.match(text.strip())
    if not m or text.strip() in ("P", "PT"):
        raise MetadataError(f"cacheDuration {text!r} is not an xs:duration", reason="metadata_malformed")
    y, mo, d, h, mi, s = m.groups()
    return timedelta(
        days=int(y or 0) * 365 + int(mo or 0) * 30 + int(d or 0),
        hours=int(h or 0),
        minutes=int(mi or 0),
        seconds=float(s or 0),
    )


@dataclass(frozen=True)
class Endpoint:
    binding: str
    location: str
    index: int | None = None
    is_default: bool = False


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    sso: tuple[Endpoint, ...]
    artifact_resolution: tuple[Endpoint, ...]
    slo: tuple[Endpoint, ...]
    signing_certificates: tuple[x509.Certificate, ...]
    encryption_certificates: tuple[x509.Certificate, ...]
    key_names: tuple[str, ...]
    want_authn_requests_signed: bool
    valid_until: datetime | None
    cache_duration: timedelta | None
    interface_version: str | None
    name_id_formats: tuple[str, ...] = field(default_factory=tuple)
    signed: bool = False

    def trust_set(self) -> TrustSet:
        return TrustSet.from_certificates(self.signing_certificates, label=self.entity_id)

    def sso_url(self, binding: str) -> str:
        for ep in self.sso:
            if ep.binding == binding:
                return ep.location
        raise MetadataError(
            f"the broker metadata has no SingleSignOnService for {binding}", reason="metadata_no_endpoint"
        )

    def artifact_resolution_url(self, index: int | None = None) -> str:
        soap = [ep for ep in self.artifact_resolution if ep.binding == c.BINDING_SOAP]
        if not soap:
            raise MetadataError(
                "the broker metadata has no SOAP ArtifactResolutionService", reason="metadata_no_endpoint"
            )
        if index is not None:
            for ep in soap:
                if ep.index == index:
                    return ep.location
        defaults = [ep for ep in soap if ep.is_default]
        return (defaults or sorted(soap, key=lambda e: e.index or 0))[0].location


def _certs_of(descriptor: etree._Element, use: str) -> tuple[list[x509.Certificate], list[str]]:
    certs: list[x509.Certificate] = []
    names: list[str] = []
    for kd in descriptor.findall(q(MD, "KeyDescriptor")):
        kd_use = kd.get("use")
        if kd_use is not None and kd_use != use:
            continue
        for ki in kd.findall(q(DS, "KeyInfo")):
            for kn in ki.findall(q(DS, "KeyName")):
                if kn.text and kn.text.strip():
                    names.append(kn.text.strip().lower())
            for xc in ki.iterfind(f"{q(DS, 'X509Data')}/{q(DS, 'X509Certificate')}"):
                try:
                    der = base64.b64decode("".join((xc.text or "").split()), validate=True)
                    certs.append(x509.load_der_x509_certificate(der))
                except (binascii.Error, ValueError) as exc:
                    raise MetadataError(
                        f"unreadable certificate in metadata: {exc}", reason="metadata_malformed"
                    ) from None
    return certs, names


def _endpoints(descriptor: etree._Element, local: str) -> tuple[Endpoint, ...]:
    out = []
    for ep in descriptor.findall(q(MD, local)):
        idx = ep.get("index")
        out.append(
            Endpoint(
                binding=ep.get("Binding", ""),
                location=ep.get("Location", ""),
                index=int(idx) if idx and idx.isdigit() else None,
                is_default=ep.get("isDefault") == "true",
            )
        )
    return tuple(out)


def parse_idp_metadata(
    xml: bytes,
    *,
    trust: TrustSet | None,
    now: datetime,
    entity_id: str | None = None,
    require_signature: bool = True,
    limits: ParseLimits = ParseLimits(max_bytes=2 * 1024 * 1024, max_depth=64, max_elements=50_000),
) -> IdpMetadata:
    """Parse HM metadata (EntityDescriptor or EntitiesDescriptor).

    The signature is checked on the root, or on the chosen EntityDescriptor when
    the root is unsigned. ``trust`` holds the pinned certificates.
    """
    try:
        root = parse_document(xml, limits).root
    except EhkitError as exc:
        raise MetadataError(f"metadata is not acceptable XML: {exc}", reason="metadata_malformed") from None
    if root.tag == q(MD, "EntitiesDescriptor"):
        candidates = root.findall(q(MD, "EntityDescriptor"))
    elif root.tag == q(MD, "EntityDescriptor"):
        candidates = [root]
    else:
        raise MetadataError(
            "not SAML metadata (EntityDescriptor/EntitiesDescriptor expected)", reason="metadata_malformed"
        )
    with_idp = [e for e in candidates if e.find(q(MD, "IDPSSODescriptor")) is not None]
    if entity_id is not None:
        with_idp = [e for e in with_idp if e.get("entityID") == entity_id]
    if len(with_idp) != 1:
        wanted = f" for {entity_id}" if entity_id else ""
        raise MetadataError(
            f"expected exactly one IdP EntityDescriptor{wanted}, found {len(with_idp)}", reason="metadata_entity"
        )
    entity = with_idp[0]

    signed = False
    signed_el = root if find_signature(root) is not None else (entity if find_signature(entity) is not None else None)
    if signed_el is not None and trust is not None:
        try:
            verify_element(signed_el, trust)
        except EhkitError as exc:
            raise MetadataError(f"metadata signature: {exc}", reason="metadata_signature") from None
        signed = True
    elif require_signature:
        raise MetadataError(
            "metadata is not signed, or no pinned certificates are configured", reason="metadata_unsigned"
        )

    valid_until = None
    for el in (root, entity):
        vu = el.get("validUntil")
        if vu:
            t = parse_instant(vu, "validUntil")
            valid_until = t if valid_until is None else min(valid_until, t)
    if valid_until is not None and valid_until <= now:
        raise MetadataError(f"metadata expired at {format_instant(valid_until)}", reason="metadata_expired")
    cache = None
    for el in (root, entity):
        cd = el.get("cacheDuration")
        if cd:
            d = parse_duration(cd)
            cache = d if cache is None else min(cache, d)

    idp = entity.find(q(MD, "IDPSSODescriptor"))
    if idp is None:  # only entities with one were selected above
        raise MetadataError("the EntityDescriptor has no IDPSSODescriptor", reason="metadata_entity")
    signing, names = _certs_of(idp, "signing")
    encryption, enc_names = _certs_of(idp, "encryption")
    if not signing:
        raise MetadataError("the IdP descriptor has no signing certificate", reason="metadata_no_keys")
    try:
        TrustSet.from_certificates(signing)
    except EhkitError as exc:
        raise MetadataError(str(exc), reason="metadata_weak_key") from None
    version = None
    for k, v in cast("list[tuple[str, str]]", entity.attrib.items()):  # parsed XML: names and values are str
        if k.endswith("}version") and "etoegang" in k:
            version = v
    return IdpMetadata(
        entity_id=entity.get("entityID", ""),
        sso=_endpoints(idp, "SingleSignOnService"),
        artifact_resolution=_endpoints(idp, "ArtifactResolutionService"),
        slo=_endpoints(idp, "SingleLogoutService"),
        signing_certificates=tuple(signing),
        encryption_certificates=tuple(encryption or signing),
        key_names=tuple(dict.fromkeys(names + enc_names)),
        want_authn_requests_signed=idp.get("WantAuthnRequestsSigned") == "true",
        valid_until=valid_until,
        cache_duration=cache,
        interface_version=version,
        name_id_formats=tuple((n.text or "").strip() for n in idp.findall(q(MD, "NameIDFormat"))),
        signed=signed,
    )
