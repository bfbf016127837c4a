"""Timing primitives: warm-up, N runs of a fixed iteration count, median/min/max.

Rates are calls per second of wall-clock time in a process pinned to one CPU,
so they are per-core figures. ``Bench`` collects :class:`Row` objects; the
report module turns them into the console table, JSON and Markdown.
"""

from __future__ import annotations

import gc
import resource
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Row:
    section: str
    case: str
    stack: str
    n: int = 0
    runs: int = 0
    median: float | None = None  # calls per second
    min: float | None = None
    max: float | None = None
    status: str = "ok"  # ok | failed | skipped | not-available
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ms(self) -> float | None:
        return None if not self.median else 1000.0 / self.median

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["ms_per_call"] = self.ms
        return d


class Bench:
    """Collects rows; applies ``--scale``, ``--only`` and ``--stacks``."""

    def __init__(
        self,
        *,
        scale: float = 1.0,
        runs: int = 3,
        warmup: int = 3,
        min_iterations: int = 3,
        stacks: set[str] | None = None,
        echo: Callable[[str], None] | None = print,
    ) -> None:
        self.scale = scale
        self.runs = runs
        self.warmup = warmup
        self.min_iterations = min_iterations
        self.stacks = stacks  # None: every stack
        self.rows: list[Row] = []
        self.echo = echo or (lambda _s: None)

    # ----------------------------------------------------------------- helpers
    def wants(self, stack: str) -> bool:
        if self.stacks is None:
            return True
        return stack.split(":")[0] in self.stacks

    def iterations(self, n: int) -> int:
        return max(self.min_iterations, round(n * self.scale))

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        self._print(row)
        return row

    def add_info(self, row: Row, text: str) -> Row:
        """A row that carries a measurement other than a rate (memory, latency)."""
        self.rows.append(row)
        self.echo(f"  [{row.section}] {row.stack:<13} {row.case[:70]:<70} {text}")
        return row

    def skip(self, section: str, case: str, stack: str, why: str, status: str = "skipped") -> Row:
        return self.add(Row(section, case, stack, status=status, notes=why))

    def _print(self, row: Row) -> None:
        if row.median is not None:
            self.echo(
                f"  [{row.section}] {row.stack:<13} {row.case[:70]:<70} {row.median:>11,.1f}/s "
                f"(min {row.min:,.1f}, max {row.max:,.1f}; {row.n}x{row.runs})"
            )
        else:
            self.echo(f"  [{row.section}] {row.stack:<13} {row.case[:70]:<70} {row.status.upper()}: {row.notes[:160]}")

    # ----------------------------------------------------------------- timing
    def measure_many(self, cases: list[Case]) -> list[Row]:
        """Several cases measured in interleaved rounds (see :func:`_interleaved`)."""
        return _interleaved(self, cases)

    def measure(
        self,
        section: str,
        case: str,
        stack: str,
        fn: Callable[[], Any],
        n: int,
        *,
        notes: str = "",
        extra: dict[str, Any] | None = None,
    ) -> Row | None:
        """Warm up, then ``runs`` timed loops of ``n * scale`` calls; median of the rates."""
        if not self.wants(stack):
            return None
        n = self.iterations(n)
        try:
            for _ in range(self.warmup):
                fn()
            runs = []
            gc.collect()
            for _ in range(self.runs):
                runs.append(_timed_run(fn, n))
        except Exception as exc:  # noqa: BLE001 - a failing anchor must not stop the run
            traceback.print_exc()
            return self.add(Row(section, case, stack, n=n, status="failed", notes=f"{type(exc).__name__}: {exc}"[:300]))
        return self.add(_row_from(section, case, stack, n, runs, notes, extra or {}))


@dataclass
class Case:
    section: str
    case: str
    stack: str
    fn: Callable[[], Any]
    n: int
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _interleaved(bench: Bench, cases: list[Case]) -> list[Row]:
    """Warm every case up, then ``runs`` rounds in which every case runs once.

    Interleaving spreads slow phases of a noisy machine (other processes on the
    sibling CPU) over all stacks alike, so their ratios stay meaningful.
    """
    live: list[tuple[Case, int]] = []
    rows: list[Row] = []
    for c in cases:
        if not bench.wants(c.stack):
            continue
        n = bench.iterations(c.n)
        try:
            for _ in range(bench.warmup):
                c.fn()
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            rows.append(
                bench.add(
                    Row(c.section, c.case, c.stack, n=n, status="failed", notes=f"{type(exc).__name__}: {exc}"[:300])
                )
            )
            continue
        live.append((c, n))
    rates: dict[int, list[tuple[float, float]]] = {id(c): [] for c, _ in live}
    failed: dict[int, str] = {}
    for _ in range(bench.runs):
        gc.collect()
        for c, n in live:
            if id(c) in failed:
                continue
            try:
                rates[id(c)].append(_timed_run(c.fn, n))
            except Exception as exc:  # noqa: BLE001
                traceback.print_exc()
                failed[id(c)] = f"{type(exc).__name__}: {exc}"[:300]
    for c, n in live:
        if id(c) in failed:
            rows.append(bench.add(Row(c.section, c.case, c.stack, n=n, status="failed", notes=failed[id(c)])))
            continue
        rows.append(bench.add(_row_from(c.section, c.case, c.stack, n, rates[id(c)], c.notes, c.extra)))
    return rows


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (pysaml2's xmlsec1 runs)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed_run(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """(wall-clock rate, CPU-time rate) of n calls."""
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    wall = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    return n / wall, (n / cpu if cpu > 0 else float("nan"))


def _row_from(
    c_section: str, case: str, stack: str, n: int, runs: list[tuple[float, float]], notes: str, extra: dict[str, Any]
) -> Row:
    rates = [r[0] for r in runs]
    cpu_rates = [r[1] for r in runs if r[1] == r[1]]
    ex = dict(extra)
    if cpu_rates:
        ex["cpu_time_rate"] = statistics.median(cpu_rates)
        ex["cpu_share"] = statistics.median(w / c for w, c in runs if c == c and c > 0)
    return Row(
        c_section,
        case,
        stack,
        n=n,
        runs=len(rates),
        median=statistics.median(rates),
        min=min(rates),
        max=max(rates),
        notes=notes,
        extra=ex,
    )


def timed_latencies(fn: Callable[[], Any], n: int) -> list[float]:
    """Per-call latencies in seconds (for rows that report percentiles)."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)
