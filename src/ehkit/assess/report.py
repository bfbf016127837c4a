"""The per-service report: the DV files it as the justification of its level.

Both formats render the same view so that the Markdown (for review in a
repository) and the HTML (for printing and signing) can never disagree.

The Markdown template is named ``report.md.html`` only because the
package-data globs in pyproject.toml ship ``*.html`` files; a ``.j2`` name would
be missing from wheels.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

import ehkit
from ehkit.assess.engine import Assessment, Firing
from ehkit.assess.model import Lang, RuleSet
from ehkit.assess.texts import eidas_name, say
from ehkit.util.files import atomic_write

FORMATS = ("md", "html")
_TEMPLATES = {"md": "report.md.html", "html": "report.html"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def render(assessment: Assessment, ruleset: RuleSet, fmt: str, lang: Lang = "nl") -> str:
    template = _environment(fmt).get_template(_TEMPLATES[fmt])
    return template.render(**_view(assessment, ruleset, lang))


def write_reports(
    assessments: list[Assessment],
    ruleset: RuleSet,
    directory: Path,
    lang: Lang = "nl",
    formats: tuple[str, ...] = FORMATS,
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for assessment in assessments:
        for fmt in formats:
            path = directory / report_filename(assessment.key, fmt, lang)
            atomic_write(path, render(assessment, ruleset, fmt, lang).encode("utf-8"))
            written.append(path)
    return written


def report_filename(key: str, fmt: str, lang: Lang) -> str:
    """Service keys come from user files; reduce them to a name that stays inside the directory."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-") or "service"
    return f"loa-{safe}.{lang}.{fmt}"


def _md(value: Any) -> str:
    """Escape text for Markdown, on one line, so user text cannot break a table or add markup."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ehkit.assess", "templates"),
        # Markdown has no autoescape: the md filter escapes user text there.
        autoescape=fmt == "html",  # noqa: S701
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    return env


def _view(a: Assessment, ruleset: RuleSet, lang: Lang) -> dict[str, Any]:
    t = {key[2:]: say(lang, key) for key in _LABELS}
    t["method"] = say(lang, "r_method", version=a.ruleset_version)
    t["generated"] = say(lang, "r_generated", version=ehkit.__version__)
    return {
        "lang": lang,
        "t": t,
        "key": a.key,
        "name": a.name or a.key,
        "level": {"label": a.level.label, "urn": a.level.urn, "eidas": eidas_name(a.level.eidas, lang)},
        "status": say(lang, "status_binding" if a.binding else "status_advice"),
        "fired": [_firing(f, lang) for f in sorted(a.fired, key=lambda f: ruleset.rules.index(f.rule))],
        "skipped": [
            {"id": s.rule.id, "title": s.rule.title.get(lang), "reason": s.reason.get(lang)} for s in a.skipped
        ],
        "warnings": [w.get(lang) for w in a.warnings],
        "followups": [_firing(f, lang) for f in a.followups],
        "advice": [
            {"id": r.id, "title": r.title.get(lang), "note": r.note.get(lang), "basis": _basis(r.basis, lang)}
            for r in a.advice
        ],
        "answers": _answers(a, ruleset, lang),
        "reconstructed": a.reconstructed,
        "date": a.assessed_on.isoformat(),
    }


_LABELS = [
    "r_title",
    "r_service",
    "r_key",
    "r_outcome",
    "r_level",
    "r_urn",
    "r_eidas",
    "r_status",
    "r_fired",
    "r_rule",
    "r_effect",
    "r_basis",
    "r_confirmation",
    "r_because",
    "r_skipped",
    "r_warnings",
    "r_followups",
    "r_advice",
    "r_answers",
    "r_question",
    "r_answer",
    "r_not_applicable",
    "r_not_answered",
    "r_default",
    "r_reconstructed_summary",
    "r_legend",
    "r_date",
    "r_signoff",
    "r_signoff_text",
    "r_name",
    "r_role",
    "r_signature",
    "r_signed_on",
]


def _firing(f: Firing, lang: Lang) -> dict[str, Any]:
    rule = f.rule
    note_key = {"R": "reconstruction_note", "C/R": "partly_note"}.get(rule.confirmation)
    return {
        "id": rule.id,
        "row": rule.row,
        "title": rule.title.get(lang),
        "effect": f.effect.get(lang),
        "note": rule.note.get(lang),
        "basis": _basis(rule.basis, lang),
        "confirmation": rule.confirmation,
        "confirmation_label": say(lang, f"conf_{rule.confirmation}"),
        "reconstruction_note": say(lang, note_key) if note_key else None,
        "because": [f"{q.text.get(lang)} → {ans.label.get(lang)}" for q, ans in f.answers],
    }


def _basis(basis: Any, lang: Lang) -> list[dict[str, str]]:
    return [{"type": say(lang, f"basis_{b.type}"), "source": b.source} for b in basis]


def _answers(a: Assessment, ruleset: RuleSet, lang: Lang) -> list[dict[str, str]]:
    rows = []
    fired = {f.rule.id for f in a.fired}
    for question in ruleset.questions:
        value = a.answers.get(question.id)
        # The low choice only counts when the outcome was low, i.e. when its rule fired.
        applicable = question.applies(a.answers) and (question.type != "low_choice" or question.rule_id in fired)
        if value is None and not applicable:
            continue
        if value is None and question.default is not None:
            value, suffix = question.default, f" ({say(lang, 'r_default')})"
        else:
            suffix = ""
        if value is None:
            shown = say(lang, "r_not_answered")
        elif question.type == "text":
            shown = value or say(lang, "r_not_answered")
        else:
            answer = question.answer(value)
            shown = (answer.label.get(lang) if answer else value) + suffix
        if not applicable:
            shown += f" ({say(lang, 'r_not_applicable')})"
        rows.append({"id": question.id, "question": question.text.get(lang), "answer": shown, "value": value or ""})
    return rows
