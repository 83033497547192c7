"""NePS's asynchronous evaluation: ``evaluate_pipeline`` hands the work elsewhere and
returns None; the result arrives later through ``neps.save_pipeline_results``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import neps_like as neps

SPACE = {"lr": neps.Float(1e-4, 1e-1, log=True), "opt": neps.Categorical(["sgd", "adam"])}


def _submit(outbox: Path):  # type: ignore[no-untyped-def]
    def evaluate(pipeline_id: str, lr: float, opt: str) -> None:
        (outbox / f"{pipeline_id}.json").write_text(json.dumps({"lr": lr, "opt": opt}))

    return evaluate


def test_none_leaves_the_trial_evaluating_and_the_worker_goes_on(tmp_path: Path) -> None:
    outbox = tmp_path / "jobs"
    outbox.mkdir()
    root = tmp_path / "study"
    summary = neps.run(_submit(outbox), SPACE, root_directory=root, evaluations_to_spend=3)
    assert summary.awaiting == 3 and summary.evaluated == 0 and summary.failed == 0
    trials = neps.load(root)
    assert {t.state for t in trials.values()} == {neps.TrialState.EVALUATING}
    assert sorted(p.stem for p in outbox.iterdir()) == ["1", "2", "3"]


def test_results_saved_later_from_another_process(tmp_path: Path) -> None:
    outbox = tmp_path / "jobs"
    outbox.mkdir()
    root = tmp_path / "study"
    neps.run(_submit(outbox), SPACE, root_directory=root, evaluations_to_spend=2)
    # The "cluster job": a separate process that reads its job and saves the result.
    job = (
        "import json, sys, neps_like as neps\n"
        "job = json.load(open(sys.argv[1]))\n"
        "neps.save_pipeline_results({'objective_to_minimize': job['lr'], 'cost': 3.0},"
        " sys.argv[2], sys.argv[3])\n"
    )
    for trial_id in ("1", "2"):
        subprocess.run(
            [sys.executable, "-c", job, str(outbox / f"{trial_id}.json"), trial_id, str(root)],
            check=True,
            timeout=120,
        )
    trials = neps.load(root)
    for trial_id in ("1", "2"):
        trial = trials[trial_id]
        assert trial.state is neps.TrialState.SUCCESS
        assert trial.report is not None and trial.report.objective_to_minimize == trial.config["lr"]
        assert trial.report.cost == 3.0
    assert trials.counts() == {"success": 2}


def test_an_exception_as_result_records_a_failure(tmp_path: Path) -> None:
    outbox = tmp_path / "jobs"
    outbox.mkdir()
    root = tmp_path / "study"
    neps.run(_submit(outbox), SPACE, root_directory=root, evaluations_to_spend=1)
    neps.save_pipeline_results({"exception": RuntimeError("job died")}, "1", root)
    trial = neps.load(root)["1"]
    assert trial.state is neps.TrialState.FAILED
    assert trial.report is not None and "job died" in str(trial.report.err)


def test_saving_twice_or_for_an_unknown_trial_is_refused(tmp_path: Path) -> None:
    outbox = tmp_path / "jobs"
    outbox.mkdir()
    root = tmp_path / "study"
    neps.run(_submit(outbox), SPACE, root_directory=root, evaluations_to_spend=1)
    neps.save_pipeline_results(0.5, "1", root)
    with pytest.raises(neps.IllegalTransitionError, match="success, not waiting"):
        neps.save_pipeline_results(0.4, "1", root)
    with pytest.raises(neps.TrialNotFoundError, match="'7'"):
        neps.save_pipeline_results(0.4, "7", root)
    with pytest.raises(neps.EvaluationError):
        neps.save_pipeline_results({"no_objective": 1}, "1", root)
    assert neps.load(root)["1"].report.objective_to_minimize == 0.5  # type: ignore[union-attr]
