"""Acquisition optimisation on the unit cube: random sampling, then local refinement.

Owns candidate generation (uniform samples, perturbations of the best observations and
of the prior's centre), the projection of points onto valid encodings (integer and
categorical grids), a batched stochastic hill climb with shrinking steps and the
removal of repeated rows. Works on arrays and a scoring callable; knows nothing of the
GP or of trials.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ScoreFn = Callable[[FloatArray], FloatArray]
# Multiplier of distinct_rows' row keys: irrational, so that distinct rows of grid
# values seldom mix to the same key (a collision only costs a slower comparison).
_MIX = 1.0 + 5.0**0.5


@dataclass(frozen=True)
class Snapper:
    """Projects points onto the valid encoded values of each discrete dimension.

    ``grids[j]`` is the sorted array of valid encoded values of dimension ``j`` (in
    ``[0, 1]``), or ``None`` for a continuous dimension. ``is_cat[j]`` marks categorical
    dimensions, which local moves change by jumping to a random other choice. A value
    goes to the nearest grid value, the lower one on a tie.
    """

    grids: Sequence[FloatArray | None]
    is_cat: NDArray[np.bool_]
    # cuts[j]: the largest value that still goes to each grid value but the last
    # (computed from the grids unless given, e.g. by a snapper over the same grids).
    cuts: Sequence[FloatArray | None] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        if len(self.cuts) != len(self.grids):
            cuts = tuple(None if grid is None else _cuts(grid) for grid in self.grids)
            object.__setattr__(self, "cuts", cuts)

    @property
    def dim(self) -> int:
        return len(self.grids)

    def __call__(self, x: FloatArray) -> FloatArray:
        out = np.clip(x, 0.0, 1.0)
        for j, (grid, cut) in enumerate(zip(self.grids, self.cuts, strict=True)):
            if grid is not None and cut is not None:
                out[:, j] = grid[np.searchsorted(cut, out[:, j])]
        return out


def _cuts(grid: FloatArray) -> FloatArray:
    """For each pair of neighbours ``l < r`` of ``grid``, the largest float ``t`` with
    ``t - l <= r - t`` in floating point: values up to ``t`` are nearer to ``l`` (or
    tie), larger ones nearer to ``r``.

    The comparison is monotone in ``t``, so a bisection over the ordered bit patterns
    of non-negative floats finds the exact float in at most 64 steps.
    """
    grid = np.asarray(grid, dtype=np.float64) + 0.0  # -0.0 would break the bit order
    if grid.size and (grid[0] < 0.0 or np.any(np.diff(grid) < 0.0)):
        raise ValueError(f"a grid must be sorted and non-negative, got {grid!r}")
    left, right = grid[:-1], grid[1:]
    lo, hi = left.view(np.int64).copy(), right.view(np.int64).copy()
    while np.any(hi - lo > 1):
        mid = lo + (hi - lo) // 2
        t = mid.view(np.float64)
        nearer_left = t - left <= right - t
        lo = np.where(nearer_left, mid, lo)
        hi = np.where(nearer_left, hi, mid)
    cuts: FloatArray = lo.view(np.float64)
    return cuts


def perturb(x: FloatArray, scale: float, snap: Snapper, rng: np.random.Generator) -> FloatArray:
    """Random neighbours of the rows of ``x``: a few dimensions moved by about ``scale``."""
    n, d = x.shape
    p_move = min(1.0, 2.0 / d)
    move = rng.random((n, d)) < p_move
    move[np.arange(n), rng.integers(0, d, n)] = True
    out = x.copy()
    num = move & ~snap.is_cat
    out[num] += scale * rng.standard_normal(int(num.sum()))
    # Reflect at the borders rather than pile points on them.
    np.abs(out, out=out)
    np.minimum(out, 2.0 - out, out=out)  # 2 - v is exact for v in [1, 4]
    for j in np.flatnonzero(snap.is_cat).tolist():
        grid = snap.grids[j]
        rows = move[:, j]
        if grid is not None and rows.any():
            out[rows, j] = grid[rng.integers(0, grid.size, int(rows.sum()))]
    return snap(out)


def initial_candidates(
    snap: Snapper,
    rng: np.random.Generator,
    anchors: FloatArray,
    *,
    n_raw: int,
    n_per_anchor: int,
    prior_center: FloatArray | None = None,
) -> FloatArray:
    """Uniform samples plus perturbations of ``anchors`` (and of the prior centre)."""
    parts = [snap(rng.random((n_raw, snap.dim)))]
    centers = anchors if prior_center is None else np.vstack([anchors, prior_center[None, :]])
    parts += moves_around(centers, max(1, n_per_anchor // 2), snap, rng)
    return np.vstack(parts)


def moves_around(
    centers: FloatArray, per_center: int, snap: Snapper, rng: np.random.Generator, step: float = 1.0
) -> list[FloatArray]:
    """``per_center`` perturbations of each row of ``centers`` at a scale of ``0.2 * step``,
    then as many at ``0.05 * step``."""
    if not centers.shape[0]:
        return []
    reps = np.repeat(centers, per_center, axis=0)
    return [perturb(reps, scale * step, snap, rng) for scale in (0.2, 0.05)]


def search_scales(step: float = 1.0, n_rounds: int = 12) -> list[float]:
    """The local search's step scales: ``n_rounds`` from ``0.1 * step`` down to
    ``0.001 * step``, geometrically."""
    scales: list[float] = (np.geomspace(0.1, 1e-3, n_rounds) * step).tolist()
    return scales


def local_search(
    starts: FloatArray,
    scores: FloatArray,
    score_fn: ScoreFn,
    snap: Snapper,
    rng: np.random.Generator,
    *,
    n_neighbors: int,
    scales: Sequence[float],
) -> tuple[FloatArray, FloatArray]:
    """Batched hill climb: each start moves to its best neighbour when that improves."""
    x, s = starts.copy(), scores.copy()
    k = x.shape[0]
    for scale in scales:
        nb = perturb(np.repeat(x, n_neighbors, axis=0), scale, snap, rng)
        # Small steps on integer and categorical grids often land on the same point:
        # each distinct neighbour is scored once (a third of them on real tuning spaces).
        first, inverse = distinct_rows(nb)
        nb_scores = score_fn(nb[first])[inverse].reshape(k, n_neighbors)
        best = np.argmax(nb_scores, axis=1)
        best_scores = nb_scores[np.arange(k), best]
        better = best_scores > s
        x[better] = nb.reshape(k, n_neighbors, -1)[np.arange(k), best][better]
        s[better] = best_scores[better]
    return x, s


def maximize(
    score_fn: ScoreFn,
    snap: Snapper,
    rng: np.random.Generator,
    anchors: FloatArray,
    *,
    prior_center: FloatArray | None = None,
    n_raw: int = 1024,
    n_per_anchor: int = 64,
    n_starts: int = 8,
    n_neighbors: int = 48,
    n_rounds: int = 12,
) -> tuple[FloatArray, FloatArray]:
    """Candidates sorted by decreasing score (best first), with their scores.

    The caller takes the first candidate that is not a duplicate, so every point the
    search saw is returned, best first, without repeated rows.
    """
    cand = initial_candidates(
        snap, rng, anchors, n_raw=n_raw, n_per_anchor=n_per_anchor, prior_center=prior_center
    )
    return refine_and_rank(
        cand,
        score_fn,
        snap,
        rng,
        scales=search_scales(n_rounds=n_rounds),
        n_starts=n_starts,
        n_neighbors=n_neighbors,
    )


def refine_and_rank(
    cand: FloatArray,
    score_fn: ScoreFn,
    snap: Snapper,
    rng: np.random.Generator,
    *,
    scales: Sequence[float],
    n_starts: int = 8,
    n_neighbors: int = 48,
) -> tuple[FloatArray, FloatArray]:
    """Score ``cand``, hill-climb from the best ``n_starts``, and return every point seen
    sorted by decreasing score (best first) without repeated rows, with the scores."""
    cand_scores = score_fn(cand)
    top = np.argsort(-cand_scores)[:n_starts]
    refined, refined_scores = local_search(
        cand[top], cand_scores[top], score_fn, snap, rng, n_neighbors=n_neighbors, scales=scales
    )
    allx = np.vstack([refined, cand])
    alls = np.concatenate([refined_scores, cand_scores])
    order = np.argsort(-alls, kind="stable")
    allx, alls = allx[order], alls[order]
    keep = np.sort(distinct_rows(allx)[0])
    return allx[keep], alls[keep]


def distinct_rows(x: FloatArray) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``(first, inverse)``: ``x[first]`` holds each distinct row of ``x`` once (rows
    compared after rounding to 12 decimals), at its first occurrence, and
    ``x[first][inverse]`` equals ``x`` row by row.

    Rows are compared through one number each, a fixed mix of their columns: equal
    rows give equal numbers. Distinct rows that collide are caught by comparing every
    row with its representative, and then rows are compared whole (``np.unique`` over
    rows, several times slower).
    """
    rounded = np.round(x, 12) + 0.0  # + 0.0 turns -0.0 into 0.0
    key = np.zeros(rounded.shape[0])
    for j in range(rounded.shape[1]):
        key *= _MIX
        key += rounded[:, j]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not np.array_equal(rounded[first[inverse]], rounded):
        _, first, inverse = np.unique(rounded, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    return first, inverse
