"""The ``--json`` shape of an assessment: stable ids and level names first, so
scripts (CI checks, catalogue generators) can rely on it; prose follows ``--lang``."""

from __future__ import annotations

from typing import Any

from ehkit.assess.engine import Assessment, Firing
from ehkit.assess.model import Lang


def assessment_to_dict(a: Assessment, lang: Lang = "nl") -> dict[str, Any]:
    return {
        "key": a.key,
        "name": a.name,
        "level": a.level.label,
        "urn": a.level.urn,
        "eidas": a.level.eidas,
        "binding": a.binding,
        "needs_eidas_service": a.needs_eidas_service,
        "reconstructed": a.reconstructed,
        "fired": [_firing(f, lang) for f in a.fired],
        "skipped": [{"rule": s.rule.id, "reason": s.reason.get(lang)} for s in a.skipped],
        "followups": [_firing(f, lang) for f in a.followups],
        "advice": [{"rule": r.id, "title": r.title.get(lang), "text": r.note.get(lang)} for r in a.advice],
        "warnings": [w.get(lang) for w in a.warnings],
        "answers": dict(a.answers),
        "date": a.assessed_on.isoformat(),
        "ruleset_version": a.ruleset_version,
    }


def _firing(f: Firing, lang: Lang) -> dict[str, Any]:
    return {
        "rule": f.rule.id,
        "row": f.rule.row,
        "kind": f.rule.kind,
        "title": f.rule.title.get(lang),
        "effect": f.effect.get(lang),
        "level": f.level.label if f.level else None,
        "confirmation": f.rule.confirmation,
        "reconstructed": f.rule.reconstructed,
        "basis": [{"type": b.type, "source": b.source} for b in f.rule.basis],
        "answers": {q.id: ans.value for q, ans in f.answers},
    }
