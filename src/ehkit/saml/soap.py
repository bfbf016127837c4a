"""SOAP 1.1 envelopes for artifact resolution. Strict: one Body, one child, no Header processing."""

from __future__ import annotations

from lxml import etree

from ehkit.errors import LoginRejected
from ehkit.xml.ns import SOAP11, q
from ehkit.xml.parse import DEFAULT_LIMITS, ParsedDocument, ParseLimits, parse_document

CONTENT_TYPE = "text/xml; charset=utf-8"
SOAP_ACTION = "http://www.oasis-open.org/committees/security"


def wrap(payload: etree._Element) -> bytes:
    """The payload in a SOAP 1.1 envelope, spliced in as text.

    Appending the element to an envelope document would let lxml rewrite
    namespace prefixes of nested signed content that reuses a URI declared
    higher up (a ``saml:`` assertion inside a ``saml2:`` response became
    ``saml2:``), breaking its exclusive-c14n digest (research/pitfalls.md).
    """
    return wrap_serialized(etree.tostring(payload, encoding="utf-8"))


_HEAD = (
    b"<?xml version='1.0' encoding='utf-8'?>\n<soap11:Envelope xmlns:soap11=\"" + SOAP11.encode() + b'"><soap11:Body>'
)


def wrap_serialized(payload: bytes) -> bytes:
    """Like :func:`wrap` for a payload the caller already holds as serialized text
    (one root element, no XML declaration): parsing it only to serialize it again
    cost the broker simulator a 27 KB parse per artifact resolution."""
    return _HEAD + payload + b"</soap11:Body></soap11:Envelope>"


def unwrap(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> tuple[etree._Element, ParsedDocument]:
    """The single element inside soap:Body, parsed by the hardened parser."""
    doc = parse_document(data, limits)
    env = doc.root
    if env.tag != q(SOAP11, "Envelope"):
        raise LoginRejected("not a SOAP 1.1 envelope", reason="soap_malformed")
    kids = [c for c in env if isinstance(c.tag, str)]
    bodies = [c for c in kids if c.tag == q(SOAP11, "Body")]
    if len(bodies) != 1 or any(c.tag not in (q(SOAP11, "Header"), q(SOAP11, "Body")) for c in kids):
        raise LoginRejected("SOAP envelope must hold exactly one Body", reason="soap_malformed")
    payload = [c for c in bodies[0] if isinstance(c.tag, str)]
    if len(payload) != 1:
        raise LoginRejected("SOAP Body must hold exactly one element", reason="soap_malformed")
    if payload[0].tag == q(SOAP11, "Fault"):
        fault = payload[0].findtext("faultstring") or "SOAP fault"
        raise LoginRejected(f"the broker answered with a SOAP fault: {fault[:200]}", reason="soap_fault")
    return payload[0], doc
