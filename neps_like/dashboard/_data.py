"""What the dashboard shows, as JSON-able dicts, and a short-lived cache of the study.

Every read goes through ``neps_like.load`` (the state lock is held only while the new
journal records are read). ``StudyCache`` makes all browser tabs and requests within
``ttl`` seconds share one load, so the number of viewers never adds lock traffic.
Liveness of workers comes from their lease files, compared with the file server's
clock when the study is writable (as workers do), else with this host's clock.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neps_like._errors import NepsLikeError
from neps_like.analysis.results import Results, load
from neps_like.analysis.trace import incumbent_trace, objective_of, trial_id_key
from neps_like.state.layout import Layout
from neps_like.state.leases import lease_age, server_now
from neps_like.state.records import Trial, TrialState

logger = logging.getLogger(__name__)

#: A worker whose lease was not renewed for this long is shown as "silent".
SILENT_AFTER = 30.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One load of the study and the payloads built from it."""

    version: int
    results: Results | None
    status: dict[str, Any]
    trials: list[dict[str, Any]]


class StudyCache:
    """Loads the study at most once per ``ttl`` seconds, whatever the number of requests."""

    def __init__(self, root: Path, ttl: float = 1.0) -> None:
        self.root = root
        self.ttl = ttl
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._loaded_at = -math.inf

    def get(self) -> Snapshot:
        """The current snapshot, reloading when it is older than ``ttl``."""
        with self._lock:  # one thread loads; the others wait and share its result
            now = time.monotonic()
            if self._snapshot is None or now - self._loaded_at >= self.ttl:
                version = 1 if self._snapshot is None else self._snapshot.version + 1
                self._snapshot = _build(self.root, version)
                self._loaded_at = time.monotonic()
            return self._snapshot


def _build(root: Path, version: int) -> Snapshot:
    try:
        results = load(root)
    except NepsLikeError as exc:  # no study yet, or a transient storage problem
        logger.debug("Cannot load %s: %s", root, exc)
        status = {"root": str(root), "time": time.time(), "error": str(exc)}
        return Snapshot(version, None, status, [])
    return Snapshot(version, results, status_payload(results), trial_rows(results))


def status_payload(results: Results) -> dict[str, Any]:
    """Counts, best trial, running trials, workers, recent errors and the incumbent trace."""
    now = time.time()
    multi = _objective_index(results)
    best = _best(results, multi)
    running = sorted(
        (t for t in results.values() if t.state is TrialState.EVALUATING),
        key=lambda t: trial_id_key(t.id),
    )
    trace = incumbent_trace(results, objective=multi)
    errors = results.errors
    payload: dict[str, Any] = _json_safe(
        {
            "root": str(results.root),
            "time": now,
            "n_trials": len(results),
            "counts": results.counts(),
            "objective_index": multi,
            "best": None
            if best is None
            else {"id": best[0].id, "objective": best[1], "config": dict(best[0].config)},
            "running": [
                {
                    "id": t.id,
                    "worker": t.metadata.evaluating_worker_id,
                    "seconds": None
                    if t.metadata.time_started is None
                    else max(0.0, now - t.metadata.time_started),
                    "attempt": t.metadata.attempt,
                    "config": dict(t.config),
                }
                for t in running
            ],
            "workers": worker_rows(results, running),
            "errors": {
                "total": len(errors),
                "latest": [
                    {
                        "time": e.time,
                        "trial_id": e.trial_id,
                        "worker_id": e.worker_id,
                        "type": e.err_type,
                        "message": e.err,
                    }
                    for e in reversed(errors.latest(10))
                ],
            },
            "trace": {
                "trial_ids": list(trace.trial_ids),
                "objective": list(trace.objectives),
                "incumbent": list(trace.incumbent),
                "time": list(trace.wall_time),
                "cost": list(trace.cumulative_cost),
            },
        }
    )
    return payload


def worker_rows(results: Results, running: list[Trial]) -> list[dict[str, Any]]:
    """Every registered worker with its lease state: "live", "silent" or "stopped"."""
    layout = Layout.at(results.root)
    now = time.time()
    if layout.workers_dir.is_dir():
        # The file server's clock, as the workers judge leases; on a read-only study
        # this host's clock is the best there is.
        with contextlib.suppress(NepsLikeError, OSError):
            now = server_now(layout)
    busy = {t.metadata.evaluating_worker_id: t.id for t in running}
    rows = []
    for worker_id, record in sorted(results.workers.items()):
        age = lease_age(layout, worker_id, now)
        state = "stopped" if age is None else ("live" if age < SILENT_AFTER else "silent")
        rows.append(
            {
                "id": worker_id,
                "host": record.get("host"),
                "pid": record.get("pid"),
                "registered": record.get("time"),
                "state": state,
                "heartbeat_age": None if age is None else max(0.0, age),
                "trial": busy.get(worker_id),
            }
        )
    rows.sort(key=lambda r: ({"live": 0, "silent": 1}.get(r["state"], 2), r["id"]))
    return rows


def trial_rows(results: Results) -> list[dict[str, Any]]:
    """One compact row per trial, newest (highest id) first."""
    multi = _objective_index(results)
    rows = []
    for trial in sorted(results.values(), key=lambda t: trial_id_key(t.id), reverse=True):
        report, meta = trial.report, trial.metadata
        value: float | list[float] | None = objective_of(trial, multi)
        if value is None and report is not None:  # keep substitutes of failed trials visible
            value = report.objective_to_minimize if multi is None else None
        rows.append(
            {
                "id": trial.id,
                "state": trial.state.value,
                "objective": value,
                "cost": None if report is None else report.cost,
                "worker": meta.evaluating_worker_id,
                "time_ended": meta.time_ended,
                "config": dict(trial.config),
                "err": None if report is None else report.err,
            }
        )
    safe: list[dict[str, Any]] = _json_safe(rows)
    return safe


def _objective_index(results: Results) -> int | None:
    """None for single-objective studies; 0 (the first objective) otherwise."""
    for trial in results.values():
        objs = None if trial.report is None else trial.report.objectives
        if objs is not None and len(objs) > 1:
            return 0
    return None


def _best(results: Results, objective: int | None) -> tuple[Trial, float] | None:
    best: tuple[Trial, float] | None = None
    for trial in results.values():
        value = objective_of(trial, objective)
        if value is not None and (best is None or value < best[1]):
            best = (trial, value)
    return best


def _json_safe(value: Any) -> Any:
    """Plain JSON: NaN and infinities become null, unknown objects become text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)
