"""``ehkit catalogue ...`` and ``ehkit metadata ...`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ehkit.cli.main import app

AT = "2026-01-15T10:00:00+00:00"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def setup(fixed_config) -> Path:
    return fixed_config.source


def run(runner: CliRunner, *args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_build_validate_diff(runner, setup, tmp_path):
    out = tmp_path / "catalogue.xml"
    result = run(runner, "catalogue", "build", "-c", str(setup), "-o", str(out), "--at", AT)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"<?xml")

    cert = setup.parent / "keys" / "dv.crt"
    result = run(runner, "catalogue", "validate", str(out), "--profile", "kpn", "-p", "signicat", "--cert", str(cert))
    assert result.exit_code == 0, result.output
    assert "no findings" in result.output

    result = run(runner, "catalogue", "validate", str(out), "--json")
    assert json.loads(result.output)["ok"] is True

    result = run(runner, "catalogue", "diff", str(out), str(out))
    assert result.exit_code == 0 and "no changes" in result.output
    result = run(runner, "catalogue", "diff", str(out), str(out), "--json")
    assert json.loads(result.output)["breaking"] is False


def test_build_to_stdout_with_version_options(runner, setup):
    result = run(
        runner, "catalogue", "build", "-c", str(setup), "--version-style", "sequence", "--sequence", "53", "--at", AT
    )
    assert result.exit_code == 0
    assert 'esc:Version="urn:etoegang:1.13:53"' in result.output


def test_validate_errors_exit_1(runner, setup, tmp_path):
    out = tmp_path / "c.xml"
    run(runner, "catalogue", "build", "-c", str(setup), "-o", str(out), "--at", AT)
    out.write_text(out.read_text().replace("loa2plus", "loa1"))
    result = run(runner, "catalogue", "validate", str(out))
    assert result.exit_code == 1
    assert "CAT-LOA1" in result.output and "FAILED" in result.output
    result = run(runner, "catalogue", "validate", str(out), "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert {f["rule"] for f in data["findings"]} >= {"CAT-LOA1"}
    assert all({"rule", "severity", "path", "message", "source"} <= set(f) for f in data["findings"])


def test_validate_empty_signature_without_cert_exits_1(runner, setup, tmp_path):
    """An empty ds:Signature is an error even when no certificate is given to check it with."""
    import re

    out = tmp_path / "c.xml"
    run(runner, "catalogue", "build", "-c", str(setup), "-o", str(out), "--at", AT)
    text = out.read_text()
    emptied = re.sub(r"(<ds:Signature[^>]*>).*?(</ds:Signature>)", r"\1\2", text, count=1, flags=re.S)
    assert emptied != text
    out.write_text(emptied)
    result = run(runner, "catalogue", "validate", str(out))
    assert result.exit_code == 1
    assert "CAT-SIGNATURE-SHAPE" in result.output and "FAILED" in result.output


def test_diff_breaking(runner, setup, tmp_path):
    old = tmp_path / "old.xml"
    new = tmp_path / "new.xml"
    run(runner, "catalogue", "build", "-c", str(setup), "-o", str(old), "--at", AT)
    new.write_text(old.read_text().replace("loa2plus", "loa3"))
    result = run(runner, "catalogue", "diff", str(old), str(new))
    assert result.exit_code == 0
    assert "BREAKING" in result.output and "EH2+" in result.output
    result = run(runner, "catalogue", "diff", str(old), str(new), "--fail-on-breaking")
    assert result.exit_code == 1


def test_metadata_build_and_validate(runner, setup, tmp_path):
    result = run(runner, "metadata", "build", "-c", str(setup), "-o", str(tmp_path / "md"), "--at", AT)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "md").iterdir())
    assert files == ["metadata-eherkenning.xml", "metadata-eidas.xml"]

    single = tmp_path / "eidas.xml"
    result = run(runner, "metadata", "build", "-c", str(setup), "--group", "eidas", "-o", str(single), "--at", AT)
    assert result.exit_code == 0 and single.is_file()

    catalogue = tmp_path / "cat.xml"
    run(runner, "catalogue", "build", "-c", str(setup), "-o", str(catalogue), "--at", AT)
    result = run(
        runner,
        "metadata",
        "validate",
        str(single),
        "-p",
        "kpn",
        "-p",
        "onewelcome",
        "--catalogue",
        str(catalogue),
        "--cert",
        str(setup.parent / "keys" / "dv.crt"),
    )
    assert result.exit_code == 0, result.output

    broken = tmp_path / "broken.xml"
    broken.write_text(
        single.read_text().replace(
            '<md:ContactPerson contactType="administrative">', '<md:ContactPerson contactType="technical">'
        )
    )
    result = run(runner, "metadata", "validate", str(broken), "--json")
    assert result.exit_code == 1
    assert "META-CONTACT" in {f["rule"] for f in json.loads(result.output)["findings"]}


def test_metadata_build_needs_group_for_stdout(runner, setup):
    result = run(runner, "metadata", "build", "-c", str(setup))
    assert result.exit_code == 2
    assert "--group" in result.output
    result = run(runner, "metadata", "build", "-c", str(setup), "-g", "eherkenning", "--at", AT)
    assert result.exit_code == 0 and "md:EntityDescriptor" in result.output


def test_rollover_command(runner, rollover_config, tmp_path):
    config = rollover_config.source
    result = run(runner, "catalogue", "rollover", "-c", str(config), "--now", AT, "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert "Announce the next certificate" in result.output
    assert (tmp_path / "r" / "2-activation" / "metadata-eidas.xml").is_file()
    result = run(runner, "catalogue", "rollover", "-c", str(config), "--now", AT, "--json")
    steps = json.loads(result.output)
    assert [s["moment"] for s in steps] == ["now", "activation", "after"]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["catalogue", "build", "-c", "/nonexistent/ehkit.toml"], "configuration file not found"),
        (["catalogue", "validate", "/nonexistent/c.xml"], "file not found"),
        (["catalogue", "diff", "/nonexistent/a.xml", "/nonexistent/b.xml"], "file not found"),
        (["metadata", "validate", "/nonexistent/m.xml"], "file not found"),
        (["catalogue", "build", "-c", "{config}", "--at", "yesterday"], "ISO 8601"),
        (["catalogue", "build", "-c", "{config}", "--version-style", "fancy"], "--version-style"),
        (["catalogue", "rollover", "-c", "{config}"], "[keys.next]"),
        (["metadata", "build", "-c", "{config}", "--group", "nope"], "no metadata group"),
    ],
)
def test_usage_errors_exit_2_without_traceback(runner, setup, args, expected):
    args = [a.replace("{config}", str(setup)) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_bad_config_names_the_field(runner, setup):
    setup.write_text(setup.read_text().replace('loa = "EH2+"', 'loa = "EH1"'))
    result = runner.invoke(app, ["catalogue", "build", "-c", str(setup)])
    assert result.exit_code == 2
    assert "services[0].loa: EH1 is no longer allowed" in result.output
    assert "config_invalid" in result.output
    assert "Traceback" not in result.output


def test_bad_profile(runner, setup, tmp_path):
    out = tmp_path / "c.xml"
    run(runner, "catalogue", "build", "-c", str(setup), "-o", str(out), "--at", AT)
    result = runner.invoke(app, ["catalogue", "validate", str(out), "--profile", "acme"])
    assert result.exit_code == 2 and "unknown broker profile acme" in result.output


def test_rules_listing(runner):
    result = run(runner, "catalogue", "rules", "--json")
    ids = [r["id"] for r in json.loads(result.output)]
    assert "CAT-LOA1" in ids and "META-NAMEIDFORMAT" in ids
