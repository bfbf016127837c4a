"""pre-commit, the Makefile and .ci/run run the same checks."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _make_recipe(target: str) -> str:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", text, flags=re.M)
    assert match, f"no make target {target}"
    return match.group(1)


def test_pre_commit_runs_the_linters_and_the_type_checker_of_make() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    assert any(e.startswith(".venv/bin/ruff check") for e in entries)
    assert any(e.startswith(".venv/bin/ruff format --check") for e in entries)
    assert ".venv/bin/mypy" in entries
    lint, typecheck = _make_recipe("lint"), _make_recipe("typecheck")
    assert "ruff check" in lint and "ruff format --check" in lint
    assert "mypy" in typecheck


def test_ci_runs_every_check_and_the_readme_test_command() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for command in ("make lint", "make typecheck", "make docs", "make test"):
        assert re.search(rf"^{command}\b", script, flags=re.M), command
    assert "EHKIT_REQUIRE_SERVICES=1" in script
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make test    #" in readme
    assert "--strict" in _make_recipe("docs")
