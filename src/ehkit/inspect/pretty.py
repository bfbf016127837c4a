"""XML laid out for a terminal of a given width, broken only between tokens.

A terminal-wrapping highlighter cuts lines at the last column, in the middle
of a URN or an attribute value, and a copied value then holds a line break.
This layout puts one element per line and, when a start tag is wider than the
terminal, one attribute (or namespace declaration) per line below it. A
single token wider than the terminal (a long URN, base64 text) stays whole on
its own line; the terminal may fold it visually, but no line break is ever
inserted inside it.

For reading only: re-indenting changes whitespace, so the output does not
verify as the original did.
"""

from __future__ import annotations

from lxml import etree

from ehkit.xml.ns import XML

__all__ = ["layout_xml"]

_INDENT = "  "


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(value: str) -> str:
    return _escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _qualified(el: etree._Element, clark: str, *, attribute: bool) -> str:
    """``prefix:local`` as the document spells it (prefixes from the element's scope)."""
    if not clark.startswith("{"):
        return clark
    namespace, _, local = clark[1:].partition("}")
    if namespace == XML:
        return f"xml:{local}"
    for prefix, uri in el.nsmap.items():
        if uri == namespace and (prefix is not None or not attribute):
            return f"{prefix}:{local}" if prefix else local
    return local  # pragma: no cover - lxml always has a prefix in scope for a namespaced name


def _declarations(el: etree._Element) -> list[str]:
    parent = el.getparent()
    inherited = parent.nsmap if parent is not None else {}
    out = []
    for prefix, uri in el.nsmap.items():
        if inherited.get(prefix) != uri:
            out.append(f'xmlns:{prefix}="{_escape_attr(uri)}"' if prefix else f'xmlns="{_escape_attr(uri)}"')
    return out


def _start_parts(el: etree._Element) -> tuple[str, list[str]]:
    name = _qualified(el, el.tag, attribute=False)
    attributes = [f'{_qualified(el, str(k), attribute=True)}="{_escape_attr(str(v))}"' for k, v in el.attrib.items()]
    return name, _declarations(el) + attributes


def _layout(el: etree._Element, depth: int, width: int, out: list[str]) -> None:
    pad = _INDENT * depth
    if not isinstance(el.tag, str):
        if isinstance(el, etree._Comment):
            out.append(f"{pad}<!--{el.text or ''}-->")
        return
    name, parts = _start_parts(el)
    children = list(el)
    text = (el.text or "").strip()
    empty = not children and not text
    close = "/>" if empty else ">"
    one_line = f"{pad}<{' '.join([name, *parts])}{close}"
    if not children and text and "\n" not in text:
        whole = f"{one_line}{_escape_text(text)}</{name}>"
        if len(whole) <= width:
            out.append(whole)
            return
    if len(one_line) <= width or not parts:
        out.append(one_line)
    else:
        out.append(f"{pad}<{name}")
        inner = pad + _INDENT * 2
        for i, part in enumerate(parts):
            out.append(inner + part + (close if i == len(parts) - 1 else ""))
    if empty:
        return
    if text:
        _text_lines(text, pad + _INDENT, width, out)
    for child in children:
        _layout(child, depth + 1, width, out)
        tail = (child.tail or "").strip()
        if tail:
            _text_lines(tail, pad + _INDENT, width, out)
    out.append(f"{pad}</{name}>")


def _text_lines(text: str, pad: str, width: int, out: list[str]) -> None:
    """Text broken at whitespace only (base64 arrives in lines of 64 or 76; words stay whole)."""
    words = _escape_text(text).split()
    line = ""
    for word in words:
        if line and len(pad) + len(line) + 1 + len(word) > width:
            out.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(pad + line)


def layout_xml(root: etree._Element, width: int = 80) -> list[str]:
    """The document as lines of at most ``width`` characters where its tokens allow."""
    out: list[str] = []
    _layout(root, 0, max(width, 20), out)
    return out
