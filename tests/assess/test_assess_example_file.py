"""The answers file shipped in examples/ (used in the README) stays valid and
gives the levels the example ehkit.toml registers."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ehkit.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "loa-answers.yaml"


def test_example_answers_give_the_example_levels(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["assess", "--answers", str(EXAMPLE), "--json", "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    levels = {s["key"]: s["level"] for s in data["services"]}
    assert levels == {"melding": "EH2+", "vergunning": "EH3"}
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".html", ".html", ".md", ".md"]
