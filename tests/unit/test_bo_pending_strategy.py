"""BO with pending trials: trust region and posterior-mean proposals (bo/_pending.py).

Without pending trials BO must propose exactly what it proposed before the pending
strategy existed (recorded values below); with pending trials proposals alternate
between a trust region around the incumbent and the posterior-mean minimiser, and must
stay valid, new and away from the running trials in every kind of space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from neps_like.optimizers.bo import BayesianOptimization, PiBO, _data, _pending
from neps_like.optimizers.bo._candidates import Snapper
from neps_like.optimizers.bo._space_info import SpaceInfo
from neps_like.optimizers.bo.bayesian_optimization import _CANDIDATES
from neps_like.space import Categorical, Float, Integer, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState


def _space(prior: bool = False, cat: bool = True) -> SearchSpace:
    """A float (with a prior for πBO), a log float, an integer and (``cat``) a choice."""
    extra: dict[str, Any] = {"prior": 0.3, "prior_confidence": "high"} if prior else {}
    params: dict[str, Any] = {
        "x": Float(0.0, 1.0, **extra),
        "lr": Float(1e-4, 1.0, log=True),
        "n": Integer(1, 20),
    }
    if cat:
        params["c"] = Categorical(["a", "b", "c", "d"])
    return SearchSpace(params)


def _objective(cfg: Mapping[str, Any]) -> float:
    shift = {"a": 0.0, "b": 0.4, "c": 0.1, "d": 0.8}[cfg.get("c", "a")]
    return (
        (float(cfg["x"]) - 0.3) ** 2
        + (math.log10(float(cfg["lr"])) + 2) ** 2 / 4
        + ((int(cfg["n"]) - 7) / 10) ** 2
        + shift
    )


def _trial(i: int, config: Mapping[str, Any], value: Any, state: TrialState) -> Trial:
    report = None if value is None else Report(value)
    return Trial(f"{i:04d}", dict(config), state, MetaData(float(i), "w"), report)


def _history(
    space: SearchSpace, n_done: int, n_pending: int, *, seed: int = 0, objectives: int = 1
) -> dict[str, Trial]:
    rng = np.random.default_rng(seed)
    trials = {}
    for i in range(n_done + n_pending):
        config = space.sample(rng)
        value: Any = _objective(config)
        if objectives > 1:
            value = [value, float(config["x"]) ** 2]
        done = i < n_done
        state = TrialState.SUCCESS if done else TrialState.EVALUATING
        trials[f"{i:04d}"] = _trial(i, config, value if done else None, state)
    return trials


def _configs(sampled: SampledConfig | list[SampledConfig]) -> list[dict[str, Any]]:
    items = sampled if isinstance(sampled, list) else [sampled]
    return [dict(s.config) for s in items]


# -- sequential BO is unchanged -----------------------------------------------------------

# Proposals made before pending trials got their own strategy, as (optimizer, trials
# finished, history seed, objectives, optimizer seed) -> (x, lr, n, c). Regenerate only
# when a change to the model is meant to change sequential BO.
SEQUENTIAL = [
    (("bo", 14, 1, 1, 0), (0.039570946249417566, 0.002611607485613988, 6, "a")),
    (("bo", 14, 1, 1, 1), (0.039592623158005685, 0.0026114963573174205, 6, "a")),
    (("bo", 14, 1, 1, 2), (0.03956065926271755, 0.002610378575961586, 6, "a")),
    (("pibo", 10, 2, 1, 4), (0.30044021962022216, 0.012997380826018885, 8, "c")),
    (("pibo", 13, 2, 1, 4), (0.2995934360790546, 0.010174432869481389, 6, "a")),
    (("bo", 15, 3, 2, 5), (2.6255904863554364e-05, 0.11312657871145257, 12, "d")),
]


@pytest.mark.parametrize(("case", "expected"), SEQUENTIAL)
def test_without_pending_trials_the_proposals_are_unchanged(
    case: tuple[str, int, int, int, int], expected: tuple[float, float, int, str]
) -> None:
    name, n_done, history_seed, objectives, seed = case
    space = _space(prior=name == "pibo")
    trials = _history(space, n_done, 0, seed=history_seed, objectives=objectives)
    optimizer = PiBO(space, seed=seed) if name == "pibo" else BayesianOptimization(space, seed=seed)
    config = _configs(optimizer(trials, None))[0]
    x, lr, n, c = expected
    assert (config["n"], config["c"]) == (n, c)
    assert config["x"] == pytest.approx(x, rel=1e-9, abs=1e-15)
    assert config["lr"] == pytest.approx(lr, rel=1e-9, abs=1e-15)


# With a categorical parameter pending trials are handled by the kriging believer alone,
# as before the strategy existed: (trials finished, n) with 5 running -> proposals.
BELIEVER = [
    ((14, None), [(0.16726114525601277, 0.007760974929379834, 4, "b")]),
    ((15, None), [(0.21514306754919815, 0.9999978182186273, 4, "a")]),
    (
        (14, 3),
        [
            (0.16726114525601277, 0.007760974929379834, 4, "b"),
            (0.07193066991150349, 0.012981028748010378, 1, "a"),
            (0.6871245823176287, 0.9999006825555329, 1, "b"),
        ],
    ),
]


@pytest.mark.parametrize(("case", "expected"), BELIEVER)
def test_with_a_categorical_parameter_pending_trials_keep_the_believer(
    case: tuple[int, int | None], expected: list[tuple[float, float, int, str]]
) -> None:
    n_done, batch = case
    space = _space()
    trials = _history(space, n_done, 5, seed=0)
    configs = _configs(BayesianOptimization(space, seed=0)(trials, None, batch))
    assert [(c["n"], c["c"]) for c in configs] == [(n, c) for _, _, n, c in expected]
    got = np.array([[c["x"], c["lr"]] for c in configs])
    assert got == pytest.approx(np.array([[x, lr] for x, lr, _, _ in expected]), rel=1e-9)


# -- trust-region length ------------------------------------------------------------------


def test_the_trust_region_length_is_replayed_from_the_history() -> None:
    def length(y: list[float], dim: int = 2) -> float:
        return _pending.trust_region_length(np.array(y), n_initial=2, dim=dim)

    start = [5.0, 4.0]
    assert length(start) == _pending.LENGTH_INIT == 0.8
    assert length([*start, 3.0, 2.0]) == 0.8  # two improvements: not yet
    assert length([*start, 3.0, 2.0, 1.0]) == 1.6  # three in a row double it
    assert length([*start, 3.0, 2.0, 1.0, 0.5, 0.4, 0.3]) == 1.6  # capped at LENGTH_MAX
    assert length([*start, 3.0, 2.0, 9.0, 1.0]) == 0.8  # a miss resets the streak
    assert length([*start, 9.0, 9.0, 9.0]) == 0.8  # three misses: not yet (dim 2 needs 4)
    assert length([*start, 9.0, 9.0, 9.0, 9.0]) == 0.4  # four misses halve it
    assert length([*start, *[9.0] * 8]) == 0.2
    assert length([*start, *[9.0] * 5], dim=6) == 0.8  # six dimensions need six misses
    assert length([*start, *[9.0] * 6], dim=6) == 0.4
    assert length([*start, *[9.0] * 400]) == _pending.LENGTH_MIN
    # The initial design only sets the best; an improvement must be relative 1e-3.
    assert length([1.0, 9.0, 8.0, 7.0, 6.0, 5.0]) == 0.4
    assert length([*start, 3.9999, 3.9998, 3.9997, 3.9996]) == 0.4


def test_the_trust_region_box_follows_the_lengthscales_and_skips_categoricals() -> None:
    info = SpaceInfo.from_space(_space())  # x, lr, n (integer), c (categorical)
    x = np.array([[0.5, 0.5, 0.5, 0.625], [0.9, 0.1, 0.2, 0.125]])
    region = _pending.TrustRegion.around_incumbent(
        info.snapper, x, np.array([0.0, 1.0]), np.array([0.1, 0.4, 0.2, 0.05]), 0.4
    )
    side = region.box.hi - region.box.lo
    geo = (0.1 * 0.4 * 0.2) ** (1 / 3)
    assert side[:3] == pytest.approx(np.array([0.1, 0.4, 0.2]) / geo * 0.4)
    assert (region.box.lo[3], region.box.hi[3]) == (0.0, 1.0)
    assert np.all(region.center == x[0])

    cands = region.maximize(lambda z: -np.abs(z[:, 0] - 0.95), x, np.random.default_rng(0), 256)
    lo, hi = region.box.lo[:2], region.box.hi[:2]  # n snaps to its grid, c is free
    assert np.all((cands[:, :2] >= lo) & (cands[:, :2] <= hi))
    assert np.all(np.abs(cands[:, 2] - 0.5) <= 0.2 + 0.5 / 19)
    assert cands[0, 0] == pytest.approx(region.box.hi[0])  # pushed against the box
    assert set(np.round(cands[:, 3], 6)) > {0.625}  # local moves change the choice
    assert np.all(np.isin(np.round(cands[:, 3], 6), [0.125, 0.375, 0.625, 0.875]))


# -- proposals with pending trials ---------------------------------------------------------


@pytest.mark.parametrize("cat", [False, True])  # the strategy, the believer alone
@pytest.mark.parametrize("n_done", [14, 15])  # an even and an odd position: both branches
@pytest.mark.parametrize("batch", [None, 3])
def test_proposals_with_pending_trials_are_valid_new_and_inside_the_cube(
    n_done: int, batch: int | None, cat: bool
) -> None:
    space = _space(cat=cat)
    trials = _history(space, n_done, 5)
    configs = _configs(BayesianOptimization(space, seed=0)(trials, None, batch))
    assert len(configs) == (batch or 1)
    known = {space.config_key(t.config) for t in trials.values()}
    keys = [space.config_key(c) for c in configs]
    assert len(set(keys)) == len(keys) and not set(keys) & known
    for config in configs:
        assert space.validate_config(config) == config
    x = space.encode(configs)
    assert np.all((x >= 0.0) & (x <= 1.0))
    pending = space.encode([t.config for t in trials.values() if t.report is None])
    gaps = np.linalg.norm(x[:, None, :] - pending[None, :, :], axis=2)
    assert gaps.min() >= _pending.MIN_PENDING_DISTANCE


def _mean_candidates(space: SearchSpace, trials: Mapping[str, Trial], seed: int) -> np.ndarray:
    """The posterior-mean minimisers BO's mean branch ranks for ``trials``, best first,
    before dropping those near pending trials (same fit, same generator as BO)."""
    opt = BayesianOptimization(space, seed=seed)
    model = opt._fit(_data.split_trials(trials), len(trials))
    rng = np.random.default_rng([seed, len(trials), _CANDIDATES, 0])
    anchors = _pending.anchors_of(model.x, model.y)
    no_pending = np.zeros((0, opt.info.dim))
    return _pending.mean_candidates(
        model.gp, opt.info.snapper, anchors, no_pending, rng, n_raw=1024
    )


def test_the_mean_branch_steps_around_a_pending_trial_at_its_minimiser() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
    rng = np.random.default_rng(5)
    trials = {}
    for i in range(14):
        cfg = {"x": float(rng.random()), "y": float(rng.random())}
        value = (cfg["x"] - 0.3) ** 2 + (cfg["y"] - 0.6) ** 2
        trials[f"{i:04d}"] = _trial(i, cfg, value, TrialState.SUCCESS)
    far = {**trials, "0014": _trial(14, {"x": 0.99, "y": 0.01}, None, TrialState.EVALUATING)}
    assert _pending.uses_mean(len(far))  # 15 trials: the next proposal is the mean branch
    cands = _mean_candidates(space, far, seed=0)
    minimiser = space.decode(cands[:1])[0]
    assert math.hypot(minimiser["x"] - 0.3, minimiser["y"] - 0.6) < 0.05
    assert _configs(BayesianOptimization(space, seed=0)(far, None))[0] == minimiser
    # The search's next-best points crowd the minimiser: without the exclusion radius
    # a running trial there would get a near twin.
    assert np.linalg.norm(cands[1] - cands[0]) < _pending.MIN_PENDING_DISTANCE
    # With a running trial at the minimiser itself, the branch proposes the best
    # minimiser outside the radius around it.
    running = {**trials, "0014": _trial(14, minimiser, None, TrialState.EVALUATING)}
    proposed = _configs(BayesianOptimization(space, seed=0)(running, None))[0]
    x = space.encode([proposed])[0]
    assert np.linalg.norm(x - cands[0]) >= _pending.MIN_PENDING_DISTANCE
    assert np.allclose(x, _pending.away_from(cands, cands[:1])[0])


def test_away_from_drops_exactly_the_rows_near_a_pending_row() -> None:
    cands = np.array([[0.5, 0.5], [0.5, 0.5015], [0.5, 0.5025], [0.9, 0.1]])
    kept = _pending.away_from(cands, np.array([[0.5, 0.5], [0.0, 0.0]]))
    assert kept.tolist() == [[0.5, 0.5025], [0.9, 0.1]]
    assert _pending.away_from(cands, np.zeros((0, 2))).shape == (4, 2)


def test_pibo_and_multi_objective_bo_work_with_pending_trials() -> None:
    space = _space(prior=True, cat=False)
    for n_done in (14, 15):
        trials = _history(space, n_done, 4, seed=2)
        configs = _configs(PiBO(space, seed=1)(trials, None, 2))
        assert len({space.config_key(c) for c in configs}) == 2
        assert all(space.validate_config(c) == c for c in configs)
    space = _space(cat=False)
    trials = _history(space, 15, 4, seed=3, objectives=2)
    configs = _configs(BayesianOptimization(space, seed=1)(trials, None, 2))
    known = {space.config_key(t.config) for t in trials.values()}
    assert all(space.validate_config(c) == c for c in configs)
    assert not {space.config_key(c) for c in configs} & known


def test_pibo_weights_the_trust_region_by_the_prior() -> None:
    space = _space(prior=True, cat=False)
    trials = _history(space, 14, 4, seed=2)
    with_prior = _configs(PiBO(space, seed=1)(trials, None))[0]
    without = _configs(BayesianOptimization(space, seed=1)(trials, None))[0]
    assert with_prior != without


def test_the_box_snapper_clips_before_snapping() -> None:
    grid = np.array([0.0, 0.5, 1.0])
    snap = _pending.BoxSnapper(
        [None, grid], np.array([False, False]), np.array([0.2, 0.0]), np.array([0.4, 0.6])
    )
    out = snap(np.array([[0.9, 0.9], [0.1, 0.2]]))
    assert out.tolist() == [[0.4, 0.5], [0.2, 0.0]]
    assert isinstance(snap, Snapper) and snap.dim == 2
