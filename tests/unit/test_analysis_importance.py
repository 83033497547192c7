"""Parameter importance: a parameter that matters, one that does not, categories, limits."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import neps_like as neps
from neps_like.analysis.importance import _fit_tree, parameter_importance
from neps_like.analysis.results import Results
from neps_like.state.err_dump import ErrDump
from neps_like.state.records import MetaData, Report, Trial, TrialState


def synthetic(configs: list[dict[str, object]], values: list[float]) -> Results:
    meta = MetaData(time_sampled=0.0, sampling_worker_id="w", time_ended=1.0)
    trials = {
        str(i): Trial(str(i), c, TrialState.SUCCESS, meta, Report(v))
        for i, (c, v) in enumerate(zip(configs, values, strict=True), start=1)
    }
    return Results(Path("/study"), trials, ErrDump(), {})


def test_one_parameter_matters_the_other_does_not() -> None:
    rng = np.random.default_rng(4)
    configs = [{"x": float(x), "y": float(y)} for x, y in rng.random((60, 2))]
    values = [math.sin(6 * c["x"]) for c in configs]  # y is ignored
    imp = parameter_importance(synthetic(configs, values))
    assert list(imp.importance) == ["x", "y"]
    assert imp.importance["x"] > 0.9 and imp.importance["y"] < 0.05
    assert imp.n_trials == 60 and 0.0 <= imp.interactions < 0.1
    assert imp.rows()[0] == {"parameter": "x", "importance": imp.importance["x"]}
    assert parameter_importance(synthetic(configs, values)) == imp  # deterministic


def test_a_study_directory_works_too(tmp_path: Path) -> None:
    root = tmp_path / "r"
    space = {"x": neps.Float(0.0, 1.0), "y": neps.Categorical(["a", "b"])}
    neps.run(lambda x, y: x, space, root_directory=root, evaluations_to_spend=10, seed=4)
    imp = parameter_importance(root)
    assert imp.n_trials == 10 and imp.importance["x"] > imp.importance["y"]


def test_additive_shares_are_recovered() -> None:
    # f = sin(6x) + 0.5 [c == "b"]: the true first-order shares are about 0.90 and 0.10.
    rng = np.random.default_rng(1)
    xs, cs = rng.random(150), rng.choice(["a", "b", "c"], 150)
    configs = [{"x": float(x), "c": str(c), "const": 7} for x, c in zip(xs, cs, strict=True)]
    values = [math.sin(6 * x) + 0.5 * (c == "b") for x, c in zip(xs, cs, strict=True)]
    imp = parameter_importance(synthetic(configs, values)).importance
    assert 0.8 < imp["x"] < 0.97 and 0.04 < imp["c"] < 0.2
    assert imp["const"] == 0.0


def test_filters_and_exclusions() -> None:
    rng = np.random.default_rng(2)
    configs = [
        {"x": float(v), "epochs": int(e)}
        for v, e in zip(rng.random(30), rng.integers(1, 4, 30), strict=True)
    ]
    values = [c["x"] / c["epochs"] for c in configs]  # type: ignore[operator]
    res = synthetic(configs, values)
    assert set(parameter_importance(res, exclude=["epochs"]).importance) == {"x"}
    kept = parameter_importance(res, trial_filter=lambda t: t.config["epochs"] == 3)
    assert kept.n_trials == sum(c["epochs"] == 3 for c in configs)
    with pytest.raises(neps.ArgumentError, match="at least 8"):
        parameter_importance(res, trial_filter=lambda t: False)


def test_constant_objective_and_missing_values() -> None:
    configs: list[dict[str, object]] = [{"x": i / 10} for i in range(10)]
    configs[3] = {}  # a conditional parameter absent from one trial
    imp = parameter_importance(synthetic(configs, [1.0] * 10))
    assert imp.importance == {"x": 0.0} and imp.interactions == 0.0


def test_a_tree_fits_a_step_exactly() -> None:
    x = np.linspace(0, 1, 40)[:, None]
    y = (x[:, 0] > 0.5).astype(float)
    tree = _fit_tree(x, y, np.random.default_rng(0))
    assert np.array_equal(tree.predict(x), y)
    assert (tree.feature >= 0).sum() == 1  # one split is enough
