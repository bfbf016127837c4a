"""Answers per service: strict validation, and reading/writing answers files.

An answers file is the DV's auditable record of why a level was chosen, so
nothing in it may be silently ignored or guessed: every problem is collected
and reported with the service, the question and the values that are allowed.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ehkit.assess.model import Question, RuleSet, Text
from ehkit.assess.texts import msg
from ehkit.errors import ValidationError

_SERVICE_FIELDS = ("key", "name", "answers")


@dataclass(frozen=True)
class ServiceAnswers:
    key: str
    answers: Mapping[str, str]
    name: str | None = None


class AnswersError(ValidationError):
    """All problems of an answers file at once, so one run shows everything to fix."""

    reason = "assess_answers_invalid"

    def __init__(self, problems: list[Text]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.en for p in problems))


@dataclass
class _Collector:
    problems: list[Text] = field(default_factory=list)

    def add(self, key: str, **params: Any) -> None:
        self.problems.append(msg(key, **params))


def validate_answers(ruleset: RuleSet, service: str, raw: Mapping[str, Any]) -> dict[str, str]:
    """Check one service's answers; raise AnswersError listing every problem."""
    problems = _Collector()
    result = _validate(ruleset, service, raw, problems)
    if problems.problems:
        raise AnswersError(problems.problems)
    return result


def _validate(ruleset: RuleSet, service: str, raw: Mapping[str, Any], problems: _Collector) -> dict[str, str]:
    known = {q.id: q for q in ruleset.questions}
    normalised: dict[str, str] = {}
    for qid, value in raw.items():
        question = known.get(str(qid))
        if question is None:
            guesses = difflib.get_close_matches(str(qid), list(known), n=1)
            hint = msg("err_hint", guess=guesses[0]) if guesses else Text(nl="", en="")
            problems.add("err_unknown_question", service=service, question=str(qid), hint=hint, known=", ".join(known))
            continue
        checked = _value(question, value)
        if checked is None:
            key = "err_text_value" if question.type == "text" else "err_value"
            problems.add(key, service=service, question=question.id, value=value, allowed=_allowed(question))
        else:
            normalised[question.id] = checked
    for question in ruleset.questions:
        if question.id in normalised or question.id in raw:
            continue
        if question.required and question.applies(normalised):
            problems.add(
                "err_missing",
                service=service,
                question=question.id,
                text=question.text,
                allowed=_allowed(question),
            )
    return normalised


def _value(question: Question, value: Any) -> str | None:
    if question.type == "text":
        return value.strip() if isinstance(value, str) else None
    if isinstance(value, bool):
        # YAML 1.1 reads a bare yes/no as a boolean; accept it only where yes/no are the answers.
        value = "yes" if value else "no"
    if isinstance(value, str) and question.answer(value) is not None:
        return value
    return None


def _allowed(question: Question) -> str:
    if question.type == "text":
        return "text"
    return ", ".join(question.allowed)


# ---- files -------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """A duplicated key would let the second answer silently win; refuse it."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                msg("err_duplicate_yaml_key", name=key, line=key_node.start_mark.line + 1).en,
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(msg("err_duplicate_json_key", name=key).en)
        result[key] = value
    return result


def load_answers_file(path: Path, ruleset: RuleSet) -> list[ServiceAnswers]:
    """Read a YAML or JSON answers file; JSON is chosen by the .json suffix."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersError([msg("err_file_read", path=str(path), error=exc)]) from exc
    is_json = path.suffix.lower() == ".json"
    try:
        data = (
            json.loads(text, object_pairs_hook=_no_duplicate_pairs)
            if is_json
            else yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
        )
    except (ValueError, yaml.YAMLError) as exc:
        raise AnswersError(
            [msg("err_file_parse", path=str(path), fmt="JSON" if is_json else "YAML", error=exc)]
        ) from exc
    return parse_answers_document(data, ruleset, source=str(path))


def parse_answers_document(data: Any, ruleset: RuleSet, *, source: str = "answers") -> list[ServiceAnswers]:
    problems = _Collector()
    if not isinstance(data, dict) or set(data) != {"services"} or not isinstance(data["services"], list):
        raise AnswersError([msg("err_top", path=source)])
    services: list[ServiceAnswers] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["services"]):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("key"), str)
            or not entry["key"].strip()
            or not isinstance(entry.get("answers"), dict)
        ):
            problems.add("err_service_shape", path=source, index=index)
            continue
        key = entry["key"].strip()
        for extra in sorted(set(entry) - set(_SERVICE_FIELDS), key=str):
            problems.add("err_service_field", service=key, field=extra)
        if key in seen:
            problems.add("err_duplicate_service", service=key)
        seen.add(key)
        name = entry.get("name")
        if name is not None and not isinstance(name, str):
            problems.add("err_service_field", service=key, field="name")
            name = None
        answers = _validate(ruleset, key, entry["answers"], problems)
        services.append(ServiceAnswers(key=key, name=name, answers=answers))
    if problems.problems:
        raise AnswersError(problems.problems)
    return services


def dump_answers(services: list[ServiceAnswers]) -> str:
    """YAML that load_answers_file reads back unchanged, for saving an interactive run."""
    document = {
        "services": [
            {"key": s.key, **({"name": s.name} if s.name else {}), "answers": dict(s.answers)} for s in services
        ]
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
