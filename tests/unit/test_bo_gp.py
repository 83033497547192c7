"""The GP, log-EI and acquisition optimisation of the BO subpackage, on plain arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize
import scipy.stats

from neps_like.optimizers.bo import _acquisition, _candidates, _gp


def _mixed_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.random((n, 3))
    x[:, 2] = (rng.integers(0, 4, n) + 0.5) / 4
    return x, np.array([False, False, True])


def test_kernel_is_symmetric_positive_semidefinite() -> None:
    rng = np.random.default_rng(0)
    x, is_cat = _mixed_points(40, rng)
    params = _gp.GPParams(np.array([0.3, 0.1, 0.5]), 1.7, 1e-4)
    k = _gp.kernel(x, x, is_cat, params)
    assert np.allclose(k, k.T)
    assert np.allclose(np.diag(k), 1.7)
    assert np.linalg.eigvalsh(k).min() > -1e-8


def test_categorical_distance_ignores_choice_order() -> None:
    is_cat = np.array([True])
    a, b, c = np.array([[0.125]]), np.array([[0.375]]), np.array([[0.875]])
    assert _gp.sq_dists(a, b, is_cat)[0, 0, 0] == _gp.sq_dists(a, c, is_cat)[0, 0, 0] == 1.0


def test_scaled_distances_match_the_per_dimension_ones() -> None:
    rng = np.random.default_rng(3)
    xa, is_cat = _mixed_points(30, rng)
    xb, _ = _mixed_points(20, rng)
    inv_l2 = 1.0 / np.array([0.01, 0.4, 0.2]) ** 2
    expected = _gp.sq_dists(xa, xb, is_cat) @ inv_l2
    assert np.allclose(_gp.scaled_sq_dists(xa, xb, is_cat, inv_l2), expected, atol=1e-9)
    same = _gp.scaled_sq_dists(xa, xa, is_cat, inv_l2)
    assert np.all(same >= 0.0) and np.abs(np.diag(same)).max() < 1e-9
    only_cat = np.array([True])
    assert np.array_equal(
        _gp.scaled_sq_dists(xa[:, 2:], xb[:, 2:], only_cat, inv_l2[2:]),
        _gp.sq_dists(xa[:, 2:], xb[:, 2:], only_cat)[:, :, 0] * inv_l2[2],
    )


def test_value_only_posterior_is_the_same_value() -> None:
    rng = np.random.default_rng(4)
    x, is_cat = _mixed_points(15, rng)
    y = rng.standard_normal(15)
    d2 = _gp.sq_dists(x, x, is_cat)
    theta = np.array([-1.0, -2.0, 0.5, 0.1, -5.0])
    assert _gp.neg_log_posterior_value(theta, d2, y) == _gp.neg_log_posterior(theta, d2, y)[0]


def test_gradient_of_negative_log_posterior_matches_finite_differences() -> None:
    rng = np.random.default_rng(1)
    x, is_cat = _mixed_points(25, rng)
    y = np.sin(6 * x[:, 0]) + x[:, 2]
    y = (y - y.mean()) / y.std()
    d2 = _gp.sq_dists(x, x, is_cat)
    theta = 0.3 * rng.standard_normal(5) + np.array([-1.0, -1.0, -1.0, 0.0, -4.0])
    _, grad = _gp.neg_log_posterior(theta, d2, y)
    numeric = scipy.optimize.approx_fprime(theta, lambda t: _gp.neg_log_posterior(t, d2, y)[0])
    assert np.allclose(grad, numeric, rtol=1e-3, atol=1e-3)


def test_fit_recovers_relevant_and_irrelevant_lengthscales() -> None:
    rng = np.random.default_rng(2)
    x = rng.random((80, 2))
    y = np.sin(8 * x[:, 0])  # only the first dimension matters, lengthscale ~0.1-0.2
    y = (y - y.mean()) / y.std()
    params = _gp.fit_hyperparameters(x, y, np.zeros(2, dtype=bool), rng)
    assert 0.05 < params.lengthscales[0] < 0.6
    assert params.lengthscales[1] > 3 * params.lengthscales[0]
    assert params.noise_var < 1e-2


def test_posterior_interpolates_and_is_uncertain_far_away() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((15, 2)) * 0.5
    y = np.cos(4 * x[:, 0]) - x[:, 1]
    params = _gp.GPParams(np.array([0.3, 0.3]), 1.0, 1e-6)
    gp = _gp.GaussianProcess(x, y, np.zeros(2, dtype=bool), params)
    mean, std = gp.predict(x)
    assert np.allclose(mean, y, atol=1e-3)
    assert std.max() < 1e-2
    _, far_std = gp.predict(np.array([[1.0, 1.0]]))
    assert far_std[0] > 0.5


def test_conditioning_on_a_fantasy_shrinks_variance_there() -> None:
    rng = np.random.default_rng(4)
    x = rng.random((10, 2))
    gp = _gp.GaussianProcess(
        x, np.sin(x[:, 0]), np.zeros(2, dtype=bool), _gp.GPParams(np.array([0.2, 0.2]), 1.0, 1e-6)
    )
    q = np.array([[0.95, 0.05]])
    mean, std = gp.predict(q)
    mean2, std2 = gp.condition_on(q, mean).predict(q)
    assert std2[0] < 0.1 * std[0]
    assert math.isclose(mean2[0], mean[0], abs_tol=1e-4)


@pytest.mark.parametrize("z", [3.0, 0.5, -0.5, -3.0, -20.0, -1e3, -1e9])
def test_log_h_matches_direct_formula_and_stays_finite(z: float) -> None:
    value = float(_acquisition.log_h(np.array([z]))[0])
    assert math.isfinite(value)
    direct = scipy.stats.norm.pdf(z) + z * scipy.stats.norm.cdf(z)
    if direct > 1e-250:
        assert math.isclose(value, math.log(direct), rel_tol=1e-6, abs_tol=1e-6)


def test_log_ei_prefers_lower_mean_and_higher_std() -> None:
    mean = np.array([0.0, -1.0, 0.0])
    std = np.array([1.0, 1.0, 2.0])
    lei = _acquisition.log_expected_improvement(mean, std, best=0.0)
    assert lei[1] > lei[0] and lei[2] > lei[0]


def test_prior_density_peaks_at_the_prior() -> None:
    prior = _acquisition.PriorDensity(
        centers=np.array([0.3, 0.625]),
        stds=np.array([0.1, 0.5]),
        is_cat=np.array([False, True]),
        has_prior=np.array([True, True]),
        n_choices=np.array([0, 4]),
        cat_probs=np.array([1.0, 0.7]),
    )
    x = np.array([[0.3, 0.625], [0.6, 0.625], [0.3, 0.125]])
    lp = prior.log_pdf(x)
    assert lp[0] > lp[1] and lp[0] > lp[2]


def test_maximize_finds_the_optimum_of_a_smooth_score_on_a_mixed_grid() -> None:
    grids = [None, np.array([0.1, 0.3, 0.5, 0.7, 0.9]), (np.arange(3) + 0.5) / 3]
    snap = _candidates.Snapper(grids, np.array([False, False, True]))

    def score(x: np.ndarray) -> np.ndarray:
        return -((x[:, 0] - 0.123) ** 2) - (x[:, 1] - 0.7) ** 2 - (x[:, 2] != grids[2][1])

    rng = np.random.default_rng(5)
    cands, scores = _candidates.maximize(score, snap, rng, np.empty((0, 3)), n_raw=256)
    assert np.all(np.diff(scores) <= 0)
    assert abs(cands[0, 0] - 0.123) < 5e-3
    assert cands[0, 1] == 0.7 and cands[0, 2] == grids[2][1]
    assert len(np.unique(cands, axis=0)) == len(cands)


def test_a_categorical_lengthscale_stays_short_even_when_the_choice_is_irrelevant() -> None:
    rng = np.random.default_rng(5)
    x, is_cat = _mixed_points(40, rng)
    y = np.sin(6 * x[:, 0])  # the categorical column does not matter
    y = (y - y.mean()) / y.std()
    params = _gp.fit_hyperparameters(x, y, is_cat, rng)
    assert params.lengthscales[2] <= 1.0 + 1e-9
    assert params.lengthscales[1] > 1.0  # an irrelevant numeric one may grow


def test_posterior_matches_the_textbook_formulas_on_a_mixed_space() -> None:
    rng = np.random.default_rng(5)
    x, is_cat = _mixed_points(40, rng)
    y = np.sin(5 * x[:, 0]) + x[:, 2]
    params = _gp.GPParams(np.array([0.2, 0.5, 0.7]), 1.3, 1e-4)
    gp = _gp.GaussianProcess(x, y, is_cat, params)
    xq, _ = _mixed_points(25, rng)
    k = _gp.kernel(x, x, is_cat, params) + (params.noise_var + _gp.JITTER) * np.eye(40)
    ks = _gp.kernel(xq, x, is_cat, params)
    mean = ks @ np.linalg.solve(k, y)
    var = params.signal_var - np.sum(ks * np.linalg.solve(k, ks.T).T, axis=1)
    got_mean, got_std = gp.predict(xq)
    assert np.allclose(got_mean, mean, atol=1e-8)
    assert np.allclose(got_std, np.sqrt(var), atol=1e-7)


def test_matern52_matches_its_formula() -> None:
    r = np.array([[0.0, 0.1, 1.0, 3.0]])
    expected = (1 + math.sqrt(5) * r + 5 * r**2 / 3) * np.exp(-math.sqrt(5) * r)
    assert np.allclose(_gp.matern52(r**2), expected, rtol=1e-12)
