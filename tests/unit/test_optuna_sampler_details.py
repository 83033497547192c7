"""The Optuna sampler's view of the space (bounds, log scales) and its seeding."""

from __future__ import annotations

import numpy as np
import pytest

from neps_like.space import Categorical, Float, Integer, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState

pytest.importorskip("optuna")

from neps_like.optimizers.optuna_sampler import OptunaSampler


def _configs(space: SearchSpace, n: int, sampler: str = "random") -> list[dict]:
    out = OptunaSampler(space, seed=0, sampler=sampler)({}, None, n)
    assert isinstance(out, list) and len(out) == n
    return [dict(s.config) for s in out]


def test_log_scaled_parameters_are_drawn_log_uniformly_within_bounds() -> None:
    space = SearchSpace(
        {
            "lr": Float(1e-6, 1.0, log=True),
            "width": Integer(1, 10_000, log=True),
            "x": Float(0.0, 1.0),
            "k": Integer(3, 5),
        }
    )
    configs = _configs(space, 200)
    lr = np.array([c["lr"] for c in configs])
    width = np.array([c["width"] for c in configs])
    assert lr.min() >= 1e-6 and lr.max() <= 1.0
    assert width.min() >= 1 and width.max() <= 10_000
    # Log-uniform: half the draws below the geometric middle (uniform: almost none).
    assert 0.3 < np.mean(lr < 1e-3) < 0.7
    assert 0.3 < np.mean(width < 100) < 0.7
    assert {c["k"] for c in configs} == {3, 4, 5}
    assert all(0.0 <= c["x"] <= 1.0 for c in configs)


def test_a_single_proposal_from_an_empty_study_is_a_sampled_config() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0), "c": Categorical(["a", "b"])})
    one = OptunaSampler(space, seed=3)({}, None)
    assert isinstance(one, SampledConfig)
    assert 0.0 <= one.config["x"] <= 1.0 and one.config["c"] in ("a", "b")
    again = OptunaSampler(space, seed=3)({}, None)
    assert isinstance(again, SampledConfig) and again.config == one.config


def test_a_fully_explored_space_still_gives_a_config() -> None:
    space = SearchSpace({"c": Categorical(["a", "b"])})
    trials = {}
    for i, choice in enumerate(("a", "b"), start=1):
        meta = MetaData(time_sampled=0.0, sampling_worker_id="w")
        report = Report(objective_to_minimize=float(i))
        trials[str(i)] = Trial(str(i), {"c": choice}, TrialState.SUCCESS, meta, report)
    out = OptunaSampler(space, seed=0, sampler="tpe")(trials, None)
    assert isinstance(out, SampledConfig) and out.config["c"] in ("a", "b")
