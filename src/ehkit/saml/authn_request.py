"""The AuthnRequest from DV to HM: build (DV side) and parse (simulator side)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import EhkitError, LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.common import NSMAP_P, child, children, issuer_of, sub, text
from ehkit.saml.timefmt import format_instant, parse_instant
from ehkit.xml.ns import SAML, SAMLP, q
from ehkit.xml.parse import DEFAULT_LIMITS, ParseLimits, parse_document
from ehkit.xml.signature import VerifiedSignature, find_signature, sign_element, verify_element
from ehkit.xml.trust import TrustSet


@dataclass(frozen=True)
class AuthnRequest:
    id: str
    issue_instant: datetime
    destination: str
    issuer: str
    attribute_consuming_service_index: int | None
    force_authn: bool = True
    requested_loa: LevelOfAssurance | None = None
    protocol_binding: str | None = c.BINDING_ARTIFACT
    assertion_consumer_service_url: str | None = None
    assertion_consumer_service_index: int | None = None
    provider_name: str | None = None
    idp_list: tuple[str, ...] = field(default_factory=tuple)
    is_passive: bool | None = None
    consent: str | None = None

    def to_element(self) -> etree._Element:
        el = etree.Element(q(SAMLP, "AuthnRequest"), nsmap=NSMAP_P)
        el.set("ID", self.id)
        el.set("Version", "2.0")
        el.set("IssueInstant", format_instant(self.issue_instant))
        el.set("Destination", self.destination)
        if self.consent:
            el.set("Consent", self.consent)
        el.set("ForceAuthn", "true" if self.force_authn else "false")
        if self.is_passive is not None:
            el.set("IsPassive", "true" if self.is_passive else "false")
        if self.protocol_binding:
            el.set("ProtocolBinding", self.protocol_binding)
        if self.assertion_consumer_service_url:
            el.set("AssertionConsumerServiceURL", self.assertion_consumer_service_url)
        if self.assertion_consumer_service_index is not None:
            el.set("AssertionConsumerServiceIndex", str(self.assertion_consumer_service_index))
        if self.attribute_consuming_service_index is not None:
            el.set("AttributeConsumingServiceIndex", str(self.attribute_consuming_service_index))
        if self.provider_name:
            el.set("ProviderName", self.provider_name)
        sub(el, SAML, "Issuer", self.issuer)
        if self.requested_loa is not None:
            rac = sub(el, SAMLP, "RequestedAuthnContext", Comparison="minimum")
            sub(rac, SAML, "AuthnContextClassRef", self.requested_loa.urn)
        if self.idp_list:
            scoping = sub(el, SAMLP, "Scoping")
            lst = sub(scoping, SAMLP, "IDPList")
            for provider in self.idp_list:
                sub(lst, SAMLP, "IDPEntry", ProviderID=provider)
        return el

    def to_signed_xml(self, key: rsa.RSAPrivateKey, key_name: str | None) -> bytes:
        """Enveloped signature carrying only a KeyName, as the afsprakenstelsel asks."""
        el = self.to_element()
        sign_element(el, key, key_name=key_name)
        return etree.tostring(el, encoding="utf-8")

    def to_xml(self) -> bytes:
        return etree.tostring(self.to_element(), encoding="utf-8")


@dataclass(frozen=True)
class ParsedAuthnRequest:
    request: AuthnRequest
    signature: VerifiedSignature | None
    element: etree._Element


def _bool(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise LoginRejected(f"{name} must be a boolean", reason="request_malformed")


def _int(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 5:
        raise LoginRejected(f"{name} must be a small non-negative integer", reason="request_malformed")
    return int(value)


def parse_authn_request(
    xml: bytes,
    trust: TrustSet | None,
    *,
    require_signature: bool = True,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> ParsedAuthnRequest:
    """Parse and (when ``trust`` is given) verify an AuthnRequest.

    ``require_signature=False`` is for the Redirect binding, whose signature is
    on the query string and was checked before this call.
    """
    el = parse_document(xml, limits).root
    if el.tag != q(SAMLP, "AuthnRequest"):
        raise LoginRejected("not an AuthnRequest", reason="request_malformed")
    if el.get("Version") != "2.0":
        raise LoginRejected("AuthnRequest Version must be 2.0", reason="request_version")
    verified = None
    if find_signature(el) is not None and trust is not None:
        try:
            verified = verify_element(el, trust)
        except EhkitError as exc:
            raise LoginRejected(f"AuthnRequest signature: {exc}", reason=exc.reason) from None
    elif require_signature:
        raise LoginRejected("the AuthnRequest is not signed", reason="signature_missing")
    issuer = issuer_of(el)
    if not issuer:
        raise LoginRejected("AuthnRequest has no Issuer", reason="request_malformed")
    loa = None
    rac = child(el, q(SAMLP, "RequestedAuthnContext"))
    if rac is not None:
        if rac.get("Comparison", "exact") not in ("minimum", "exact"):
            raise LoginRejected(
                "RequestedAuthnContext Comparison must be minimum", reason="request_unsupported_comparison"
            )
        refs = [r for r in children(rac) if r.tag == q(SAML, "AuthnContextClassRef")]
        if len(refs) != 1:
            raise LoginRejected("RequestedAuthnContext must name exactly one level", reason="request_malformed")
        try:
            loa = LevelOfAssurance.from_urn(text(refs[0]) or "")
        except EhkitError as exc:
            raise LoginRejected(str(exc), reason=exc.reason) from None
    idps: list[str] = []
    scoping = child(el, q(SAMLP, "Scoping"))
    if scoping is not None:
        lst = child(scoping, q(SAMLP, "IDPList"))
        if lst is not None:
            idps = [e.get("ProviderID", "") for e in children(lst) if e.tag == q(SAMLP, "IDPEntry")]
    try:
        instant = parse_instant(el.get("IssueInstant"), "IssueInstant")
    except LoginRejected as exc:
        raise LoginRejected(str(exc), reason="request_malformed") from None
    req = AuthnRequest(
        id=el.get("ID") or "",
        issue_instant=instant,
        destination=el.get("Destination") or "",
        issuer=issuer,
        attribute_consuming_service_index=_int(
            el.get("AttributeConsumingServiceIndex"), "AttributeConsumingServiceIndex"
        ),
        force_authn=bool(_bool(el.get("ForceAuthn"), "ForceAuthn")),
        requested_loa=loa,
        protocol_binding=el.get("ProtocolBinding"),
        assertion_consumer_service_url=el.get("AssertionConsumerServiceURL"),
        assertion_consumer_service_index=_int(el.get("AssertionConsumerServiceIndex"), "AssertionConsumerServiceIndex"),
        provider_name=el.get("ProviderName"),
        idp_list=tuple(idps),
        is_passive=_bool(el.get("IsPassive"), "IsPassive"),
        consent=el.get("Consent"),
    )
    if not req.id:
        raise LoginRejected("AuthnRequest has no ID", reason="request_malformed")
    return ParsedAuthnRequest(req, verified, el)
