"""Configuration problems, reported all at once with the field path that is wrong.

A DV fixing its ``ehkit.toml`` should not have to re-run ten times to find ten
mistakes, so validation collects every problem and the error lists them, each
as ``<dotted.field.path>: <what is wrong> (<how to fix>)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ehkit.errors import ConfigError

DOCS_HINT = "see docs/configuration.md"


@dataclass(frozen=True)
class ConfigProblem:
    """One wrong field. ``path`` is dotted with list indexes: ``services[1].loa``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigInvalidError(ConfigError):
    """The configuration does not validate; ``problems`` lists every wrong field."""

    reason = "config_invalid"

    def __init__(self, problems: Sequence[ConfigProblem], *, source: str | None = None) -> None:
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        self.source = source
        where = source or "the configuration"
        count = len(self.problems)
        head = f"{where} has {count} problem{'s' if count != 1 else ''}:"
        body = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}\n{body}")


class CrossFieldProblems(ValueError):
    """Carries cross-field problems out of a pydantic validator with their own paths.

    Pydantic pins errors raised in a model validator to the model itself; this
    exception rides along in the error context so the loader can unpack it and
    report each problem under the field it concerns.
    """

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def format_loc(loc: Iterable[Any]) -> str:
    """``("services", 1, "loa")`` -> ``services[1].loa``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            # pydantic adds the type name of function validators to the loc; it
            # means nothing to someone editing a TOML file.
            if text.startswith("function-"):
                continue
            out += ("." if out else "") + text
    return out


def _fix_for(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    hints = {
        "missing": "add this field; " + DOCS_HINT,
        "extra_forbidden": "remove it or check its spelling; " + DOCS_HINT,
        "bool_type": "write true or false, without quotes",
        "bool_parsing": "write true or false, without quotes",
        "int_type": "write a whole number, without quotes",
        "int_parsing": "write a whole number, without quotes",
        "int_from_float": "write a whole number",
        "float_type": "write a number, without quotes",
        "float_parsing": "write a number, without quotes",
        "string_type": "write the value as quoted text",
        "list_type": 'write a list, e.g. ["a", "b"]',
        "dict_type": "write a table ([section] or { key = value })",
        "model_type": "write a table ([section] or { key = value })",
        "uuid_type": 'write a UUID such as "3f0c2a9e-5b7d-4c1e-9a8f-2d6b1e0c7a45"; '
        "make a new one with: python -c 'import uuid; print(uuid.uuid4())'",
        "uuid_parsing": 'write a UUID such as "3f0c2a9e-5b7d-4c1e-9a8f-2d6b1e0c7a45"; '
        "make a new one with: python -c 'import uuid; print(uuid.uuid4())'",
        "datetime_type": "write an ISO 8601 date-time with a time zone, e.g. 2026-03-01T00:00:00+01:00",
        "datetime_parsing": "write an ISO 8601 date-time with a time zone, e.g. 2026-03-01T00:00:00+01:00",
        "datetime_from_date_parsing": "write an ISO 8601 date-time with a time zone, e.g. 2026-03-01T00:00:00+01:00",
        "timezone_aware": "add a time zone, e.g. Z or +01:00",
        "string_too_long": f"shorten it to at most {ctx.get('max_length')} characters",
        "string_too_short": "fill it in",
        "too_short": f"give at least {ctx.get('min_length')}",
        "greater_than_equal": f"use a value of at least {ctx.get('ge')}",
        "greater_than": f"use a value above {ctx.get('gt')}",
        "less_than_equal": f"use a value of at most {ctx.get('le')}",
        "string_pattern_mismatch": "use only the allowed characters",
        "literal_error": f"use one of {ctx.get('expected')}",
        "enum": f"use one of {ctx.get('expected')}",
    }
    return hints.get(kind, DOCS_HINT)


def problems_from_pydantic(errors: Sequence[Mapping[str, Any]]) -> list[ConfigProblem]:
    """Turn pydantic's error list into problems phrased for someone editing TOML."""
    problems: list[ConfigProblem] = []
    for error in errors:
        ctx = error.get("ctx") or {}
        inner = ctx.get("error")
        if isinstance(inner, CrossFieldProblems):
            prefix = format_loc(error.get("loc", ()))
            for p in inner.problems:
                path = f"{prefix}.{p.path}" if prefix and p.path else (p.path or prefix)
                problems.append(ConfigProblem(path, p.message))
            continue
        path = format_loc(error.get("loc", ()))
        kind = error.get("type", "")
        if kind == "value_error" and inner is not None:
            # Our own validators already phrase "<what> (<fix>)".
            message = str(inner)
            if not message.endswith(")"):
                message = f"{message} ({DOCS_HINT})"
        else:
            message = _describe(error)
            message = f"{message} ({_fix_for(error)})"
        problems.append(ConfigProblem(path, message))
    return problems


def _describe(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "string_too_long":
        value = error.get("input")
        length = len(value) if isinstance(value, str) else "?"
        return f"is {length} characters long, longer than allowed"
    msg = str(error.get("msg", "invalid value"))
    value = error.get("input")
    if isinstance(value, (str, int, float)):
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{msg[0].lower() + msg[1:]}, got {shown}"
    return msg[0].lower() + msg[1:]
