"""Ranking configs by several objectives: Pareto fronts, then spread within a front.

Owns the order in which multi-objective multi-fidelity optimizers promote configs
(MO-ASHA, Schmucker et al. 2021): configs are taken front by front (non-dominated
sorting, all objectives minimised), and within a front either

* ``"epsnet"``: an epsilon-net, each next config the one farthest (Euclidean, on
  objectives scaled to [0, 1] over the set) from those already taken, starting at the
  best in the first objective, so a partial front is spread over the trade-off; or
* ``"nsga2"``: NSGA-II's crowding distance, largest first (the extremes first).

Pure numpy, deterministic (ties broken by input order). Also the hypervolume of a
two-objective set, which the benchmarks and tests use to score a front.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["SELECTORS", "hypervolume_2d", "order", "pareto_fronts", "pareto_mask"]

FloatArray = NDArray[np.float64]
SELECTORS = ("epsnet", "nsga2")


def pareto_mask(y: FloatArray) -> NDArray[np.bool_]:
    """True for the rows of ``y`` (n, m) that no other row dominates (minimisation)."""
    n = y.shape[0]
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        if not keep[i]:
            continue
        dominated = np.all(y[i] <= y, axis=1) & np.any(y[i] < y, axis=1)
        keep &= ~dominated
    return keep


def pareto_fronts(y: FloatArray) -> list[list[int]]:
    """Row indices of ``y`` grouped by front: the Pareto front first, then the next layer."""
    remaining = np.arange(y.shape[0])
    fronts: list[list[int]] = []
    while remaining.size:
        mask = pareto_mask(y[remaining])
        fronts.append([int(i) for i in remaining[mask]])
        remaining = remaining[~mask]
    return fronts


def _scaled(y: FloatArray) -> FloatArray:
    lo, hi = y.min(axis=0), y.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    out: FloatArray = (y - lo) / span
    return out


def _epsnet(y: FloatArray) -> list[int]:
    """Greedy farthest-point order of the rows of ``y``, from the best first objective."""
    z = _scaled(y)
    first = int(np.argmin(y[:, 0]))
    taken = [first]
    dist = np.linalg.norm(z - z[first], axis=1)
    dist[first] = -1.0
    while len(taken) < len(y):
        nxt = int(np.argmax(dist))
        taken.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(z - z[nxt], axis=1))
        dist[taken] = -1.0
    return taken


def _crowding(y: FloatArray) -> list[int]:
    """Rows of ``y`` by NSGA-II crowding distance, largest first (stable)."""
    n, m = y.shape
    if n <= 2:
        return list(range(n))
    z = _scaled(y)
    crowd = np.zeros(n)
    for j in range(m):
        idx = np.argsort(z[:, j], kind="stable")
        crowd[idx[0]] = crowd[idx[-1]] = np.inf
        crowd[idx[1:-1]] += z[idx[2:], j] - z[idx[:-2], j]
    return [int(i) for i in np.argsort(-crowd, kind="stable")]


def order(y: FloatArray | Sequence[Sequence[float]], selector: str = "epsnet") -> list[int]:
    """All row indices of ``y``, best first: front by front, spread within each front."""
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0:
        return []
    within = _epsnet if selector == "epsnet" else _crowding
    out: list[int] = []
    for front in pareto_fronts(arr):
        out.extend(front[i] for i in within(arr[front]))
    return out


def hypervolume_2d(y: FloatArray | Sequence[Sequence[float]], ref: Sequence[float]) -> float:
    """Area dominated by the points of ``y`` (two objectives, minimised) and bounded by
    the reference point ``ref``; points not better than ``ref`` in both count nothing."""
    arr = np.asarray(y, dtype=np.float64).reshape(-1, 2)
    r0, r1 = float(ref[0]), float(ref[1])
    arr = arr[(arr[:, 0] < r0) & (arr[:, 1] < r1)]
    if arr.size == 0:
        return 0.0
    arr = arr[pareto_mask(arr)]
    arr = arr[np.argsort(arr[:, 0])]
    area, last = 0.0, r1
    for f0, f1 in arr:
        area += (r0 - f0) * (last - f1)
        last = f1
    return float(area)
