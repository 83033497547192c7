"""Proposals while other workers still evaluate trials: trust region and posterior mean.

With pending trials, plain kriging believer (log-EI of the GP conditioned on the pending
configs at its posterior mean) lets parallel workers spread out over the whole space:
with 16 workers the believer's regret on Hartmann-6 after 100 evaluations was 41 times
the sequential one. Proposals made while trials are pending therefore alternate between

* a **trust region** (as in TuRBO, Eriksson et al. 2019): the kriging-believer log-EI
  maximised only inside a box around the incumbent. Its side is ``length`` times the
  GP's ARD lengthscale of each numeric dimension (normalised to geometric mean 1), and
  ``length`` is replayed from the observed history (``trust_region_length``).
  Categorical dimensions are not boxed: raw candidates keep the incumbent's choice and
  only the local moves of the search change it;
* the **posterior mean** of the GP on finished trials only, minimised over the whole
  space, skipping candidates closer than ``MIN_PENDING_DISTANCE`` to a pending trial:
  pure exploitation, which the believer under-weights when fantasies flatten the model
  around the incumbent.

BO uses this only in spaces without categorical parameters (``suits``); with them it
keeps the believer's global log-EI. Owns the trust-region length, the box and the
candidate searches of both branches.
Works on arrays, a GP and a scoring callable; knows nothing of trials or configs and
draws randomness only from the generator it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neps_like.optimizers.bo import _candidates, _gp
from neps_like.optimizers.bo._candidates import FloatArray, ScoreFn, Snapper
from neps_like.optimizers.bo._data import FittedModel
from neps_like.optimizers.bo._gp import GaussianProcess

# Trust-region side length (before the lengthscale weights) and its replay rules.
LENGTH_INIT = 0.8
LENGTH_MIN = 2.0**-7
LENGTH_MAX = 1.6
SUCCESS_TOLERANCE = 3  # improvements in a row that double the side
IMPROVEMENT = 1e-3  # relative decrease of the best value that counts as improvement
# Candidates of the mean branch this close (unit cube, Euclidean) to a pending trial are
# skipped: the model has no news there, so the mean minimiser would be proposed twice.
MIN_PENDING_DISTANCE = 2e-3
MAX_MEAN_CANDIDATES = 320  # best mean minimisers checked against the pending trials
_N_PER_ANCHOR = 32
_N_ANCHORS = 5


def suits(is_cat: NDArray[np.bool_]) -> bool:
    """Whether BO uses this strategy in a space: only without categorical parameters.

    Both branches exploit the incumbent, and its categorical choice with it: on the
    "mixed" benchmark (a float, a log float, an integer and a four-way categorical) half
    the runs with 4-16 workers ended in a wrong choice, against 0-9 of 40 with the
    believer alone, which stays in use there. Integer parameters are fine.
    """
    return not bool(np.any(is_cat))


def uses_mean(position: int) -> bool:
    """Whether the proposal at ``position`` (a trial count) minimises the posterior mean.

    Even positions use the trust region, odd ones the posterior mean, so consecutive
    asks (by one worker with ``n > 1`` or by different workers) use both.
    """
    return position % 2 == 1


def trust_region_length(y: FloatArray, n_initial: int, dim: int) -> float:
    """Side length of the trust region, replayed from the objectives ``y`` in order.

    The first ``n_initial`` values set the best; each later one counts as an improvement
    when it beats the best by ``IMPROVEMENT`` (relative). ``SUCCESS_TOLERANCE``
    improvements in a row double the length (up to ``LENGTH_MAX``), ``max(4, dim)``
    results without one halve it (down to ``LENGTH_MIN``); both reset the counters.
    """
    fail_tolerance = max(4, dim)
    length, best = LENGTH_INIT, np.inf
    successes = failures = 0
    for k, value in enumerate(np.asarray(y, dtype=np.float64).tolist()):
        if k >= n_initial:
            if value < best - IMPROVEMENT * abs(best):
                successes, failures = successes + 1, 0
            else:
                successes, failures = 0, failures + 1
            if successes >= SUCCESS_TOLERANCE:
                length, successes = min(2.0 * length, LENGTH_MAX), 0
            elif failures >= fail_tolerance:
                length, failures = max(length / 2.0, LENGTH_MIN), 0
        best = min(best, value)
    return length


@dataclass(frozen=True)
class BoxSnapper(Snapper):
    """A snapper that first clips each dimension to ``[lo, hi]``."""

    lo: FloatArray
    hi: FloatArray

    def __call__(self, x: FloatArray) -> FloatArray:
        return super().__call__(np.clip(x, self.lo, self.hi))


@dataclass(frozen=True)
class TrustRegion:
    """A box of side ``length * w_j`` around ``center``; categorical sides span [0, 1].

    ``w`` are the numeric dimensions' lengthscales over their geometric mean, so the box
    is long where the model varies slowly.
    """

    box: BoxSnapper
    center: FloatArray
    length: float

    @classmethod
    def around_incumbent(
        cls, snapper: Snapper, x: FloatArray, y: FloatArray, lengthscales: FloatArray, length: float
    ) -> TrustRegion:
        """The region around the best row of ``x`` (lowest ``y``)."""
        center = x[int(np.argmin(y))]
        numeric = ~np.asarray(snapper.is_cat, dtype=bool)
        half = np.ones(center.shape)
        if numeric.any():
            ls = np.clip(np.asarray(lengthscales, dtype=np.float64)[numeric], 1e-3, 10.0)
            half[numeric] = ls / np.exp(np.mean(np.log(ls))) * length / 2.0
        lo = np.where(numeric, np.clip(center - half, 0.0, 1.0), 0.0)
        hi = np.where(numeric, np.clip(center + half, 0.0, 1.0), 1.0)
        box = BoxSnapper(snapper.grids, snapper.is_cat, lo, hi, cuts=snapper.cuts)
        return cls(box, center, length)

    def contains(self, x: FloatArray) -> NDArray[np.bool_]:
        """Which rows of ``x`` lie in the box (categorical dimensions always do)."""
        inside: NDArray[np.bool_] = np.all((x >= self.box.lo) & (x <= self.box.hi), axis=1)
        return inside

    def maximize(
        self, score_fn: ScoreFn, anchors: FloatArray, rng: np.random.Generator, n_raw: int
    ) -> FloatArray:
        """Candidates in the box sorted by decreasing score, without repeated rows.

        Uniform samples in the box (categorical dimensions at the centre's choice),
        local moves around the ``anchors`` inside the box, then a hill climb from the
        best with steps shrunk in proportion to the box.
        """
        box, is_cat = self.box, self.box.is_cat
        raw = box.lo + (box.hi - box.lo) * rng.random((n_raw, self.center.size))
        raw[:, is_cat] = self.center[is_cat]
        near = anchors[self.contains(anchors)]
        parts = [box(raw), *_candidates.moves_around(near, _N_PER_ANCHOR, box, rng, self.length)]
        scales = _candidates.search_scales(min(1.0, self.length / LENGTH_INIT))
        ranked, _ = _candidates.refine_and_rank(np.vstack(parts), score_fn, box, rng, scales=scales)
        return ranked


def candidate_lists(
    model: FittedModel,
    x_pending: FloatArray,
    anchors: FloatArray,
    snapper: Snapper,
    rng: np.random.Generator,
    log_ei: Callable[[GaussianProcess], ScoreFn],
    position: int,
    *,
    n_initial: int,
    n_raw: int,
) -> Iterator[FloatArray]:
    """Candidate lists to try in turn, each best first: at odd positions the posterior
    mean's minimisers away from the pending rows, then the trust region's log-EI
    maximisers. A list is computed only when the one before gave no new config.

    ``log_ei`` builds the acquisition of a GP (πBO weights the trust region's; the mean
    branch has no prior weighting: it exploits what was measured).
    """
    gp = model.gp
    if uses_mean(position):
        yield mean_candidates(gp, snapper, anchors, x_pending, rng, n_raw=n_raw)
    believer = gp.condition_on(x_pending, gp.predict(x_pending)[0])
    length = trust_region_length(model.y_history, n_initial, snapper.dim)
    region = TrustRegion.around_incumbent(snapper, model.x, model.y, gp.params.lengthscales, length)
    yield region.maximize(log_ei(believer), anchors, rng, n_raw)


def mean_candidates(
    gp: GaussianProcess,
    snapper: Snapper,
    anchors: FloatArray,
    x_pending: FloatArray,
    rng: np.random.Generator,
    *,
    n_raw: int,
) -> FloatArray:
    """Minimisers of ``gp``'s posterior mean, best first, away from the pending rows."""
    cands, _ = _candidates.maximize(lambda x: -gp.predict(x)[0], snapper, rng, anchors, n_raw=n_raw)
    return away_from(cands[:MAX_MEAN_CANDIDATES], x_pending)


def away_from(cands: FloatArray, x_pending: FloatArray) -> FloatArray:
    """The rows of ``cands`` at least ``MIN_PENDING_DISTANCE`` from every pending row."""
    if x_pending.shape[0] == 0 or cands.shape[0] == 0:
        return cands
    d = cands.shape[1]
    sq = _gp.scaled_sq_dists(cands, x_pending, np.zeros(d, dtype=bool), np.ones(d))
    result: FloatArray = cands[np.min(sq, axis=1) >= MIN_PENDING_DISTANCE**2]
    return result


def anchors_of(x: FloatArray, y: FloatArray) -> FloatArray:
    """The best observed rows, where the local moves of both branches start."""
    result: FloatArray = x[np.argsort(y)[:_N_ANCHORS]]
    return result
