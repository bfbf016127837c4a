"""Hardened XML parsing: the single entry point for bytes from outside.

SAML never needs a DTD, entities, XInclude or processing instructions, so the
parser refuses them outright instead of trying to process them safely. That one
rule removes XXE, entity bombs and the DTD-based parser differentials of the
ruby-saml 2025 series. Size, depth and element-count limits bound the work an
unauthenticated sender can cause before any signature is checked; so do counts
of the elements that carry cryptography or identity (signatures, EncryptedKeys,
EncryptedIDs, assertions, attributes), taken over the whole document in the
same walk, wherever the elements sit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import cast

from lxml import etree

from ehkit.errors import XmlLimitError, XmlParseError
from ehkit.xml.ns import DS_SIGNATURE, SAML, XACML_CONTEXT, XENC_ENCRYPTED_KEY, XINCLUDE, q

_ID_ATTRS = ("ID", "Id", "id", "{http://www.w3.org/XML/1998/namespace}id")
_XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.S)


@dataclass(frozen=True)
class ParseLimits:
    """Bounds applied before any cryptography. Defaults fit real eHerkenning
    messages (10-30 KiB, depth < 20, a few hundred elements) with wide margin."""

    max_bytes: int = 256 * 1024
    max_depth: int = 64
    max_elements: int = 5000
    # Namespace declarations, counted as occurrences of "xmlns" (real messages: < 40 in
    # 25 KiB). None: one per 512 bytes of max_bytes (512 for messages), so the larger
    # limits used for metadata and catalogues scale along. A backstop for the c14n cost;
    # the signature profile bounds declarations in scope precisely.
    max_namespaces: int | None = None
    # Counts over the whole document. A policy bounds only what it looks at (the
    # signatures on the elements it verifies, the EncryptedIDs it decrypts); the same
    # elements anywhere else still cost work and are a place to hide. The real
    # messages in tests/data/reference hold 4-5 signatures, 1-3 EncryptedKeys and
    # EncryptedIDs, 3 assertions and 17-21 attributes (SAML and XACML); the defaults
    # leave room for chain authorisations, multi-recipient keys and many attributes.
    # None: not counted (documents that are not login messages set their own).
    max_signatures: int | None = 16
    max_encrypted_keys: int | None = 32
    max_encrypted_ids: int | None = 16
    max_assertions: int | None = 16
    max_attributes: int | None = 128

    @property
    def namespace_limit(self) -> int:
        return self.max_namespaces if self.max_namespaces is not None else max(256, self.max_bytes // 512)

    def without_counts(self) -> ParseLimits:
        """The same size, depth, element and namespace bounds for a document that is not a
        login message (metadata, a catalogue): an aggregate metadata file carries one
        signature per entity, so the message profile's counts do not apply to it."""
        return replace(
            self,
            max_signatures=None,
            max_encrypted_keys=None,
            max_encrypted_ids=None,
            max_assertions=None,
            max_attributes=None,
        )

    @cached_property
    def counted(self) -> _CountPlan:
        """Which tags are counted under which limit (built once per limits object)."""
        return _CountPlan.of(self)


# (limit field, reason, what the message calls it, the tags counted together)
_COUNTED_KINDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("max_signatures", "xml_too_many_signatures", "ds:Signature", (DS_SIGNATURE,)),
    ("max_encrypted_keys", "xml_too_many_encrypted_keys", "xenc:EncryptedKey", (XENC_ENCRYPTED_KEY,)),
    ("max_encrypted_ids", "xml_too_many_encrypted_ids", "saml:EncryptedID", (q(SAML, "EncryptedID"),)),
    ("max_assertions", "xml_too_many_assertions", "saml:Assertion", (q(SAML, "Assertion"),)),
    ("max_attributes", "xml_too_many_attributes", "Attribute", (q(SAML, "Attribute"), q(XACML_CONTEXT, "Attribute"))),
)


@dataclass(frozen=True)
class _CountPlan:
    """``slot_of`` maps a counted tag to its counter; ``caps``/``reasons``/``names`` per counter."""

    slot_of: dict[str, int]
    caps: tuple[int, ...]
    reasons: tuple[str, ...]
    names: tuple[str, ...]
    # per counter: its local names as bytes, and a pattern for their start tags in any namespace
    local_names: tuple[tuple[bytes, ...], ...] = ()
    start_tags: tuple[re.Pattern[bytes], ...] = ()

    @classmethod
    def of(cls, limits: ParseLimits) -> _CountPlan:
        slot_of: dict[str, int] = {}
        caps: list[int] = []
        reasons: list[str] = []
        names: list[str] = []
        local_names: list[tuple[bytes, ...]] = []
        start_tags: list[re.Pattern[bytes]] = []
        for field_name, reason, name, tags in _COUNTED_KINDS:
            cap = getattr(limits, field_name)
            if cap is None:
                continue
            for tag in tags:
                slot_of[tag] = len(caps)
            caps.append(cap)
            reasons.append(reason)
            names.append(name)
            local = tuple(sorted({t.rpartition("}")[2].encode("ascii") for t in tags}))
            local_names.append(local)
            alternatives = b"|".join(re.escape(n) for n in local)
            start_tags.append(re.compile(rb"<(?:[A-Za-z_][A-Za-z0-9._-]*:)?(?:" + alternatives + rb")[\s/>]"))
        return cls(slot_of, tuple(caps), tuple(reasons), tuple(names), tuple(local_names), tuple(start_tags))

    def prescan(self, data: bytes) -> None:
        """Refuse, before parsing, a large document whose bytes already hold more start
        tags of a counted element than its cap allows.

        Without a comment or CDATA section every ``<`` followed by a name is a
        start tag, so the count is exact for the local name; it ignores the namespace, so
        it can only count more than the tree does (an element of another namespace with
        the same local name). It only ever refuses earlier what would be refused anyway
        or is no login message; the counts over the parsed tree still run afterwards."""
        for slot, local in enumerate(self.local_names):
            cap = self.caps[slot]
            if sum(data.count(n) for n in local) <= cap:  # the common case: a cheap byte count
                continue
            if b"<!--" in data or b"<![CDATA[" in data:  # (a DOCTYPE was refused already)
                return
            if len(self.start_tags[slot].findall(data)) > cap:
                raise self.refuse(slot)

    def refuse(self, slot: int) -> XmlLimitError:
        return XmlLimitError(
            f"XML has more than {self.caps[slot]} {self.names[slot]} elements", reason=self.reasons[slot]
        )


DEFAULT_LIMITS = ParseLimits()
# Real eHerkenning messages are 10-30 KiB; above this size the counted elements are
# also looked for in the bytes before parsing (see _CountPlan.prescan).
_PRESCAN_MIN_BYTES = 32 * 1024


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
    value to its element; the parse already refused duplicates.

    ``namespace_declarations`` is an upper bound on the namespace declarations in the
    document (the occurrences of ``xmlns`` in its bytes, counted before parsing), or
    None when unknown. No element can have more declarations in scope than that, which
    spares the signature profile its own count when the bound is low."""

    root: etree._Element
    ids: dict[str, etree._Element]
    namespace_declarations: int | None = None


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
    if not data or data.isspace():  # isspace: same ASCII set as strip(), without a copy
        raise XmlParseError("XML message is empty", reason="xml_empty")
    # Every namespace declaration contains the bytes "xmlns", so this bounds them (cheaply,
    # before parsing) whichever way the tree is checked afterwards.
    declarations = data.count(b"xmlns")
    if declarations > limits.namespace_limit:
        raise XmlLimitError(
            f"XML has more than {limits.namespace_limit} namespace declarations", reason="xml_too_many_namespaces"
        )
    head = bytes(data[:4])
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or b"\x00" in head:
        raise XmlParseError(
            "only UTF-8 XML is accepted (UTF-16/32 byte order mark or NUL found)", reason="xml_encoding"
        )
    m = _XML_DECL_RE.match(data[:200])
    if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise XmlParseError(
            f"only UTF-8 XML is accepted, the declaration says {m.group(1).decode('ascii', 'replace')}",
            reason="xml_encoding",
        )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlParseError("XML with a DOCTYPE or entity declaration is refused", reason="xml_dtd")
    if len(data) > _PRESCAN_MIN_BYTES:
        # Larger than any real login message: parsing costs ~6 ns a byte, so refuse from the
        # bytes what the counts over the tree would refuse after the parse.
        limits.counted.prescan(bytes(data))
    try:
        root = etree.fromstring(bytes(data), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlParseError(
            f"malformed XML: {exc.msg if hasattr(exc, 'msg') else exc}", reason="xml_malformed"
        ) from None
    except (ValueError, MemoryError) as exc:
        raise XmlParseError(f"XML could not be parsed: {exc.__class__.__name__}", reason="xml_malformed") from None
    # The byte checks above see only the first 200 bytes; a declaration padded with
    # whitespace (or an EBCDIC one) slips past them, and libxml2 then decodes the
    # document as UTF-7, Latin-1, ... What the parser actually used is decisive.
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8"):
        raise XmlParseError(f"only UTF-8 XML is accepted, the document is {encoding[:40]}", reason="xml_encoding")
    doc = _check_tree(root, limits)
    doc.namespace_declarations = declarations
    return doc


def _check_tree(root: etree._Element, limits: ParseLimits) -> ParsedDocument:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # type: ignore[attr-defined]  # not in lxml-stubs 0.5
        raise XmlParseError("XML with a DOCTYPE is refused", reason="xml_dtd")
    # Anything next to the root (a processing instruction such as xml-stylesheet) is refused,
    # also when a comment stands between it and the root.
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if not isinstance(sibling, etree._Comment):
            raise XmlParseError("processing instructions are refused", reason="xml_pi")

    if not len(root) and limits.max_depth >= 1 and limits.max_elements >= 1:
        # A single element with no child nodes at all (a decrypted NameID): no processing
        # instruction, no nesting; only its own tag and attributes can be refused.
        return ParsedDocument(root=root, ids=_lone_element_ids(root, limits))
    fast = _fast_id_index(root, limits)
    if isinstance(fast, XmlLimitError):
        raise fast
    if fast is not None:
        return ParsedDocument(root=root, ids=fast)

    ids: dict[str, etree._Element] = {}
    seen: set[str] = set()
    count = 0
    depth = 0
    max_depth = limits.max_depth
    max_elements = limits.max_elements
    plan = limits.counted
    slot_of = plan.slot_of.get
    caps = plan.caps
    counts = [0] * len(caps)
    # iterwalk reports processing instructions only when asked for the "pi" event.
    for event, el in etree.iterwalk(root, events=("start", "end", "pi")):
        if event == "end":
            depth -= 1
            continue
        if event == "pi":
            raise XmlParseError("processing instructions are refused", reason="xml_pi")
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
        slot = slot_of(tag)
        if slot is not None:
            counts[slot] += 1
            if counts[slot] > caps[slot]:
                raise plan.refuse(slot)
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


def _lone_element_ids(root: etree._Element, limits: ParseLimits) -> dict[str, etree._Element]:
    """What the walk in :func:`_check_tree` concludes for a root without child nodes."""
    tag = root.tag
    if tag.startswith("{" + XINCLUDE + "}"):
        raise XmlParseError("XInclude elements are refused", reason="xml_xinclude")
    plan = limits.counted
    slot = plan.slot_of.get(tag)
    if slot is not None and plan.caps[slot] < 1:
        raise plan.refuse(slot)
    attrib = root.attrib
    if not attrib:
        return {}
    seen: set[str] = set()
    for name in _ID_ATTRS:
        value = attrib.get(name)
        if value is not None:
            if value in seen:
                raise XmlParseError(f"duplicate ID {value[:80]!r} in the document", reason="duplicate_id")
            seen.add(value)
    value = attrib.get("ID")
    return {value: root} if value is not None else {}


# The walk above costs a Python step per element (about 0.25 ms for a 25 KB response,
# as much as libxml2 needs to parse it). For a document that is certainly clean,
# libxml2 computes the same verdict through XPath and filtered iteration; anything
# unusual (a limit reached, a processing instruction, XInclude, a repeated ID)
# falls back to the walk, which then finds and reports it exactly as before. The counted
# elements are found in the same lxml iteration that looks for processing
# instructions and XInclude (one pass in C; Python sees only the matches, some 30 in
# a real response).
_COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")
_ID_VALUES = etree.XPath(
    "descendant-or-self::*/@ID | descendant-or-self::*/@Id | descendant-or-self::*/@id | descendant-or-self::*/@xml:id"
)
_DEPTH_PROBES: dict[int, etree.XPath] = {}
_XINCLUDE_ANY = "{%s}*" % XINCLUDE
_FAST_MIN_ELEMENTS = 48  # below this the walk is cheaper than the XPath calls


def _fast_id_index(root: etree._Element, limits: ParseLimits) -> dict[str, etree._Element] | XmlLimitError | None:
    """The ID index the walk in :func:`_check_tree` would build, or None when the
    walk must run (small document, or something it would refuse). For a counted cap
    exceeded in an otherwise clean document: the walk's own error, to raise."""
    count = cast(float, _COUNT_ELEMENTS(root))
    if count < _FAST_MIN_ELEMENTS or count > limits.max_elements or limits.max_depth < 1:
        return None
    probe = _DEPTH_PROBES.get(limits.max_depth)
    if probe is None:
        # true when an element exists at depth max_depth + 1 (the root is depth 1)
        probe = _DEPTH_PROBES[limits.max_depth] = etree.XPath("boolean(" + "/".join(["*"] * limits.max_depth) + ")")
    if cast(bool, probe(root)):
        return None
    plan = limits.counted
    slot_of = plan.slot_of.get
    caps = plan.caps
    counts = [0] * len(caps)
    over = None
    for el in root.iter(etree.ProcessingInstruction, _XINCLUDE_ANY, *plan.slot_of):
        slot = slot_of(el.tag)  # a processing instruction's tag is a function: never counted
        if slot is None:  # a processing instruction or an XInclude element
            return None
        counts[slot] += 1
        if counts[slot] > caps[slot]:
            over = slot  # the first element over a cap, in document order
            break
    # Attribute results: each is a str that knows its attribute name and element.
    values = cast("list[etree._ElementUnicodeResult]", _ID_VALUES(root))
    if len(set(values)) != len(values):
        return None
    if over is not None:
        # Depth and element count are within bounds, no processing instruction or XInclude
        # comes before the element over the cap and no ID repeats anywhere: the walk would
        # stop at that element with this error, so say it without walking (an anonymous
        # sender's oversized message costs the parse and two XPath passes, not a Python
        # step per element). Returned, not raised: the caller raises it.
        return plan.refuse(over)
    return {str(v): cast(etree._Element, v.getparent()) for v in values if v.attrname == "ID"}


def element_text(el: etree._Element) -> str:
    """All text of an element, ignoring comments; refuse child elements.

    Using ``el.text`` would return only the first text node, so a signed value
    ``1234<!---->5678`` would read as ``1234`` (CVE-2017-11427 family).
    """
    for child in el:
        if isinstance(child.tag, str):
            raise XmlParseError(
                f"element {etree.QName(el).localname} must hold only text", reason="xml_unexpected_child"
            )
    return direct_text(el)


def direct_text(el: etree._Element) -> str:
    """The concatenated text nodes that are direct children of ``el`` (what XPath
    ``text()`` selects): ``el.text`` plus the tail of every child, so text after a
    comment or processing instruction is kept and the text inside child elements
    is not. Same result as ``"".join(el.xpath("text()"))`` without an XPath
    evaluation (about 6 us each, some 25 times per response)."""
    parts = [el.text or ""]
    parts.extend(child.tail or "" for child in el)
    return "".join(parts)
