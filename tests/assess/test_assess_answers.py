"""Strict validation of answers, in code and from YAML/JSON files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from assess_helpers import LOWEST

from ehkit.assess import AnswersError, assess, load_rules
from ehkit.assess.answers import ServiceAnswers, dump_answers, load_answers_file, parse_answers_document
from ehkit.domain.loa import LevelOfAssurance


def _problems(exc: pytest.ExceptionInfo[AnswersError], lang: str = "en") -> list[str]:
    return [p.en if lang == "en" else p.nl for p in exc.value.problems]


def _doc(*services: dict) -> dict:
    return {"services": list(services)}


def test_unknown_question_names_service_question_and_known_ids() -> None:
    with pytest.raises(AnswersError) as exc:
        assess({**LOWEST, "bsnn": "yes"}, key="portaal")
    (problem,) = _problems(exc)
    assert "'portaal'" in problem and "'bsnn'" in problem
    assert "did you mean 'bsn'" in problem
    assert "known questions:" in problem and "sector_law" in problem


def test_wrong_value_names_service_question_and_allowed_values() -> None:
    with pytest.raises(AnswersError) as exc:
        assess({**LOWEST, "special_data": "sometimes"}, key="portaal")
    (problem,) = _problems(exc)
    assert "'portaal'" in problem and "'special_data'" in problem and "'sometimes'" in problem
    assert "allowed values: no, submitted_only, shown_back, changed, at_scale" in problem


def test_missing_answer_names_service_question_and_allowed_values() -> None:
    answers = {k: v for k, v in LOWEST.items() if k != "legal_consequences"}
    with pytest.raises(AnswersError) as exc:
        assess(answers, key="portaal")
    (problem,) = _problems(exc)
    assert "missing answer" in problem and "'portaal'" in problem and "'legal_consequences'" in problem
    assert "allowed values: none, yes, severe_or_irreversible" in problem


def test_messages_exist_in_dutch() -> None:
    with pytest.raises(AnswersError) as exc:
        assess({**LOWEST, "bsn": "ja"}, key="portaal")
    (problem,) = _problems(exc, "nl")
    assert "dienst 'portaal', vraag 'bsn'" in problem and "toegestane waarden: no, yes" in problem


def test_low_level_and_text_questions_are_optional() -> None:
    answers = {k: v for k, v in LOWEST.items() if k != "low_level"}
    assert "low_level" in LOWEST  # the lowest outcome asks it
    assert assess(answers).level is LevelOfAssurance.EH2_PLUS  # its default


def test_follow_up_becomes_required_when_its_condition_holds() -> None:
    with pytest.raises(AnswersError) as exc:
        assess({"sector_law": "yes", "public_dv": "no", "bsn": "no"})
    (problem,) = _problems(exc)
    assert "'sector_law_level'" in problem and "EH2, EH2+, EH3, EH4" in problem


def test_sector_law_makes_risk_questions_unnecessary() -> None:
    result = assess({"sector_law": "yes", "sector_law_level": "EH3", "public_dv": "no", "bsn": "no"})
    assert result.level.label == "EH3"


def test_eh1_is_rejected_with_the_allowed_values() -> None:
    with pytest.raises(AnswersError) as exc:
        assess({"sector_law": "yes", "sector_law_level": "EH1", "public_dv": "no", "bsn": "no"})
    assert "allowed values: EH2, EH2+, EH3, EH4" in _problems(exc)[0]


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(AnswersError) as exc:
        parse_answers_document(
            _doc({"key": "a", "answers": {**LOWEST, "bsn": "maybe"}}, {"key": "b", "answers": {**LOWEST, "nope": "x"}}),
            load_rules(),
        )
    problems = _problems(exc)
    assert len(problems) == 2
    assert "'a'" in problems[0] and "'b'" in problems[1]


def test_yaml_booleans_are_accepted_only_for_yes_no_questions(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    lines = "\n".join(f"      {k}: {v}" for k, v in LOWEST.items())
    path.write_text("services:\n  - key: a\n    answers:\n" + lines + "\n", encoding="utf-8")
    (service,) = load_answers_file(path, load_rules())
    assert service.answers["bsn"] == "no" and service.answers["reversible"] == "yes"
    path.write_text(path.read_text().replace("personal_data: none", "personal_data: yes"), encoding="utf-8")
    with pytest.raises(AnswersError) as exc:
        load_answers_file(path, load_rules())
    assert "'personal_data'" in _problems(exc)[0] and "allowed values: none, public_only, ordinary" in _problems(exc)[0]


def test_json_answers_file(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(_doc({"key": "a", "name": "A", "answers": {**LOWEST, "bsn": True}})), encoding="utf-8")
    (service,) = load_answers_file(path, load_rules())
    assert service == ServiceAnswers(key="a", name="A", answers={**LOWEST, "bsn": "yes"})


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("services:\n  - key: a\n    answers: {bsn: no, bsn: yes}\n", "duplicate key 'bsn'"),
        ("services: [}\n", "not valid YAML"),
        ("- key: a\n", "expected a mapping with only 'services'"),
        ("services: []\nextra: 1\n", "expected a mapping with only 'services'"),
        ("services:\n  - answers: {}\n", "services[0] must be a mapping with 'key'"),
        ("services:\n  - key: a\n    answers: {}\n    level: EH3\n", "unknown field 'level'"),
    ],
)
def test_file_shape_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnswersError) as exc:
        load_answers_file(path, load_rules())
    assert any(fragment in p for p in _problems(exc)), _problems(exc)


def test_duplicate_service_key(tmp_path: Path) -> None:
    with pytest.raises(AnswersError) as exc:
        parse_answers_document(_doc({"key": "a", "answers": LOWEST}, {"key": "a", "answers": LOWEST}), load_rules())
    assert "service 'a' appears twice" in _problems(exc)


def test_json_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"services": [], "services": []}', encoding="utf-8")
    with pytest.raises(AnswersError) as exc:
        load_answers_file(path, load_rules())
    assert "duplicate key 'services'" in _problems(exc)[0]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AnswersError) as exc:
        load_answers_file(tmp_path / "nope.yaml", load_rules())
    assert "cannot read" in _problems(exc)[0]


def test_dump_answers_round_trips(tmp_path: Path) -> None:
    services = [ServiceAnswers(key="a", name="Één", answers={**LOWEST, "bsn": "yes"})]
    path = tmp_path / "saved.yaml"
    path.write_text(dump_answers(services), encoding="utf-8")
    assert load_answers_file(path, load_rules()) == services
    # yes/no are quoted so other YAML readers see strings, not booleans
    assert yaml.safe_load(path.read_text())["services"][0]["answers"]["bsn"] == "yes"
