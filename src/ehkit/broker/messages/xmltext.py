"""Building nested signed messages by text, never by moving subtrees.

A signed assertion has to keep its exact namespace prefixes inside the message
that carries it; lxml may rewrite prefixes when a subtree moves between
documents (shared/research/pitfalls.md). So every signed part is serialized as
a standalone document and spliced into its parent's text at a placeholder,
and the result is parsed again before the parent is signed.
"""

from __future__ import annotations

from lxml import etree

from ehkit.xml.ns import DS, SAML, SAMLP, XACML_CONTEXT, XACML_SAML, XENC, XS, XSI

#: Prefixes as the real 2023 message uses them.
NS_HM = {"saml2p": SAMLP, "saml2": SAML, "xacml-saml": XACML_SAML, "xs": XS, "xsd": XS}
#: The PrefixList of the HM's signatures in the 2023 message.
HM_INCLUSIVE = ("xacml-saml", "xs", "xsd")
MR_INCLUSIVE = ("xacml-saml",)

_PLACEHOLDER = "__ehkit_splice_{}__"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)

__all__ = [
    "DS",
    "HM_INCLUSIVE",
    "MR_INCLUSIVE",
    "NS_HM",
    "SAML",
    "SAMLP",
    "XACML_CONTEXT",
    "XACML_SAML",
    "XENC",
    "XS",
    "XSI",
    "el",
    "normalize",
    "parse_own",
    "placeholder",
    "serialize",
    "splice",
]


def el(
    parent: etree._Element | None,
    ns: str,
    local: str,
    text: str | None = None,
    nsmap: dict[str, str] | None = None,
    **attrs: str | None,
) -> etree._Element:
    """Element (or sub-element) with attributes in document order; ``None`` values are skipped."""
    tag = "{%s}%s" % (ns, local)
    node = etree.Element(tag, nsmap=nsmap) if parent is None else etree.SubElement(parent, tag, nsmap=nsmap)
    for key, value in attrs.items():
        if value is not None:
            node.set(key, value)
    if text is not None:
        node.text = text
    return node


def placeholder(parent: etree._Element, key: str) -> None:
    """Mark where :func:`splice` will put a signed fragment."""
    parent.append(etree.Comment(_PLACEHOLDER.format(key)))


def serialize(root: etree._Element) -> bytes:
    """A root element as UTF-8 without an XML declaration, ready for splicing."""
    return etree.tostring(root, encoding="utf-8")


def splice(outer: etree._Element, fragments: dict[str, bytes]) -> etree._Element:
    """Serialize ``outer``, replace each placeholder by its fragment's text, parse again."""
    text = serialize(outer)
    for key, fragment in fragments.items():
        marker = b"<!--" + _PLACEHOLDER.format(key).encode() + b"-->"
        if text.count(marker) != 1:
            raise ValueError(f"placeholder {key} must appear exactly once")
        text = text.replace(marker, _strip_declaration(fragment))
    return parse_own(text)


def normalize(root: etree._Element) -> etree._Element:
    """Serialize and parse again before signing: subtrees appended from other
    documents (encrypt_element's output) can carry namespace bookkeeping that
    canonicalisation reads differently from the serialized text the receiver
    parses. Signing the re-parsed tree signs exactly what is sent."""
    return parse_own(serialize(root))


def parse_own(xml: bytes) -> etree._Element:
    """Parse XML we built ourselves (no limits needed; no DTD or network either way)."""
    return etree.fromstring(xml, _PARSER)  # noqa: TID251 - our own output


def _strip_declaration(xml: bytes) -> bytes:
    xml = xml.lstrip()
    if xml.startswith(b"<?xml"):
        xml = xml[xml.index(b"?>") + 2 :].lstrip()
    return xml
