"""Step 3, level of assurance: the ``ehkit.assess`` questionnaire per service, inside the workspace.

Nothing of the decision model lives here: answers are cleaned (unanswered
and not-applicable questions dropped, as the interactive questionnaire does),
validated and evaluated by :mod:`ehkit.assess`, and the outcome (level,
fired rules with their sources, whether an eIDAS service is needed) is stored
on the service. A change of answers is shown as before/after first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ehkit.assess.answers import AnswersError, ServiceAnswers, validate_answers
from ehkit.assess.engine import Assessment, evaluate
from ehkit.assess.model import RuleSet, load_rules
from ehkit.assess.serialize import assessment_to_dict
from ehkit.workspace.errors import InvalidInput, Problem
from ehkit.workspace.models import Project, Service
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.common import update
from ehkit.workspace.services.step2_inventory import service


def ruleset() -> RuleSet:
    return load_rules()


def clean_answers(raw: Mapping[str, Any], rules: RuleSet | None = None) -> dict[str, Any]:
    """Drop empty answers and answers to questions whose condition does not hold (in table order)."""
    rules = rules or ruleset()
    given = {str(k): v for k, v in raw.items() if v not in (None, "")}
    known = {q.id for q in rules.questions}
    kept: dict[str, Any] = {k: v for k, v in given.items() if k not in known}  # unknown: let assess report them
    for question in rules.questions:
        if question.id in given and question.applies({k: str(v) for k, v in kept.items()}):
            kept[question.id] = given[question.id]
    return kept


def assess_answers(key: str, raw: Mapping[str, Any], *, name: str | None = None) -> Assessment:
    rules = ruleset()
    cleaned = clean_answers(raw, rules)
    try:
        checked = validate_answers(rules, key, cleaned)
    except AnswersError as exc:
        raise InvalidInput(
            [Problem("answers", "assess", {"text_nl": p.nl, "text_en": p.en}) for p in exc.problems],
            source=f"assessment of {key}",
        ) from None
    return evaluate(rules, ServiceAnswers(key=key, name=name, answers=checked))


def basis_of(assessment: Assessment) -> list[dict[str, Any]]:
    """The fired rules in both languages, so the page can show them in either without re-evaluating."""
    nl = assessment_to_dict(assessment, "nl")
    en = assessment_to_dict(assessment, "en")
    out: list[dict[str, Any]] = []
    for a, b in zip(nl["fired"] + nl["followups"], en["fired"] + en["followups"], strict=True):
        out.append(
            {
                "rule": a["rule"], "kind": a["kind"], "level": a["level"], "confirmation": a["confirmation"],
                "title_nl": a["title"], "title_en": b["title"], "effect_nl": a["effect"], "effect_en": b["effect"],
                "basis": a["basis"], "answers": a["answers"],
            }
        )  # fmt: skip
    for a, b in zip(nl["warnings"], en["warnings"], strict=True):
        out.append({"rule": "warning", "kind": "warning", "level": None, "effect_nl": a, "effect_en": b})
    return out


@dataclass(frozen=True)
class LevelChange:
    """What a change of answers does: the level before and after, rules that start or stop applying."""

    before: str | None
    after: str
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]
    answers_changed: tuple[tuple[str, str | None, str | None], ...]
    basis: tuple[dict[str, Any], ...]
    needs_eidas: bool

    @property
    def level_changed(self) -> bool:
        return self.before != self.after


def compare(found: Service, assessment: Assessment) -> LevelChange:
    old_rules = [b["rule"] for b in found.loa_basis if b.get("kind") != "warning"]
    basis = basis_of(assessment)
    new_rules = [b["rule"] for b in basis if b.get("kind") != "warning"]
    old_answers = {k: str(v) for k, v in found.loa_answers.items()}
    new_answers = {k: str(v) for k, v in assessment.answers.items()}
    changed = tuple(
        (q, old_answers.get(q), new_answers.get(q))
        for q in [q.id for q in ruleset().questions]
        if old_answers.get(q) != new_answers.get(q)
    )
    return LevelChange(
        before=found.loa,
        after=assessment.level.label,
        rules_added=tuple(r for r in new_rules if r not in old_rules),
        rules_removed=tuple(r for r in old_rules if r not in new_rules),
        answers_changed=changed,
        basis=tuple(basis),
        needs_eidas=assessment.needs_eidas_service,
    )


def preview(session: Session, project: Project, service_id: int, raw: Mapping[str, Any]) -> LevelChange:
    found = service(session, project, service_id)
    return compare(found, assess_answers(found.key, raw, name=found.name_nl))


def save_assessment(
    session: Session,
    project: Project,
    service_id: int,
    raw: Mapping[str, Any],
    justification: str,
    actor: Actor,
    *,
    version: int | None,
) -> LevelChange:
    found = service(session, project, service_id)
    assessment = assess_answers(found.key, raw, name=found.name_nl)
    if len(justification) > 4000:
        raise InvalidInput([Problem("justification", "too_long", {"length": len(justification), "max": 4000})])
    result = compare(found, assessment)
    values = {
        "loa": assessment.level.label,
        "loa_answers": dict(assessment.answers),
        "loa_justification": justification.strip(),
        "loa_basis": list(result.basis),
        "loa_needs_eidas": assessment.needs_eidas_service,
        "loa_ruleset_version": assessment.ruleset_version,
        "loa_assessed_on": assessment.assessed_on,
        "loa_assessed_by_id": actor.user_id,
    }
    update(session, actor, found, values, project_id=project.id, label=found.key, expected_version=version)
    return result


def is_current(found: Service) -> bool:
    """Assessed against the rules table that ships now (a new table may change levels)."""
    return found.loa is not None and found.loa_ruleset_version == ruleset().version
