"""The outcome of a run: one result per check, with its evidence, as data a broker team and a CI can read.

A report round-trips through JSON (``Report.from_dict(report.as_dict())``), so
the workspace can keep the JSON of each run and render its HTML again later.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ehkit.conformance.checks import CHECKS, Category, Check, Severity

__all__ = ["CheckResult", "Evidence", "Report", "Status"]

REPORT_FORMAT = 1


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    #: Not observable by the suite; the DV attests it (or has not yet).
    MANUAL = "manual"
    #: Not applicable to this DV, not selected, or impossible to run here (the summary says why).
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Evidence:
    """One piece of what the suite saw: a label and a text (shown preformatted)."""

    label: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "text": self.text}


@dataclass
class CheckResult:
    check: Check
    status: Status
    #: One sentence: what happened.
    summary: str
    #: The effective severity (profile rules are mandatory only for the broker profiles chosen).
    severity: Severity | None = None
    #: What the simulator sent (scenario, persona, deliveries).
    sent: str = ""
    #: What the DV did (pages, status codes, the success detector).
    observed: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    #: Manual checks: True/False as attested, None when not stated.
    attested: bool | None = None
    duration: float = 0.0

    def __post_init__(self) -> None:
        if self.severity is None:
            self.severity = self.check.severity

    @property
    def blocking(self) -> bool:
        """A failure that makes the run fail."""
        return self.status is Status.FAILED and self.severity is Severity.MANDATORY

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.check.id,
            "title": self.check.title,
            "title_nl": self.check.title_nl or None,
            "category": self.check.category.value,
            "severity": (self.severity or self.check.severity).value,
            "status": self.status.value,
            "summary": self.summary,
            "rule": self.check.rule,
            "source": self.check.source,
            "fix": self.check.fix,
            "scenario": self.check.scenario,
            "sent": self.sent,
            "observed": self.observed,
            "evidence": [e.as_dict() for e in self.evidence],
            "attested": self.attested,
            "duration": round(self.duration, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        check = CHECKS.get(str(data["id"])) or Check(
            str(data["id"]),
            str(data.get("title", data["id"])),
            Category(data["category"]),
            Severity(data["severity"]),
            str(data.get("rule", "")),
            str(data.get("source", "")),
            str(data.get("fix", "")),
            title_nl=str(data.get("title_nl") or ""),
            scenario=data.get("scenario"),
        )
        return cls(
            check,
            Status(data["status"]),
            str(data.get("summary", "")),
            severity=Severity(data["severity"]),
            sent=str(data.get("sent", "")),
            observed=str(data.get("observed", "")),
            evidence=[Evidence(str(e["label"]), str(e["text"])) for e in data.get("evidence", [])],
            attested=data.get("attested"),
            duration=float(data.get("duration", 0.0)),
        )


@dataclass
class Report:
    started: datetime
    finished: datetime
    results: list[CheckResult]
    #: The DV as the suite knew it: EntityIDs, services, login URLs, input sources.
    dv: dict[str, Any] = field(default_factory=dict)
    #: Where the simulator ran and what a DV must trust.
    simulator: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    version: str = ""

    def counts(self) -> Counter[Status]:
        return Counter(r.status for r in self.results)

    @property
    def passed(self) -> int:
        return self.counts()[Status.PASSED]

    @property
    def failed(self) -> int:
        return self.counts()[Status.FAILED]

    @property
    def manual(self) -> int:
        return self.counts()[Status.MANUAL]

    @property
    def skipped(self) -> int:
        return self.counts()[Status.SKIPPED]

    @property
    def mandatory_failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.blocking]

    @property
    def ok(self) -> bool:
        return not self.mandatory_failures

    @property
    def exit_code(self) -> int:
        """0 when every mandatory check passed (or is manual/skipped), 1 otherwise."""
        return 0 if self.ok else 1

    def summary_line(self) -> str:
        return f"{self.passed} passed, {self.failed} failed, {self.manual} manual"

    def result(self, check_id: str) -> CheckResult:
        for r in self.results:
            if r.check.id == check_id:
                return r
        raise KeyError(check_id)

    def failed_ids(self) -> set[str]:
        return {r.check.id for r in self.results if r.status is Status.FAILED}

    def by_category(self) -> list[tuple[Category, list[CheckResult]]]:
        groups: dict[Category, list[CheckResult]] = {}
        for r in self.results:
            groups.setdefault(r.check.category, []).append(r)
        return [(c, groups[c]) for c in Category if c in groups]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "tool": "ehkit conformance",
            "version": self.version,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "summary": {
                "line": self.summary_line(),
                "passed": self.passed,
                "failed": self.failed,
                "manual": self.manual,
                "skipped": self.skipped,
                "mandatory_failed": len(self.mandatory_failures),
                "ok": self.ok,
            },
            "dv": self.dv,
            "simulator": self.simulator,
            "notes": list(self.notes),
            "results": [r.as_dict() for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        if data.get("format") != REPORT_FORMAT:
            raise ValueError(f"not an ehkit conformance report of format {REPORT_FORMAT}")
        return cls(
            started=datetime.fromisoformat(data["started"]),
            finished=datetime.fromisoformat(data["finished"]),
            results=[CheckResult.from_dict(r) for r in data["results"]],
            dv=dict(data.get("dv") or {}),
            simulator=dict(data.get("simulator") or {}),
            notes=[str(n) for n in data.get("notes", [])],
            version=str(data.get("version", "")),
        )
