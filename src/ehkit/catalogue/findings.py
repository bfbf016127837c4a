"""Findings, rules and the rule registry shared by the catalogue and metadata linters.

Every rule has a stable id, one severity and the source it comes from (an
afsprakenstelsel page, a broker's documentation or feedback, or research), so
a DV arguing with its broker can point at where a rule comes from, and
docs/catalogue.md can list all of them from this registry.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Document = Literal["catalogue", "metadata"]


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    document: Document
    checks: str
    source: str
    profile: str | None = None  # None: always applied; else only with --profile <name>


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    message: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "path": self.path,
            "message": self.message,
            "source": self.source,
        }


# (path, message) pairs yielded by a check function.
Hit = tuple[str, str]
CheckFn = Callable[..., Iterable[Hit]]


@dataclass
class RuleSet:
    """An ordered registry; the rule table in the docs is generated from it."""

    rules: dict[str, tuple[Rule, CheckFn]] = field(default_factory=dict)

    def register(
        self,
        rule_id: str,
        severity: Severity,
        document: Document,
        checks: str,
        source: str,
        profile: str | None = None,
    ) -> Callable[[CheckFn], CheckFn]:
        def decorate(fn: CheckFn) -> CheckFn:
            if rule_id in self.rules:
                raise ValueError(f"rule {rule_id} registered twice")
            self.rules[rule_id] = (Rule(rule_id, severity, document, checks, source, profile), fn)
            return fn

        return decorate

    def selected(self, document: Document, profiles: Iterable[str]) -> Iterator[tuple[Rule, CheckFn]]:
        chosen = set(profiles)
        for rule, fn in self.rules.values():
            if rule.document == document and (rule.profile is None or rule.profile in chosen):
                yield rule, fn

    def all_rules(self) -> list[Rule]:
        return [rule for rule, _ in self.rules.values()]


REGISTRY = RuleSet()
rule = REGISTRY.register


def finding(r: Rule, path: str, message: str) -> Finding:
    return Finding(r.id, r.severity, path, message, r.source)


@dataclass
class Report:
    """The result of validating one document."""

    document: Document
    source: str
    findings: list[Finding] = field(default_factory=list)
    profiles: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def rule_ids(self) -> set[str]:
        return {f.rule for f in self.findings}

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (f.severity.rank, f.rule, f.path))

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "source": self.source,
            "profiles": list(self.profiles),
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.as_dict() for f in self.sorted()],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)
