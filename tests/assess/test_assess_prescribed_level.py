"""A level a sector law prescribes is the level (issue 20, item 11).

The sector law rule R0 with EH2+ stays EH2+ whatever else the file holds
(risk answers, a public DV, an explicit low-level choice); only a scheme rule
can raise it, and then the summary, the JSON and the report say which rule,
which answer, and that the scheme applies next to the sector law.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import yaml
from assess_helpers import LOWEST
from typer.testing import CliRunner

from ehkit.assess import assess
from ehkit.cli.main import app
from ehkit.domain.loa import LevelOfAssurance as L

runner = CliRunner()
SECTOR_EH2_PLUS = {"sector_law": "yes", "sector_law_level": "EH2+", "sector_law_reference": "Wet X, art. 3"}
# The risk answers that would give EH4 without the sector law.
RISK_EH4 = {**LOWEST, "legal_consequences": "severe_or_irreversible", "who_acts": "intermediary", "reversible": "no"}


@pytest.mark.parametrize(
    "public_dv, low_level, with_risk_answers",
    list(itertools.product(["no", "yes"], [None, "EH2", "EH2+"], [False, True])),
)
def test_eh2_plus_prescribed_stays_eh2_plus(public_dv: str, low_level: str | None, with_risk_answers: bool) -> None:
    answers = {**(RISK_EH4 if with_risk_answers else {}), **SECTOR_EH2_PLUS, "public_dv": public_dv, "bsn": "no"}
    answers.pop("low_level", None)
    if low_level is not None:
        answers["low_level"] = low_level
    result = assess(answers, key="svc")
    assert result.level is L.EH2_PLUS
    assert result.warnings == ()
    assert [f.rule.id for f in result.fired if f.level is not None] == ["R0"]


def test_a_scheme_rule_that_raises_it_is_named_with_its_answer() -> None:
    result = assess({**SECTOR_EH2_PLUS, "public_dv": "no", "bsn": "yes"}, key="svc")
    assert result.level is L.EH3
    (warning,) = result.warnings
    assert warning.en == (
        "The sector law prescribes EH2+, but scheme rule R2 (BSN as identifying attribute; answer bsn = yes) "
        "requires at least EH3, and the scheme applies next to the sector law; the level is therefore EH3. "
        "Check this with your broker."
    )
    assert "R2 (BSN als identificerend kenmerk; antwoord bsn = yes)" in warning.nl


def _file(tmp_path: Path, answers: dict[str, str]) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"services": [{"key": "svc", "answers": answers}]}), encoding="utf-8")
    return path


def test_cli_summary_json_and_report_say_why(tmp_path: Path) -> None:
    path = _file(tmp_path, {**SECTOR_EH2_PLUS, "public_dv": "no", "bsn": "yes"})
    text = runner.invoke(app, ["assess", "--answers", str(path), "--report-dir", str(tmp_path / "r")])
    assert text.exit_code == 0, text.output
    lines = text.stdout.strip().splitlines()
    # The result, then at once why it is not the prescribed level.
    assert lines[0].startswith("svc: EH3") and lines[1].strip().startswith("! The sector law prescribes EH2+")
    report = (tmp_path / "r" / "loa-svc.en.md").read_text(encoding="utf-8")
    assert "answer bsn = yes" in report and "**EH3**" in report
    data = json.loads(runner.invoke(app, ["assess", "--answers", str(path), "--json"]).stdout)["services"][0]
    assert data["level"] == "EH3" and "scheme rule R2" in data["warnings"][0]
    plain = _file(tmp_path, {**SECTOR_EH2_PLUS, "public_dv": "yes", "bsn": "no"})
    data = json.loads(runner.invoke(app, ["assess", "--answers", str(plain), "--json"]).stdout)["services"][0]
    assert (data["level"], data["warnings"]) == ("EH2+", [])


def test_an_unused_low_level_choice_is_explained() -> None:
    result = assess({**LOWEST, "reversible": "no", "low_level": "EH2+"}, key="svc")
    assert result.level is L.EH3
    (warning,) = result.warnings
    assert warning.en.startswith("You chose EH2+ for a low outcome (rule R12a), but the outcome is not low: R11")
