"""The incumbent trace: order by end time, failures, cost, wall time, several objectives."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.analysis.results import Results
from neps_like.analysis.trace import evaluated_trials, incumbent_trace, trial_id_key
from neps_like.state.err_dump import ErrDump
from neps_like.state.records import MetaData, Report, Trial, TrialState


def trial(
    tid: str,
    obj: Any,
    *,
    ended: float | None,
    state: TrialState = TrialState.SUCCESS,
    cost: float | None = None,
) -> Trial:
    report = None if state is TrialState.EVALUATING else Report(obj, cost=cost)
    meta = MetaData(time_sampled=100.0, sampling_worker_id="w", time_ended=ended)
    return Trial(tid, {"x": 0.5}, state, meta, report)


def results(*trials: Trial) -> Results:
    return Results(Path("/study"), {t.id: t for t in trials}, ErrDump(), {})


def test_trace_follows_time_ended_not_ids() -> None:
    res = results(
        trial("1", 5.0, ended=110.0, cost=1.0),
        trial("2", 3.0, ended=104.0, cost=2.0),
        trial("3", None, ended=106.0, state=TrialState.FAILED),
        trial("4", 4.0, ended=120.0, cost=None),
        trial("5", 0.0, ended=None, state=TrialState.EVALUATING),
    )
    tr = incumbent_trace(res)
    assert tr.trial_ids == ("2", "3", "1", "4")  # running trial 5 is not in it
    assert tr.objectives == (3.0, None, 5.0, 4.0)
    assert tr.incumbent == (3.0, 3.0, 3.0, 3.0)
    assert tr.incumbent_ids == ("2", "2", "2", "2")
    assert tr.cumulative_cost == (2.0, 2.0, 3.0, 3.0)
    assert tr.wall_time == (4.0, 6.0, 10.0, 20.0)
    assert tr.x("evaluations") == (1.0, 2.0, 3.0, 4.0)
    rows = tr.rows()
    assert rows[1] == {
        "evaluation": 2,
        "trial_id": "3",
        "objective_to_minimize": None,
        "incumbent": 3.0,
        "incumbent_trial_id": "2",
        "cumulative_cost": 2.0,
        "wall_time": 6.0,
    }


def test_before_the_first_success_the_incumbent_is_inf() -> None:
    res = results(
        trial("1", None, ended=101.0, state=TrialState.FAILED),
        trial("2", 2.0, ended=102.0),
        trial("3", 1.0, ended=103.0),
    )
    tr = incumbent_trace(res)
    assert math.isinf(tr.incumbent[0]) and tr.incumbent[1:] == (2.0, 1.0)
    assert tr.rows()[0]["incumbent"] is None and tr.incumbent_ids == (None, "2", "3")
    with pytest.raises(neps.ArgumentError, match="x axis"):
        tr.x("epochs")


def test_several_objectives_need_an_index() -> None:
    res = results(trial("1", [1.0, 5.0], ended=101.0), trial("2", [2.0, 0.5], ended=102.0))
    with pytest.raises(neps.ArgumentError, match="objective=<index>"):
        incumbent_trace(res)
    assert incumbent_trace(res, objective=1).incumbent == (5.0, 0.5)
    assert incumbent_trace(res, objective=0).incumbent == (1.0, 1.0)
    with pytest.raises(neps.ArgumentError, match="out of range"):
        incumbent_trace(res, objective=2)


def test_ties_and_ids_sort_numerically() -> None:
    res = results(trial("10", 1.0, ended=5.0), trial("9", 1.0, ended=5.0), trial("9_1", 1, ended=5))
    assert [t.id for t in evaluated_trials(res)] == ["9", "9_1", "10"]
    assert trial_id_key("7_2") == (7, 2) and trial_id_key("odd") > trial_id_key("99")
    assert len(incumbent_trace(results())) == 0


def test_trace_of_a_real_study_directory(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(
        lambda x: x,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        evaluations_to_spend=6,
        seed=1,
    )
    tr = incumbent_trace(root)  # a path works as well as loaded results
    loaded = neps.load(root)
    assert len(tr) == 6 and set(tr.trial_ids) == set(loaded)
    best = loaded.best()
    assert best is not None and tr.incumbent[-1] == best.report.objective_to_minimize  # type: ignore[union-attr]
    assert list(tr.incumbent) == sorted(tr.incumbent, reverse=True)
    assert list(tr.wall_time) == sorted(tr.wall_time)
