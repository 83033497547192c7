"""BO building blocks in detail: the output transform, ParEGO scaling, neighbours of
candidates, the log-EI tail, the prior density, and BO's settings and determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neps_like._errors import OptimizerError
from neps_like.optimizers.bo import BayesianOptimization, _data, _gp
from neps_like.optimizers.bo._acquisition import log_h
from neps_like.optimizers.bo._candidates import Snapper, distinct_rows, local_search, perturb
from neps_like.optimizers.bo._data import parego_scalarize, transform_outputs
from neps_like.optimizers.bo._space_info import SpaceInfo
from neps_like.space import Float, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState


def _standardized(y: np.ndarray) -> np.ndarray:
    return (y - y.mean()) / y.std()


def test_log_transform_applies_from_three_positive_values() -> None:
    y = np.array([1.0, 10.0, 1000.0])
    assert transform_outputs(y, "log") == pytest.approx(_standardized(np.log(y)))
    assert transform_outputs(y, "standardize") == pytest.approx(_standardized(y))


def test_log_transform_is_skipped_when_a_value_is_not_positive() -> None:
    y = np.array([-1.0, 2.0, 50.0])
    out = transform_outputs(y, "log")
    assert np.all(np.isfinite(out))
    assert out == pytest.approx(_standardized(y))


def test_auto_logs_right_skewed_values_only() -> None:
    right = np.array([1.0, 2.0, 1.5, 1.0, 100.0])
    assert transform_outputs(right, "auto") == pytest.approx(_standardized(np.log(right)))
    left = np.array([100.0, 99.0, 98.5, 100.0, 1.0])
    assert transform_outputs(left, "auto") == pytest.approx(_standardized(left))
    flat = np.array([2.0, 2.0, 2.0])
    assert transform_outputs(flat, "auto") == pytest.approx([0.0, 0.0, 0.0])


def test_power_pulls_in_the_tail_of_bad_values_and_keeps_the_good_ones_apart() -> None:
    # Errors of a real tuning run: most configs good, a few diverged.
    y = np.array([0.885, 0.885, 0.488, 0.042, 0.085, 0.048, 0.032, 0.022, 0.018, 0.03])
    power, plain = transform_outputs(y, "power"), transform_outputs(y, "standardize")
    assert np.array_equal(np.argsort(power, kind="stable"), np.argsort(plain, kind="stable"))
    assert power.mean() == pytest.approx(0.0) and power.std() == pytest.approx(1.0)
    best, second = np.argsort(y)[:2]
    assert power[second] - power[best] > 1.2 * (plain[second] - plain[best])
    assert power.max() < plain.max()


def test_power_leaves_symmetric_values_alone_and_pulls_in_a_low_tail_too() -> None:
    symmetric = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    assert transform_outputs(symmetric, "power") == pytest.approx(_standardized(symmetric))
    left = np.array([0.0, 0.0, -0.1, -0.1, -0.2, -3.0, -3.2])
    power, plain = transform_outputs(left, "power"), transform_outputs(left, "standardize")
    assert np.array_equal(np.argsort(power, kind="stable"), np.argsort(plain, kind="stable"))
    assert power.min() > plain.min()
    assert transform_outputs(np.array([1.0, 1.0, 1.0]), "power") == pytest.approx([0.0] * 3)


def test_parego_scales_each_objective_by_its_range() -> None:
    y = np.array([[1.0, 10.0], [3.0, 20.0], [2.0, 10.0]])
    out = parego_scalarize(y, np.array([1.0, 1.0]))
    # Scaled: [0, 0], [1, 1], [0.5, 0]; max plus 0.05 * sum.
    assert out == pytest.approx([0.0, 1.1, 0.525])


def test_every_perturbed_row_moves_in_some_dimension() -> None:
    d = 20
    snap = Snapper([None] * d, np.zeros(d, dtype=bool))
    x = np.full((200, d), 0.5)
    out = perturb(x, 0.1, snap, np.random.default_rng(0))
    assert np.all(np.any(out != x, axis=1))
    assert np.all((out >= 0.0) & (out <= 1.0))


def _nearest_lower_on_tie(grid: np.ndarray, v: np.ndarray) -> np.ndarray:
    idx = np.clip(np.searchsorted(grid, v), 1, grid.size - 1)
    left, right = grid[idx - 1], grid[idx]
    return np.where(v - left <= right - v, left, right)


@pytest.mark.parametrize(
    "grid",
    [
        np.array([0.0, 0.5, 1.0]),
        (np.arange(7) + 0.5) / 7,
        np.log(np.arange(1, 40)) / np.log(39.0),
        np.array([0.3]),
    ],
)
def test_snapping_goes_to_the_nearest_grid_value_and_the_lower_one_on_a_tie(
    grid: np.ndarray,
) -> None:
    mids = (grid[:-1] + grid[1:]) / 2
    edges = np.concatenate([mids, np.nextafter(mids, 0.0), np.nextafter(mids, 1.0), grid])
    v = np.concatenate([np.random.default_rng(0).random(2000), edges, [0.0, 1.0]])
    snap = Snapper([grid, None], np.array([False, False]))
    out = snap(np.column_stack([v, v]))
    assert np.array_equal(out[:, 0], _nearest_lower_on_tie(grid, v))
    assert np.array_equal(out[:, 1], v)


def test_a_grid_must_be_sorted() -> None:
    with pytest.raises(ValueError, match="sorted"):
        Snapper([np.array([0.5, 0.2])], np.array([False]))


def test_distinct_rows_keeps_first_occurrences_and_maps_every_row_back() -> None:
    rows = np.array([[0.5, 0.25], [0.1, 0.2], [0.5, 0.25], [-0.0, 1.0], [0.0, 1.0], [0.1, 0.2]])
    first, inverse = distinct_rows(rows)
    assert sorted(first.tolist()) == [0, 1, 3]
    assert np.array_equal(rows[first][inverse], rows)


def test_distinct_rows_tells_apart_rows_whose_keys_collide() -> None:
    # Keys mix the columns as ((0 * m + a) * m + b): (1, 0) and (0, m) give the same key.
    mix = 1.0 + 5.0**0.5
    rows = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, mix], [0.0, 1.0, 0.0]])
    first, inverse = distinct_rows(rows)
    assert sorted(first.tolist()) == [0, 1]
    assert np.array_equal(rows[first][inverse], rows)


def test_local_search_scores_each_distinct_neighbour_once() -> None:
    grid = np.array([0.0, 0.5, 1.0])
    snap = Snapper([grid, grid], np.array([False, False]))
    batches: list[int] = []

    def value(x: np.ndarray) -> np.ndarray:
        return -np.sum((x - 0.3) ** 2, axis=1)

    def score(x: np.ndarray) -> np.ndarray:
        assert len(distinct_rows(x)[0]) == len(x)
        batches.append(len(x))
        return value(x)

    starts = np.array([[1.0, 1.0], [0.0, 1.0]])
    x, s = local_search(
        starts,
        value(starts),
        score,
        snap,
        np.random.default_rng(0),
        n_neighbors=40,
        scales=[0.4, 1e-3],
    )
    # 80 neighbours, but at most 9 grid points per start; at a step of 1e-3 every
    # neighbour snaps back to its start (two points, or one once both starts met).
    assert batches[0] <= 18 and batches[1] <= 2
    assert np.all(s > value(starts)) and np.allclose(s, value(x))


@pytest.mark.parametrize("z", [-1e8, -1e9, -1e10])
def test_log_h_far_tail_follows_the_asymptotic_expansion(z: float) -> None:
    # log(phi(z) + z Phi(z)) = -z^2/2 - log(sqrt(2 pi)) - 2 log|z| + O(1/z^2) as z -> -inf
    expected = -0.5 * z * z - 0.5 * math.log(2 * math.pi) - 2.0 * math.log(abs(z))
    assert float(log_h(np.array([z]))[0]) == pytest.approx(expected, abs=4 * math.ulp(expected))


def test_log_h_moderate_values() -> None:
    from scipy.stats import norm

    for z in (-5.0, -2.0, 0.0, 1.5):
        exact = math.log(norm.pdf(z) + z * norm.cdf(z))
        assert float(log_h(np.array([z]))[0]) == pytest.approx(exact, rel=1e-9)


def test_the_lengthscale_prior_grows_with_the_dimension() -> None:
    mu1, sigma1 = _gp.lengthscale_prior(1)
    mu4, sigma4 = _gp.lengthscale_prior(4)
    assert mu1 == pytest.approx(math.sqrt(2.0) - _gp.LS_PRIOR_SHIFT)
    assert mu4 - mu1 == pytest.approx(0.5 * math.log(4))
    assert sigma1 == sigma4 == pytest.approx(math.sqrt(3.0))


def test_a_confident_prior_density_is_peaked_at_the_prior() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0, prior=0.5, prior_confidence="high")})
    prior = SpaceInfo.from_space(space).prior
    assert prior is not None
    centre, edge = prior.log_pdf(np.array([[0.5], [0.0]]))
    assert centre - edge > 3.0


def test_the_output_transforms_are_accepted_and_others_refused() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0)})
    assert BayesianOptimization(space, seed=0).output_transform == "power"
    for mode in ("power", "auto", "log", "standardize"):
        assert BayesianOptimization(space, seed=0, output_transform=mode).output_transform == mode
    with pytest.raises(OptimizerError, match="'LOG'"):
        BayesianOptimization(space, seed=0, output_transform="LOG")


def test_the_prior_design_draws_around_the_prior() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0, prior=0.8, prior_confidence="high")})
    opt = BayesianOptimization(space, seed=0, use_priors=True, initial_design_size=10)
    batch = opt({}, None, 10)
    assert isinstance(batch, list)
    xs = [s.config["x"] for s in batch]
    assert xs[0] == 0.8
    assert np.mean([abs(x - 0.8) for x in xs[1:]]) < 0.12


def _observed(n: int) -> dict[str, Trial]:
    trials = {}
    for i in range(1, n + 1):
        x = (i * 0.618) % 1.0
        meta = MetaData(time_sampled=0.0, sampling_worker_id="w")
        report = Report(objective_to_minimize=(x - 0.3) ** 2)
        trials[str(i)] = Trial(str(i), {"x": x}, TrialState.SUCCESS, meta, report)
    return trials


def test_a_subset_fit_is_deterministic() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0)})
    trials = _observed(16)
    first = BayesianOptimization(space, seed=1, max_gp_points=10, initial_design_size=2)
    again = BayesianOptimization(space, seed=1, max_gp_points=10, initial_design_size=2)
    a, b = first(trials, None), again(trials, None)
    assert isinstance(a, SampledConfig) and isinstance(b, SampledConfig)
    assert a.config == b.config


def test_a_single_objective_is_modelled_in_the_chosen_output_transform() -> None:
    # Positive, right-skewed objectives: "log" and "standardize" fit different GPs, so
    # the same seed proposes differently; a transform that were ignored would not.
    space = SearchSpace({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
    trials = {}
    for i in range(1, 13):
        x, y = (i * 0.618) % 1.0, (i * 0.382 + 0.1) % 1.0
        meta = MetaData(time_sampled=0.0, sampling_worker_id="w")
        value = math.exp(8.0 * ((x - 0.3) ** 2 + (y - 0.6) ** 2))
        report = Report(objective_to_minimize=value)
        trials[str(i)] = Trial(str(i), {"x": x, "y": y}, TrialState.SUCCESS, meta, report)
    proposals = {
        mode: BayesianOptimization(space, seed=3, output_transform=mode, initial_design_size=4)(
            trials, None
        )
        for mode in ("log", "standardize")
    }
    log, standard = (proposals[m] for m in ("log", "standardize"))
    assert isinstance(log, SampledConfig) and isinstance(standard, SampledConfig)
    assert log.config != standard.config


def test_trials_are_read_in_creation_order_not_string_order() -> None:
    meta = MetaData(time_sampled=0.0, sampling_worker_id="w")
    ids = ["10", "9", "100", "2", "1", "10_1"]
    trials = {i: Trial(i, {"x": i}, TrialState.SUCCESS, meta, Report(1.0)) for i in ids}
    history = _data.split_trials(trials)
    assert [c["x"] for c in history.observed] == ["1", "2", "9", "10", "100", "10_1"]


def test_the_encoding_cache_gives_what_the_space_gives_and_encodes_only_new_objects() -> None:
    space = SearchSpace({"a": Float(0.0, 10.0), "b": Float(1e-3, 1.0, log=True)})
    rng = np.random.default_rng(0)
    configs = [dict(space.sample(rng)) for _ in range(6)]
    encoded: list[int] = []

    class Counting:
        def encode(self, batch: list[dict[str, float]]) -> np.ndarray:
            encoded.append(len(batch))
            return space.encode(batch)

    cache = _data.EncodingCache()
    first = cache.encode(Counting(), configs[:4])
    # The same objects plus two new ones, and an equal copy of a known one: only the
    # new objects are encoded (the copy too, since entries are matched by identity).
    later = [*configs[:4], dict(configs[0]), *configs[4:]]
    second = cache.encode(Counting(), later)
    assert encoded == [4, 3]
    assert np.array_equal(first, space.encode(configs[:4]))
    assert np.array_equal(second, space.encode(later))
    assert cache.encode(Counting(), []).shape == (0, 2)
