"""Hardened XML parsing: the single entry point for bytes from outside.

SAML never needs a DTD, entities, XInclude or processing instructions, so the
parser refuses them outright instead of trying to process them safely. That one
rule removes XXE, entity bombs and the DTD-based parser differentials of the
ruby-saml 2025 series. Size, depth and element-count limits bound the work an
unauthenticated sender can cause before any signature is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ehkit.errors import XmlLimitError, XmlParseError
from ehkit.xml.ns import XINCLUDE

_ID_ATTRS = ("ID", "Id", "id", "{http://www.w3.org/XML/1998/namespace}id")
_XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.S)


@dataclass(frozen=True)
class ParseLimits:
    """Bounds applied before any cryptography. Defaults fit real eHerkenning
    messages (10-30 KiB, depth < 20, a few hundred elements) with wide margin."""

    max_bytes: int = 256 * 1024
    max_depth: int = 64
    max_elements: int = 5000


DEFAULT_LIMITS = ParseLimits()


def _make_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
        recover=False,
    )


_PARSER = _make_parser()


@dataclass
class ParsedDocument:
    """A parsed document with its ID index. ``ids`` maps every SAML ``ID``
    value to its element; the parse already refused duplicates."""

    root: etree._Element
    ids: dict[str, etree._Element]


def parse_xml(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> etree._Element:
    """Parse untrusted bytes into an element, or raise a typed error."""
    return parse_document(data, limits).root


def parse_document(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> ParsedDocument:
    if not isinstance(data, (bytes, bytearray)):
        raise XmlParseError("XML input must be bytes", reason="xml_not_bytes")
    if len(data) > limits.max_bytes:
        raise XmlLimitError(
            f"XML message of {len(data)} bytes exceeds the limit of {limits.max_bytes} bytes",
            reason="xml_too_large",
        )
    if not data.strip():
        raise XmlParseError("XML message is empty", reason="xml_empty")
    head = bytes(data[:4])
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or b"\x00" in head:
        raise XmlParseError("only UTF-8 XML is accepted (UTF-16/32 byte order mark or NUL found)", reason="xml_encoding")
    m = _XML_DECL_RE.match(data[:200])
    if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise XmlParseError(
            f"only UTF-8 XML is accepted, the declaration says {m.group(1).decode('ascii', 'replace')}",
            reason="xml_encoding",
        )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlParseError("XML with a DOCTYPE or entity declaration is refused", reason="xml_dtd")
    try:
        root = etree.fromstring(bytes(data), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlParseError(f"malformed XML: {exc.msg if hasattr(exc, 'msg') else exc}", reason="xml_malformed") from None
    except (ValueError, MemoryError) as exc:
        raise XmlParseError(f"XML could not be parsed: {exc.__class__.__name__}", reason="xml_malformed") from None
    return _check_tree(root, limits)


def _check_tree(root: etree._Element, limits: ParseLimits) -> ParsedDocument:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlParseError("XML with a DOCTYPE is refused", reason="xml_dtd")
    # Anything next to the root (a processing instruction such as xml-stylesheet) is refused.
    if root.getprevious() is not None or root.getnext() is not None:
        sibling = root.getprevious() if root.getprevious() is not None else root.getnext()
        if not isinstance(sibling, etree._Comment):
            raise XmlParseError("processing instructions are refused", reason="xml_pi")

    ids: dict[str, etree._Element] = {}
    seen: set[str] = set()
    count = 0
    depth = 0
    max_depth = limits.max_depth
    max_elements = limits.max_elements
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        count += 1
        if depth > max_depth:
            raise XmlLimitError(f"XML nesting deeper than {max_depth} levels", reason="xml_too_deep")
        if count > max_elements:
            raise XmlLimitError(f"XML has more than {max_elements} elements", reason="xml_too_many_elements")
        tag = el.tag
        if not isinstance(tag, str):
            if isinstance(el, etree._ProcessingInstruction):
                raise XmlParseError("processing instructions are refused", reason="xml_pi")
            if isinstance(el, etree._Entity):
                raise XmlParseError("entity references are refused", reason="xml_dtd")
            continue
        if tag.startswith("{" + XINCLUDE + "}"):
            raise XmlParseError("XInclude elements are refused", reason="xml_xinclude")
        attrib = el.attrib
        if attrib:
            for name in _ID_ATTRS:
                value = attrib.get(name)
                if value is not None:
                    if value in seen:
                        raise XmlParseError(f"duplicate ID {value[:80]!r} in the document", reason="duplicate_id")
                    seen.add(value)
                    if name == "ID":
                        ids[value] = el
    return ParsedDocument(root=root, ids=ids)


def element_text(el: etree._Element) -> str:
    """All text of an element, ignoring comments; refuse child elements.

    Using ``el.text`` would return only the first text node, so a signed value
    ``1234<!---->5678`` would read as ``1234`` (CVE-2017-11427 family).
    """
    for child in el:
        if isinstance(child.tag, str):
            raise XmlParseError(f"element {etree.QName(el).localname} must hold only text", reason="xml_unexpected_child")
    return "".join(el.xpath("text()"))
