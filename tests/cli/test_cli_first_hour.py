"""The small things of issue 20 (item 12, 5, 2): help without <bool>, counts, the demo console,
the simulator's TLS server certificate, catalogue tools before the simulator's first start."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner

from ehkit.cli.demo import LoginLineHandler, login_line
from ehkit.cli.help import plural
from ehkit.cli.main import app

runner = CliRunner()
EVENT = {
    "event": "ehkit.login",
    "outcome": "success",
    "reason": None,
    "service": "vergunning",
    "loa": "EH3",
    "loa_required": "EH3",
    "duration_ms": 212.4,
}


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["assess"],
        ["inspect"],
        ["keys", "generate"],
        ["keys", "tls-server"],
        ["broker"],
        ["broker", "serve"],
        ["broker", "personas"],
        ["catalogue", "validate"],
        ["metadata", "build"],
    ],
)
def test_help_shows_no_value_type_for_flags(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.stdout
    assert "--help" in result.stdout


def test_options_that_take_values_keep_their_type() -> None:
    result = runner.invoke(app, ["broker", "serve", "--help"], env={"COLUMNS": "120"})
    assert "--port" in result.stdout and "<int" in result.stdout
    assert "--state" in result.stdout and "--state-dir" in result.stdout


def test_plural() -> None:
    assert [plural(n, "error") for n in (0, 1, 2)] == ["0 errors", "1 error", "2 errors"]
    assert plural(1, "service") == "1 service" and plural(3, "entity", "entities") == "3 entities"


def test_catalogue_report_counts_are_pluralised(tmp_path: Path) -> None:
    from ehkit.cli.catalogue import print_report

    class Report:
        document, source, profiles, notes = "catalogue", "x.xml", (), ()

        def __init__(self, errors: int, warnings: int) -> None:
            self.errors, self.warnings = [object()] * errors, [object()] * warnings
            self.findings = [*self.errors, *self.warnings]

        def sorted(self) -> list[object]:
            return []

    from rich.console import Console

    import ehkit.cli.catalogue as catalogue_cli

    out = StringIO()
    original = catalogue_cli.stdout
    catalogue_cli.stdout = lambda: Console(file=out, width=200)  # type: ignore[assignment]
    try:
        print_report(Report(1, 1), as_json=False)
        print_report(Report(2, 0), as_json=False)
    finally:
        catalogue_cli.stdout = original
    text = out.getvalue()
    assert "1 error, 1 warning" in text and "2 errors, 0 warnings" in text and "1 errors" not in text


def test_login_line_is_one_readable_line() -> None:
    at = datetime(2026, 5, 1, 14, 3, 12).astimezone()
    assert login_line(EVENT, "en", at=at) == "14:03:12  vergunning  logged in  EH3 (required EH3)  212 ms"
    refused = {**EVENT, "outcome": "rejected", "reason": "audience_mismatch", "loa": None}
    assert (
        login_line(refused, "nl", at=at)
        == "14:03:12  vergunning  geweigerd (audience_mismatch)  – (vereist EH3)  212 ms"
    )


@pytest.mark.parametrize("as_json", [False, True])
def test_the_demo_console_prints_a_line_per_login_or_json(as_json: bool) -> None:
    out = StringIO()
    logger = logging.getLogger("ehkit.audit")
    handler = LoginLineHandler(out, lang="en", as_json=as_json)
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not .level: it clears the logger's isEnabledFor cache
    try:
        logger.info(json.dumps(EVENT, sort_keys=True), extra={"ehkit_event": EVENT})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    line = out.getvalue().strip()
    if as_json:
        assert json.loads(line) == EVENT
    else:
        assert line.endswith("vergunning  logged in  EH3 (required EH3)  212 ms") and "{" not in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.network
def test_the_demo_prints_whole_urls_in_a_narrow_terminal(tmp_path: Path) -> None:
    portal, broker = _free_port(), _free_port()
    env = {**os.environ, "COLUMNS": "40", "TERM": "dumb"}
    command = [str(Path(sys.executable).parent / "ehkit")]
    process = subprocess.Popen(
        [*command, "demo", "--dir", str(tmp_path / "demo"), "--portal-port", str(portal), "--broker-port", str(broker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Logins:"):
                break
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(20)
    text = "\n".join(lines)
    for url in (
        f"http://127.0.0.1:{portal}",
        f"http://127.0.0.1:{broker}",
        f"http://127.0.0.1:{broker}/broker/metadata/1.13",
    ):
        assert any(line.strip().endswith(url) for line in lines), text
    assert "…" not in text
    assert "Open the portal in your browser" in text  # English unless --lang nl


def test_make_demo_passes_the_ports() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    assert "ehkit demo --portal-port $(PORTAL_PORT) --broker-port $(BROKER_PORT)" in makefile
    dry = subprocess.run(
        [
            shutil.which("make") or "/usr/bin/make",
            "-n",
            "demo",
            "PORTAL_PORT=9000",
            "BROKER_PORT=9001",
            "STAMP=/dev/null",
        ],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ehkit demo --portal-port 9000 --broker-port 9001" in dry.stdout


def test_tls_server_certificate_for_the_simulator(tmp_path: Path) -> None:
    out = tmp_path / "tls"
    result = runner.invoke(
        app, ["keys", "tls-server", "--out", str(out), "--host", "127.0.0.1", "--host", "sim.test", "--json"]
    )
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["trust"].endswith('ca/ca-root.pem"')
    assert (out / "server.key").stat().st_mode & 0o777 == 0o600
    chain = x509.load_pem_x509_certificates((out / "server.crt").read_bytes())
    assert len(chain) == 2  # leaf and intermediate: what --tls-cert serves
    san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert san.get_values_for_type(x509.DNSName) == ["sim.test"]
    # A TLS client that trusts only the root accepts the chain for that address.
    context = ssl.create_default_context(cafile=str(out / "ca" / "ca-root.pem"))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(str(out / "server.crt"), str(out / "server.key"))
    assert context.verify_mode == ssl.CERT_REQUIRED
    again = runner.invoke(app, ["keys", "tls-server", "--out", str(out)])
    assert again.exit_code == 1 and "refusing to overwrite" in again.output
    bad = runner.invoke(app, ["keys", "tls-server", "--out", str(tmp_path / "bad"), "--host", "not a host!"])
    assert bad.exit_code == 2 and "neither an IP address nor a host" in " ".join(bad.output.replace("│", " ").split())


def test_catalogue_and_metadata_build_before_the_simulator_ever_ran(tmp_path: Path) -> None:
    from ehkit.config.example import write_example

    config = write_example(tmp_path / "example", quiet=True)
    assert not (tmp_path / "example" / "broker-state").exists()
    built = runner.invoke(app, ["catalogue", "build", "-c", str(config), "-o", str(tmp_path / "catalogue.xml")])
    assert built.exit_code == 0, built.output
    assert "3 services" in built.output
    meta = runner.invoke(app, ["metadata", "build", "-c", str(config), "-o", str(tmp_path / "metadata")])
    assert meta.exit_code == 0, meta.output
    # A missing DV key is still an error: only the broker's trust files may be missing.
    (tmp_path / "example" / "keys" / "dv.crt").unlink()
    broken = runner.invoke(app, ["catalogue", "build", "-c", str(config), "-o", str(tmp_path / "c2.xml")])
    assert broken.exit_code != 0 and "keys.signing_cert" in broken.output
