"""Every rule of the decision model: firing raises the level as the research
table says; the non-raising answers leave it alone."""

from __future__ import annotations

import random

import pytest
from assess_helpers import LOWEST, fired_ids, run

from ehkit.assess import load_rules
from ehkit.assess.engine import step_up
from ehkit.domain.loa import LevelOfAssurance as L

# (rule, answers that differ from LOWEST, expected level). Expected values are
# written out by hand from the research table, not derived from rules.yaml.
FIRING = [
    ("R0", {"sector_law": "yes", "sector_law_level": "EH4"}, L.EH4),
    ("R0", {"sector_law": "yes", "sector_law_level": "EH2+"}, L.EH2_PLUS),
    # the sector law wins over risk answers that would otherwise give EH4
    ("R0", {"sector_law": "yes", "sector_law_level": "EH2", "legal_consequences": "severe_or_irreversible"}, L.EH2),
    ("R2", {"bsn": "yes"}, L.EH3),
    ("R4", {"special_data": "submitted_only"}, L.EH3),
    ("R4", {"special_data": "shown_back"}, L.EH3),
    ("R4", {"special_data": "changed"}, L.EH4),
    ("R4", {"special_data": "at_scale"}, L.EH4),
    ("R5", {"return_flow": "non_public"}, L.EH3),
    ("R6", {"company_data": "yes"}, L.EH3),
    ("R7", {"legal_consequences": "yes"}, L.EH3),
    ("R7", {"legal_consequences": "severe_or_irreversible"}, L.EH4),
    ("R8", {"basisregistratie": "yes"}, L.EH3),
    ("R8", {"basisregistratie": "core_identity"}, L.EH4),
    ("R9", {"economic_interest": "considerable"}, L.EH3),
    ("R9", {"economic_interest": "large"}, L.EH4),
    ("R10", {"public_interest": "significant"}, L.EH3),
    ("R10", {"public_interest": "high"}, L.EH4),
    ("R11", {"who_acts": "intermediary"}, L.EH3),
    ("R11", {"reversible": "no"}, L.EH3),
    ("R11", {"who_acts": "intermediary", "reversible": "no"}, L.EH3),  # one step, not two
    ("R11", {"reversible": "no", "legal_consequences": "yes"}, L.EH4),
    ("R11", {"reversible": "no", "economic_interest": "large"}, L.EH4),  # capped at EH4
    ("R12", {}, L.EH2),
    ("R12a", {"low_level": "EH2+"}, L.EH2_PLUS),
    ("R12a", {"low_level": "EH2"}, L.EH2),
]

# (rule, answers that must not fire it). The level stays at EH2.
NOT_FIRING = [
    ("R0", {"sector_law": "no"}),
    ("R1", {"public_dv": "no"}),
    ("R2", {"bsn": "no"}),
    ("R3", {"personal_data": "none"}),
    ("R3", {"personal_data": "public_only"}),
    ("R3", {"personal_data": "ordinary"}),
    ("R4", {"special_data": "no"}),
    ("R5", {"return_flow": "no"}),
    ("R5", {"return_flow": "public_only"}),
    ("R6", {"company_data": "no"}),
    ("R7", {"legal_consequences": "none"}),
    ("R8", {"basisregistratie": "no"}),
    ("R9", {"economic_interest": "limited"}),
    ("R10", {"public_interest": "none_or_limited"}),
    ("R11", {"who_acts": "self"}),
    ("R11", {"who_acts": "employee_mandate"}),
    ("R11", {"who_acts": "bewindvoerder"}),
    ("R11", {"reversible": "yes"}),
    ("R13", {"public_dv": "yes"}),  # public, but the level stays low
]

# Rules whose effect is not a level; they have their own tests below.
NON_LEVEL_RULES = {"R1", "R13", "R14"}


@pytest.mark.parametrize(
    ("rule", "answers", "expected"), FIRING, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(FIRING)]
)
def test_rule_fires_and_sets_level(rule: str, answers: dict[str, str], expected: L) -> None:
    result = run(**answers)
    assert result.level == expected
    assert rule in fired_ids(result)


@pytest.mark.parametrize(("rule", "answers"), NOT_FIRING, ids=[f"{r}-{i}" for i, (r, _) in enumerate(NOT_FIRING)])
def test_rule_does_not_fire(rule: str, answers: dict[str, str]) -> None:
    result = run(**answers)
    assert result.level == L.EH2
    assert rule not in fired_ids(result) + [f.rule.id for f in result.followups]


def test_every_rule_in_the_table_is_covered() -> None:
    table = {rule.id for rule in load_rules().rules}
    covered = {r for r, _, _ in FIRING} | {r for r, _ in NOT_FIRING} | NON_LEVEL_RULES
    assert table == covered


def test_baseline_is_eh2_with_only_the_floor_and_low_choice() -> None:
    result = run()
    assert result.level == L.EH2
    assert fired_ids(result) == ["R12", "R12a"]


def test_r0_skips_risk_rules_and_says_why() -> None:
    result = run(sector_law="yes", sector_law_level="EH3", company_data="yes", reversible="no")
    assert result.level == L.EH3
    assert "R6" not in fired_ids(result) and "R11" not in fired_ids(result)
    skipped = {s.rule.id for s in result.skipped}
    assert skipped == {"R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11"}
    assert all("art. 2(1)" in s.reason.en for s in result.skipped)


def test_r0_does_not_override_the_scheme_bsn_rule_and_warns() -> None:
    result = run(sector_law="yes", sector_law_level="EH2", bsn="yes")
    assert result.level == L.EH3
    assert fired_ids(result) == ["R0", "R2"]
    assert len(result.warnings) == 1
    assert "EH2" in result.warnings[0].en and "EH3" in result.warnings[0].en


def test_no_warning_when_sector_law_is_already_high_enough() -> None:
    result = run(sector_law="yes", sector_law_level="EH4", bsn="yes")
    assert result.level == L.EH4
    assert result.warnings == ()


def test_r1_makes_the_result_binding_without_changing_the_level() -> None:
    public, private = run(public_dv="yes"), run(public_dv="no")
    assert public.level == private.level == L.EH2
    assert public.binding and not private.binding
    assert "R1" in fired_ids(public)


def test_r12a_low_choice_is_ignored_above_low() -> None:
    result = run(company_data="yes", low_level="EH2+")
    assert result.level == L.EH3
    assert "R12a" not in fired_ids(result)


def test_r12a_default_is_eh2_plus() -> None:
    answers = {k: v for k, v in LOWEST.items() if k != "low_level"}
    from ehkit.assess import assess

    assert assess(answers).level == L.EH2_PLUS


def test_r13_public_dv_at_eh3_needs_eidas_service() -> None:
    result = run(public_dv="yes", bsn="yes")
    assert result.needs_eidas_service
    assert [f.rule.id for f in result.followups] == ["R13"]
    assert "substantial" in result.followups[0].effect.en


def test_r13_eidas_level_follows_the_result() -> None:
    result = run(public_dv="yes", legal_consequences="severe_or_irreversible")
    assert result.followups[0].effect.en.endswith("high")


def test_r13_private_dv_needs_no_eidas_service() -> None:
    result = run(public_dv="no", bsn="yes")
    assert result.level == L.EH3
    assert not result.needs_eidas_service and result.followups == ()


def test_r14_runtime_advice_is_always_given() -> None:
    for answers in ({}, {"bsn": "yes"}, {"sector_law": "yes", "sector_law_level": "EH4"}):
        advice = run(**answers).advice
        assert [r.id for r in advice] == ["R14"]
        assert "AuthnRequest" in advice[0].note.en


def test_step_up_moves_one_eidas_class() -> None:
    assert step_up(L.EH2) == L.EH3
    assert step_up(L.EH2_PLUS) == L.EH3
    assert step_up(L.EH3) == L.EH4
    assert step_up(L.EH4) == L.EH4


def test_invariants_over_random_answers() -> None:
    """Max of the minimums: never EH1, never below any rule that fired, BSN always EH3+."""
    questions = [q for q in load_rules().questions if q.type != "text" and not q.when]
    rng = random.Random(20240701)
    for _ in range(400):
        answers = {q.id: rng.choice(q.allowed) for q in questions}
        if answers["sector_law"] == "yes":
            answers["sector_law_level"] = rng.choice(["EH2", "EH2+", "EH3", "EH4"])
        else:
            answers.update(
                {
                    q.id: rng.choice(q.allowed)
                    for q in load_rules().questions
                    if q.when == {"sector_law": ("no",)} and q.type != "text"
                }
            )
        result = run(**answers)
        assert result.level >= L.EH2
        for firing in result.fired:
            if firing.level is not None and firing.rule.kind != "low_choice":
                assert result.level >= firing.level, (answers, firing.rule.id)
        if answers["bsn"] == "yes":
            assert result.level >= L.EH3


def test_confirmation_status_matches_the_research() -> None:
    status = {rule.id: rule.confirmation for rule in load_rules().rules}
    assert status == {
        "R0": "C",
        "R1": "C",
        "R2": "C",
        "R3": "R",
        "R4": "R",
        "R5": "R",
        "R6": "C/R",
        "R7": "R",
        "R8": "R",
        "R9": "R",
        "R10": "R",
        "R11": "R",
        "R12": "C",
        "R12a": "C",
        "R13": "C",
        "R14": "C",
    }


def test_every_rule_names_its_basis_in_both_languages() -> None:
    for rule in load_rules().rules:
        assert rule.basis and all(
            b.source and b.type in {"law", "regulation", "guidance", "scheme"} for b in rule.basis
        )
        assert rule.title.nl and rule.title.en and rule.note.nl and rule.note.en
        for question in rule.questions:
            assert question.text.nl != question.text.en


def test_eh1_is_never_an_allowed_answer() -> None:
    for question in load_rules().questions:
        assert not any(v.upper() in {"EH1", "LOA1"} for v in question.allowed)


def test_docs_table_matches_the_rules() -> None:
    """docs/assess.md is the human-readable table; it must not drift from rules.yaml."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "assess.md").read_text(encoding="utf-8")
    rows = {line.split(" | ")[0][2:]: line for line in docs.splitlines() if line.startswith("| R")}
    for rule in load_rules().rules:
        assert rule.id in rows, rule.id
        assert rows[rule.id].startswith(f"| {rule.id} | {rule.row} |")
        assert rows[rule.id].endswith(f"| {rule.confirmation} |"), rule.id
        for basis in rule.basis:
            assert basis.source in rows[rule.id], (rule.id, basis.source)
    for question in load_rules().questions:
        assert f"| `{question.id}` |" in docs, question.id
