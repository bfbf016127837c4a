"""ArtifactResolve (DV -> HM over SOAP) and ArtifactResponse (HM -> DV).

Both are signed. The ArtifactResponse's own Status is always Success in
eHerkenning; errors travel in the inner Response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ehkit.errors import EhkitError, LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.common import NSMAP_P, child, children, issuer_of, sub, text
from ehkit.saml.ids import new_id
from ehkit.saml.timefmt import format_instant, parse_instant
from ehkit.xml.ns import SAML, SAMLP, q
from ehkit.xml.parse import ParsedDocument
from ehkit.xml.signature import VerifiedSignature, find_signature, sign_element, verify_element
from ehkit.xml.trust import TrustSet


def build_artifact_resolve(
    artifact: str,
    *,
    issuer: str,
    destination: str,
    now: datetime,
    key: rsa.RSAPrivateKey,
    key_name: str | None,
    request_id: str | None = None,
) -> etree._Element:
    el = etree.Element(q(SAMLP, "ArtifactResolve"), nsmap=NSMAP_P)
    el.set("ID", request_id or new_id())
    el.set("Version", "2.0")
    el.set("IssueInstant", format_instant(now))
    el.set("Destination", destination)
    sub(el, SAML, "Issuer", issuer)
    sub(el, SAMLP, "Artifact", artifact)
    sign_element(el, key, key_name=key_name)
    return el


@dataclass(frozen=True)
class ArtifactResolveMessage:
    id: str
    issuer: str
    artifact: str
    destination: str | None
    issue_instant: datetime
    signature: VerifiedSignature | None


def parse_artifact_resolve(
    el: etree._Element, trust_for_issuer: Callable[[str], TrustSet | None]
) -> ArtifactResolveMessage:
    """``trust_for_issuer(entity_id) -> TrustSet | None`` picks the keys of the claimed sender."""
    if el.tag != q(SAMLP, "ArtifactResolve") or el.get("Version") != "2.0":
        raise LoginRejected("not a SAML 2.0 ArtifactResolve", reason="artifact_resolve_malformed")
    issuer = issuer_of(el)
    if not issuer:
        raise LoginRejected("ArtifactResolve has no Issuer", reason="artifact_resolve_malformed")
    trust = trust_for_issuer(issuer)
    if trust is None:
        raise LoginRejected(f"unknown requester {issuer[:100]}", reason="issuer_unknown")
    if find_signature(el) is None:
        raise LoginRejected("ArtifactResolve is not signed", reason="signature_missing")
    try:
        verified = verify_element(el, trust)
    except EhkitError as exc:
        raise LoginRejected(f"ArtifactResolve signature: {exc}", reason=exc.reason) from None
    art = text(child(el, q(SAMLP, "Artifact"), required=True))
    return ArtifactResolveMessage(
        id=el.get("ID") or "",
        issuer=issuer,
        artifact=art or "",
        destination=el.get("Destination"),
        issue_instant=parse_instant(el.get("IssueInstant"), "IssueInstant"),
        signature=verified,
    )


def build_artifact_response(
    message_xml: bytes | None,
    *,
    in_response_to: str,
    issuer: str,
    now: datetime,
    key: rsa.RSAPrivateKey | None,
    key_name: str | None,
    inclusive_prefixes: tuple[str, ...] = (),
) -> etree._Element:
    """Wrap a (serialized) Response. It is inserted as parsed text, never as a
    moved subtree, so its signatures keep their exact prefixes (pitfalls.md)."""
    el = etree.Element(q(SAMLP, "ArtifactResponse"), nsmap=NSMAP_P)
    el.set("ID", new_id())
    el.set("InResponseTo", in_response_to)
    el.set("Version", "2.0")
    el.set("IssueInstant", format_instant(now))
    sub(el, SAML, "Issuer", issuer)
    status = sub(el, SAMLP, "Status")
    sub(status, SAMLP, "StatusCode", Value=c.STATUS_SUCCESS)
    if message_xml is not None:
        # Spliced in as text and parsed again: appending a parsed subtree lets lxml rewrite
        # nested prefixes (saml: under saml2:), which breaks the inner signatures (pitfalls.md).
        marker = b"<!--ehkit-message-->"
        el.append(etree.Comment("ehkit-message"))
        text = etree.tostring(el, encoding="utf-8").replace(marker, _without_declaration(message_xml), 1)
        el = etree.fromstring(text)  # noqa: TID251 - our own serialization of a message we built
    if key is not None:
        sign_element(el, key, key_name=key_name, inclusive_prefixes=inclusive_prefixes)
    return el


def _without_declaration(xml: bytes) -> bytes:
    xml = xml.lstrip()
    return xml[xml.index(b"?>") + 2 :].lstrip() if xml.startswith(b"<?xml") else xml


@dataclass(frozen=True)
class ArtifactResponseMessage:
    id: str
    in_response_to: str | None
    issuer: str | None
    element: etree._Element
    message: etree._Element | None
    signature: VerifiedSignature


def parse_artifact_response(el: etree._Element, doc: ParsedDocument, trust: TrustSet) -> ArtifactResponseMessage:
    """Verify the ArtifactResponse signature and return the inner message element."""
    if el.tag != q(SAMLP, "ArtifactResponse"):
        raise LoginRejected("expected an ArtifactResponse", reason="artifact_response_malformed")
    if el.get("Version") != "2.0":
        raise LoginRejected("ArtifactResponse Version must be 2.0", reason="version_unsupported")
    if find_signature(el) is None:
        raise LoginRejected("the ArtifactResponse is not signed", reason="signature_missing")
    try:
        verified = verify_element(el, trust)
    except EhkitError as exc:
        raise LoginRejected(f"ArtifactResponse signature: {exc}", reason=exc.reason) from None
    status = child(el, q(SAMLP, "Status"), required=True)
    code = child(status, q(SAMLP, "StatusCode"), required=True)
    if code.get("Value") != c.STATUS_SUCCESS:
        raise LoginRejected("the broker could not resolve the artifact", reason="artifact_not_resolved")
    allowed = {
        q(SAML, "Issuer"),
        q("http://www.w3.org/2000/09/xmldsig#", "Signature"),
        q(SAMLP, "Status"),
        q(SAMLP, "Extensions"),
    }
    rest = [x for x in children(el) if x.tag not in allowed]
    if len(rest) > 1:
        raise LoginRejected("ArtifactResponse carries more than one message", reason="artifact_response_malformed")
    return ArtifactResponseMessage(
        id=el.get("ID") or "",
        in_response_to=el.get("InResponseTo"),
        issuer=issuer_of(el),
        element=el,
        message=rest[0] if rest else None,
        signature=verified,
    )
