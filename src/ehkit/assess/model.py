"""The decision model as typed values, loaded from the packaged ``rules.yaml``.

The table is data so that a reviewer can check it against its sources without
reading code; loading it validates every field, so a typo in the table fails
the first test run instead of producing a silently wrong level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")

KINDS = ("override", "context", "minimum", "step", "floor", "low_choice", "eidas_service", "advice")
CONFIRMATIONS = ("C", "R", "C/R")
BASIS_TYPES = ("law", "regulation", "guidance", "scheme")
QUESTION_TYPES = ("choice", "text", "low_choice")
SCOPES = ("risk", "scheme")


class RuleTableError(ConfigError):
    """The packaged rules table is malformed; this is a bug in ehkit, not user input."""

    reason = "assess_rules_invalid"


@dataclass(frozen=True)
class Text:
    """One text in both languages; every user-facing string has both."""

    nl: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True)
class Answer:
    value: str
    label: Text
    minimum: LevelOfAssurance | None = None
    step: int = 0
    binding: bool = False

    @property
    def raises(self) -> bool:
        return self.minimum is not None or self.step > 0 or self.binding


@dataclass(frozen=True)
class Question:
    id: str
    rule_id: str
    text: Text
    answers: tuple[Answer, ...] = ()
    type: str = "choice"
    required: bool = True
    default: str | None = None
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(a.value for a in self.answers)

    def answer(self, value: str | None) -> Answer | None:
        for candidate in self.answers:
            if candidate.value == value:
                return candidate
        return None

    def applies(self, answers: Mapping[str, str]) -> bool:
        """A follow-up question only counts when the answers it depends on were given."""
        return all(answers.get(qid) in values for qid, values in self.when.items())


@dataclass(frozen=True)
class Basis:
    type: str
    source: str


@dataclass(frozen=True)
class Rule:
    id: str
    row: str
    kind: str
    confirmation: str
    title: Text
    note: Text
    basis: tuple[Basis, ...]
    questions: tuple[Question, ...] = ()
    scope: str | None = None
    minimum: LevelOfAssurance | None = None

    @property
    def reconstructed(self) -> bool:
        return self.confirmation != "C"


@dataclass(frozen=True)
class RuleSet:
    version: int
    rules: tuple[Rule, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for rule in self.rules for q in rule.questions)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.kind == kind)


@lru_cache(maxsize=1)
def load_rules() -> RuleSet:
    text = resources.files("ehkit.assess").joinpath("rules.yaml").read_text(encoding="utf-8")
    return parse_rules(yaml.safe_load(text))


def parse_rules(data: Any) -> RuleSet:
    """Build a RuleSet from the YAML structure; public so tests can feed broken tables."""
    _need(isinstance(data, dict), "top level must be a mapping")
    version = data.get("version")
    _need(isinstance(version, int), "version must be an integer")
    raw_rules = data.get("rules")
    _need(isinstance(raw_rules, list) and raw_rules, "rules must be a non-empty list")
    rules: list[Rule] = []
    seen_questions: dict[str, Question] = {}
    for raw in raw_rules:
        rule = _rule(raw, seen_questions)
        _need(all(r.id != rule.id for r in rules), f"duplicate rule id {rule.id}")
        rules.append(rule)
    return RuleSet(version=version, rules=tuple(rules))


def _rule(raw: Any, seen: dict[str, Question]) -> Rule:
    _need(isinstance(raw, dict), "each rule must be a mapping")
    rid = raw.get("id")
    _need(isinstance(rid, str) and rid, "rule without id")
    where = f"rule {rid}"
    kind = raw.get("kind")
    _need(kind in KINDS, f"{where}: kind must be one of {', '.join(KINDS)}")
    confirmation = raw.get("confirmation")
    _need(confirmation in CONFIRMATIONS, f"{where}: confirmation must be one of {', '.join(CONFIRMATIONS)}")
    scope = raw.get("scope")
    _need(kind != "minimum" or scope in SCOPES, f"{where}: a minimum rule needs scope risk or scheme")
    basis = raw.get("basis")
    _need(isinstance(basis, list) and basis, f"{where}: basis must be a non-empty list")
    bases = []
    for item in basis:
        _need(
            isinstance(item, dict) and item.get("type") in BASIS_TYPES,
            f"{where}: basis type must be one of {', '.join(BASIS_TYPES)}",
        )
        _need(isinstance(item.get("source"), str) and item["source"].strip(), f"{where}: basis needs a named source")
        bases.append(Basis(type=item["type"], source=" ".join(item["source"].split())))
    questions = []
    for qraw in raw.get("questions") or []:
        question = _question(qraw, rid, seen)
        seen[question.id] = question
        questions.append(question)
    minimum = _level(raw["minimum"], where) if "minimum" in raw else None
    _need(kind != "floor" or minimum is not None, f"{where}: a floor rule needs a minimum")
    return Rule(
        id=rid,
        row=str(raw.get("row", "")),
        kind=kind,
        confirmation=confirmation,
        title=_text(raw.get("title"), f"{where} title"),
        note=_text(raw.get("note"), f"{where} note"),
        basis=tuple(bases),
        questions=tuple(questions),
        scope=scope,
        minimum=minimum,
    )


def _question(raw: Any, rule_id: str, seen: Mapping[str, Question]) -> Question:
    _need(isinstance(raw, dict) and isinstance(raw.get("id"), str), f"rule {rule_id}: question without id")
    qid = raw["id"]
    where = f"question {qid}"
    _need(qid not in seen, f"duplicate question id {qid}")
    qtype = raw.get("type", "choice")
    _need(qtype in QUESTION_TYPES, f"{where}: type must be one of {', '.join(QUESTION_TYPES)}")
    answers: list[Answer] = []
    for araw in raw.get("answers") or []:
        _need(
            isinstance(araw, dict) and isinstance(araw.get("value"), str),
            f"{where}: answer values must be strings (quote yes/no)",
        )
        _need(all(a.value != araw["value"] for a in answers), f"{where}: duplicate answer {araw['value']}")
        answers.append(
            Answer(
                value=araw["value"],
                label=_text(araw.get("label"), f"{where} answer {araw['value']}"),
                minimum=_level(araw["minimum"], where) if "minimum" in araw else None,
                step=int(araw.get("step", 0)),
                binding=bool(araw.get("binding", False)),
            )
        )
    _need(qtype == "text" or len(answers) >= 2, f"{where}: a choice needs at least two answers")
    when: dict[str, tuple[str, ...]] = {}
    for dep, values in (raw.get("when") or {}).items():
        _need(dep in seen, f"{where}: 'when' refers to {dep}, which is not an earlier question")
        _need(
            isinstance(values, list) and all(v in seen[dep].allowed for v in values),
            f"{where}: 'when' values must be answers of {dep}",
        )
        when[dep] = tuple(values)
    default = raw.get("default")
    _need(default is None or default in [a.value for a in answers], f"{where}: default must be one of its answers")
    required = bool(raw.get("required", True))
    return Question(
        id=qid,
        rule_id=rule_id,
        text=_text(raw.get("text"), f"{where} text"),
        answers=tuple(answers),
        type=qtype,
        required=required,
        default=default,
        when=when,
    )


def _text(raw: Any, where: str) -> Text:
    _need(
        isinstance(raw, dict) and all(isinstance(raw.get(lang), str) and raw[lang].strip() for lang in LANGS),
        f"{where}: needs nl and en text",
    )
    return Text(nl=" ".join(raw["nl"].split()), en=" ".join(raw["en"].split()))


def _level(raw: Any, where: str) -> LevelOfAssurance:
    try:
        return LevelOfAssurance.parse(str(raw))
    except ValueError as exc:
        raise RuleTableError(f"{where}: {exc}") from exc


def _need(condition: object, message: str) -> None:
    """Refuse the rules table unless ``condition`` is truthy (a non-empty list or string counts)."""
    if not condition:
        raise RuleTableError(f"rules table: {message}")
