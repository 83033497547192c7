"""``bohb``: Hyperband whose new configs come from a model (BOHB, Falkner et al. 2018).

The brackets, rungs and promotions are ``hyperband``'s. What changes is how a new
config is drawn: with probability ``random_fraction`` uniformly (or from the priors with
``sampler="prior"``), as Hyperband does; otherwise from a model of the highest rung
that has at least ``min_points_in_model`` finished results. BOHB's model is a kernel
density estimator per rung (TPE-like); here it is the GP of ``bayesian_optimization``
(Matérn-5/2 with fitted length scales, log-EI) over the configs *and* the rung: every
finished result of every rung is an observation with the rung (the fidelity on a log
scale) as one more input, and candidates are scored at the chosen rung, improving on
that rung's best. So the many cheap low-rung results inform the model of a rung whose
few results are all promoted, good configs (a GP on those alone sends its proposals to
the corners of the space). Configs still running are fantasies at the posterior mean.
This is the joint configuration-and-fidelity GP of the GP-based BOHB variants (e.g.
MOBSTER, Klein et al. 2020). The new config then starts at the bracket's base rung like
any other: the model picks *which* configs enter a bracket and successive halving
decides how far they go.

Fitting the model costs tens of milliseconds to a second, so proposals are computed
outside the study's lock. Randomness comes from the multi-fidelity base's generator
(seed, number of trials), so a seed decides the sequence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from neps_like._errors import OptimizerError
from neps_like.optimizers._gp_proposal import gp_proposal
from neps_like.optimizers.bo._blas import limit_blas_threads
from neps_like.optimizers.bo._space_info import SpaceInfo
from neps_like.optimizers.multifidelity._brackets import Entry, FidelitySpace, History
from neps_like.optimizers.multifidelity.hyperband import Hyperband
from neps_like.state.records import BudgetInfo, SampledConfig, Trial

__all__ = ["BOHB"]


class BOHB(Hyperband):
    """Hyperband with model-based sampling of new configs.

    Args:
        eta, early_stopping_rate, sampler, max_sample_tries: as ``hyperband``
            (``sampler`` applies to the random share of new configs).
        random_fraction: share of new configs drawn without the model (BOHB: 1/3),
            which keeps the search from collapsing onto a wrong model.
        min_points_in_model: finished results a rung needs before its model is used;
            default ``d + 2`` for ``d`` encoded parameters (at least 4).
        n_candidates: random candidates the acquisition is screened on per proposal.
        max_points_in_model: results the model is fitted on at most (the highest rungs
            first, then the most recent), which bounds the cost of a proposal.
    """

    compute_outside_lock: ClassVar[bool] = True

    def __init__(
        self,
        space: FidelitySpace,
        *,
        seed: int,
        eta: int = 3,
        early_stopping_rate: int = 0,
        sampler: Any = None,
        max_sample_tries: int = 100,
        random_fraction: float = 1 / 3,
        min_points_in_model: int | None = None,
        n_candidates: int = 512,
        max_points_in_model: int = 200,
    ) -> None:
        super().__init__(
            space,
            seed=seed,
            eta=eta,
            early_stopping_rate=early_stopping_rate,
            sampler=sampler,
            max_sample_tries=max_sample_tries,
        )
        if isinstance(random_fraction, bool) or not 0.0 <= float(random_fraction) <= 1.0:
            raise OptimizerError(
                f"bohb: random_fraction must be in [0, 1], got {random_fraction!r}."
            )
        self.info = SpaceInfo.from_space(space)
        default_points = max(self.info.dim + 2, 4)
        points = default_points if min_points_in_model is None else min_points_in_model
        if isinstance(points, bool) or not isinstance(points, int) or points < 2:
            raise OptimizerError(
                f"bohb: min_points_in_model must be an integer >= 2, got {min_points_in_model!r}."
            )
        if isinstance(n_candidates, bool) or not isinstance(n_candidates, int) or n_candidates < 1:
            raise OptimizerError(
                f"bohb: n_candidates must be a positive integer, got {n_candidates!r}."
            )
        self.random_fraction = float(random_fraction)
        self.min_points_in_model = points
        self.n_candidates = n_candidates
        if isinstance(max_points_in_model, bool) or not isinstance(max_points_in_model, int):
            raise OptimizerError(
                f"bohb: max_points_in_model must be an integer, got {max_points_in_model!r}."
            )
        self.max_points_in_model = max(max_points_in_model, points)

    def __call__(
        self,
        trials: Mapping[str, Trial],
        budget_info: BudgetInfo | None,
        n: int | None = None,
    ) -> SampledConfig | list[SampledConfig]:
        with limit_blas_threads(1):
            return super().__call__(trials, budget_info, n)

    def model_rung(self, hist: History) -> int | None:
        """The highest rung with at least ``min_points_in_model`` finished results."""
        for r in sorted(hist.by_rung, reverse=True):
            if sum(1 for e in hist.rung(r) if e.done) >= self.min_points_in_model:
                return r
        return None

    def _draw(self, rng: np.random.Generator, hist: History, rung: int) -> dict[str, Any]:
        unmodelled = self.random_fraction >= 1.0 or self.info.dim == 0
        if unmodelled or rng.uniform() < self.random_fraction:
            return super()._draw(rng, hist, rung)
        level = self.model_rung(hist)
        if level is None:
            return super()._draw(rng, hist, rung)
        done, pending = self._training_entries(hist)
        scores = np.array([e.score for e in done], dtype=np.float64)
        finite = np.isfinite(scores)
        if finite.sum() < 2:
            return super()._draw(rng, hist, rung)
        # Failed trials count as the worst result seen, so the model steers away from them.
        scores[~finite] = scores[finite].max()
        top = max(self.schedule.max_rung, 1)
        config = gp_proposal(
            self.space,
            self.info,
            self._encode(done, top),
            scores,
            self._encode(pending, top) if pending else None,
            rng,
            lambda c: self.key(c) in hist.keys,
            fixed=(level / top,),
            target=np.array([e.rung == level for e in done]),
            n_candidates=self.n_candidates,
        )
        return config if config is not None else super()._draw(rng, hist, rung)

    def _training_entries(self, hist: History) -> tuple[list[Entry], list[Entry]]:
        """Finished and running entries the model learns from: every rung, the highest
        rungs first and then the most recent, at most ``max_points_in_model``."""
        entries = [e for r in sorted(hist.by_rung, reverse=True) for e in hist.rung(r)]
        done = [e for e in entries if e.done]
        done.sort(key=lambda e: (-e.rung, tuple(-v for v in e.order[:2])))
        pending = [e for e in entries if not e.done]
        return done[: self.max_points_in_model], pending[: self.max_points_in_model]

    def _encode(self, entries: list[Entry], top: int) -> np.ndarray:
        """The configs' encoding plus a column for the rung (the fidelity on a log scale)."""
        space: Any = self.space
        x = space.encode([e.trial.config for e in entries])
        rungs = np.array([[e.rung / top] for e in entries], dtype=np.float64)
        out: np.ndarray = np.hstack([x, rungs])
        return out
