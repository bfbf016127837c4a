"""The per-service report the DV files as its justification."""

from __future__ import annotations

import fnmatch
import os
import tomllib
from datetime import date
from pathlib import Path

import pytest
from assess_helpers import LOWEST

from ehkit.assess import assess, load_rules
from ehkit.assess.report import render, report_filename, write_reports

DAY = date(2025, 3, 14)


def _public_bsn_portal():
    return assess(
        {**LOWEST, "public_dv": "yes", "bsn": "yes", "company_data": "yes", "reversible": "no"},
        key="portaal",
        name="Ondernemersportaal",
        today=DAY,
    )


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_has_level_rules_basis_answers_date_and_signoff(fmt: str) -> None:
    text = render(_public_bsn_portal(), load_rules(), fmt, "nl")
    for expected in (
        "Ondernemersportaal",
        "EH4",
        "urn:etoegang:core:assurance-class:loa4",
        "hoog",
        "Wettelijke ondergrens (Wdo art. 6)",
        # fired rules with their basis
        "R2",
        "BSN als identificerend kenmerk",
        "Afsprakenstelsel Elektronische Toegangsdiensten",
        "R6",
        "Regeling betrouwbaarheidsniveaus (Stcrt. 2023, 13656), art. 1",
        "R11",
        "Logius, eerdere Handreiking betrouwbaarheidsniveaus (v1.0, 2011)",
        # reconstruction notes: the plain one for R and the partial one for C/R
        "Let op: deze regel is een reconstructie van richtlijnen, geen bevestigde regel.",
        "Let op: de uitkomst van deze regel is met een voorbeeld bevestigd",
        "Deze uitkomst steunt geheel of deels op regels die zijn gereconstrueerd",
        # follow-up and runtime advice
        "eIDAS-dienst toevoegen",
        "AuthnRequest",
        # all answers
        "Worden niet-openbare bedrijfsgegevens",
        "Kan misbruik tijdig worden ontdekt en teruggedraaid?",
        "2025-03-14",
        "Vaststelling",
        "Handtekening",
    ):
        assert expected in text, expected


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_every_answer_appears(fmt: str) -> None:
    text = render(_public_bsn_portal(), load_rules(), fmt, "en")
    for question in load_rules().questions:
        if question.id in LOWEST and question.id != "low_level":  # low_level is moot at EH4
            assert question.text.en in text, question.id
    # answered, but moot at EH4: listed and marked as such
    assert "EH2 (allowed) (not applicable)" in text


def test_defaulted_low_choice_is_shown_only_when_the_outcome_is_low() -> None:
    answers = {k: v for k, v in LOWEST.items() if k != "low_level"}
    low = render(assess(answers, today=DAY), load_rules(), "md", "en")
    assert "EH2+ (two-factor login, recommended) (default)" in low
    high = render(assess({**answers, "bsn": "yes"}, today=DAY), load_rules(), "md", "en")
    assert "The outcome is eIDAS low" not in high


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_english_report(fmt: str) -> None:
    text = render(_public_bsn_portal(), load_rules(), fmt, "en")
    assert "Level of assurance justification" in text
    assert "Note: this rule is a reconstruction of guidance, not a confirmed rule." in text
    assert "Sign-off" in text and "BSN as identifying attribute" in text
    assert "Vaststelling" not in text


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_no_reconstruction_note_when_only_confirmed_rules_fired(fmt: str) -> None:
    result = assess({**LOWEST, "bsn": "yes"}, key="bsn-only", today=DAY)
    assert [f.rule.id for f in result.fired] == ["R2"]
    text = render(result, load_rules(), fmt, "nl")
    assert "reconstructie" not in text and "gereconstrueerd uit richtlijnen, niet" not in text
    assert "EH3" in text


def test_sector_law_report_lists_skipped_rules_and_the_warning() -> None:
    result = assess(
        {
            "sector_law": "yes",
            "sector_law_level": "EH2",
            "sector_law_reference": "Wet X, art. 5",
            "public_dv": "no",
            "bsn": "yes",
        },
        today=DAY,
    )
    text = render(result, load_rules(), "md", "en")
    assert "Rules not applied" in text and "the sector law takes precedence" in text
    assert "Wet X, art. 5" in text
    assert (
        "The sector law prescribes EH2, but scheme rule R2 (BSN as identifying attribute; answer bsn = yes) requires at least EH3"
        in text
    )


def test_html_escapes_user_text() -> None:
    result = assess(LOWEST, key="k", name="<script>alert(1)</script>", today=DAY)
    text = render(result, load_rules(), "html", "nl")
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_markdown_escapes_user_text() -> None:
    result = assess(LOWEST, key="a|b", name="Mijn | *dienst*", today=DAY)
    text = render(result, load_rules(), "md", "nl")
    assert "Mijn \\| \\*dienst\\*" in text
    assert "a\\|b" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| ")]
    # no table row gained a column from the user's pipe
    assert all(line.replace("\\|", "").count("|") in (3, 4) for line in table_rows), table_rows


def test_write_reports_writes_both_formats_atomically(tmp_path: Path) -> None:
    result = _public_bsn_portal()
    out = tmp_path / "reports"
    paths = write_reports([result], load_rules(), out, "nl")
    assert sorted(p.name for p in paths) == ["loa-portaal.nl.html", "loa-portaal.nl.md"]
    assert "EH4" in (out / "loa-portaal.nl.md").read_text(encoding="utf-8")
    assert sorted(os.listdir(out)) == ["loa-portaal.nl.html", "loa-portaal.nl.md"]  # no temp files left


def test_failed_write_keeps_the_old_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "loa-portaal.nl.md"
    target.write_text("old", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_reports([_public_bsn_portal()], load_rules(), tmp_path, "nl", formats=("md",))
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["loa-portaal.nl.md"]


def test_report_filename_stays_inside_the_directory() -> None:
    assert report_filename("../../etc/passwd", "md", "nl") == "loa-etc-passwd.nl.md"
    assert report_filename("a b/c", "html", "en") == "loa-a-b-c.en.html"
    assert report_filename("///", "md", "nl") == "loa-service.nl.md"


def test_packaged_files_are_covered_by_package_data() -> None:
    """Templates and the rules table must ship in wheels, not only in a checkout."""
    root = Path(__file__).resolve().parents[2]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["ehkit"]
    package = root / "src" / "ehkit"
    data_files = [
        p.relative_to(package).as_posix()
        for p in (package / "assess").rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    ]
    assert "assess/rules.yaml" in data_files and "assess/templates/report.html" in data_files
    for name in data_files:
        assert any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(name, g.replace("**/", "")) for g in globs), name
