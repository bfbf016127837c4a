"""Documentation pages generated from the code, so they cannot drift from it.

``tools/mkdocs_hooks.py`` adds them to the site at build time:

* ``reason-codes.md`` from :mod:`ehkit.reasons` (every code, its kind, what
  the user is told, what it means);
* ``configuration-reference.md`` from the pydantic models in
  :mod:`ehkit.config` (every field, its type, default and limits).

``python tools/docgen.py reason-codes`` (or ``configuration-reference``)
prints one of them.
"""

from __future__ import annotations

import copy
import sys
import tomllib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import annotated_types
import pydantic
from pydantic import BaseModel

from ehkit.reasons import REASONS, ReasonKind, outcome

# ---------------------------------------------------------------- reason codes

_KIND_TITLES = {
    ReasonKind.AUTHENTICITY: "Authenticity: the message is not shown to come unchanged from the broker",
    ReasonKind.POLICY: "Policy: authentic, but not acceptable for this login",
    ReasonKind.BROKER_STATUS: "Broker status: the broker reported a failure",
    ReasonKind.CANCELLED: "Cancelled by the user",
    ReasonKind.UNAVAILABLE: "Unavailable: a dependency did not answer",
    ReasonKind.INPUT: "Input: bad input to a tool (file, argument, pasted message, simulator request)",
    ReasonKind.CONFIG: "Configuration and key material",
}

_OUTCOME_TEXT = {
    "cancelled": "cancelled: back to where the user came from",
    "unavailable": "unavailable: try again later",
    "refused": "refused: one generic message",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reason_codes_markdown() -> str:
    """The table of every registered reason code, grouped by kind."""
    out = [
        "# Reason codes",
        "",
        "Every refusal in ehkit is a typed error (`ehkit.errors.EhkitError`) with a",
        "stable `reason`. This page is generated from the registry in `ehkit.reasons`",
        "when the site is built, so it lists exactly the codes the code can raise",
        "(a test fails on a code that is raised but not registered).",
        "",
        "Web layers never match strings: `ehkit.reasons.outcome(reason)` says what",
        'to tell the user (`"cancelled"`, `"unavailable"` or `"refused"`), and',
        "`ehkit.reasons.kind_of(reason)` the kind below. The details go to the log",
        "(`ehkit.audit`), never to the browser.",
        "",
        "For the SP library, [the SP page](sp.md#how-a-response-is-checked) says at",
        "which step each check runs and whether the reason consumes the user's",
        "pending request.",
        "",
        f"{len(REASONS)} codes:",
        "",
    ]
    for kind in ReasonKind:
        codes = sorted(code for code, info in REASONS.items() if info.kind is kind)
        if not codes:
            continue
        out += [f"## {_KIND_TITLES[kind]}", "", "| reason | user sees | meaning |", "|---|---|---|"]
        out += [f"| `{code}` | {_OUTCOME_TEXT[outcome(code)]} | {_cell(REASONS[code].text)} |" for code in codes]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- configuration reference


@dataclass(frozen=True)
class _Section:
    path: str  # "dv.contact", "services", "services.attributes"
    model: type[BaseModel]
    array: bool  # [[services]] rather than [dv]


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """The core type, its Annotated metadata and whether None is allowed."""
    metadata: list[Any] = []
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *meta = typing.get_args(annotation)
            metadata += meta
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != len(typing.get_args(annotation)):
                optional = True
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, metadata, optional


_TYPE_NAMES = {
    "Oin": "OIN: 20 digits, as quoted text",
    "EntityID": "EntityID URN (`urn:etoegang:<role>:<OIN>:entities:<n>`)",
    "LevelOfAssurance": "level: `EH2`, `EH2+`, `EH3` or `EH4`",
    "Path": "path (relative to the directory of `ehkit.toml`)",
    "SecretStr": "secret text",
    "AwareDatetime": "date-time with time zone (TOML: `2027-01-15T09:00:00+01:00`)",
}


# Validators that say more about a text field than its type does.
_VALIDATED = {
    "check_url": "URL: https (plain http only for localhost)",
    "_slug": "key: lower-case letters, digits, `-`, `_`",
    "identifier_urn": "identifier type: short name (`KvKnr`, `RSIN`, `BSN`, `Pseudo`, …) or URN",
}


def _validator_name(metadata: list[Any]) -> str | None:
    for meta in metadata:
        func = getattr(meta, "func", None)
        name = getattr(func, "__name__", None)
        if name in _VALIDATED:
            return _VALIDATED[name]
    return None


def _type_name(annotation: Any, extra: list[Any] | None = None) -> str:
    core, metadata, _ = _unwrap(annotation)
    validated = _validator_name([*(extra or []), *metadata])
    if validated is not None:
        return validated
    origin = typing.get_origin(core)
    if origin is Literal:
        return "one of " + ", ".join(f'`"{v}"`' for v in typing.get_args(core))
    if origin is list:
        (item,) = typing.get_args(core)
        inner, _, _ = _unwrap(item)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return "list of tables"
        return f"list of {_type_name(item)}"
    if core is bool:
        return "`true` or `false`"
    if core is int:
        return "integer"
    if core is float:
        return "number"
    if core is str:
        return "text"
    if core is UUID:
        return "UUID"
    if core is datetime:
        return "date-time"
    name = getattr(core, "__name__", str(core))
    if isinstance(core, type) and issubclass(core, Enum) and name not in _TYPE_NAMES:
        return "one of " + ", ".join(f"`{m.value}`" for m in core)
    return _TYPE_NAMES.get(name, name)


def _limits(annotation: Any, field: pydantic.fields.FieldInfo) -> str:
    core, metadata, _ = _unwrap(annotation)
    unit = "entries" if typing.get_origin(core) is list else "characters"
    parts: list[str] = []
    for meta in [*field.metadata, *metadata]:
        if isinstance(meta, annotated_types.MinLen) and meta.min_length > 0:
            one = {"entries": "entry", "characters": "character"}[unit]
            parts.append(f"at least {meta.min_length} {one if meta.min_length == 1 else unit}")
        elif isinstance(meta, annotated_types.MaxLen):
            parts.append(f"at most {meta.max_length} {unit}")
        elif isinstance(meta, annotated_types.Ge):
            parts.append(f"≥ {meta.ge}")
        elif isinstance(meta, annotated_types.Gt):
            parts.append(f"> {meta.gt}")
        elif isinstance(meta, annotated_types.Le):
            parts.append(f"≤ {meta.le}")
        elif getattr(meta, "pattern", None):
            parts.append(f"matches `{meta.pattern}`")
    return ", ".join(parts)


def _default(field: pydantic.fields.FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "its defaults"
        return "empty" if value in ([], {}, ()) else f"`{value!r}`"
    value = field.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    return f'`"{value}"`' if isinstance(value, str) else f"`{value}`"


def _sections(model: type[BaseModel], prefix: str = "", array: bool = False) -> Iterator[_Section]:
    yield _Section(prefix, model, array)
    for name, field in model.model_fields.items():
        core, _, _ = _unwrap(field.annotation)
        path = f"{prefix}.{name}" if prefix else name
        if typing.get_origin(core) is list:
            (item,) = typing.get_args(core)
            inner, _, _ = _unwrap(item)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from _sections(inner, path, True)
        elif isinstance(core, type) and issubclass(core, BaseModel):
            yield from _sections(core, path, False)


def _example() -> dict[str, Any]:
    from ehkit.config.example import example_toml

    return tomllib.loads(example_toml())


def _validates(data: dict[str, Any]) -> bool:
    from ehkit.config import EhkitConfig
    from ehkit.errors import ConfigError

    try:
        EhkitConfig.from_dict(data, Path.cwd(), check_files=False)
    except ConfigError:
        return False
    return True


def _without(data: dict[str, Any], path: list[str]) -> tuple[dict[str, Any], bool]:
    """A copy of ``data`` with the field at ``path`` removed everywhere (in every array entry)."""
    out = copy.deepcopy(data)
    removed = False

    def strip(node: Any, rest: list[str]) -> None:
        nonlocal removed
        if isinstance(node, list):
            for entry in node:
                strip(entry, rest)
            return
        if not isinstance(node, dict) or rest[0] not in node:
            return
        if len(rest) == 1:
            del node[rest[0]]
            removed = True
        else:
            strip(node[rest[0]], rest[1:])

    strip(out, path)
    return out, removed


def _lookup(data: Any, path: list[str]) -> list[Any]:
    """Every value at ``path`` (arrays of tables fan out)."""
    if not path:
        return [data]
    if isinstance(data, list):
        return [found for entry in data for found in _lookup(entry, path)]
    if isinstance(data, dict) and path[0] in data:
        return _lookup(data[path[0]], path[1:])
    return []


def _presence(section: _Section, name: str, field: pydantic.fields.FieldInfo, example: dict[str, Any]) -> str:
    """Required, optional with a default, or filled in by the loader from other fields.

    The last is found by experiment on the packaged example, which validates:
    a field it leaves out while its table is there, or one it can lose and
    still validate, is derived.
    """
    if not field.is_required():
        return f"optional, default {_default(field)}"
    table = section.path.split(".")
    if not _lookup(example, table):
        return "required"  # the example has no such table: nothing to learn from it
    data, removed = _without(example, [*table, name])
    if not removed or _validates(data):
        return "optional, derived when absent"
    return "required"


def configuration_reference_markdown() -> str:
    """Every field of every table of ``ehkit.toml``, read from the models."""
    from ehkit.config import EhkitConfig

    example = _example()
    assert _validates(example), "the packaged example configuration must validate"  # noqa: S101 - a build-time check
    out = [
        "# Configuration reference",
        "",
        "Every table and field of `ehkit.toml`, generated from the pydantic models in",
        "`ehkit.config` when the site is built: types, defaults and limits are the ones",
        "the loader applies. What each field is for, with examples, is on",
        "[Configuration](configuration.md); the cross-field rules (an EntityID that must",
        "carry your OIN, unique service indexes, …) are checked at load time and named",
        "there.",
        "",
        "A field the file leaves out that the loader fills in from other fields (the DV",
        "EntityID from `oin` and `entity_index`, a service's `instance_uuid` from its",
        "`uuid`) reads *derived when absent*.",
        "",
    ]
    for section in _sections(EhkitConfig):
        if not section.path:
            continue
        header = f"[[{section.path}]]" if section.array else f"[{section.path}]"
        doc = (section.model.__doc__ or "").strip().splitlines()
        out += [f"## `{header}`", ""]
        if doc:
            out += [doc[0].replace("``", "`"), ""]
        out += ["| field | type | presence | limits |", "|---|---|---|---|"]
        for name, field in section.model.model_fields.items():
            core, _, _ = _unwrap(field.annotation)
            if isinstance(core, type) and issubclass(core, BaseModel):
                kind = f"table `[{section.path}.{name}]`"
            else:
                kind = _type_name(field.annotation, field.metadata)
            if typing.get_origin(core) is list and kind == "list of tables":
                kind = f"tables `[[{section.path}.{name}]]`"
            out.append(
                f"| `{name}` | {_cell(kind)} | {_presence(section, name, field, example)} | "
                f"{_cell(_limits(field.annotation, field))} |"
            )
        out.append("")
    return "\n".join(out)


PAGES = {
    "reason-codes.md": reason_codes_markdown,
    "configuration-reference.md": configuration_reference_markdown,
}


def main(argv: list[str]) -> int:
    names = {name.removesuffix(".md"): make for name, make in PAGES.items()}
    if len(argv) != 1 or argv[0] not in names:
        print(f"usage: python tools/docgen.py {{{','.join(names)}}}", file=sys.stderr)
        return 2
    print(names[argv[0]]())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
