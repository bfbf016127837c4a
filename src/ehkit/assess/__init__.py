"""Step 3 of the eHerkenning step plan: choose the level of assurance per service.

The decision model is a data table (``rules.yaml``); ``assess`` validates one
service's answers and evaluates the table, so library users get the same
result and the same errors as the ``ehkit assess`` command.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ehkit.assess.answers import AnswersError, ServiceAnswers, validate_answers
from ehkit.assess.engine import Assessment, evaluate
from ehkit.assess.model import RuleSet, load_rules

__all__ = ["AnswersError", "Assessment", "RuleSet", "ServiceAnswers", "assess", "evaluate", "load_rules"]


def assess(
    answers: Mapping[str, Any], *, key: str = "service", name: str | None = None, today: date | None = None
) -> Assessment:
    ruleset = load_rules()
    checked = validate_answers(ruleset, key, answers)
    return evaluate(ruleset, ServiceAnswers(key=key, name=name, answers=checked), today=today)
