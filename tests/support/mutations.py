"""Hypothesis strategies that damage real documents, for the "only typed errors" fuzz tests.

Three levels, as the hostile corpus that found issue 19 mutated messages:

* bytes: flip, delete, duplicate and insert XML-significant tokens (the parser,
  the decoders and everything that reads a half-broken document);
* trees: change, add, remove, move elements, attributes and text of a parsed
  document, to be re-signed by the caller (code that runs *after* the
  signature checks: policy, identity, catalogue rules);
* certificates: damage the DER inside every ds:X509Certificate (the lazily
  parsed parts of a certificate are where untyped errors came from).

Each entry point's fuzz test asserts the same thing: the call returns, or
raises an ``ehkit.errors.EhkitError``; nothing else escapes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from lxml import etree

from ehkit.xml.ns import DS, SAML, SAMLP, XENC

#: Tuned so that every fuzz module runs in a few seconds; deadline=None since
#: some inputs (an XSD run, a signature) take tens of milliseconds on a busy machine.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = [
    b"<",
    b">",
    b"/>",
    b"</",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x10FFFF;",
    b"&lt;",
    b"]]>",
    b"<![CDATA[x]]>",
    b"<!--",
    b"-->",
    b"<!---->",
    b'xmlns:x="urn:x"',
    b' xmlns="" ',
    b' xml:id="1 2" ',
    b' xml:id="" ',
    b' ID="_dup" ',
    b'="',
    b"'",
    b"\xc3",
    b"\xff\xfe",
    b"\x00",
    b"\t\r\n",
    b"<?pi x?>",
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b"<ds:Signature/>",
    b"<saml2:Assertion/>",
    b"urn:etoegang:core:LegalSubjectID",
    b"AAAA",
    b"====",
    b"%",
    b"+",
]


@st.composite
def mutated_bytes(draw: Callable[..., Any], data: bytes, max_ops: int = 4) -> bytes:
    b = bytearray(data)
    for _ in range(draw(st.integers(1, max_ops))):
        if not b:
            b.extend(draw(st.sampled_from(TOKENS)))
            continue
        op = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "truncate"]))
        pos = draw(st.integers(0, len(b) - 1))
        if op == "flip":
            b[pos] = draw(st.integers(0, 255))
        elif op == "delete":
            del b[pos : pos + draw(st.integers(1, 64))]
        elif op == "insert":
            b[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == "duplicate":
            start = draw(st.integers(0, len(b) - 1))
            b[pos:pos] = b[start : start + draw(st.integers(1, 200))]
        else:
            del b[pos:]
    return bytes(b)


_TEXT = st.sampled_from(
    [
        "",
        " ",
        "x",
        "_evil",
        "0" * 20,
        "urn:etoegang:DV:00000001234567890000:entities:0",
        "urn:etoegang:core:assurance-class:loa3",
        "2026-01-01T00:00:00Z",
        "not-a-date",
        "#",
        "AAAA",
        "\u00e9\u20ac",
        "a" * 300,
    ]
)
_NEW_TAGS = [
    f"{{{SAML}}}Assertion",
    f"{{{SAML}}}Attribute",
    f"{{{SAML}}}AttributeValue",
    f"{{{SAML}}}NameID",
    f"{{{SAML}}}EncryptedID",
    f"{{{SAML}}}Subject",
    f"{{{SAML}}}Conditions",
    f"{{{SAML}}}AuthnStatement",
    f"{{{SAMLP}}}Status",
    f"{{{DS}}}Signature",
    f"{{{XENC}}}EncryptedKey",
    f"{{{XENC}}}EncryptedData",
    "{urn:evil}x",
    "plain",
]
_ATTR_NAMES = ["ID", "Id", "Name", "NameQualifier", "Format", "Recipient", "Value", "Method", "{urn:evil}a", "index"]


def mutate_tree(root: etree._Element, draw: Callable[..., Any], ops: int = 1) -> None:
    """Apply ``ops`` random structural changes to ``root`` in place."""
    for _ in range(ops):
        elements = list(root.iter(etree.Element))
        el = elements[draw(st.integers(0, len(elements) - 1))]
        op = draw(st.sampled_from(["text", "tail", "attr", "attr-add", "attr-del", "insert", "remove", "move", "copy"]))
        parent = el.getparent()
        if op == "text":
            el.text = draw(_TEXT)
        elif op == "tail" and parent is not None:
            el.tail = draw(_TEXT)
        elif op == "attr" and el.attrib:
            el.set(draw(st.sampled_from(sorted(el.attrib.keys()))), draw(_TEXT))
        elif op == "attr-add":
            el.set(draw(st.sampled_from(_ATTR_NAMES)), draw(_TEXT))
        elif op == "attr-del" and el.attrib:
            del el.attrib[draw(st.sampled_from(sorted(el.attrib.keys())))]
        elif op == "insert":
            new = etree.Element(draw(st.sampled_from(_NEW_TAGS)))
            new.text = draw(_TEXT)
            el.insert(draw(st.integers(0, len(el))), new)
        elif op == "remove" and parent is not None:
            parent.remove(el)
        elif op == "move" and parent is not None:
            target = elements[draw(st.integers(0, len(elements) - 1))]
            if target is not el and el not in target.iterancestors():
                parent.remove(el)
                target.append(el)
        elif op == "copy" and parent is not None:
            from copy import deepcopy

            parent.insert(parent.index(el), deepcopy(el))


_CERT_RE = re.compile(rb"(<(?:ds:)?X509Certificate>)(.*?)(</(?:ds:)?X509Certificate>)", re.S)


@st.composite
def mangled_certificates(draw: Callable[..., Any], data: bytes) -> bytes:
    """``data`` with the DER of its X509Certificate values damaged (bytes changed, cut short)."""

    def damage(der: bytes) -> bytes:
        d = bytearray(der)
        for _ in range(draw(st.integers(1, 3))):
            op = draw(st.sampled_from(["flip", "truncate", "delete"]))
            pos = draw(st.integers(0, len(d) - 1))
            if op == "flip":
                d[pos] = draw(st.integers(0, 255))
            elif op == "truncate":
                del d[pos:]
            else:
                del d[pos : pos + draw(st.integers(1, 16))]
            if not d:
                break
        return bytes(d)

    def replace(match: re.Match[bytes]) -> bytes:
        try:
            der = base64.b64decode(b"".join(match.group(2).split()))
        except ValueError:
            return match.group(0)
        if not der or not draw(st.booleans()):
            return match.group(0)
        return match.group(1) + base64.b64encode(damage(der)) + match.group(3)

    return _CERT_RE.sub(replace, data)
