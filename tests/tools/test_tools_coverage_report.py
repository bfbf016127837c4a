"""tools/coverage_report.py: grouping per package and the thresholds CI enforces."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools import coverage_report as cr


@pytest.mark.parametrize(
    ("path", "package"),
    [
        ("/repo/src/ehkit/sp/stores/redis.py", "sp"),
        ("src/ehkit/xml/parse.py", "xml"),
        ("/repo/src/ehkit/errors.py", cr.TOP_LEVEL),
        ("/elsewhere/module.py", cr.TOP_LEVEL),
    ],
)
def test_package_of(path: str, package: str) -> None:
    assert cr.package_of(path) == package


def figures(percent_lines: int) -> cr.Figures:
    return cr.Figures(statements=100, covered_lines=percent_lines, branches=0, covered_branches=0)


def test_thresholds_name_each_package_below_and_the_total() -> None:
    packages = {"xml": figures(95), "saml": figures(89), "sp": figures(90), "broker": figures(10)}
    total = cr.Figures()
    for f in packages.values():
        total.add({"num_statements": f.statements, "covered_lines": f.covered_lines})
    problems = cr.below(packages, total)
    assert problems == ["ehkit.saml: 89.0 % (minimum 90 %)", "total: 71.0 % (minimum 80 %)"]
    assert cr.below({"xml": figures(95), "saml": figures(95)}, figures(95)) == ["ehkit.sp: not measured"]


def test_figures_count_branches_as_coverage_py_does() -> None:
    f = cr.Figures(statements=8, covered_lines=6, branches=2, covered_branches=1)
    assert f.percent == pytest.approx(70.0)
    assert cr.Figures().percent == 100.0


def _measure(tmp_path: Path, code: str) -> Path:
    """Coverage data for one file that lives at .../ehkit/sp/mod.py, measured in a child process."""
    module = tmp_path / "src" / "ehkit" / "sp" / "mod.py"
    module.parent.mkdir(parents=True)
    module.write_text(code)
    data = tmp_path / ".coverage"
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--branch", f"--data-file={data}", "--rcfile=/dev/null", str(module)],
        check=True,
        cwd=tmp_path,
    )
    return data


def test_enforced_run_fails_below_and_prints_the_table(tmp_path: Path) -> None:
    data = _measure(tmp_path, "x = 1\nif x == 2:\n    y = 3\n")
    script = Path(cr.__file__)
    ran = subprocess.run(
        [sys.executable, str(script), "--data-file", str(data), "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert ran.returncode == 1
    assert "ehkit.sp" in ran.stdout and "BELOW" in ran.stdout
    assert "Coverage below the minimum" in ran.stderr
    partial = subprocess.run(
        [sys.executable, str(script), "--data-file", str(data), "--partial"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert partial.returncode == 0 and "not enforced here" in partial.stdout
    assert json.loads(json.dumps(cr.PACKAGE_MINIMUM)) == {"xml": 90.0, "saml": 90.0, "sp": 90.0}
