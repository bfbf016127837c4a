"""docs/conformance.md stays true: every check, every flag, and the example configuration validates."""

from __future__ import annotations

import re
from pathlib import Path

from ehkit.conformance import CHECKS, Category, load_conformance_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"


def test_every_check_outside_the_catalogue_rules_is_in_the_table_with_its_severity() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([A-Z0-9-]+)` \| (mandatory|recommended) \|", text, flags=re.M))
    native = {
        c.id: c.severity.value for c in CHECKS.values() if c.category not in (Category.METADATA, Category.CATALOGUE)
    }
    assert rows == native


def test_every_flag_of_run_is_documented() -> None:
    import typer

    from ehkit.cli.main import app

    text = DOC.read_text(encoding="utf-8")
    command = typer.main.get_command(app).commands["conformance"].commands["run"]  # type: ignore[attr-defined]
    flags = {opt for param in command.params for opt in param.opts if opt.startswith("--")}
    assert len(flags) >= 18
    assert [f for f in sorted(flags) if f"`{f}" not in text] == []


def test_the_example_configuration_validates(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```toml\n(# conformance\.toml\n.*?)```", text, flags=re.S)
    assert block is not None
    (tmp_path / "conformance.toml").write_text(block.group(1), encoding="utf-8")
    config = load_conformance_config(tmp_path / "conformance.toml")
    assert len(config.logins) == 2 and config.simulator.tls and config.profiles == ["kpn"]
    assert config.attestations.communication is False
