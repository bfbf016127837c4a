"""Evaluate the decision model for one service.

The order is fixed on purpose and mirrors the model: a sector law overrides the
risk assessment; otherwise the risk level is the maximum of the minimums, a
correction factor steps it up once, and a low outcome becomes EH2+ unless EH2
is chosen. Scheme rules (BSN) and the EH2 floor then apply to every outcome,
because the eHerkenning scheme binds every DV whatever its sector law says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ehkit.assess.answers import ServiceAnswers
from ehkit.assess.model import Answer, Question, Rule, RuleSet, RuleTableError, Text
from ehkit.assess.texts import eidas_name, msg
from ehkit.domain.loa import LevelOfAssurance


@dataclass(frozen=True)
class Firing:
    """A rule that shaped the outcome, with the answers that made it fire."""

    rule: Rule
    effect: Text
    level: LevelOfAssurance | None = None
    answers: tuple[tuple[Question, Answer], ...] = ()


@dataclass(frozen=True)
class Skipped:
    rule: Rule
    reason: Text


@dataclass(frozen=True)
class Assessment:
    key: str
    name: str | None
    level: LevelOfAssurance
    binding: bool
    answers: Mapping[str, str]
    fired: tuple[Firing, ...]
    skipped: tuple[Skipped, ...]
    followups: tuple[Firing, ...]
    advice: tuple[Rule, ...]
    warnings: tuple[Text, ...]
    assessed_on: date
    ruleset_version: int

    @property
    def needs_eidas_service(self) -> bool:
        return any(f.rule.kind == "eidas_service" for f in self.followups)

    @property
    def reconstructed(self) -> bool:
        """True when any rule behind the level rests on reconstructed guidance."""
        return any(f.rule.reconstructed for f in self.fired)


@dataclass
class _State:
    answers: Mapping[str, str]
    fired: list[Firing] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Text] = field(default_factory=list)

    def hits(self, rule: Rule, wanted: str) -> tuple[tuple[Question, Answer], ...]:
        """The applicable answers of a rule that carry the effect ``wanted``."""
        found = []
        for question in rule.questions:
            if not question.applies(self.answers):
                continue
            answer = question.answer(self.answers.get(question.id))
            if answer is not None and (
                (wanted == "minimum" and answer.minimum is not None)
                or (wanted == "step" and answer.step > 0)
                or (wanted == "binding" and answer.binding)
            ):
                found.append((question, answer))
        return tuple(found)


def evaluate(ruleset: RuleSet, service: ServiceAnswers, *, today: date | None = None) -> Assessment:
    """Answers must already be validated (see ``answers.validate_answers``)."""
    state = _State(answers=service.answers)
    prescribed = _override(ruleset, state)
    binding = _context(ruleset, state)
    if prescribed is not None:
        for rule in ruleset.rules:
            if rule.scope == "risk":
                state.skipped.append(Skipped(rule, msg("skipped_by_override")))
        level: LevelOfAssurance | None = prescribed
    else:
        level = _risk_level(ruleset, state)
    scheme = _scheme_minimum(ruleset, state)
    if scheme is not None and level is not None and scheme > level and prescribed is not None:
        state.warnings.append(
            msg(
                "warn_scheme_above_override",
                prescribed=prescribed.label,
                rule=_scheme_rules(state, scheme),
                required=scheme.label,
            )
        )
    level = max((lv for lv in (level, scheme) if lv is not None), default=None)
    floor = _floor(ruleset)
    floor_level = _floor_level(ruleset)
    if level is None:
        level = floor_level
        state.fired.append(Firing(floor, msg("effect_floor", level=level.label), level))
    if prescribed is None and level.eidas == "low":
        level = _low_choice(ruleset, state, level)
    else:
        _note_unused_low_choice(ruleset, state, level, prescribed)
    level = max(level, floor_level)
    return Assessment(
        key=service.key,
        name=service.name,
        level=level,
        binding=binding,
        answers=dict(service.answers),
        fired=tuple(sorted(state.fired, key=lambda f: ruleset.rules.index(f.rule))),
        skipped=tuple(state.skipped),
        followups=_followups(ruleset, level, binding),
        advice=ruleset.of_kind("advice"),
        warnings=tuple(state.warnings),
        assessed_on=today or date.today(),  # noqa: DTZ011 - the local calendar date of whoever files the report
        ruleset_version=ruleset.version,
    )


def _floor(ruleset: RuleSet) -> Rule:
    return ruleset.of_kind("floor")[0]


def _floor_level(ruleset: RuleSet) -> LevelOfAssurance:
    minimum = _floor(ruleset).minimum
    if minimum is None:  # the loader refuses this; a RuleSet built by hand might not
        raise RuleTableError("rules table: the floor rule needs a minimum")
    return minimum


def _scheme_rules(state: _State, required: LevelOfAssurance) -> Text:
    """The scheme rules that demand ``required``, each with its title and the answers that made it fire."""
    parts_nl, parts_en = [], []
    for f in state.fired:
        if f.rule.scope != "scheme" or f.level != required:
            continue
        answers = ", ".join(f"{q.id} = {a.value}" for q, a in f.answers)
        parts_nl.append(f"{f.rule.id} ({f.rule.title.nl}; antwoord {answers})")
        parts_en.append(f"{f.rule.id} ({f.rule.title.en}; answer {answers})")
    return Text(nl=", ".join(parts_nl), en=", ".join(parts_en))


def _override(ruleset: RuleSet, state: _State) -> LevelOfAssurance | None:
    prescribed: LevelOfAssurance | None = None
    for rule in ruleset.of_kind("override"):
        hits = state.hits(rule, "minimum")
        if hits:
            level = max(a.minimum for _, a in hits if a.minimum is not None)
            prescribed = level if prescribed is None else max(prescribed, level)
            state.fired.append(Firing(rule, msg("effect_override", level=level.label), level, hits))
    return prescribed


def _context(ruleset: RuleSet, state: _State) -> bool:
    binding = False
    for rule in ruleset.of_kind("context"):
        hits = state.hits(rule, "binding")
        if hits:
            binding = True
            state.fired.append(Firing(rule, msg("effect_binding"), None, hits))
    return binding


def _risk_level(ruleset: RuleSet, state: _State) -> LevelOfAssurance | None:
    """None means no risk rule raised the level: the outcome is low."""
    minimums: list[LevelOfAssurance] = []
    for rule in ruleset.of_kind("minimum"):
        if rule.scope != "risk":
            continue
        hits = state.hits(rule, "minimum")
        if hits:
            level = max(a.minimum for _, a in hits if a.minimum is not None)
            minimums.append(level)
            state.fired.append(Firing(rule, msg("effect_minimum", level=level.label), level, hits))
    risk = max(minimums, default=None)
    for rule in ruleset.of_kind("step"):
        hits = state.hits(rule, "step")
        if hits:
            base = risk if risk is not None else _floor_level(ruleset)
            risk = step_up(base)
            state.fired.append(Firing(rule, msg("effect_step", level=risk.label), risk, hits))
    return risk


def _low_choice(ruleset: RuleSet, state: _State, level: LevelOfAssurance) -> LevelOfAssurance:
    for rule in ruleset.of_kind("low_choice"):
        for question in rule.questions:
            value = state.answers.get(question.id, question.default)
            answer = question.answer(value)
            if answer is None:
                continue
            chosen = LevelOfAssurance.parse(answer.value)
            if chosen.eidas == level.eidas:
                level = chosen
                state.fired.append(
                    Firing(rule, msg("effect_low_choice", level=chosen.label), chosen, ((question, answer),))
                )
    return level


def _note_unused_low_choice(
    ruleset: RuleSet, state: _State, level: LevelOfAssurance, prescribed: LevelOfAssurance | None
) -> None:
    """An explicit EH2/EH2+ choice that cannot apply is said, never dropped silently."""
    for rule in ruleset.of_kind("low_choice"):
        for question in rule.questions:
            given = state.answers.get(question.id)
            if given is None or not question.applies(state.answers):
                continue
            raisers = [f for f in state.fired if f.level == level and f.rule.kind in ("minimum", "step")]
            because = Text(
                nl=", ".join(f"{f.rule.id} ({f.rule.title.nl})" for f in raisers) or "-",
                en=", ".join(f"{f.rule.id} ({f.rule.title.en})" for f in raisers) or "-",
            )
            state.warnings.append(
                msg("warn_low_choice_unused", choice=given, rule=rule.id, level=level.label, because=because)
            )


def _scheme_minimum(ruleset: RuleSet, state: _State) -> LevelOfAssurance | None:
    minimums: list[LevelOfAssurance] = []
    for rule in ruleset.of_kind("minimum"):
        if rule.scope != "scheme":
            continue
        hits = state.hits(rule, "minimum")
        if hits:
            required = max(a.minimum for _, a in hits if a.minimum is not None)
            minimums.append(required)
            state.fired.append(Firing(rule, msg("effect_minimum", level=required.label), required, hits))
    return max(minimums, default=None)


def _followups(ruleset: RuleSet, level: LevelOfAssurance, binding: bool) -> tuple[Firing, ...]:
    if not binding or level < LevelOfAssurance.EH3:
        return ()
    eidas = Text(nl=eidas_name(level.eidas, "nl"), en=eidas_name(level.eidas, "en"))
    return tuple(
        Firing(rule, msg("effect_eidas_service", eidas=eidas), level) for rule in ruleset.of_kind("eidas_service")
    )


def step_up(level: LevelOfAssurance) -> LevelOfAssurance:
    """One eIDAS class up: EH2 and EH2+ go to EH3, EH3 to EH4; EH4 stays."""
    for candidate in sorted(LevelOfAssurance):
        if candidate > level and candidate.eidas != level.eidas:
            return candidate
    return level
