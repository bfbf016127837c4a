"""The generated documentation pages describe the code they are generated from."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from ehkit.config import EhkitConfig
from ehkit.reasons import REASONS, outcome
from tools import docgen

REPO = Path(__file__).resolve().parents[2]


def test_reason_page_lists_every_registered_code_once_with_its_outcome() -> None:
    page = docgen.reason_codes_markdown()
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([a-z]+):", page, flags=re.M)
    assert sorted(code for code, _ in rows) == sorted(REASONS)
    assert all(outcome(code) == shown for code, shown in rows)
    assert f"{len(REASONS)} codes" in page


def _fields(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(name)
        core, _, _ = docgen._unwrap(field.annotation)
        for inner in (core, *typing.get_args(core)):
            inner, _, _ = docgen._unwrap(inner)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                names |= _fields(inner)
    return names


def test_configuration_reference_has_every_field_of_every_table() -> None:
    page = docgen.configuration_reference_markdown()
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", page, flags=re.M))
    tables = set(EhkitConfig.model_fields)  # the top level: each is a section, not a row
    nested = set()
    for model in {docgen._unwrap(f.annotation)[0] for f in EhkitConfig.model_fields.values()}:
        inner = typing.get_args(model)[0] if typing.get_origin(model) is list else model
        nested |= _fields(inner)
    assert documented == nested
    assert all(re.search(rf"^## `\[\[?{t}\]\]?`$", page, flags=re.M) for t in tables)
    for header in (
        "## `[dv]`",
        "## `[dv.contact]`",
        "## `[keys.next]`",
        "## `[[services]]`",
        "## `[[services.attributes]]`",
    ):
        assert header in page


@pytest.mark.parametrize(
    ("table", "field", "presence"),
    [
        ("[dv]", "oin", "required"),
        ("[dv]", "entity_id", "optional, derived when absent"),  # from oin and entity_index
        ("[dv]", "entity_index", "optional, default `0`"),
        ("[[services]]", "instance_uuid", "optional, derived when absent"),  # from uuid
        ("[[services]]", "uuid", "required"),
        ("[keys.next]", "activation", "required"),  # the example has no [keys.next]: nothing derived
        ("[state]", "store", 'optional, default `"memory://"`'),
    ],
)
def test_presence_is_what_the_loader_does(table: str, field: str, presence: str) -> None:
    page = docgen.configuration_reference_markdown()
    section = page.split(f"## `{table}`", 1)[1].split("\n## ", 1)[0]
    (row,) = [line for line in section.splitlines() if line.startswith(f"| `{field}` |")]
    assert row.split(" | ")[2] == presence


def test_the_cli_prints_a_page_and_refuses_an_unknown_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert docgen.main(["reason-codes"]) == 0
    assert capsys.readouterr().out.startswith("# Reason codes")
    assert docgen.main(["nope"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_sp_reason_table_names_only_registered_codes() -> None:
    """docs/sp.md keeps its own table (with "consumes"); its codes must exist."""
    text = (REPO / "docs" / "sp.md").read_text(encoding="utf-8")
    table = text.split("## Reason codes", 1)[1].split("\n## ", 1)[0]
    codes = {
        code
        for line in table.splitlines()
        if line.startswith("| `")
        for code in re.findall(r"`([a-z0-9_]+)`", re.sub(r"\([^)]*\)", "", line.split(" | ")[0]))
        if "*" not in code
    }
    assert len(codes) > 60
    assert not codes - set(REASONS), f"docs/sp.md names unregistered codes: {sorted(codes - set(REASONS))}"


def test_generated_pages_are_not_also_written_by_hand() -> None:
    for name in docgen.PAGES:
        assert not (REPO / "docs" / name).exists(), f"docs/{name} is generated at build time; delete the file"
