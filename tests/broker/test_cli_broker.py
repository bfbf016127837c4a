"""``ehkit broker``: personas, scenarios and serve (with the server start stubbed out)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from broker_harness import BrokerEnv
from typer.testing import CliRunner

from ehkit.cli.broker import register


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()
    register(root)

    @root.callback()
    def _root() -> None:  # a group, so "broker" stays a sub-command
        pass

    return root


def test_personas_json(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["broker", "personas", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {p["id"] for p in data["persons"]} >= {"anna", "carla", "jan"}


def test_personas_table_and_bad_data(app: typer.Typer, tmp_path: Path) -> None:
    table = CliRunner().invoke(app, ["broker", "personas"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "anna" in table.output and "Bakkerij De Korenaar" in table.output
    bad = tmp_path / "data.yaml"
    bad.write_text(
        "version: 1\nmachtigingenregister: {name: x, oin: '1', entity_index: 1}\nauthentication_services: []\n",
        encoding="utf-8",
    )
    failed = CliRunner().invoke(app, ["broker", "personas", "--data", str(bad)], env={"COLUMNS": "200"})
    assert failed.exit_code == 1 and "machtigingenregister.oin" in failed.output


def test_scenarios(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["broker", "scenarios", "--json"])
    assert result.exit_code == 0
    assert "xsw3" in {s["id"] for s in json.loads(result.output)}


def test_serve_prints_where_to_point_a_dv_then_runs(
    app: typer.Typer, env: BrokerEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[Any] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: ran.append(self.config))
    state = tmp_path / "state"
    result = CliRunner().invoke(
        app,
        ["broker", "serve", "--port", "8899", "--config", str(env.dir / "ehkit.toml"), "--state-dir", str(state)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8899/broker/metadata/1.13" in result.output
    assert "urn:etoegang:DV:00000001234567890000:entities:9009" in result.output
    assert "anna" in result.output
    assert len(ran) == 1 and ran[0].port == 8899 and ran[0].ssl_certfile is None
    assert (state / "keys" / "hm.crt").is_file()


def test_serve_checks_its_options(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["broker", "serve", "--tls-client-ca", "ca.pem"])
    assert result.exit_code != 0 and "--tls-cert" in result.output
    missing = CliRunner().invoke(
        app, ["broker", "serve", "--dv-metadata", "/nonexistent/metadata.xml"], env={"COLUMNS": "200"}
    )
    assert missing.exit_code == 1 and "dv_source_unreadable" in missing.output
