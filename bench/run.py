"""ehkit benchmark: ``python -m bench.run`` (``make bench``).

Measures, in one process pinned to one core, on the same realistic
eHerkenning response: ehkit's ``ServiceProvider.process_response`` against
the xmlsec binding used directly, signxml + cryptography, python3-saml and
pysaml2, and the cryptographic floor; signature-only validation; signed
AuthnRequests; the cost of rejecting hostile input (time and RSA private-key
operations); memory per validation; a full login over HTTP.

Results: bench/out/results.json and docs/performance.md (see --help).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SECTIONS = ("floor", "validate", "signatures", "authn", "hostile", "memory", "profile", "http")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from bench.stacks import ALL_STACKS

    ap = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--scale", type=float, default=1.0, help="multiply every iteration count (0.05 for a smoke run; default 1)"
    )
    ap.add_argument("--only", default="", help=f"comma list of sections: {','.join(SECTIONS)} (default: all)")
    ap.add_argument("--stacks", default="", help=f"comma list of stacks: {','.join(ALL_STACKS)} (default: all)")
    ap.add_argument(
        "--cpu",
        type=int,
        default=None,
        help="CPU to pin to (default: the last CPU this process may use); -1: do not pin",
    )
    ap.add_argument("--out", default=str(REPO / "bench" / "out"), help="directory for results.json (default bench/out)")
    ap.add_argument(
        "--docs",
        default=str(REPO / "docs" / "performance.md"),
        help="Markdown report to write (default docs/performance.md); '' to skip",
    )
    ap.add_argument("--http-seconds", type=float, default=15.0, help="duration of the HTTP login load (default 15 s)")
    ap.add_argument("--quiet", action="store_true", help="no per-row progress lines")
    ap.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: rewrite --docs from the results.json in --out (after editing bench/analysis.md)",
    )
    args = ap.parse_args(argv)
    args.raw_argv = list(sys.argv[1:] if argv is None else argv)
    args.only_set = set(filter(None, (s.strip() for s in args.only.split(","))))
    unknown = args.only_set - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    args.stack_set = set(filter(None, (s.strip() for s in args.stacks.split(",")))) or set(ALL_STACKS)
    unknown = args.stack_set - set(ALL_STACKS)
    if unknown:
        ap.error(f"unknown stack(s) {', '.join(sorted(unknown))}; choose from {', '.join(ALL_STACKS)}")
    return args


def _pin(cpu: int | None) -> tuple[set[int] | None, int | None]:
    if not hasattr(os, "sched_setaffinity") or cpu == -1:
        return None, None
    old = os.sched_getaffinity(0)
    target = max(old) if cpu is None else cpu
    os.sched_setaffinity(0, {target})
    return old, target


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    echo = (lambda _s: None) if args.quiet else (lambda s: print(s, flush=True))
    if args.render_only:
        return _render_only(args, echo)
    started = time.time()
    old_affinity, pinned = _pin(args.cpu)
    try:
        return _run(args, echo, started, pinned)
    finally:
        if old_affinity is not None:
            os.sched_setaffinity(0, old_affinity)


def _wants(args: argparse.Namespace, section: str) -> bool:
    return not args.only_set or section in args.only_set


def _run(args: argparse.Namespace, echo, started: float, pinned: int | None) -> dict[str, Any]:
    warnings.filterwarnings("ignore", module="saml2")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    try:
        from cryptography.utils import CryptographyDeprecationWarning

        warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)
    except ImportError:
        pass
    from bench import report, sections
    from bench.fixture import build_fixture, describe_variant
    from bench.floor import run_floor
    from bench.harness import Bench, Row
    from bench.machine import loadavg, machine_info
    from bench.stacks import ALL_STACKS, load

    load_before = loadavg()
    info = machine_info()
    echo(
        f"ehkit benchmark: {info['cpu']}, pinned to CPU {pinned if pinned is not None else '-'}, "
        f"Python {info['python']}, scale {args.scale}"
    )
    b = Bench(scale=args.scale, stacks=args.stack_set | {"floor", "http"}, echo=echo)

    echo("building the fixture (RSA-2048 keys, signed + encrypted response) ...")
    fx = build_fixture()
    echo(
        f"  realistic response: {len(fx.response):,} bytes, 4 signatures (Response, Assertion, AD, MR), "
        "3 EncryptedIDs for the DV (multi-recipient layout, aes256-cbc + rsa-oaep-mgf1p)"
    )

    stacks: dict[str, Any] = {}
    needs_stacks = any(_wants(args, s) for s in ("validate", "signatures", "authn", "hostile", "memory", "profile"))
    if needs_stacks:
        for name in ALL_STACKS:
            if name not in args.stack_set:
                continue
            stack, why = load(name, fx)
            if stack is None:
                echo(f"  {name}: SKIPPED - {why}")
                for section in ("validate", "signatures", "authn"):
                    if _wants(args, section) and (name != "pysaml2" or section != "signatures"):
                        b.skip(section, "stack not available", name, why)
                continue
            stacks[name] = stack
        if "ehkit" in stacks and stacks["ehkit"].mode != "sp":
            echo(f"  ehkit: {stacks['ehkit'].mode_note}; measuring the XML core instead")
        echo("correctness checks ...")
        problems = sections.check_correctness(fx, stacks, echo)
        for name, problem in problems.items():
            echo(f"  check FAILED for {name}: {problem}")
            for section in ("validate", "signatures", "authn"):
                b.skip(section, "correctness check failed", name, problem, status="failed")
            stacks.pop(name, None)

    floor: dict[str, Any] = {}
    if _wants(args, "floor") or any(_wants(args, s) for s in ("validate", "signatures", "authn")):
        echo("floor ...")
        floor = run_floor(b, fx)
    e = stacks.get("ehkit")
    if _wants(args, "validate"):
        echo("full validation ...")
        sections.run_validate(b, fx, stacks, floor)
    if _wants(args, "signatures"):
        echo("signature-only validation ...")
        sections.run_signatures(b, fx, stacks, floor)
    if _wants(args, "authn"):
        echo("signed AuthnRequest ...")
        sections.run_authn(b, fx, stacks, floor)
    if _wants(args, "hostile") and e is not None:
        echo("hostile input (ehkit) ...")
        sections.run_hostile(b, fx, e)
    if _wants(args, "memory") and stacks:
        echo("memory per validation ...")
        sections.run_memory(b, fx, stacks)
    profile = None
    if _wants(args, "profile") and e is not None:
        echo("profile ...")
        profile = sections.run_profile(b, fx, e)
    http: dict[str, Any] | None = None
    if _wants(args, "http") and "ehkit" in args.stack_set:
        echo("full login over HTTP ...")
        from bench.http_login import run_http

        http = run_http(
            seconds=args.http_seconds * max(args.scale, 0.05) if args.scale < 1 else args.http_seconds, echo=echo
        )
        if http.get("status") in ("ok", "failed") and http.get("phases"):
            echo("  where one login's CPU goes (the same login in one process, cProfile) ...")
            from bench.login_profile import profile_logins

            http["login_profile"] = profile_logins(max(5, round(30 * min(args.scale, 1.0))))
            lp = http["login_profile"]
            if lp.get("status") == "ok":
                for c in lp["categories"][:6]:
                    echo(f"      {c['category']:<40} {c['ms']:7.2f} ms  {c['share'] * 100:5.1f} %")
        if http.get("status") == "ok":
            b.add(
                Row(
                    "http",
                    "full login (broker simulator + SP app over loopback HTTP)",
                    "http",
                    median=http["logins_per_s"],
                    min=http["logins_per_s"],
                    max=http["logins_per_s"],
                    notes=f"p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms",
                    extra=http,
                )
            )
        else:
            b.skip("http", "full login over HTTP", "http", http.get("note", ""), status=http.get("status", "skipped"))

    for s in stacks.values():
        close = getattr(s, "close", None)
        if close:
            close()

    report.add_ratios(b.rows)
    targets = report.evaluate_targets(b.rows, floor, http)
    load_after = loadavg()
    spreads = [(r.max - r.min) / r.median for r in b.rows if r.median and r.runs and r.min and r.max]
    shares = [r.extra["cpu_share"] for r in b.rows if r.extra.get("cpu_share") and r.stack != "pysaml2"]
    noise = (
        f"load average {_fmt_load(load_before)} before and {_fmt_load(load_after)} after the run "
        f"(other engineers' test runs share this {os.cpu_count()}-CPU machine); the median row's min-max spread "
        f"across its runs was {statistics.median(spreads) * 100:.0f} % (worst {max(spreads) * 100:.0f} %)"
        if spreads
        else "no timed rows"
    )
    if shares:
        noise += (
            f"; during timed runs the benchmark process got {statistics.median(shares) * 100:.0f} % of its "
            f"CPU in the median row (worst {min(shares) * 100:.0f} %): the rest of the wall time it waited "
            'for the CPU it is pinned to. The "per CPU-second" column divides by CPU time instead of wall '
            "time and is the steadier figure when the machine is shared"
        )
    noise += "."
    result: dict[str, Any] = {
        "command": " ".join(["python -m bench.run", *(shlex.quote(a) for a in args.raw_argv)]),
        "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wall_seconds": time.time() - started,
        "scale": args.scale,
        "pinned_cpu": pinned,
        "machine": info,
        "machine_factor": report.machine_factor(b.rows),
        "load_before": _fmt_load(load_before),
        "load_after": _fmt_load(load_after),
        "noise_note": noise,
        "fixture": {
            "bytes": len(fx.response),
            "request_id": fx.request_id,
            "ehkit_mode": e.mode if e is not None else None,
        },
        "variant_notes": {
            name: f"{describe_variant(s.spec)} ({len(fx.variant(s.spec)):,} bytes). {s.variant_note}"
            for name, s in stacks.items()
            if s.variant_note
        },
        "floor_model": floor,
        "targets": targets,
        "rows": [r.to_json() for r in b.rows],
        "http": http,
        "profile": profile,
    }
    out = Path(args.out)
    report.write_json(out / "results.json", result)
    echo(f"wrote {out / 'results.json'}")
    if args.docs:
        analysis_path = REPO / "bench" / "analysis.md"
        analysis = analysis_path.read_text(encoding="utf-8") if analysis_path.exists() else ""
        report.atomic_write(Path(args.docs), report.render_markdown(result, analysis))
        echo(f"wrote {args.docs}")
    if not args.quiet:
        report.print_console(result)
    return result


def _render_only(args: argparse.Namespace, echo) -> dict[str, Any]:
    import json

    from bench import report

    result = json.loads((Path(args.out) / "results.json").read_text(encoding="utf-8"))
    if args.docs:
        analysis_path = REPO / "bench" / "analysis.md"
        analysis = analysis_path.read_text(encoding="utf-8") if analysis_path.exists() else ""
        report.atomic_write(Path(args.docs), report.render_markdown(result, analysis))
        echo(f"wrote {args.docs} from {Path(args.out) / 'results.json'}")
    return result


def _fmt_load(load: tuple[float, float, float] | None) -> str:
    return "?" if load is None else " ".join(f"{x:.2f}" for x in load)


if __name__ == "__main__":
    main()
