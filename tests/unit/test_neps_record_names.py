"""NePS's names on neps_like's records, read-only: ``trial.metadata.id``, ``.state``,
``.location``, ``.time_end``, ``report.reported_as`` and ``BudgetInfo``'s
``cost_to_spend`` / ``fidelities_to_spend`` / ``clone()``; the journal's form is unchanged."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.state.records import BudgetInfo, MetaData, Report, Trial, TrialState


class Recorder:
    """A custom optimizer that reads only NePS's names and remembers what it saw."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.budgets: list[tuple[Any, ...]] = []

    def __call__(
        self, trials: Mapping[str, Any], budget_info: Any, n: int | None = None
    ) -> neps.SampledConfig:
        self.budgets.append(
            (
                budget_info.max_evaluations,
                budget_info.used_evaluations,
                budget_info.cost_to_spend,
                budget_info.used_cost_budget,
                budget_info.fidelities_to_spend,
            )
        )
        for trial in trials.values():
            meta, report = trial.metadata, trial.report
            self.seen.append(
                {
                    "id": meta.id,
                    "state": meta.state,
                    "location": meta.location,
                    "time_end": meta.time_end,
                    "reported_as": None if report is None else report.reported_as,
                }
            )
        return neps.SampledConfig(config={"x": 0.1 * (len(trials) + 1)})


def _evaluate(x: float, pipeline_directory: Path) -> dict[str, float]:
    if x > 0.25:  # the third config fails
        raise ValueError("too large")
    return {"objective_to_minimize": x, "cost": 2.0}


def test_custom_optimizer_reads_neps_names(tmp_path: Path) -> None:
    root = tmp_path / "s"
    optimizer = Recorder()
    neps.run(
        _evaluate,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        evaluations_to_spend=4,
        cost_to_spend=100.0,
        optimizer=optimizer,
        on_error="ignore",
    )
    # The fourth call saw three finished trials: two successes and one failure.
    last = optimizer.seen[-3:]
    assert [s["id"] for s in last] == ["1", "2", "3"]
    assert [s["state"] for s in last] == ["success", "success", "failed"]
    assert [s["reported_as"] for s in last] == ["success", "success", "failed"]
    for seen in last:
        assert seen["location"] == str(root / "trials" / seen["id"])
        assert Path(seen["location"]).is_dir()
        assert isinstance(seen["time_end"], float)
    assert optimizer.budgets[0] == (4, 0, 100.0, 0.0, None)
    assert optimizer.budgets[-1] == (4, 3, 100.0, 4.0, None)  # the failed trial has no cost


def test_loaded_trials_answer_neps_names(tmp_path: Path) -> None:
    root = tmp_path / "s"
    neps.run(lambda x: x, {"x": neps.Float(0.0, 1.0)}, root_directory=root, evaluations_to_spend=2)
    for trial in neps.load(root).values():
        assert trial.metadata.id == trial.id
        assert trial.metadata.state is trial.state is TrialState.SUCCESS
        assert trial.metadata.time_end == trial.metadata.time_ended is not None
        assert trial.metadata.location is None  # no folder: the evaluation uses no files
        assert trial.report is not None and trial.report.reported_as == "success"


def _trial(state: TrialState, report: Report | None = None) -> Trial:
    return Trial("4", {"x": 1}, state, MetaData(1.0, "w", time_ended=2.0), report)


def test_reported_as_per_state() -> None:
    report = Report(1.0)
    assert report.reported_as is None  # not yet part of a trial
    assert _trial(TrialState.SUCCESS, Report(1.0)).report.reported_as == "success"  # type: ignore[union-attr]
    assert _trial(TrialState.CRASHED, Report(None)).report.reported_as == "crashed"  # type: ignore[union-attr]
    assert _trial(TrialState.FAILED, Report(None)).report.reported_as == "failed"  # type: ignore[union-attr]
    assert _trial(TrialState.PRUNED, Report(1.0)).report.reported_as == "failed"  # type: ignore[union-attr]


def test_an_older_record_keeps_its_own_state() -> None:
    pending = _trial(TrialState.PENDING)
    running = pending.transition(TrialState.EVALUATING)
    done = running.transition(TrialState.SUCCESS, report=Report(0.5))
    assert pending.metadata.state is TrialState.PENDING
    assert running.metadata.state is TrialState.EVALUATING
    assert done.metadata.state is TrialState.SUCCESS
    assert pending.metadata == running.metadata == done.metadata  # same data, other owners
    shared = Report(0.5)
    ok = _trial(TrialState.SUCCESS, shared)
    pruned = Trial("5", {"x": 1}, TrialState.PRUNED, ok.metadata, shared)
    assert ok.report.reported_as == "success"  # type: ignore[union-attr]
    assert pruned.report.reported_as == "failed"  # type: ignore[union-attr]
    assert pruned.metadata.id == "5" and ok.metadata.id == "4"


def test_names_are_not_serialised() -> None:
    trial = _trial(TrialState.SUCCESS, Report(0.5))
    for form in (trial.to_dict(), trial.to_record()):
        keys = set(form) | set(form["metadata"]) | set(form["report"])
        assert not keys & {"location", "time_end", "reported_as", "_neps_owner", "_neps_state"}
        json.dumps(form)
    assert set(trial.to_dict()["metadata"]) == {f for f in MetaData.__dataclass_fields__}
    assert Trial.from_dict(trial.to_record()) == trial
    with pytest.raises((AttributeError, TypeError)):  # read-only (frozen, slotted record)
        trial.metadata.id = "9"  # type: ignore[misc]
    assert trial.metadata.id == "4"


def test_budget_info_neps_names() -> None:
    budget = BudgetInfo(max_evaluations=5, max_cost_total=3.5, max_fidelity_total=20)
    assert budget.cost_to_spend == 3.5 and budget.fidelities_to_spend == 20
    copy = budget.clone()
    assert copy == budget and copy is not budget
