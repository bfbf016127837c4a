"""``ehkit conformance run`` as a DV's CI runs it: exit code, summary line, the three report files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conformance_harness import PublishedDv, start_demo_dv
from lxml import etree
from typer.testing import CliRunner

from ehkit.cli.main import app

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedDv]:
    dv = start_demo_dv(tmp_path_factory.mktemp("cli-demo"), tls=False)
    try:
        yield dv
    finally:
        dv.server.stop()


def flags(dv: PublishedDv, service: str = "vergunning") -> list[str]:
    out = []
    for m in dv.metadata:
        out += ["--metadata", str(m)]
    return [
        *out,
        "--catalogue",
        str(dv.catalogue),
        "--login-url",
        f"{dv.url}/login/{service}",
        "--success-url",
        f"{dv.url}/dienst/{service}",
        "--identity-url",
        f"{dv.url}/dienst/{service}",
        "--state",
        str(dv.state),
        "--broker-url",
        f"http://127.0.0.1:{dv.broker_port}",
    ]


def test_the_cli_against_the_demo_dv(demo: PublishedDv, tmp_path: Path) -> None:
    out = tmp_path / "report"
    command = [
        sys.executable,
        "-c",
        "from ehkit.cli.main import main; main()",
        "conformance",
        "run",
        *flags(demo),
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert last == data["summary"]["line"]
    passed, failed, manual = (int(part.split()[0]) for part in last.split(", "))
    assert manual == 4 and passed > 90
    assert data["summary"]["ok"] is True and data["summary"]["mandatory_failed"] == 0
    assert {r["severity"] for r in data["results"] if r["status"] == "failed"} <= {"recommended"}
    junit = etree.parse(str(out / "report.junit.xml")).getroot()
    assert junit.get("failures") == str(failed) and len(junit.findall(".//testcase")) == len(data["results"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<html" in html and last in html
    etree.fromstring(html.encode(), etree.HTMLParser())
    assert f"http://127.0.0.1:{demo.broker_port}/broker/metadata/1.13" in done.stderr  # where the DV must point


def test_json_output_and_only(demo: PublishedDv, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["conformance", "run", *flags(demo), "--only", "LOGIN-SUCCESS,REFUSE-*", "--json", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ids = {r["id"] for r in data["results"]}
    assert "LOGIN-SUCCESS" in ids and "REFUSE-XSW3" in ids and "META-XSD" not in ids and "REQ-SIGNED" not in ids


def test_a_failing_mandatory_check_exits_1(demo: PublishedDv, tmp_path: Path) -> None:
    config = tmp_path / "conformance.toml"
    config.write_text("[attestations]\nno_iframe = false\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["conformance", "run", *flags(demo), "-c", str(config), "--only", "MANUAL-*", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 1
    assert result.stdout.strip().splitlines()[-1] == "0 passed, 1 failed, 3 manual"
    assert "MANUAL-NO-IFRAME" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "NO-SUCH"], "'NO-SUCH' names no check"),
        (["--metadata", "m.xml"], "logins"),
        (
            ["--metadata", "/nonexistent/m.xml", "--login-url", "http://127.0.0.1:9/", "--success-text", "x"],
            "cannot read the SP metadata",
        ),
        (["-c", "/nonexistent/c.toml"], "configuration file not found"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["conformance", "run", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output.replace("\n", " ")
    assert "Traceback" not in result.output


def test_checks_lists_every_check() -> None:
    from ehkit.conformance import CHECKS

    result = CliRunner().invoke(app, ["conformance", "checks", "--json"])
    assert result.exit_code == 0
    assert [c["id"] for c in json.loads(result.stdout)] == list(CHECKS)
    table = CliRunner().invoke(app, ["conformance", "checks"])
    assert "REFUSE-XSW3" in table.stdout
