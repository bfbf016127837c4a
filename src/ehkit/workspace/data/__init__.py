"""The workspace's reference data: brokers and their public facts, and the lead times per level.

Both ship as dated YAML files next to this module (data, not code). They are
validated on load; a broken file raises :class:`DataFileError` naming the file,
the line and what is wrong, so whoever edits them sees where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ehkit.workspace.errors import WorkspaceError

LEVELS = ("EH2", "EH2+", "EH3", "EH4")
FACTS = (
    "interface_saml_1_13",
    "interface_oidc",
    "interface_eidas",
    "test_environment",
    "connection_lead_time",
    "metadata",
    "public_prices",
    "other",
)
INTERFACE_FACTS = {"interface_saml_1_13": "saml_1_13", "interface_oidc": "oidc", "interface_eidas": "eidas"}
UNKNOWN = "unknown"
_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class DataFileError(WorkspaceError):
    reason = "workspace_data_file"

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}: {problem}")


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrokerFact(_Strict):
    fact: Literal[FACTS]  # type: ignore[valid-type]
    value: Text
    source: Text

    @field_validator("value")
    @classmethod
    def _interface_value(cls, value: str, info: pydantic.ValidationInfo) -> str:
        if info.data.get("fact") in INTERFACE_FACTS and value not in ("yes", "no", UNKNOWN):
            raise ValueError("an interface fact is yes, no or unknown")
        return value

    @property
    def known(self) -> bool:
        return self.value != UNKNOWN


class BrokerInfo(_Strict):
    key: str
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    website: str | None = None
    catalogue_profile: str | None = None
    facts: tuple[BrokerFact, ...] = ()

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY_RE.match(value):
            raise ValueError("must be lowercase letters, digits, - and _, starting with a letter (at most 40)")
        return value

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// address")
        return value

    def fact(self, name: str) -> BrokerFact | None:
        return next((f for f in self.facts if f.fact == name), None)

    @property
    def interfaces(self) -> tuple[str, ...]:
        """The interfaces the data says the broker offers (``yes`` only)."""
        return tuple(code for fact, code in INTERFACE_FACTS.items() if (f := self.fact(fact)) and f.value == "yes")


class BrokerFile(_Strict):
    as_of: date
    brokers: tuple[BrokerInfo, ...] = Field(min_length=1)

    @field_validator("brokers")
    @classmethod
    def _unique(cls, value: tuple[BrokerInfo, ...]) -> tuple[BrokerInfo, ...]:
        keys = [b.key for b in value]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"broker key {key!r} appears more than once")
        return value

    @property
    def label(self) -> str:
        return f"broker data as of {self.as_of.isoformat()}"

    def get(self, key: str) -> BrokerInfo | None:
        return next((b for b in self.brokers if b.key == key), None)


class LeadTime(_Strict):
    days: int = Field(ge=0, le=365)
    basis: Text
    sources: tuple[Text, ...] = Field(min_length=1)


class TimelineRules(_Strict):
    margin_days: int = Field(ge=0, le=90)
    announce_weeks: int = Field(ge=1, le=52)
    aftercare_days: int = Field(ge=0, le=180)
    website_texts_before_announcement: int = Field(ge=0, le=180)
    faq_before_announcement: int = Field(ge=0, le=180)
    service_briefing_before_announcement: int = Field(ge=0, le=180)
    source: Text


class LeadTimeFile(_Strict):
    as_of: date
    levels: dict[str, LeadTime]
    rules: TimelineRules

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, LeadTime]) -> dict[str, LeadTime]:
        missing = [lv for lv in LEVELS if lv not in value]
        unknown = [lv for lv in value if lv not in LEVELS]
        if missing or unknown:
            raise ValueError(
                f"must give exactly the levels {', '.join(LEVELS)}"
                + (f" (missing {', '.join(missing)})" if missing else "")
                + (f" (unknown {', '.join(unknown)})" if unknown else "")
            )
        return value

    @property
    def label(self) -> str:
        return f"lead times as of {self.as_of.isoformat()}"


# ------------------------------------------------------------------ loading with line numbers


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (pydantic's error path), or of its nearest parent."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
        if child is None:
            return line
        node = child
        line = node.start_mark.line + 1
    return line


@dataclass(frozen=True)
class _Parsed:
    data: Any
    root: yaml.Node | None


def _parse(text: str, name: str) -> _Parsed:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(name, line, f"not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(data, dict):
        raise DataFileError(name, 1, "must be a mapping (as_of: ..., ...)")
    return _Parsed(data, root)


def _validate(model: type[Any], text: str, name: str) -> Any:
    parsed = _parse(text, name)
    try:
        return model.model_validate(parsed.data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first.get("loc", ()))
        path = ".".join(str(p) for p in loc) or "(top)"
        message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
        raise DataFileError(name, _line_of(parsed.root, loc), f"{path}: {message}") from None


def _packaged(name: str) -> tuple[str, str]:
    ref = resources.files("ehkit.workspace.data").joinpath(name)
    return ref.read_text(encoding="utf-8"), name


def parse_brokers(text: str, name: str = "brokers.yaml") -> BrokerFile:
    result: BrokerFile = _validate(BrokerFile, text, name)
    return result


def parse_lead_times(text: str, name: str = "lead_times.yaml") -> LeadTimeFile:
    result: LeadTimeFile = _validate(LeadTimeFile, text, name)
    return result


def load_brokers(path: Path | None = None) -> BrokerFile:
    if path is not None:
        return parse_brokers(path.read_text(encoding="utf-8"), str(path))
    return _packaged_brokers()


def load_lead_times(path: Path | None = None) -> LeadTimeFile:
    if path is not None:
        return parse_lead_times(path.read_text(encoding="utf-8"), str(path))
    return _packaged_lead_times()


@cache
def _packaged_brokers() -> BrokerFile:
    return parse_brokers(*_packaged("brokers.yaml"))


@cache
def _packaged_lead_times() -> LeadTimeFile:
    return parse_lead_times(*_packaged("lead_times.yaml"))


__all__ = [
    "FACTS",
    "INTERFACE_FACTS",
    "LEVELS",
    "UNKNOWN",
    "BrokerFact",
    "BrokerFile",
    "BrokerInfo",
    "DataFileError",
    "LeadTime",
    "LeadTimeFile",
    "TimelineRules",
    "load_brokers",
    "load_lead_times",
    "parse_brokers",
    "parse_lead_times",
]
