"""One line per check: what was checked, what was found, and how to fix it.

Levels, from good to bad: ``ok``, ``info`` (worth knowing, nothing to do yet),
``warning`` (act soon: a certificate expires within 60 days, a document
drifted), ``error`` (logins fail now or will within days). The exit code of
``ehkit doctor`` is the worst level found: 0 for ok/info, 1 for warnings,
2 for errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["ok", "info", "warning", "error"]

EXIT_OK = 0
EXIT_WARNING = 1
EXIT_ERROR = 2

_RANK: dict[str, int] = {"ok": 0, "info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Finding:
    """``check`` is a stable id (``keys.signing.expiry``); ``fix`` says what to do when not ok."""

    check: str
    level: Level
    message: str
    fix: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def area(self) -> str:
        return self.check.split(".", 1)[0]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.check, "level": self.level, "message": self.message, "fix": self.fix}
        if self.data:
            out["data"] = self.data
        return out


def worst(findings: Iterable[Finding]) -> Level:
    level: Level = "ok"
    for f in findings:
        if _RANK[f.level] > _RANK[level] or (f.level == "info" and level == "ok"):
            level = f.level
    return level


def exit_code(findings: Iterable[Finding]) -> int:
    """0: everything ok (or only information), 1: at least one warning, 2: at least one error."""
    return _RANK[worst(findings)]
