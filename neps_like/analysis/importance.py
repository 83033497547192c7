"""Per-parameter importance: first-order variance shares of a random-forest surrogate.

The method, in the spirit of fANOVA (Hutter et al., 2014), made small enough to check:

1. Encode each parameter as one number: numbers as they are; booleans and categories as
   integer codes (sorted by their text), so a tree needs up to two splits to isolate a
   category. Parameters with a single observed value get importance 0. Missing values
   (conditional parameters) become one value below everything observed.
2. Fit a random forest (bagged regression trees, written here in numpy) to the
   objective of the successful trials.
3. Draw ``n_samples`` configurations with each parameter drawn independently from its
   observed values (the product of the marginals, as fANOVA assumes independent inputs).
4. For each parameter, set it in turn to each value of a grid of its observed values
   (quantiles when there are many) in all those configurations, and predict. The
   variance of all these predictions is the total variance; the variance over the grid
   of their per-value average (the partial dependence) is the main-effect variance.
5. Importance = main-effect variance / total variance (a first-order Sobol index of the
   surrogate, estimated by Monte Carlo). What the shares leave of 1 is interaction.

Limits, honestly: the numbers describe the surrogate, which is only as good as the data.
A few dozen trials give rough values: on ``sin(6x)`` with an unused second parameter,
the unused one gets 0.01-0.09 from 40 random trials and about 0.01 from 100 (chance
correlations the trees pick up). When an optimizer concentrated its samples, the
marginals describe where it searched rather than the whole space; mixed fidelities of a
multi-fidelity study should be filtered out with ``trial_filter`` first.

This module reads only ``Results``; it imports neither matplotlib nor pandas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from neps_like._errors import ArgumentError
from neps_like.analysis.trace import StudyLike, as_results, objective_of
from neps_like.state.records import Trial

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
MIN_TRIALS = 8


@dataclass(frozen=True, slots=True)
class ParameterImportance:
    """Importance of each parameter, as a share of the surrogate's variance.

    Attributes:
        importance: parameter name -> first-order share in [0, 1], largest first.
        interactions: 1 minus the sum of the shares (clipped at 0): variance that no
            single parameter explains.
        n_trials: how many trials the surrogate was fitted on.
    """

    importance: dict[str, float]
    interactions: float
    n_trials: int

    def rows(self) -> list[dict[str, Any]]:
        """One dict per parameter: name and importance, largest first."""
        return [{"parameter": k, "importance": v} for k, v in self.importance.items()]


def parameter_importance(
    study: StudyLike,
    *,
    objective: int | None = None,
    exclude: Sequence[str] = (),
    trial_filter: Callable[[Trial], bool] | None = None,
    n_trees: int = 32,
    n_samples: int = 256,
    n_grid: int = 24,
    seed: int = 0,
) -> ParameterImportance:
    """Estimate how much each parameter on its own moves the objective (see module doc).

    Args:
        study: loaded ``Results`` or a study directory.
        objective: which objective of a multi-objective study (None: the only one).
        exclude: parameter names to leave out (e.g. the fidelity).
        trial_filter: keep only the trials for which this returns True.
        n_trees: trees in the forest.
        n_samples: Monte-Carlo configurations for the variances.
        n_grid: values per parameter for its partial dependence.
        seed: seeds the forest and the samples; the result is deterministic.

    Raises:
        ArgumentError: fewer than ``MIN_TRIALS`` successful trials to learn from.
    """
    results = as_results(study)
    data: list[tuple[Trial, float]] = []
    for trial in results.values():
        value = objective_of(trial, objective)
        if value is not None and (trial_filter is None or trial_filter(trial)):
            data.append((trial, value))
    if len(data) < MIN_TRIALS:
        raise ArgumentError(
            f"Parameter importance needs at least {MIN_TRIALS} successful trials; "
            f"{results.root} has {len(data)} usable ones."
        )
    names = sorted({k for t, _ in data for k in t.config} - set(exclude))
    columns = [_encode([t.config.get(name) for t, _ in data]) for name in names]
    varying = [i for i, col in enumerate(columns) if np.unique(col).size > 1]
    shares = dict.fromkeys(names, 0.0)
    rest = 0.0
    if varying:
        x = np.column_stack([columns[i] for i in varying])
        y = np.array([v for _, v in data], dtype=np.float64)
        rng = np.random.default_rng(seed)
        forest = [_fit_tree(x[b], y[b], rng) for b in _bootstraps(len(y), n_trees, rng)]
        main = _main_effects(forest, x, rng, n_samples=n_samples, n_grid=n_grid)
        shares.update({names[i]: s for i, s in zip(varying, main, strict=True)})
        if _varies(_predict(forest, x)):  # else there is nothing to explain, not interaction
            rest = max(0.0, 1.0 - sum(main))
    ordered = dict(sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])))
    return ParameterImportance(ordered, rest, len(data))


def _encode(values: list[Any]) -> FloatArray:
    """One column of numbers for a parameter (see step 1 of the module doc)."""
    present = [v for v in values if v is not None]
    numeric = all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        for v in present
    )
    if numeric and present:
        missing = min(present) - 1.0
        return np.array([missing if v is None else float(v) for v in values], dtype=np.float64)
    codes = {text: i for i, text in enumerate(sorted({repr(v) for v in present}))}
    return np.array([-1.0 if v is None else codes[repr(v)] for v in values], dtype=np.float64)


def _bootstraps(n: int, n_trees: int, rng: np.random.Generator) -> list[IntArray]:
    return [rng.integers(0, n, size=n) for _ in range(n_trees)]


@dataclass(frozen=True, slots=True)
class _Tree:
    """A fitted regression tree as flat arrays; ``feature[i] == -1`` marks a leaf."""

    feature: IntArray
    threshold: FloatArray
    left: IntArray
    right: IntArray
    value: FloatArray

    def predict(self, x: FloatArray) -> FloatArray:
        node = np.zeros(len(x), dtype=np.int64)
        while True:
            feat = self.feature[node]
            inner = np.flatnonzero(feat >= 0)
            if not inner.size:
                return self.value[node]
            at = node[inner]
            go_left = x[inner, feat[inner]] <= self.threshold[at]
            node[inner] = np.where(go_left, self.left[at], self.right[at])


def _fit_tree(
    x: FloatArray, y: FloatArray, rng: np.random.Generator, min_leaf: int = 3, max_depth: int = 12
) -> _Tree:
    """Grow one tree depth-first.

    Each split considers a random third of the features (at least one), Breiman's choice
    for regression forests: without it, the strongest parameter takes every split and
    the forest misses weaker, additive effects.
    """
    n_features = max(1, math.ceil(x.shape[1] / 3))
    feature, threshold, left, right, value = [-1], [0.0], [-1], [-1], [float(y.mean())]
    stack: list[tuple[int, IntArray, int]] = [(0, np.arange(len(y)), 0)]
    while stack:
        node, rows, depth = stack.pop()
        if depth >= max_depth or rows.size < 2 * min_leaf:
            continue
        split = _best_split(x[rows], y[rows], min_leaf, rng.permutation(x.shape[1])[:n_features])
        if split is None:
            continue
        feat, thr = split
        goes_left = x[rows, feat] <= thr
        feature[node], threshold[node] = feat, thr
        for side, child_rows in ((left, rows[goes_left]), (right, rows[~goes_left])):
            side[node] = len(value)
            feature.append(-1)
            threshold.append(0.0)
            left.append(-1)
            right.append(-1)
            value.append(float(y[child_rows].mean()))
            stack.append((side[node], child_rows, depth + 1))
    return _Tree(
        np.array(feature, dtype=np.int64),
        np.array(threshold, dtype=np.float64),
        np.array(left, dtype=np.int64),
        np.array(right, dtype=np.int64),
        np.array(value, dtype=np.float64),
    )


def _best_split(
    x: FloatArray, y: FloatArray, min_leaf: int, features: IntArray
) -> tuple[int, float] | None:
    """The (feature, threshold) among ``features`` that most reduces the squared error.

    Maximising ``S_l² / n_l + S_r² / n_r`` (S: sums of y) is the same as minimising the
    children's squared error. None when no split leaves ``min_leaf`` rows on each side.
    """
    n = len(y)
    parent = y.sum() ** 2 / n
    best_gain, best = 1e-12 * max(1.0, float(np.abs(parent))), None
    counts = np.arange(1, n, dtype=np.float64)
    for feat in features:
        order = np.argsort(x[:, feat], kind="stable")
        xs, cum = x[order, feat], np.cumsum(y[order])[:-1]
        gain = cum**2 / counts + (y.sum() - cum) ** 2 / (n - counts) - parent
        valid = xs[:-1] < xs[1:]
        valid[: min_leaf - 1] = False
        valid[n - min_leaf :] = False
        if not valid.any():
            continue
        i = int(np.argmax(np.where(valid, gain, -np.inf)))
        if gain[i] > best_gain:
            best_gain, best = float(gain[i]), (int(feat), float((xs[i] + xs[i + 1]) / 2))
    return best


def _predict(forest: list[_Tree], x: FloatArray) -> FloatArray:
    out: FloatArray = np.mean([tree.predict(x) for tree in forest], axis=0)
    return out


def _main_effects(
    forest: list[_Tree], x: FloatArray, rng: np.random.Generator, *, n_samples: int, n_grid: int
) -> list[float]:
    """First-order variance shares of the forest (steps 3-5 of the module doc).

    Each share divides by the variance over the same probe set its main effect comes
    from, so by the law of total variance it lies in [0, 1] without clipping.
    """
    n, d = x.shape
    base = np.column_stack([x[rng.integers(0, n, size=n_samples), j] for j in range(d)])
    shares = []
    for j in range(d):
        values, weights = _grid(x[:, j], n_grid)
        probe = np.repeat(base[None, :, :], len(values), axis=0)
        probe[:, :, j] = values[:, None]
        pred = _predict(forest, probe.reshape(-1, d)).reshape(len(values), n_samples)
        mean = float(np.dot(weights, pred.mean(axis=1)))
        total = float(np.dot(weights, ((pred - mean) ** 2).mean(axis=1)))
        main = float(np.dot(weights, (pred.mean(axis=1) - mean) ** 2))
        shares.append(main / total if _varies(pred) else 0.0)
    return shares


def _varies(pred: FloatArray) -> bool:
    """False for a constant surrogate, whose variance is rounding noise."""
    return float(np.ptp(pred)) > 1e-9 * max(1.0, float(np.abs(pred).max()))


def _grid(column: FloatArray, n_grid: int) -> tuple[FloatArray, FloatArray]:
    """Values to fix a parameter at, with weights following its observed distribution."""
    values, counts = np.unique(column, return_counts=True)
    if values.size <= n_grid:
        return values, counts / counts.sum()
    qs = (np.arange(n_grid) + 0.5) / n_grid
    return np.quantile(column, qs), np.full(n_grid, 1.0 / n_grid)
