"""The examples work exactly as their docs page says: the commands of "Run the example" in
docs/integrations/<framework>.md, run in a copy of the example (ports made free), then a login.

The simulator and the application run as the separate processes the page
describes; the login goes through the simulator's headless API. Each example
runs twice: as written, and with its ehkit.toml switched to the simulator's
OpenID Connect front (site_env.use_oidc) and not a line of its code changed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_env import REPO, Headless, Site, free_port, use_oidc

pytestmark = pytest.mark.network

EXAMPLES = {"django": "django_site", "flask": "flask_app", "fastapi": "fastapi_app"}
APP_COMMANDS = {
    "django": "python manage.py runserver 8000",
    "flask": "flask --app app run --port 8000",
    "fastapi": "uvicorn app:app --port 8000",
}


def documented_commands(framework: str) -> list[str]:
    text = (REPO / "docs" / "integrations" / f"{framework}.md").read_text(encoding="utf-8")
    section = text.split("## Run the example", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, f"docs/integrations/{framework}.md has no sh block under 'Run the example'"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_documented_commands_are_the_ones_tested() -> None:
    for framework, example in EXAMPLES.items():
        assert documented_commands(framework) == [
            f"cd examples/{example}",
            "ehkit integration init",
            "ehkit broker serve --config ehkit.toml --state-dir .broker",
            APP_COMMANDS[framework],
        ]


def wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the process ended early:\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}:\n{log.read_text(errors='replace')[-3000:]}")


def run(argv: list[str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("EHKIT_CONFIG", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with log.open("wb") as out:
        # A session of its own, so the whole group (Django's autoreloader child too) is stopped by its ID.
        return subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(
    params=[(framework, protocol) for framework in sorted(EXAMPLES) for protocol in ("saml", "oidc")],
    ids="-".join,
)
def example(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    framework, protocol = request.param
    commands = documented_commands(framework)
    site_port, broker_port = free_port(), free_port()
    work = tmp_path / EXAMPLES[framework]
    shutil.copytree(REPO / commands[0].split()[1], work, ignore=shutil.ignore_patterns(*_generated()))
    init = [*shlex.split(commands[1]), "--site-url", f"http://127.0.0.1:{site_port}"]
    init += ["--broker-url", f"http://127.0.0.1:{broker_port}"]
    done = subprocess.run(init, check=False, cwd=work, capture_output=True, text=True, timeout=120, env=_env())
    assert done.returncode == 0, done.stdout + done.stderr
    if protocol == "oidc":
        use_oidc(
            work / "ehkit.toml", site_url=f"http://127.0.0.1:{site_port}", broker_url=f"http://127.0.0.1:{broker_port}"
        )
    broker = run([*shlex.split(commands[2]), "--port", str(broker_port)], work, tmp_path / "broker.log")
    procs = [broker]
    try:
        wait_for_port(broker_port, broker, tmp_path / "broker.log")
        app = run([a.replace("8000", str(site_port)) for a in shlex.split(commands[3])], work, tmp_path / "app.log")
        procs.append(app)
        wait_for_port(site_port, app, tmp_path / "app.log")
        yield Site(
            f"{framework}-{protocol}",
            f"http://127.0.0.1:{site_port}",
            f"http://127.0.0.1:{broker_port}",
            work / "ehkit.toml",
        )
    finally:
        for proc in reversed(procs):
            stop(proc)


def _generated() -> list[str]:
    return ["ehkit.toml", "keys", ".broker", "state.db*", "__pycache__"]


def _env() -> dict[str, str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("EHKIT_CONFIG", None)
    return env


def test_example_logs_in_through_the_simulator(example: Site) -> None:
    user = Headless(example)
    try:
        home = user.http.get("/")
        assert home.status_code == 200 and 'data-testid="anonymous"' in home.text
        assert 'data-testid="login-vergunning"' in home.text
        anonymous = user.http.get("/vergunning")
        assert anonymous.status_code == 302
        start = user.start("vergunning", "/vergunning")
        over_oidc = example.name.endswith("-oidc")
        assert ("/oidc/authorize?" in start.headers["location"]) is over_oidc
        answer = user.at_broker(start, person="anna", company="korenaar")
        done = user.deliver(answer["delivery"])
        assert done.status_code == 303 and done.headers["location"] == "/vergunning", done.text
        page = user.http.get("/vergunning")
        assert page.status_code == 200
        assert 'data-testid="legal-subject">30123456<' in page.text
        assert 'data-testid="loa">EH3<' in page.text
        assert "no-store" in page.headers["cache-control"]
        assert user.http.get("/melding").status_code == 403  # a vergunning login does not open melding
        assert user.http.get("/overzicht").status_code == 200  # vergunning counts at EH3
        assert user.http.get("/eherkenning/logout/").status_code == 200
    finally:
        user.close()
