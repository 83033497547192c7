"""Subset of data for a GP on a large history: the best, the incumbent's neighbours, a spread.

An exact GP costs O(n^3) to fit, so past ``max_points`` observations the model is
fitted on a subset of that size (subset-of-data, the simplest sparse GP; Rasmussen &
Williams 2006, section 8.3.1). The subset keeps what expected improvement needs:

* the best quarter by target (the incumbent first), so the model knows where good
  values are and the improvement threshold is the true best;
* the nearest neighbours of the incumbent, a quarter, so the model is accurate where
  local refinement happens (the trust-region idea of TuRBO, Eriksson et al. 2019);
* a uniformly random half of the rest, so the global shape and the lengthscales are
  still estimated from points spread over the space.

Pure: works on arrays, returns row indices in increasing order.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

BEST_SHARE = 0.25
LOCAL_SHARE = 0.25


def select_subset(
    x: FloatArray, y: FloatArray, max_points: int, rng: np.random.Generator
) -> IntArray:
    """Indices of at most ``max_points`` rows of ``x``: best, local and random ones.

    Every row is kept when there are no more than ``max_points``. The row with the
    lowest ``y`` (the incumbent) is always kept.
    """
    n = int(y.size)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    if max_points < 1:
        raise ValueError(f"max_points must be >= 1, got {max_points}")
    order = np.argsort(y, kind="stable")
    chosen = np.zeros(n, dtype=bool)
    n_best = max(1, int(BEST_SHARE * max_points))
    chosen[order[:n_best]] = True
    n_local = min(int(LOCAL_SHARE * max_points), max_points - n_best)
    if n_local > 0:
        diff = x - x[order[0]]
        dist = np.einsum("ij,ij->i", diff, diff)
        dist[chosen] = np.inf
        chosen[np.argpartition(dist, n_local)[:n_local]] = True
    n_rand = max_points - int(chosen.sum())
    if n_rand > 0:
        rest = np.flatnonzero(~chosen)
        chosen[rng.choice(rest, size=n_rand, replace=False)] = True
    return np.flatnonzero(chosen).astype(np.int64)
