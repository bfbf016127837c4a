"""The README's "Using the SP library" steps, run exactly as written in a fresh folder.

Configure (write_example), start the simulator with a state folder, save the
README's app as app.py and run it, log in with a browser, see the page the
README promises. Then restart the simulator with the same command: the state
folder keeps the certificate ehkit.toml pins, so a second login works too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.broker_pages import choose_ad, log_in
from support.docs_runner import REPO, Workdir, code_blocks, commands, section, workdir

pytestmark = [pytest.mark.browser, pytest.mark.network]

README = REPO / "README.md"
BROKER_PORT, APP_PORT = 8801, 8000


def steps() -> tuple[list[str], str, str]:
    text = section(README, "## Using the SP library")
    shell = [c for block in code_blocks(text, "sh") for c in commands(block)]
    (app,) = code_blocks(text, "python")
    promised = re.search(r"The app answers `([^`]+)`", text)
    assert promised, "the README says what the app answers after the login"
    return shell, app, promised.group(1)


def test_the_steps_are_the_ones_this_test_runs() -> None:
    shell, app, promised = steps()
    assert len(shell) == 3
    assert shell[0].endswith("write_example('example')\"")
    assert "broker serve" in shell[1] and "--state example/broker-state" in shell[1]
    assert "uvicorn app:app" in shell[2]
    # The app is the Starlette integration's: one mount, one guarded view.
    assert 'eh.mount("/eherkenning")' in app and "@eh.require(" in app
    assert "def acs(" not in app and promised.startswith("Ingelogd namens ")


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Workdir]:
    yield from workdir(tmp_path, BROKER_PORT, APP_PORT)


def login(page: Any, work: Workdir) -> str:
    page.goto(f"http://127.0.0.1:{work.ports[APP_PORT]}/")
    page.get_by_test_id("service-name").wait_for()  # redirected to the simulator
    choose_ad(page, "alfa")
    log_in(page, "anna-app")
    page.get_by_test_id("option-korenaar-all-direct").check()
    page.get_by_test_id("represent-submit").click()
    page.wait_for_url(f"http://127.0.0.1:{work.ports[APP_PORT]}/")
    return page.locator("body").inner_text().strip()


def test_configure_start_the_simulator_paste_the_app_log_in(work: Workdir, page: Any) -> None:
    shell, app, promised = steps()
    configure, simulator, serve_app = shell
    printed = work.run(configure)
    assert "example/ehkit.toml" in printed and "--state example/broker-state" in printed  # says what it wrote
    work.map_ports_in(work.root / "example" / "ehkit.toml")
    broker = work.serve(simulator, work.ports[BROKER_PORT])
    assert (work.root / "example" / "broker-state" / "keys" / "hm.crt").is_file()
    (work.root / "app.py").write_text(app, encoding="utf-8")
    work.serve(serve_app, work.ports[APP_PORT])
    assert login(page, work) == promised

    # The simulator restarts with the same keys: the pinned certificate still matches.
    work.stop(broker)
    work.serve(simulator, work.ports[BROKER_PORT])
    page.context.clear_cookies()
    assert login(page, work) == promised
