"""``ehkit inspect`` output at 80 columns and wide (issue 20, item 10).

XML breaks between elements and attributes, never inside a token; tables that
do not fit become key: value lines instead of cutting cells ("urn:etoegang:cor…");
``--json`` is plain JSON, with no markup and no table around it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from ehkit.cli.main import app
from ehkit.inspect import layout_xml
from ehkit.xml.parse import parse_document

runner = CliRunner()
MESSAGES = ["artifactresponse-2023-decrypted.xml", "response-2020-encrypted.xml", "hm-onewelcome-preprod-1.13.xml"]
# A line may exceed the width only when it holds one token: a tag name, one attribute, or one word of text.
_ONE_TOKEN = re.compile(r'\s*(</?[\w:.-]+/?>?|[\w:.-]+="[^"]*"/?>?|[^\s<>]+)\s*')


def _run(path: Path, columns: int, *args: str):
    return runner.invoke(app, ["inspect", str(path), "--decode-only", *args], env={"COLUMNS": str(columns)})


def _canonical(root: etree._Element) -> bytes:
    """The document with every run of whitespace in text made one space (or none at the
    ends): all a layout may change."""
    clone = etree.fromstring(etree.tostring(root))
    for node in clone.iter():
        node.text = " ".join(node.text.split()) or None if node.text is not None else None
        node.tail = " ".join(node.tail.split()) or None if node.tail is not None else None
    return etree.tostring(clone, method="c14n")


@pytest.mark.parametrize("width", [40, 80, 200])
@pytest.mark.parametrize("name", MESSAGES)
def test_layout_keeps_every_token_whole(reference_dir, name, width):
    root = parse_document((reference_dir / name).read_bytes()).root
    lines = layout_xml(root, width)
    # Nothing was cut or changed: the lines parse back to the same document (whitespace aside).
    again = etree.fromstring("\n".join(lines).encode())
    assert _canonical(again) == _canonical(root)
    for line in lines:
        assert len(line) <= width or _ONE_TOKEN.fullmatch(line), line


def test_inspect_at_80_columns_keeps_identifiers_whole(reference_dir):
    path = reference_dir / "artifactresponse-2023-decrypted.xml"
    result = _run(path, 80)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "…" not in out  # nothing truncated
    for line in out.splitlines():
        assert len(line) <= 80 or _ONE_TOKEN.fullmatch(line), line
    root = etree.fromstring(path.read_bytes())
    wanted = {a.get("Name") for a in root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}Attribute")}
    wanted |= {el.get("ID") for el in root.iter() if isinstance(el.tag, str) and el.get("ID")}
    wanted |= {(el.text or "").strip() for el in root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")}
    wanted.discard(None)
    tokens = set(out.split())
    missing = {w for w in wanted if w not in tokens and f'"{w}"' not in out and f"{w}:" not in tokens}
    assert missing == set()
    # tables that do not fit at 80 columns are laid out as key: value lines
    assert "KeyName: e927ec25c5a680fdd3d1d1b4bf69f47de614c9bc1c2066b0f665f7e12f21d68d" in out
    assert "┃" not in out.split("Signatures", 1)[1].split("Identifiers", 1)[0]


def test_inspect_wide_draws_tables_with_whole_cells(reference_dir):
    result = _run(reference_dir / "artifactresponse-2023-decrypted.xml", 240, "--no-xml")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "┃ element" in out and "…" not in out
    assert "e927ec25c5a680fdd3d1d1b4bf69f47de614c9bc1c2066b0f665f7e12f21d68d" in out
    assert "/ArtifactResponse/Response/Assertion/Advice/Assertion" in out


@pytest.mark.parametrize("columns", [80, 240])
def test_json_is_plain_json(reference_dir, columns):
    result = runner.invoke(
        app,
        ["inspect", str(reference_dir / "artifactresponse-2023-decrypted.xml"), "--json"],
        env={"COLUMNS": str(columns), "FORCE_COLOR": "1", "TERM": "xterm-256color"},
    )
    assert result.exit_code == 3  # signed, and nothing was given to verify it with
    assert "\x1b[" not in result.output
    assert not any(c in result.output for c in "┃│┏")
    data = json.loads(result.output)
    assert data["message_type"] == "ArtifactResponse"
    assert data["pretty_xml"].startswith("<saml2p:ArtifactResponse")
