"""Defect 5 and the argument gaps of defect 12: ``run()`` values are checked and
normalised before anything is written, so a bad value leaves no study behind (or an
existing study unchanged) instead of one that every later command fails on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neps_like as neps
from neps_like._errors import ArgumentError, NepsLikeError, OptimizerError
from tests.hostile.data_support import make_study, objective, records, tree_digest

BAD_VALUES = [
    ("seed", "abc", "seed must be a non-negative integer"),
    ("seed", -5, "seed must be a non-negative integer"),
    ("seed", 1.5, "seed must be a non-negative integer"),
    ("seed", True, "seed must be a non-negative integer"),
    ("objective_value_on_error", "abc", "objective_value_on_error must be a finite number"),
    ("objective_value_on_error", float("nan"), "objective_value_on_error must be a finite"),
    ("cost_value_on_error", "abc", "cost_value_on_error must be a finite number"),
    ("cost_value_on_error", float("inf"), "cost_value_on_error must be a finite number"),
    ("cost_to_spend", float("nan"), "cost_to_spend must be a finite positive number"),
    ("fidelities_to_spend", float("inf"), "fidelities_to_spend must be a finite positive"),
    ("max_wallclock_time_seconds", float("nan"), "max_wallclock_time_seconds must be a finite"),
    ("lease_grace_seconds", float("inf"), "lease_grace_seconds must be a finite positive"),
    ("heartbeat_seconds", float("nan"), "heartbeat_seconds must be a finite positive"),
    ("worker_id", "w1\n", "worker_id must be None or a string"),
    ("worker_id", 5, "worker_id must be None or a string"),
    ("worker_id", "../w", "worker_id must be None or a string"),
    ("max_retries", "x", "max_retries must be a non-negative integer"),
    ("max_retries", -1, "max_retries must be a non-negative integer"),
    ("overwrite_root_directory", "yes", "overwrite_root_directory must be True or False"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_VALUES)
def test_bad_value_is_refused_before_the_study_exists(
    tmp_path: Path, name: str, value: Any, message: str
) -> None:
    """Attack: a typo'd or hostile value (seed="abc", NaN budget, a worker id with a
    newline) given to run() on a new directory. Nothing may be created."""
    root = tmp_path / "study"
    kwargs: dict[str, Any] = {"evaluations_to_spend": 2, name: value}
    with pytest.raises(ArgumentError, match=message):
        neps.run(objective, {"x": neps.Float(0.0, 1.0)}, root_directory=root, **kwargs)
    assert not root.exists()


@pytest.mark.parametrize(("name", "value", "message"), BAD_VALUES[:8])
def test_bad_value_leaves_an_existing_study_unchanged(
    tmp_path: Path, name: str, value: Any, message: str
) -> None:
    """Attack: resuming a finished study with a bad value: every file stays as it was."""
    root = make_study(tmp_path / "study")
    before = tree_digest(root)
    with pytest.raises(ArgumentError, match=message):
        neps.run(objective, root_directory=root, evaluations_to_spend=6, **{name: value})
    assert tree_digest(root) == before
    assert neps.status(root) is not None


def test_numpy_values_are_accepted_and_written_as_plain_data(tmp_path: Path) -> None:
    """Variation: numpy integers (a seed or budget from an array) used to be rejected
    or written as objects YAML cannot read back; they are plain ints on disk."""
    root = tmp_path / "study"
    neps.run(
        objective,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        optimizer="random_search",
        seed=np.int64(7),
        evaluations_to_spend=np.int64(3),
        cost_to_spend=np.float64(100.0),
        max_retries=np.int32(1),
    )
    assert "seed: 7\n" in (root / "neps_like.yaml").read_text()
    trials = [r for _, r in records(root) if r.get("kind") == "trial"]
    assert {r["trial"]["id"] for r in trials} == {"1", "2", "3"}


def test_failed_trials_record_the_checked_substitute_values(tmp_path: Path) -> None:
    """Variation: the on-error values reach the journal only as finite floats."""

    def failing(x: float) -> float:
        raise RuntimeError("boom")

    root = tmp_path / "study"
    neps.run(
        failing,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        optimizer="random_search",
        evaluations_to_spend=1,
        objective_value_on_error=np.float32(5),
        cost_value_on_error=2,
    )
    report = [r for _, r in records(root) if r.get("kind") == "trial"][-1]["trial"]["report"]
    assert report["objective_to_minimize"] == 5.0 and report["cost"] == 2.0


def test_optimizer_setting_of_the_wrong_type_is_our_error(tmp_path: Path) -> None:
    """Attack: initial_design_size="abc" gave a raw ValueError; now an OptimizerError
    naming the optimizer, before anything is written."""
    root = tmp_path / "study"
    with pytest.raises(OptimizerError, match="bayesian_optimization"):
        neps.run(
            objective,
            {"x": neps.Float(0.0, 1.0)},
            root_directory=root,
            optimizer=("bayesian_optimization", {"initial_design_size": "abc"}),
            evaluations_to_spend=2,
        )
    assert not root.exists()


def test_root_directory_of_the_wrong_type_is_our_error(tmp_path: Path) -> None:
    """Attack: root_directory=5 (a typo for a count) is an ArgumentError, not a crash
    deep in pathlib."""
    with pytest.raises(NepsLikeError, match="root_directory must be a path"):
        neps.run(objective, {"x": neps.Float(0.0, 1.0)}, root_directory=5, evaluations_to_spend=1)
