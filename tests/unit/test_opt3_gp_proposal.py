"""The shared GP-proposal step: draws from a prior density, and proposals that improve."""

from __future__ import annotations

import numpy as np

import neps_like as neps
from neps_like.optimizers._gp_proposal import gp_proposal, sample_from_density
from neps_like.optimizers.bo._space_info import SpaceInfo
from neps_like.optimizers.multiobjective._priors import objective_prior

SPACE = neps.SearchSpace.from_user(
    {"x": neps.Float(0.0, 1.0), "c": neps.Categorical(["a", "b", "c", "d"])}
)
INFO = SpaceInfo.from_space(SPACE)


def test_draws_follow_the_density() -> None:
    density = objective_prior(SPACE, INFO, "f", {"x": 0.2, "c": "c"}, {"x": 0.9, "c": 0.6})
    rng = np.random.default_rng(0)
    draws = [sample_from_density(SPACE, INFO, density, rng) for _ in range(2000)]
    share = sum(d["c"] == "c" for d in draws) / len(draws)
    assert abs(share - (0.6 + 0.4 / 4)) < 0.04  # the prior's total probability
    others = [d["c"] for d in draws if d["c"] != "c"]
    assert set(others) == {"a", "b", "d"}
    xs = np.array([d["x"] for d in draws])
    assert abs(np.median(xs) - 0.2) < 0.02 and xs.std() < 0.1


def test_a_proposal_lands_near_the_minimum_of_smooth_data() -> None:
    space = neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0)})
    rng = np.random.default_rng(1)
    configs = [{"x": float(v)} for v in rng.uniform(size=12)]
    y = np.array([(c["x"] - 0.7) ** 2 for c in configs])
    seen = {space.config_key(c) for c in configs}
    config = gp_proposal(
        space,
        SpaceInfo.from_space(space),
        space.encode(configs),
        y,
        None,
        np.random.default_rng(2),
        lambda c: space.config_key(c) in seen,
    )
    assert config is not None and abs(config["x"] - 0.7) < 0.1
