"""``ehkit metadata refresh`` for cron: verify before replacing, record every outcome, exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from typer.testing import CliRunner

from ehkit.cli.main import app
from ehkit.config import load_config
from ehkit.ops.refresh import read_status, run_refresh, status_path


def _serve(xml: bytes, status: int = 200) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=xml))


def test_a_verified_download_replaces_the_file_and_is_recorded(doctor_env):
    config = load_config(doctor_env.toml)
    path = doctor_env.dir / "broker" / "metadata.xml"
    good = path.read_bytes()
    path.write_bytes(b"old copy")
    now = datetime.now(UTC)
    record, metadata = run_refresh(config, now=now, url="https://hm.example/metadata", transport=_serve(good))
    assert record.ok and metadata is not None
    assert path.read_bytes() == good and record.written_to == str(path)
    stored = read_status(config)
    assert stored is not None and stored.ok and stored.at == now and stored.signing_certificates == 1
    assert stored.valid_until == metadata.valid_until


def test_a_badly_signed_download_keeps_the_last_good_copy(doctor_env):
    config = load_config(doctor_env.toml)
    path = doctor_env.dir / "broker" / "metadata.xml"
    good = path.read_bytes()
    first, _ = run_refresh(config, now=datetime.now(UTC))  # the file itself verifies
    assert first.ok
    forged = good.replace(b"/broker/sso/", b"/evil/sso/", 1)
    record, metadata = run_refresh(
        config, now=datetime.now(UTC), url="https://hm.example/metadata", transport=_serve(forged)
    )
    assert not record.ok and metadata is None and record.reason.startswith("metadata_signature")
    assert path.read_bytes() == good  # never replaced by an unverified copy
    stored = read_status(config)
    assert stored is not None and not stored.ok and stored.last_success == first.at


def test_cli_exit_codes_and_json(doctor_env):
    runner = CliRunner()
    ok = runner.invoke(app, ["metadata", "refresh", "--config", str(doctor_env.toml), "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["ok"] is True and data["status_file"] == str(status_path(load_config(doctor_env.toml)))
    down = runner.invoke(
        app, ["metadata", "refresh", "--config", str(doctor_env.toml), "--url", "http://127.0.0.1:9/metadata"]
    )
    assert down.exit_code == 1
    assert "refresh failed" in down.output and "last good copy" in down.output
    usage = runner.invoke(app, ["metadata", "refresh", "--config", str(doctor_env.toml), "--url", "ftp://x"])
    assert usage.exit_code == 2
