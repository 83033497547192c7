"""NePS's summary tables and files, with NePS's column names.

``full_rows`` is one row per trial as NePS's ``neps.status`` frame has it: ``config.*``,
``extra.*`` (nested dicts flattened with dots), the report fields
(``objective_to_minimize``, ``cost``, ``learning_curve``, ``err``, ``tb``,
``reported_as``, ``evaluation_duration``) and the metadata fields (``location``,
``state``, ``previous_trial_id``, ``previous_trial_location``, ``sampling_worker_id``,
``time_sampled``, ``evaluating_worker_id``, ``time_submitted``, ``time_started``,
``time_end``), ordered by ``time_sampled``, columns empty for every trial left out.
``short_rows`` is NePS's short summary (``num_<state>``, the best objective and config).

This module owns the names ``summary/full.csv``, ``summary/short.csv``,
``summary/best_config.txt`` and ``summary/best_config_trajectory.txt``; ``write_neps_files``
writes them (standard library only: pandas is needed to read them back, not to write).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neps_like.state._fs import atomic_write_text
from neps_like.state.layout import Layout
from neps_like.state.records import Trial, TrialState

if TYPE_CHECKING:
    from neps_like.analysis.results import Results

FULL_CSV = "full.csv"
SHORT_CSV = "short.csv"
BEST_CONFIG_TXT = "best_config.txt"
TRAJECTORY_TXT = "best_config_trajectory.txt"

REPORT_COLUMNS = (
    "objective_to_minimize",
    "cost",
    "learning_curve",
    "err",
    "tb",
    "reported_as",
    "evaluation_duration",
)
METADATA_COLUMNS = (
    "location",
    "state",
    "previous_trial_id",
    "previous_trial_location",
    "sampling_worker_id",
    "time_sampled",
    "evaluating_worker_id",
    "time_submitted",
    "time_started",
    "time_end",
)
_RULE = "-" * 80


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping) and value:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out)
    else:
        out[prefix] = value


def _location(layout: Layout, trial_id: str | None) -> str | None:
    """The trial's folder, when it has one (neps_like makes folders only where needed)."""
    if trial_id is None:
        return None
    path = layout.trial_dir(trial_id)
    return str(path) if path.is_dir() else None


def sorted_trials(results: Results) -> list[Trial]:
    """Trials in the order they were sampled (NePS's order)."""
    return sorted(results.values(), key=lambda t: (t.metadata.time_sampled, t.id))


def full_rows(results: Results) -> list[dict[str, Any]]:
    """One dict per trial with ``id`` first, then NePS's columns; empty columns dropped."""
    layout = Layout.at(results.root)
    rows = []
    for trial in sorted_trials(results):
        meta, report = trial.metadata, trial.report
        row: dict[str, Any] = {"id": trial.id}
        row.update({f"config.{k}": v for k, v in trial.config.items()})
        if report is not None:
            for key, value in report.extra.items():
                _flatten(f"extra.{key}", value, row)
        row.update(
            {
                "objective_to_minimize": None if report is None else report.objective_to_minimize,
                "cost": None if report is None else report.cost,
                "learning_curve": None if report is None else report.learning_curve,
                "err": None if report is None else report.err,
                "tb": None if report is None else report.tb,
                "reported_as": None if report is None else report.reported_as,
                "evaluation_duration": None if report is None else report.evaluation_duration,
                "location": _location(layout, trial.id),
                "state": trial.state.value,
                "previous_trial_id": meta.previous_trial_id,
                "previous_trial_location": _location(layout, meta.previous_trial_id),
                "sampling_worker_id": meta.sampling_worker_id,
                "time_sampled": meta.time_sampled,
                "evaluating_worker_id": meta.evaluating_worker_id,
                "time_submitted": meta.time_sampled,
                "time_started": meta.time_started,
                "time_end": meta.time_ended,
            }
        )
        rows.append(row)
    used = {k for row in rows for k, v in row.items() if v is not None}
    return [{k: v for k, v in row.items() if k in used} for row in rows]


def _single(trial: Trial) -> float | None:
    report = trial.report
    if trial.state is not TrialState.SUCCESS or report is None:
        return None
    value = report.objective_to_minimize
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def short_rows(results: Results) -> list[tuple[str, Any]]:
    """NePS's short summary as ``(name, value)`` pairs.

    ``num_<state>`` for each state present (alphabetical), then for a single objective
    ``best_objective_to_minimize``, ``best_config_id`` and the best config's values.
    """
    counts: dict[str, int] = {}
    for trial in results.values():
        counts[trial.state.value] = counts.get(trial.state.value, 0) + 1
    pairs: list[tuple[str, Any]] = [(f"num_{s}", counts[s]) for s in sorted(counts)]
    if not results or _is_multiobjective(results):
        return pairs
    best: Trial | None = None
    for trial in sorted_trials(results):
        value = _single(trial)
        if value is not None and (best is None or value < (_single(best) or math.inf)):
            best = trial
    if best is None or best.report is None:
        return [*pairs, ("best_objective_to_minimize", None), ("best_config_id", None)]
    pairs += [
        ("best_objective_to_minimize", best.report.objective_to_minimize),
        ("best_config_id", best.id),
    ]
    return pairs + list(best.config.items())


def _is_multiobjective(results: Results) -> bool:
    return any(
        t.report is not None and isinstance(t.report.objective_to_minimize, list)
        for t in results.values()
    )


def _dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=False)) and any(
        x < y for x, y in zip(a, b, strict=False)
    )


def _entry(trial: Trial, used: dict[str, float]) -> str:
    assert trial.report is not None
    lines = [
        f"Config ID: {trial.id}",
        f"Objective to minimize: {trial.report.objective_to_minimize}",
    ]
    if trial.report.cost is not None:
        lines.append(f"Cost: {trial.report.cost}")
    lines += [
        f"Cumulative evaluations: {int(used['evaluations'])}",
        f"Cumulative fidelities: {used['fidelities']}",
        f"Cumulative cost: {used['cost']}",
        f"Cumulative time: {used['time']}",
        f"Config: {dict(trial.config)}",
    ]
    return "\n".join(lines) + "\n" + _RULE + "\n"


def trajectory_texts(results: Results, fidelity: str | None) -> tuple[str, str]:
    """``(best_config_trajectory.txt, best_config.txt)``: every improvement in sampling
    order with the resources used until then, and the final best (the Pareto front for
    several objectives)."""
    header = "Best configs and their objectives across evaluations:\n" + _RULE + "\n"
    used = {"evaluations": 0.0, "fidelities": 0.0, "cost": 0.0, "time": 0.0}
    trace: list[str] = []
    front: list[tuple[Trial, list[float], str]] = []
    for trial in sorted_trials(results):
        report = trial.report
        if report is None or not trial.state.is_evaluated:
            continue
        used["evaluations"] += 1
        used["cost"] += report.cost or 0.0
        used["time"] += report.evaluation_duration or 0.0
        if fidelity is not None and isinstance(trial.config.get(fidelity), int | float):
            used["fidelities"] += float(trial.config[fidelity])
        objs = report.objectives if trial.state is TrialState.SUCCESS else None
        if not objs or not all(math.isfinite(v) for v in objs):
            continue
        if any(_dominates(f, objs) or f == objs for _, f, _ in front):
            continue
        front = [item for item in front if not _dominates(objs, item[1])]
        text = _entry(trial, used)
        front.append((trial, list(objs), text))
        if len(objs) == 1:
            trace.append(text)
    best = header + "".join(text for _, _, text in front) if front else ""
    return (header + "".join(trace) if trace else ""), best


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_neps_files(results: Results, layout: Layout, fidelity: str | None) -> list[Path]:
    """Write NePS's four summary files into ``layout.summary_dir`` (which must exist)."""
    rows = full_rows(results)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    full = _csv(list(columns), [[row.get(c) for c in columns] for row in rows])
    short = _csv(["summary", "value"], short_rows(results))
    trace, best = trajectory_texts(results, fidelity)
    written = []
    for name, text in (
        (FULL_CSV, full),
        (SHORT_CSV, short),
        (TRAJECTORY_TXT, trace),
        (BEST_CONFIG_TXT, best),
    ):
        path = layout.summary_dir / name
        atomic_write_text(path, text, sync="none", root=layout.root)
        written.append(path)
    return written
