"""Subset-of-data BO past ``max_gp_points`` observations: the subset and the proposals."""

from __future__ import annotations

import numpy as np
import pytest

from neps_like._errors import OptimizerError
from neps_like.optimizers.bo import BayesianOptimization, _data
from neps_like.optimizers.bo._subset import select_subset
from neps_like.state.records import SampledConfig, Trial, TrialState
from tests.unit.test_bo_optimizer import (
    branin,
    branin_space,
    make_trial,
    mixed_space,
    random_history,
)


def test_small_histories_are_kept_whole() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random((30, 3)), rng.random(30)
    assert select_subset(x, y, 30, rng).tolist() == list(range(30))


def test_subset_keeps_the_incumbent_the_best_and_its_neighbours() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.random((500, 4)), rng.standard_normal(500)
    keep = select_subset(x, y, 40, np.random.default_rng(2))
    assert keep.size == 40 == np.unique(keep).size
    assert np.all(np.diff(keep) > 0)
    incumbent = int(np.argmin(y))
    assert incumbent in keep
    assert set(np.argsort(y)[:10].tolist()) <= set(keep.tolist())
    dist = np.sum((x - x[incumbent]) ** 2, axis=1)
    assert set(np.argsort(dist)[:5].tolist()) <= set(keep.tolist())
    # A spread, not only the good corner: some of the worst half is in.
    assert np.sum(y[keep] > np.median(y)) >= 5


def test_the_subset_path_is_taken_past_the_threshold() -> None:
    space = branin_space()
    trials = random_history(space, branin, 80)
    opt = BayesianOptimization(space, seed=0, max_gp_points=25)
    model = opt._fit(_data.split_trials(trials), len(trials))
    assert model.gp.x.shape[0] == 25
    values = np.array([branin(t.config) for t in trials.values()])
    assert float(model.y.min()) == pytest.approx(
        float(_data.transform_outputs(values, opt.output_transform).min())
    )
    exact = BayesianOptimization(space, seed=0)._fit(_data.split_trials(trials), len(trials))
    assert exact.gp.x.shape[0] == 80


def test_scale_path_gives_valid_new_configs_that_move_away_from_pending_ones() -> None:
    space = mixed_space()

    def fn(cfg: dict) -> float:  # type: ignore[type-arg]
        return float(np.log(cfg["lr"])) ** 2 + cfg["layers"] + (cfg["act"] == "tanh")

    trials: dict[str, Trial] = random_history(space, fn, 60, seed=3)
    opt = BayesianOptimization(space, seed=0, max_gp_points=20)
    first = opt(trials, None)
    assert isinstance(first, SampledConfig)
    space.validate_config(first.config)
    keys = {space.config_key(t.config) for t in trials.values()}
    assert space.config_key(first.config) not in keys
    pending = {**trials, "9999": make_trial(9999, first.config, None, TrialState.EVALUATING)}
    second = opt(pending, None)
    assert isinstance(second, SampledConfig)
    space.validate_config(second.config)
    assert space.config_key(second.config) != space.config_key(first.config)
    batch = opt(trials, None, n=4)
    assert isinstance(batch, list)
    assert len({space.config_key(s.config) for s in batch}) == 4


def test_scale_path_still_finds_good_branin_points() -> None:
    space = branin_space()
    trials = random_history(space, branin, 60, seed=5)
    opt = BayesianOptimization(space, seed=0, max_gp_points=30)
    for i in range(60, 75):
        sampled = opt(trials, None)
        assert isinstance(sampled, SampledConfig)
        trials[f"{i:04d}"] = make_trial(i, sampled.config, branin(sampled.config),
                                        TrialState.SUCCESS)  # fmt: skip
    best_random = min(branin(t.config) for t in list(trials.values())[:60])
    best = min(branin(t.config) for t in trials.values())
    assert best < min(best_random, 1.0)


def test_max_gp_points_is_checked() -> None:
    with pytest.raises(OptimizerError, match="max_gp_points"):
        BayesianOptimization(branin_space(), seed=0, max_gp_points=3)
