"""Full logins over loopback HTTP: the broker simulator and a DV app in uvicorn subprocesses.

One login is what a browser does: GET the DV's /start (303 to the broker with
a signed Redirect-binding AuthnRequest), the broker's headless POST /api/login
(authenticate a test person, choose the company; the broker builds the
Response with AD and MR assertions and encrypted identifiers and answers with
the artifact redirect), then GET the DV's /acs, where the SP resolves the
artifact over SOAP and validates everything. Per login: 4 HTTP exchanges and
about ten RSA private-key operations across the two servers.

The DV runs with two uvicorn worker processes (pending requests are shared
through the SQLite store); the simulator runs in one (it keeps flows in
memory). The load comes from bounded asyncio loops with httpx in this process:
each client repeats logins until the deadline, then stops. All processes share
the machine's CPUs (the benchmark's CPU pin is lifted for this section).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import percentile

REPO = Path(__file__).resolve().parents[1]
CLIENTS = 4
WARMUP_SECONDS = 3.0


def available() -> tuple[bool, str]:
    for mod in ("ehkit.broker.app", "ehkit.sp.provider", "uvicorn", "httpx", "starlette"):
        try:
            if importlib.util.find_spec(mod) is None:
                return False, f"{mod} is not available yet"
        except ModuleNotFoundError:
            return False, f"{mod} is not available yet"
    return True, ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(app: str, port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--app-dir",
        str(REPO),
    ]
    fh = open(log, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(cmd, cwd=str(REPO), env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text(errors='replace')[-1500:]}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start in {timeout:.0f} s: {log.read_text(errors='replace')[-1500:]}")


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the process group we started (uvicorn and its workers)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _group_cpu(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid`` (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # after "pid (comm)": state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


async def _client(
    dv_url: str,
    broker_url: str,
    deadline: float,
    measure_from: float,
    latencies: list[float],
    errors: list[str],
    max_logins: int,
) -> None:
    import httpx

    from bench.http_apps import PERSON, SERVICE

    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    async with (
        httpx.AsyncClient(base_url=dv_url, timeout=10.0, limits=limits) as dv,
        httpx.AsyncClient(base_url=broker_url, timeout=10.0, limits=limits) as broker,
    ):
        done = 0
        while time.monotonic() < deadline and done < max_logins:
            t0 = time.monotonic()
            try:
                r1 = await dv.get(f"/start/{SERVICE}")
                if r1.status_code != 303:
                    raise RuntimeError(f"/start answered {r1.status_code}")
                r2 = await broker.post("/api/login", json={"redirect_url": r1.headers["location"], "person": PERSON})
                body = r2.json()
                if r2.status_code != 200 or body.get("status") != "success":
                    raise RuntimeError(f"/api/login answered {r2.status_code}: {str(body)[:200]}")
                r3 = await dv.get(body["delivery"]["url"])
                if r3.status_code != 200:
                    raise RuntimeError(f"/acs answered {r3.status_code}: {r3.text[:200]}")
            except Exception as exc:  # noqa: BLE001 - count it, keep the loop bounded
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                if len(errors) > 20:
                    return
                continue
            done += 1
            if t0 >= measure_from:
                latencies.append(time.monotonic() - t0)


async def _drive(dv_url: str, broker_url: str, seconds: float, clients: int, groups: dict[str, int]) -> dict[str, Any]:
    start = time.monotonic()
    measure_from = start + WARMUP_SECONDS
    deadline = measure_from + seconds
    latencies: list[float] = []
    errors: list[str] = []

    async def cpu_sampler() -> dict[str, float]:
        await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
        before = {k: _group_cpu(g) for k, g in groups.items()}
        before["load generator"] = time.process_time()
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
        after = {k: _group_cpu(g) for k, g in groups.items()}
        after["load generator"] = time.process_time()
        return {k: after[k] - before[k] for k in before}

    sampler = asyncio.ensure_future(cpu_sampler())
    await asyncio.gather(
        *(_client(dv_url, broker_url, deadline, measure_from, latencies, errors, 100_000) for _ in range(clients))
    )
    window = time.monotonic() - measure_from
    cpu = await sampler
    return {"latencies": latencies, "errors": errors, "window": window, "cpu": cpu}


def run_http(
    *, seconds: float, echo: Callable[[str], None], clients: int = CLIENTS, sp_workers: int = 2
) -> dict[str, Any]:
    ok, why = available()
    if not ok:
        return {"status": "not-available", "note": f"not available yet: {why}"}
    old_affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    workdir = Path(tempfile.mkdtemp(prefix="ehkit-bench-http-"))
    broker_proc = dv_proc = None
    try:
        if old_affinity is not None:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))  # servers and load share all CPUs
        from bench.http_apps import prepare

        bport, dport = free_port(), free_port()
        broker_url, dv_url = f"http://127.0.0.1:{bport}", f"http://127.0.0.1:{dport}"
        prepare(workdir, broker_url=broker_url, dv_url=dv_url)
        env = dict(
            os.environ,
            EHKIT_BENCH_DIR=str(workdir),
            PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        )
        broker_proc = _start("bench.http_apps:broker_app", bport, 1, env, workdir / "broker.log")
        dv_proc = _start("bench.http_apps:dv_app", dport, sp_workers, env, workdir / "dv.log")
        _wait_ready(broker_url + "/broker/metadata/1.13", broker_proc, workdir / "broker.log")
        _wait_ready(dv_url + "/acs", dv_proc, workdir / "dv.log")
        echo(f"  broker simulator on {broker_url} (1 process), DV app on {dv_url} ({sp_workers} workers)")
        groups = {"broker simulator": broker_proc.pid, "DV app (SP)": dv_proc.pid}
        phases = {}
        for label, n_clients, secs in (("single client", 1, max(1.0, seconds / 3)), ("loaded", clients, seconds)):
            echo(f"  {label}: {n_clients} client(s), {WARMUP_SECONDS:.0f} s warm-up + {secs:.0f} s ...")
            res = asyncio.run(_drive(dv_url, broker_url, secs, n_clients, groups))
            lat = res["latencies"]
            if not lat:
                return {"status": "failed", "note": f"{label}: no login completed: " + "; ".join(res["errors"][:3])}
            phases[label] = {
                "clients": n_clients,
                "logins": len(lat),
                "logins_per_s": len(lat) / res["window"],
                "p50_ms": percentile(lat, 50) * 1000,
                "p99_ms": percentile(lat, 99) * 1000,
                "max_ms": max(lat) * 1000,
                "seconds": res["window"],
                "errors": res["errors"][:5],
                "error_count": len(res["errors"]),
                "cpu_ms_per_login": {k: v * 1000 / len(lat) for k, v in res["cpu"].items()},
            }
            ph = phases[label]
            echo(
                f"    {ph['logins_per_s']:.1f} logins/s, p50 {ph['p50_ms']:.1f} ms, p99 {ph['p99_ms']:.1f} ms "
                f"({ph['logins']} logins, {ph['error_count']} errors); CPU ms per login: "
                + ", ".join(f"{k} {v:.1f}" for k, v in ph["cpu_ms_per_login"].items())
            )
        loaded = phases["loaded"]
        sp_cpu = loaded["cpu_ms_per_login"].get("DV app (SP)") or 0.0
        out = {
            "status": "ok" if not any(p["error_count"] for p in phases.values()) else "failed",
            "logins": loaded["logins"],
            "logins_per_s": loaded["logins_per_s"],
            "p50_ms": loaded["p50_ms"],
            "p99_ms": loaded["p99_ms"],
            "max_ms": loaded["max_ms"],
            "clients": clients,
            "sp_workers": sp_workers,
            "broker_workers": 1,
            "phases": phases,
            "sp_capacity_2_cpus": (2000.0 / sp_cpu) if sp_cpu else None,
            "notes": (
                f"{clients} closed-loop clients (httpx, asyncio) in the benchmark process; the simulator, the "
                f"DV workers and the clients share {os.cpu_count()} CPUs"
            ),
        }
        if out["status"] != "ok":
            first = next(p["errors"][0] for p in phases.values() if p["errors"])
            out["note"] = f"failed logins, first: {first}"
        return out
    except Exception as exc:  # noqa: BLE001 - report, do not crash the whole run
        return {"status": "failed", "note": f"{type(exc).__name__}: {exc}"[:600]}
    finally:
        _stop(dv_proc)
        _stop(broker_proc)
        if old_affinity is not None:
            os.sched_setaffinity(0, old_affinity)
        shutil.rmtree(workdir, ignore_errors=True)
