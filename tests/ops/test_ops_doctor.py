"""``ehkit doctor`` against a healthy DV and against each way a running connection breaks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from ehkit.cli.main import app
from ehkit.ops.doctor import DoctorOptions, run_doctor
from ehkit.ops.findings import EXIT_ERROR, EXIT_OK, EXIT_WARNING


def _by_check(report):
    out: dict[str, list] = {}
    for f in report.findings:
        out.setdefault(f.check, []).append(f)
    return out


def _levels(report, check):
    return [f.level for f in _by_check(report).get(check, [])]


def test_a_healthy_setup_passes_every_check(doctor_env):
    report = run_doctor(doctor_env.toml)
    bad = [f for f in report.findings if f.level in ("warning", "error")]
    assert bad == [], [f.as_dict() for f in bad]
    assert report.exit_code == EXIT_OK
    checks = _by_check(report)
    for check in (
        "config.valid",
        "keys.signing.load",
        "keys.signing.oin",
        "keys.signing.expiry",
        "metadata.reachable",
        "metadata.signature",
        "metadata.valid_until",
        "metadata.cache_duration",
        "drift.catalogue",
        "drift.metadata",
        "artifact.tls",
        "store.roundtrip",
    ):
        assert check in checks and all(f.level == "ok" for f in checks[check]), check
    # The handshake really presented the DV's certificate (its OIN is the subject serialNumber).
    assert doctor_env.tls.handshakes and "refused" not in doctor_env.tls.handshakes
    assert checks["artifact.tls"][0].data["seconds"] > 0
    assert len(checks["drift.metadata"]) == 2  # both metadata groups compared


def test_doctor_changes_nothing(doctor_env):
    before = {p: p.read_bytes() for p in doctor_env.dir.rglob("*") if p.is_file() and p.suffix != ".db"}
    run_doctor(doctor_env.toml)
    after = {p: p.read_bytes() for p in doctor_env.dir.rglob("*") if p.is_file() and p.suffix != ".db"}
    assert after == before


@pytest.mark.parametrize(("days", "level"), [(45, "warning"), (20, "warning"), (5, "error"), (90, "ok")])
def test_an_expiring_certificate(doctor_env, session_keys, days, level):
    from tests_ops_keys import reissue, republish

    reissue(doctor_env, session_keys, days=days)
    republish(doctor_env)
    report = run_doctor(doctor_env.toml)
    (finding,) = _by_check(report)["keys.signing.expiry"]
    assert finding.level == level
    if level != "ok":
        assert "expires in" in finding.message and "[keys.next]" in finding.fix
    assert report.exit_code == {"ok": EXIT_OK, "warning": EXIT_WARNING, "error": EXIT_ERROR}[level]


def test_a_key_that_does_not_match_its_certificate(doctor_env, session_keys):
    (doctor_env.dir / "keys" / "dv.key").write_bytes(session_keys.other_dv.private_pem())
    report = run_doctor(doctor_env.toml)
    (finding,) = _by_check(report)["keys.signing.load"]
    assert finding.level == "error" and "match" in finding.message
    assert finding.fix and "dv.key" in finding.fix
    assert report.exit_code == EXIT_ERROR


def test_a_certificate_of_another_oin(doctor_env, session_keys):
    keys = doctor_env.dir / "keys"
    keys.joinpath("dv.key").write_bytes(session_keys.other_dv.private_pem())
    keys.joinpath("dv.crt").write_bytes(session_keys.other_dv.certificate_pem())
    (finding,) = _by_check(run_doctor(doctor_env.toml))["keys.signing.oin"]
    assert finding.level == "error" and "00000007777777770000" in finding.message


def test_a_drifted_catalogue(doctor_env):
    # The service's level of assurance was raised in ehkit.toml, the broker still has the old catalogue.
    doctor_env.edit('loa = "EH2+"', 'loa = "EH3"')
    report = run_doctor(doctor_env.toml)
    (finding,) = _by_check(report)["drift.catalogue"]
    assert finding.level == "error"  # a raised level breaks logins until the broker has the new catalogue
    assert "Melding" in finding.message or "melding" in finding.message
    assert "ehkit catalogue build" in finding.fix
    assert report.exit_code == EXIT_ERROR


def test_drifted_sp_metadata(doctor_env):
    doctor_env.edit('acs_url = "https://dv.example/acs"', 'acs_url = "https://dv.example/eherkenning/acs"')
    findings = _by_check(run_doctor(doctor_env.toml))["drift.metadata"]
    assert [f.level for f in findings] == ["error", "error"]
    assert "AssertionConsumerService" in findings[0].message


def test_unreachable_metadata(doctor_env):
    doctor_env.edit('metadata_file = "broker/metadata.xml"', 'metadata_url = "http://127.0.0.1:9/broker/metadata"')
    report = run_doctor(doctor_env.toml)
    (finding,) = _by_check(report)["metadata.reachable"]
    assert finding.level == "error" and "127.0.0.1:9" in finding.message
    assert "broker.metadata_url" in finding.fix
    assert "artifact.tls" not in _by_check(report)  # nothing to probe without verified metadata
    assert report.exit_code == EXIT_ERROR


def test_badly_signed_metadata(doctor_env):
    path = doctor_env.dir / "broker" / "metadata.xml"
    xml = path.read_bytes()
    path.write_bytes(xml.replace(b"/broker/sso/", b"/evil/sso/", 1))  # after signing: the digest no longer holds
    (finding,) = _by_check(run_doctor(doctor_env.toml))["metadata.signature"]
    assert finding.level == "error" and "pinned_certs" in finding.fix


def test_metadata_signed_by_another_key(doctor_env, session_keys):
    pem = serialization.Encoding.PEM
    (doctor_env.dir / "broker" / "hm-signing.pem").write_bytes(session_keys.other_dv.certificate.public_bytes(pem))
    (finding,) = _by_check(run_doctor(doctor_env.toml))["metadata.signature"]
    assert finding.level == "error" and "trusted key" in finding.message


def test_an_unreachable_store(doctor_env):
    doctor_env.edit('store = "sqlite:///state.db"', 'store = "redis://127.0.0.1:9/0"')
    report = run_doctor(doctor_env.toml)
    (finding,) = _by_check(report)["store.reachable"]
    assert finding.level == "error" and "127.0.0.1:9" in finding.message
    assert "every login fails" in finding.fix
    assert report.exit_code == EXIT_ERROR


def test_an_artifact_endpoint_that_refuses_the_handshake(doctor_env):
    doctor_env.tls.close()
    (finding,) = _by_check(run_doctor(doctor_env.toml))["artifact.tls"]
    assert finding.level == "error" and "tls_ca" in finding.fix


def test_a_pending_rollover_and_a_failed_cron_refresh(doctor_env, session_keys):
    from tests_ops_keys import add_next_key

    from ehkit.ops.refresh import run_refresh

    activation = datetime.now(UTC) + timedelta(days=10)
    add_next_key(doctor_env, session_keys, activation)
    doctor_env.edit('metadata_file = "broker/metadata.xml"', 'metadata_url = "http://127.0.0.1:9/broker/metadata"')
    from ehkit.config import load_config

    record, _ = run_refresh(load_config(doctor_env.toml), now=datetime.now(UTC))
    assert not record.ok and record.reason == "metadata_unavailable"
    report = run_doctor(doctor_env.toml)
    (info,) = _by_check(report)["keys.next.activation"]
    assert info.level == "info" and "in 10.0 days" in info.message
    assert _levels(report, "keys.next.load") == ["ok"]
    (refresh,) = _by_check(report)["metadata.refresh"]
    assert refresh.level == "error" and "metadata_unavailable" in refresh.message
    # After the activation moment doctor says what is left to do.
    later = run_doctor(doctor_env.toml, DoctorOptions(now=activation + timedelta(hours=1)))
    (after,) = _by_check(later)["keys.next.activation"]
    assert after.level == "warning" and "move [keys.next] into [keys]" in after.fix


def test_a_configuration_that_does_not_load(tmp_path):
    (tmp_path / "ehkit.toml").write_text("[dv]\noin = 'x'\n", encoding="utf-8")
    report = run_doctor(tmp_path / "ehkit.toml")
    assert report.exit_code == EXIT_ERROR and all(f.check == "config.invalid" for f in report.findings)
    missing = run_doctor(tmp_path / "nope.toml")
    assert missing.findings[0].check == "config.load" and "--config" in missing.findings[0].fix


def test_cli_json_and_exit_code(doctor_env):
    runner = CliRunner()
    ok = runner.invoke(app, ["doctor", "--config", str(doctor_env.toml), "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["exit_code"] == 0 and {f["check"] for f in data["findings"]} >= {
        "keys.signing.expiry",
        "store.roundtrip",
    }
    doctor_env.edit('store = "sqlite:///state.db"', 'store = "redis://127.0.0.1:9/0"')
    bad = runner.invoke(app, ["doctor", "--config", str(doctor_env.toml)])
    assert bad.exit_code == 2
    assert "FAIL" in bad.output and "fix:" in bad.output and "store.reachable" in bad.output
