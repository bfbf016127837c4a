"""``ehkit assess`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import yaml
from assess_helpers import LOWEST
from typer.testing import CliRunner

from ehkit.cli.assess import register

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps ``assess`` a sub-command, as in the real app."""

    register(app)
    return app


def _answers_file(tmp_path: Path, services: list[dict], name: str = "answers.yaml") -> Path:
    path = tmp_path / name
    text = json.dumps({"services": services}) if name.endswith(".json") else yaml.safe_dump({"services": services})
    path.write_text(text, encoding="utf-8")
    return path


MELDING = {
    "key": "melding",
    "name": "Melding openbare ruimte",
    "answers": {**LOWEST, "public_dv": "yes", "personal_data": "ordinary", "low_level": "EH2+"},
}
PORTAAL = {"key": "portaal", "answers": {**LOWEST, "public_dv": "yes", "bsn": "yes"}}


def test_json_output(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, [MELDING, PORTAAL], "answers.json")
    result = runner.invoke(_app(), ["assess", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    melding, portaal = document["services"]
    assert (melding["key"], melding["level"], melding["eidas"]) == ("melding", "EH2+", "low")
    assert melding["urn"] == "urn:etoegang:core:assurance-class:loa2plus"
    assert (portaal["level"], portaal["urn"], portaal["needs_eidas_service"]) == (
        "EH3",
        "urn:etoegang:core:assurance-class:loa3",
        True,
    )
    assert [f["rule"] for f in portaal["fired"]] == ["R1", "R2"]
    assert portaal["fired"][1]["basis"][0]["type"] == "scheme"
    assert portaal["followups"][0]["rule"] == "R13"
    assert portaal["advice"][0]["rule"] == "R14"
    assert portaal["answers"]["bsn"] == "yes"


def test_text_summary_in_dutch_and_english(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, [PORTAAL])
    nl = runner.invoke(_app(), ["assess", "--answers", str(path), "--lang", "nl"])
    assert nl.exit_code == 0
    assert "portaal: EH3 (urn:etoegang:core:assurance-class:loa3, eIDAS substantieel)" in nl.stdout
    assert "eIDAS-dienst nodig" in nl.stdout
    en = runner.invoke(_app(), ["assess", "--answers", str(path), "--lang", "en"])
    assert "eIDAS substantial" in en.stdout and "eIDAS service needed" in en.stdout


@pytest.mark.parametrize(
    ("answers", "fragments"),
    [
        ({**LOWEST, "bsnn": "yes"}, ["'melding'", "unknown question 'bsnn'"]),
        ({**LOWEST, "bsn": "perhaps"}, ["'melding'", "'bsn'", "'perhaps'", "allowed values: no, yes"]),
        (
            {k: v for k, v in LOWEST.items() if k != "reversible"},
            ["'melding'", "'reversible'", "allowed values: yes, no"],
        ),
    ],
)
def test_invalid_answers_file_exits_2_with_a_clear_message(tmp_path: Path, answers: dict, fragments: list[str]) -> None:
    path = _answers_file(tmp_path, [{"key": "melding", "answers": answers}])
    result = runner.invoke(_app(), ["assess", "--answers", str(path), "--lang", "en", "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "The answers file is invalid:" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_invalid_answers_file_message_in_dutch_with_lang_nl(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, [{"key": "melding", "answers": {**LOWEST, "bsn": "ja"}}])
    result = runner.invoke(_app(), ["assess", "--answers", str(path), "--lang", "nl"])
    assert result.exit_code == 2
    assert "Het antwoordbestand is ongeldig:" in result.stderr
    english = runner.invoke(_app(), ["assess", "--answers", str(path)])  # English unless --lang says otherwise
    assert english.exit_code == 2 and "The answers file is invalid:" in english.stderr
    assert "ongeldig" not in english.stderr
    assert "dienst 'melding', vraag 'bsn': waarde 'ja' is niet toegestaan; toegestane waarden: no, yes" in result.stderr


def test_service_filter(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, [MELDING, PORTAAL])
    result = runner.invoke(_app(), ["assess", "--answers", str(path), "--service", "portaal", "--json"])
    assert [s["key"] for s in json.loads(result.stdout)["services"]] == ["portaal"]
    missing = runner.invoke(_app(), ["assess", "--answers", str(path), "--service", "nope"])
    assert missing.exit_code == 2 and "no service with key 'nope'" in missing.stderr


def test_report_dir(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, [MELDING, PORTAAL])
    out = tmp_path / "out"
    result = runner.invoke(
        _app(), ["assess", "--answers", str(path), "--report-dir", str(out), "--lang", "en", "--json"]
    )
    assert result.exit_code == 0
    json.loads(result.stdout)  # report messages went to stderr, stdout stays valid JSON
    assert sorted(p.name for p in out.iterdir()) == [
        "loa-melding.en.html",
        "loa-melding.en.md",
        "loa-portaal.en.html",
        "loa-portaal.en.md",
    ]
    assert "BSN as identifying attribute" in (out / "loa-portaal.en.html").read_text(encoding="utf-8")


CONFIG = '# my services\n[[services]]\nkey = "melding"  # keep me\nloa = "EH4"\n\n[[services]]\nkey = "portaal"\nloa = "EH2"  # wrong\n'


def test_apply_with_yes_writes_both_services(tmp_path: Path) -> None:
    config = tmp_path / "ehkit.toml"
    config.write_text(CONFIG, encoding="utf-8")
    path = _answers_file(tmp_path, [MELDING, PORTAAL])
    result = runner.invoke(_app(), ["assess", "--answers", str(path), "--apply", str(config), "--yes"])
    assert result.exit_code == 0, result.output
    assert '-loa = "EH2"  # wrong' in result.stdout and '+loa = "EH3"  # wrong' in result.stdout
    assert config.read_text(encoding="utf-8") == CONFIG.replace('loa = "EH4"', 'loa = "EH2+"').replace(
        '"EH2"  # wrong', '"EH3"  # wrong'
    )


def test_apply_asks_and_respects_no(tmp_path: Path) -> None:
    config = tmp_path / "ehkit.toml"
    config.write_text(CONFIG, encoding="utf-8")
    path = _answers_file(tmp_path, [PORTAAL])
    result = runner.invoke(
        _app(), ["assess", "--answers", str(path), "--apply", str(config), "--lang", "nl"], input="n\n"
    )
    assert result.exit_code == 1
    assert "ehkit.toml (new)" in result.stdout and "schrijven?" in result.stdout
    assert config.read_text(encoding="utf-8") == CONFIG
    yes = runner.invoke(_app(), ["assess", "--answers", str(path), "--apply", str(config)], input="y\n")
    assert yes.exit_code == 0
    assert 'key = "portaal"\nloa = "EH3"  # wrong' in config.read_text(encoding="utf-8")


def test_apply_unknown_key_exits_2_and_leaves_file(tmp_path: Path) -> None:
    config = tmp_path / "ehkit.toml"
    config.write_text(CONFIG, encoding="utf-8")
    path = _answers_file(tmp_path, [{**PORTAAL, "key": "parkeren"}])
    result = runner.invoke(_app(), ["assess", "--answers", str(path), "--apply", str(config), "--yes"])
    assert result.exit_code == 2
    assert "no [[services]] block with key 'parkeren'" in result.stderr
    assert config.read_text(encoding="utf-8") == CONFIG


def test_apply_with_json_keeps_stdout_clean(tmp_path: Path) -> None:
    config = tmp_path / "ehkit.toml"
    config.write_text(CONFIG, encoding="utf-8")
    path = _answers_file(tmp_path, [PORTAAL])
    result = runner.invoke(_app(), ["assess", "--answers", str(path), "--apply", str(config), "--yes", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["services"][0]["level"] == "EH3"
    assert '+loa = "EH3"' in result.stderr


# sector_law, public_dv, bsn, personal_data, special_data, return_flow, company_data,
# legal_consequences, basisregistratie, economic_interest, public_interest, who_acts, reversible
_LOW_INPUT = ["1", "2", "1", "3", "1", "1", "1", "1", "1", "1", "1", "2", "1"]


def test_interactive_questionnaire_and_save_answers(tmp_path: Path) -> None:
    saved = tmp_path / "saved.yaml"
    keys = ["melding", "Melding openbare ruimte"]
    # "x" is refused and asked again; the final empty line accepts the EH2+ default
    lines = keys + _LOW_INPUT[:2] + ["x"] + _LOW_INPUT[2:] + [""]
    result = runner.invoke(
        _app(), ["assess", "--save-answers", str(saved), "--json", "--lang", "nl"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "'x' is geen keuze" in result.stderr
    assert "Identificeert de dienst een eenmanszaak" in result.stderr
    assert "De uitkomst is eIDAS laag" in result.stderr
    (service,) = json.loads(result.stdout)["services"]
    assert (service["key"], service["level"], service["binding"]) == ("melding", "EH2+", True)
    assert service["answers"]["who_acts"] == "employee_mandate"
    again = runner.invoke(_app(), ["assess", "--answers", str(saved), "--json", "--lang", "nl"])
    assert json.loads(again.stdout) == json.loads(result.stdout)


def test_interactive_in_english_skips_the_low_choice_when_not_low(tmp_path: Path) -> None:
    answers = list(_LOW_INPUT)
    answers[2] = "2"  # BSN: yes
    result = runner.invoke(
        _app(), ["assess", "--lang", "en", "--service", "portaal"], input="\n" + "\n".join(answers) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Does the service identify a sole proprietor by BSN" in result.stdout
    assert "The outcome is eIDAS low" not in result.stdout
    assert "portaal: EH3" in result.stdout


def test_interactive_sector_law_asks_only_its_follow_ups() -> None:
    result = runner.invoke(_app(), ["assess", "--service", "wet", "--lang", "en"], input="\n2\n4\nWet X\n1\n1\n")
    assert result.exit_code == 0, result.output
    assert "Which level does it prescribe?" in result.stdout
    assert "What personal data" not in result.stdout
    assert "wet: EH4" in result.stdout


def test_interactive_stops_cleanly_when_input_ends() -> None:
    result = runner.invoke(_app(), ["assess", "--lang", "nl"], input="melding\n\n1\n")
    assert result.exit_code == 1
    assert "Afgebroken." in result.stderr
    english = runner.invoke(_app(), ["assess"], input="melding\n\n1\n")
    assert english.exit_code == 1 and "Aborted." in english.stderr


def test_registered_in_the_main_app() -> None:
    from ehkit.cli.main import app

    result = runner.invoke(app, ["assess", "--help"])
    assert result.exit_code == 0
    assert "--answers" in result.stdout and "--apply" in result.stdout


def test_apply_errors_speak_the_language_of_the_run(tmp_path: Path) -> None:
    config = tmp_path / "ehkit.toml"
    config.write_text('[dv]\noin = "x"\n', encoding="utf-8")
    path = _answers_file(tmp_path, [PORTAAL])
    dutch = runner.invoke(_app(), ["assess", "--answers", str(path), "--apply", str(config), "--yes", "--lang", "nl"])
    assert dutch.exit_code == 2 and "heeft geen [[services]]-tabellen" in dutch.stderr
    english = runner.invoke(_app(), ["assess", "--answers", str(path), "--apply", str(config), "--yes"])
    assert english.exit_code == 2 and "has no [[services]] tables" in english.stderr
