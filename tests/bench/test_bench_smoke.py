"""Smoke test of the benchmark harness (issue 8): runs ``bench.run`` in-process at a
tiny scale, ehkit rows only (no anchors, no HTTP), and checks that the results are
well formed and that rejecting hostile input costs no RSA private-key operation.
No timing assertions: this machine's speed is not under test."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import run as bench_run  # noqa: E402


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench-out")
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    res = bench_run.main(
        [
            "--scale",
            "0.002",
            "--stacks",
            "ehkit",
            "--only",
            "floor,validate,signatures,authn,hostile,memory",
            "--cpu",
            "-1",
            "--out",
            str(out),
            "--docs",
            str(out / "performance.md"),
            "--quiet",
        ]
    )
    if affinity is not None:
        assert os.sched_getaffinity(0) == affinity, "the harness must leave the CPU affinity as it found it"
    res["_out"] = out
    return res


def test_results_json_is_well_formed(result: dict) -> None:
    data = json.loads((result["_out"] / "results.json").read_text(encoding="utf-8"))
    assert data["machine"]["cpu"]
    assert data["machine"]["python"]
    assert data["fixture"]["bytes"] > 10_000
    assert {t["id"] for t in data["targets"]} == {
        "validate",
        "signatures",
        "authn",
        "hostile",
        "http",
        "validate_floor",  # issue 18: ratios to the floor and to the xmlsec binding in one run
        "sp_cpu",  # issue 18: the SP's own CPU per login, and the simulator's
    }
    for row in data["rows"]:
        assert set(row) >= {"section", "case", "stack", "median", "min", "max", "status", "notes"}
        if row["status"] == "ok" and row["section"] != "memory":
            assert row["median"] > 0 and row["min"] <= row["median"] <= row["max"]
    assert not any(r["stack"] in ("xmlsec", "signxml", "python3-saml", "pysaml2") for r in data["rows"])


def test_every_requested_section_has_ehkit_rows(result: dict) -> None:
    rows = result["rows"]
    for section in ("validate", "signatures", "authn", "hostile"):
        ours = [r for r in rows if r["section"] == section and r["stack"].startswith("ehkit")]
        assert ours, section
        assert all(r["status"] == "ok" for r in ours), [(r["case"], r["notes"]) for r in ours if r["status"] != "ok"]
    assert any(r["section"] == "floor" and r["median"] for r in rows)
    assert any(r["section"] == "memory" and r["stack"] == "ehkit" and r["extra"]["peak_kib"] > 0 for r in rows)


def test_hostile_input_costs_no_private_key_operation(result: dict) -> None:
    hostile = [r for r in result["rows"] if r["section"] == "hostile"]
    names = {r["case"].split(":")[0] for r in hostile}
    assert {"unsigned", "garbage", "oversized", "dtd", "attacker-signed"} <= names
    assert any(n.startswith("many-encryptedkeys") for n in names)
    for r in hostile:
        assert r["status"] == "ok", (r["case"], r["notes"])
        assert r["extra"]["reason"]
        assert r["extra"]["private_key_ops"] == 0, r["case"]


def test_markdown_report_is_written(result: dict) -> None:
    text = (result["_out"] / "performance.md").read_text(encoding="utf-8")
    assert text.startswith("# Performance")
    for heading in ("## Reproduce", "## Machine", "## Targets", "## Rejecting hostile input", "## Method"):
        assert heading in text
