"""``python -m ehkit`` and ``python -m ehkit.cli.main`` behave like the ``ehkit`` script."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["ehkit", "ehkit.cli.main"])
def test_module_entry_runs_the_cli(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    for command in ("keys", "inspect", "catalogue", "demo"):
        assert command in done.stdout


def test_module_entry_passes_the_exit_code() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ehkit", "no-such-command"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "no-such-command" in (done.stderr + done.stdout)
