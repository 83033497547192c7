"""Statistics and tables for the overhead benchmark: raw runs in, metrics and text out.

Pure functions over ``_scenario.RawRun``; no processes, no I/O besides returning strings.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from _scenario import RawRun

TAIL_FRACTION = 0.10
NAN = float("nan")


@dataclass(frozen=True)
class Metrics:
    """What one run (or the median over repeats) is reported as."""

    system: str
    workers: int
    trials: int
    trials_per_s: float
    cpu_ms_per_trial: float  # run phase only: barrier to exit, summed over workers
    cpu_all_ms_per_trial: float  # whole child processes: interpreter start and imports too
    lock_p50_ms: float
    lock_p99_ms: float
    lat_first_ms: float  # mean gap between a worker's consecutive objective calls, first 10 %
    lat_last_ms: float  # ... and last 10 % of those gaps, ordered by time
    on_disk: int  # successful trials in the storage
    stored: int  # trials in the storage in any state
    evaluations: int  # objective calls, all workers
    duplicates: int  # objective calls beyond the first for one trial id, + repeated stored ids
    overshoot: int  # successful trials beyond the budget T
    lost: int  # evaluated trial ids that are not stored as successful
    failed_workers: int  # non-zero exit codes (or killed at the timeout)
    timed_out: bool
    busy_before: float  # cores busy with other work when the run started

    @property
    def lat_ratio(self) -> float:
        return self.lat_last_ms / self.lat_first_ms if self.lat_first_ms > 0 else NAN


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), ``q`` in [0, 100]."""
    if not values:
        return NAN
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def inter_call_gaps(worker_results: Iterable[dict[str, Any]]) -> list[tuple[float, float]]:
    """``(end time, gap)`` for consecutive objective calls within each worker, time-ordered.

    With an instant objective the gap between two calls is the library's whole per-trial cost
    (sample, lock, write, report). The first call of each worker is excluded: its gap would be
    start-up, which the wall time already shows.
    """
    gaps: list[tuple[float, float]] = []
    for result in worker_results:
        times = sorted(t for t, _ in result["calls"])
        gaps.extend((b, b - a) for a, b in itertools.pairwise(times))
    return sorted(gaps)


def first_last_latency_ms(worker_results: Iterable[dict[str, Any]]) -> tuple[float, float]:
    gaps = [g for _, g in inter_call_gaps(worker_results)]
    if not gaps:
        return NAN, NAN
    k = max(1, int(len(gaps) * TAIL_FRACTION))
    return 1000 * statistics.fmean(gaps[:k]), 1000 * statistics.fmean(gaps[-k:])


def correctness(raw: RawRun) -> dict[str, int]:
    evaluated = [tid for r in raw.worker_results for _, tid in r["calls"]]
    stored_ok = [str(i) for i in raw.storage.get("success_ids", [])]
    stored_set = set(stored_ok)
    return {
        "on_disk": len(stored_ok),
        "stored": int(raw.storage.get("total", 0)),
        "evaluations": len(evaluated),
        "duplicates": (len(evaluated) - len(set(evaluated))) + (len(stored_ok) - len(stored_set)),
        "overshoot": max(0, len(stored_ok) - raw.trials),
        "lost": len(set(evaluated) - stored_set),
        "failed_workers": sum(1 for c in raw.exit_codes if c != 0),
    }


def metrics_of(raw: RawRun) -> Metrics:
    checks = correctness(raw)
    done = checks["on_disk"]
    cpu_run = sum(r["cpu_run_s"] for r in raw.worker_results)
    first, last = first_last_latency_ms(raw.worker_results)
    return Metrics(
        system=raw.system,
        workers=raw.workers,
        trials=raw.trials,
        trials_per_s=done / raw.wall_s if raw.wall_s > 0 else NAN,
        cpu_ms_per_trial=1000 * cpu_run / done if done else NAN,
        cpu_all_ms_per_trial=1000 * raw.cpu_children_s / done if done else NAN,
        lock_p50_ms=1000 * percentile(raw.lock_holds_s, 50),
        lock_p99_ms=1000 * percentile(raw.lock_holds_s, 99),
        lat_first_ms=first,
        lat_last_ms=last,
        timed_out=raw.timed_out,
        busy_before=raw.busy_before,
        **checks,
    )


def median_metrics(runs: Sequence[Metrics]) -> Metrics:
    """Median of each measurement over repeats; worst case of each correctness counter."""
    values: dict[str, Any] = {}
    for f in fields(Metrics):
        column = [getattr(m, f.name) for m in runs]
        if f.type in ("float", float):
            finite = [v for v in column if not math.isnan(v)]
            values[f.name] = statistics.median(finite) if finite else NAN
        elif f.name in ("system", "workers", "trials"):
            values[f.name] = column[0]
        else:
            values[f.name] = max(column)
    return Metrics(**values)


def as_json(m: Metrics) -> dict[str, Any]:
    data = asdict(m)
    data["lat_ratio"] = m.lat_ratio
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in data.items()}


def _num(v: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(v) else f"{v:.{digits}f}"


HEADER = (
    "system",
    "trials/s",
    "cpu ms/t",
    "cpu+start ms/t",
    "lock p50 ms",
    "lock p99 ms",
    "lat first→last ms",
    "last/first",
    "on disk",
    "dup",
    "over",
    "lost",
    "bad exits",
    "busy cores",
)


def _row(m: Metrics) -> tuple[str, ...]:
    return (
        m.system + (" (TIMEOUT)" if m.timed_out else ""),
        _num(m.trials_per_s),
        _num(m.cpu_ms_per_trial, 2),
        _num(m.cpu_all_ms_per_trial, 1),
        _num(m.lock_p50_ms, 3),
        _num(m.lock_p99_ms, 3),
        f"{_num(m.lat_first_ms, 2)}→{_num(m.lat_last_ms, 2)}",
        _num(m.lat_ratio, 2),
        str(m.on_disk),
        str(m.duplicates),
        str(m.overshoot),
        str(m.lost),
        str(m.failed_workers),
        _num(m.busy_before, 1),
    )


def render_table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def metrics_table(results: Sequence[Metrics]) -> str:
    return render_table([_row(m) for m in results], HEADER)


# Throughput targets from DESIGN.md section 8, at 16 workers: neps_like / competitor.
THROUGHPUT_TARGETS = {"neps": 20.0, "optuna-journal": 3.0}
TARGET_WORKERS = 16


def ratio_lines(results: Sequence[Metrics], ours: str = "neps_like") -> list[str]:
    """``ours`` against each other system in the same table: throughput and CPU ratios."""
    mine = next((m for m in results if m.system == ours), None)
    if mine is None:
        return []
    lines = []
    for other in (m for m in results if m.system != ours):
        speed = mine.trials_per_s / other.trials_per_s if other.trials_per_s else NAN
        cpu = other.cpu_ms_per_trial / mine.cpu_ms_per_trial if mine.cpu_ms_per_trial else NAN
        line = (
            f"{ours} vs {other.system}: {_num(speed, 2)}x the trials/s, "
            f"{_num(cpu, 2)}x less CPU per trial"
        )
        target = THROUGHPUT_TARGETS.get(other.system)
        if target is not None and mine.workers == TARGET_WORKERS:
            verdict = "ok" if speed >= target else "BELOW TARGET"
            line += f" (target >= {target:g}x: {verdict})"
        lines.append(line)
    return lines
