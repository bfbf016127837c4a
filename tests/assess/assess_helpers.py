"""Shared answers for the assess tests: a service where nothing raises the level.

A plain module, not conftest.py: tests/conftest.py already owns that name.
"""

from __future__ import annotations

from typing import Any

from ehkit.assess import assess
from ehkit.assess.engine import Assessment

# Every answer at its lowest; public_dv "no" so no follow-ups; EH2 chosen at low.
LOWEST: dict[str, Any] = {
    "sector_law": "no",
    "public_dv": "no",
    "bsn": "no",
    "personal_data": "none",
    "special_data": "no",
    "return_flow": "no",
    "company_data": "no",
    "legal_consequences": "none",
    "basisregistratie": "no",
    "economic_interest": "limited",
    "public_interest": "none_or_limited",
    "who_acts": "self",
    "reversible": "yes",
    "low_level": "EH2",
}


def run(**overrides: Any) -> Assessment:
    return assess({**LOWEST, **overrides}, key="svc")


def fired_ids(assessment: Assessment) -> list[str]:
    return [f.rule.id for f in assessment.fired]
