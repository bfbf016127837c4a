"""``ehkit workspace`` commands: readable output, exit 2 with one message per problem, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner
from ws_helpers import EXAMPLE

from ehkit.cli.main import app

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ws.db'}"


def _run(*args: str, stdin: str | None = None) -> object:
    return runner.invoke(app, list(args), input=stdin)


def test_migrate_reports_the_schema_as_json(db_url: str) -> None:
    result = _run("workspace", "migrate", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    state = json.loads(result.output)  # type: ignore[attr-defined]
    assert state["up_to_date"] and state["engine"] == "sqlite"


def test_create_user_asks_twice_and_refuses_a_mismatch(db_url: str) -> None:
    bad = _run("workspace", "create-user", "a@x.nl", "--db", db_url, stdin="first password 1\nsecond password 2\n")
    assert bad.exit_code == 2 and "differ" in bad.output  # type: ignore[attr-defined]
    good = _run("workspace", "create-user", "a@x.nl", "--db", db_url, stdin="a good password\na good password\n")
    assert good.exit_code == 0 and "created user a@x.nl" in good.output  # type: ignore[attr-defined]
    again = _run("workspace", "create-user", "A@x.nl", "--password-stdin", "--db", db_url, stdin="a good password\n")
    assert again.exit_code == 2 and "email: there is already an account for a@x.nl" in again.output  # type: ignore[attr-defined]
    short = _run("workspace", "create-user", "b@x.nl", "--password-stdin", "--db", db_url, stdin="short\n")
    assert short.exit_code == 2 and "password: must be at least 12 characters long" in short.output  # type: ignore[attr-defined]


def test_import_invite_and_export_round_trip(db_url: str, tmp_path: Path) -> None:
    _run("workspace", "create-user", "a@x.nl", "--password-stdin", "--db", db_url, stdin="a good password\n")
    imported = _run("workspace", "import", str(EXAMPLE), "--db", db_url, "--data-dir", str(tmp_path / "data"))
    assert imported.exit_code == 0 and "imported project voorbeeldstad" in imported.output  # type: ignore[attr-defined]
    invited = _run(
        "workspace",
        "invite",
        "voorbeeldstad",
        "new@x.nl",
        "--role",
        "viewer",
        "--base-url",
        "https://ws.example",
        "--db",
        db_url,
    )
    assert invited.exit_code == 0 and "https://ws.example/invite/" in invited.output  # type: ignore[attr-defined]
    out = tmp_path / "out.yaml"
    exported = _run("workspace", "export", "voorbeeldstad", "--format", "yaml", "-o", str(out), "--db", db_url)
    assert exported.exit_code == 0, exported.output  # type: ignore[attr-defined]
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    wrong = _run("workspace", "export", "voorbeeldstad", "--format", "json", "--db", db_url)
    assert wrong.exit_code == 2 and "use yaml" in wrong.output  # type: ignore[attr-defined]
    missing = _run("workspace", "invite", "nowhere", "x@x.nl", "--db", db_url)
    assert missing.exit_code == 2 and "no project 'nowhere'" in missing.output  # type: ignore[attr-defined]


def test_a_bad_import_lists_every_problem_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    _run("workspace", "create-user", "a@x.nl", "--password-stdin", "--db", db_url, stdin="a good password\n")
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["project"]["oin"] = "123"
    data["services"][0]["changes"][0]["owner"] = "Nobody"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _run("workspace", "import", str(bad), "--db", db_url)
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "project.oin: must be an OIN: exactly 20 digits" in result.output  # type: ignore[attr-defined]
    data["project"]["oin"] = "00000001234567890000"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _run("workspace", "import", str(bad), "--db", db_url)
    assert "services[0].changes[0].owner: there is no member Nobody in the project group" in result.output  # type: ignore[attr-defined]
    listed = _run("workspace", "export", "voorbeeldstad", "--db", db_url)
    assert listed.exit_code == 2  # nothing was imported  # type: ignore[attr-defined]
    nofile = _run("workspace", "import", str(tmp_path / "none.yaml"), "--db", db_url)
    assert nofile.exit_code == 2 and "cannot read" in nofile.output  # type: ignore[attr-defined]
    noowner = _run("workspace", "import", str(EXAMPLE), "--owner", "ghost@x.nl", "--db", db_url)
    assert noowner.exit_code == 2 and "create-user ghost@x.nl" in noowner.output  # type: ignore[attr-defined]


def test_a_bad_database_url_is_one_message() -> None:
    result = _run("workspace", "migrate", "--db", "mysql://x/y")
    assert result.exit_code == 2 and "sqlite:///" in result.output  # type: ignore[attr-defined]
