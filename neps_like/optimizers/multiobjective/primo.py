"""``primo``: PriMO, prior-informed multi-objective optimisation with a MO-ASHA start.

Two phases, decided afresh from the trials on every call:

1. **Initial design by MO-ASHA** (``moasha`` with this optimizer's ``eta``, ``sampler``
   and ``mo_selector``) until the finished trials have used ``initial_design_size``
   top-fidelity evaluations' worth of fidelity (``sum(fidelity) / max``; ``"ndim"``
   means one per searchable parameter).
2. **Bayesian optimisation at the top fidelity**: a GP on the top-fidelity results,
   scalarised with fixed ``bo_scalar_weights`` (a weighted sum) or, by default, with
   random weights drawn per proposal (augmented Chebyshev on objectives scaled to
   [0, 1], so non-convex fronts are reachable). Each proposal is epsilon-greedy about
   the per-objective priors (``prior_centers``): with probability ``epsilon`` plain
   log-EI, otherwise log-EI plus ``gamma * log prior`` of one objective's prior picked
   at random, with ``gamma = exp(-n_bo**2 / d)`` (``n_bo`` proposals made by the
   model so far, ``d`` dimensions), so a misleading prior is forgotten after a few
   model-based proposals.

``prior_centers`` maps an objective's name (any label; one prior per entry) to
``{parameter: value}``; ``prior_confidences`` gives per entry ``{parameter: c}`` with
``c`` in (0, 1] as in ``prior_confidence`` (default 0.5, "low"). Parameters not named
have no prior. ``sampler="mopriorsampler"`` makes the MO-ASHA phase draw new configs
from one of those priors, picked at random. As in NePS, ``sample_prior_first`` and
``cost_aware`` have no effect, and ``device`` is meaningless without torch (a warning
says so when they are set). The space needs a fidelity.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from neps_like._errors import OptimizerError, SamplingExhausted
from neps_like.optimizers._gp_proposal import (
    PriorTerm,
    gp_proposal,
    key_checker,
    sample_from_density,
)
from neps_like.optimizers.bo._acquisition import PriorDensity
from neps_like.optimizers.bo._blas import limit_blas_threads
from neps_like.optimizers.bo._space_info import SpaceInfo
from neps_like.optimizers.multifidelity._brackets import History, with_proposal
from neps_like.optimizers.multiobjective._priors import objective_prior
from neps_like.optimizers.multiobjective.moasha import MOASHA
from neps_like.state.records import BudgetInfo, SampledConfig, Trial, TrialState

__all__ = ["PriMO"]

logger = logging.getLogger(__name__)

_WEIGHTS, _GREEDY, _FIT, _FALLBACK = 11, 12, 13, 14
_PENDING = frozenset(
    {TrialState.PENDING, TrialState.EVALUATING, TrialState.CRASHED, TrialState.PAUSED}
)


class _PriorMOASHA(MOASHA):
    """MO-ASHA whose new configs come from one of several priors, picked at random."""

    densities: tuple[PriorDensity, ...] = ()
    info: SpaceInfo | None = None

    def _draw(self, rng: np.random.Generator, hist: History, rung: int) -> dict[str, Any]:
        if not self.densities or self.info is None:
            return super()._draw(rng, hist, rung)
        density = self.densities[int(rng.integers(len(self.densities)))]
        return sample_from_density(self.space, self.info, density, rng)


class PriMO:
    """PriMO (see the module docstring); NePS's settings with NePS's meaning."""

    compute_outside_lock: ClassVar[bool] = True

    def __init__(
        self,
        space: Any,
        *,
        seed: int,
        sampler: str = "uniform",
        sample_prior_first: Any = False,
        eta: int = 3,
        epsilon: float = 0.25,
        prior_centers: Mapping[str, Mapping[str, Any]] | None = None,
        mo_selector: str = "epsnet",
        prior_confidences: Mapping[str, Mapping[str, float]] | None = None,
        initial_design_size: int | str = "ndim",
        cost_aware: Any = False,
        device: Any = None,
        bo_scalar_weights: Mapping[str, float] | Sequence[float] | None = None,
        max_sample_tries: int = 100,
    ) -> None:
        for setting, value, default in (
            ("sample_prior_first", sample_prior_first, False),
            ("cost_aware", cost_aware, False),
            ("device", device, None),
        ):
            if value != default:
                logger.warning("primo: %s=%r has no effect here; ignored.", setting, value)
        if sampler not in ("uniform", "mopriorsampler"):
            raise OptimizerError(
                f"primo: sampler must be 'uniform' or 'mopriorsampler', got {sampler!r}."
            )
        if isinstance(epsilon, bool) or not 0.0 <= float(epsilon) <= 1.0:
            raise OptimizerError(f"primo: epsilon must be in [0, 1], got {epsilon!r}.")
        self.space = space
        self.seed = seed
        self.epsilon = float(epsilon)
        self.info = SpaceInfo.from_space(space)
        self.moasha = _PriorMOASHA(
            space, seed=seed, eta=eta, mo_selector=mo_selector, max_sample_tries=max_sample_tries
        )
        self.fid_name = self.moasha.schedule.fidelity_name
        self.fid_max = self.moasha.schedule.value(self.moasha.schedule.max_rung)
        self.initial_design_size = _design_size(initial_design_size, len(space.searchables))
        self.priors = tuple(
            objective_prior(space, self.info, label, centers, (prior_confidences or {}).get(label))
            for label, centers in (prior_centers or {}).items()
        )
        if sampler == "mopriorsampler":
            if self.priors:
                self.moasha.densities = self.priors
                self.moasha.info = self.info
            else:
                logger.warning("primo: sampler='mopriorsampler' without prior_centers; uniform.")
        self.weights = _weights(bo_scalar_weights)

    def __call__(
        self, trials: Mapping[str, Trial], budget_info: BudgetInfo | None, n: int | None = None
    ) -> SampledConfig | list[SampledConfig]:
        if n is not None and n < 0:
            raise OptimizerError(f"n must be None or >= 0, got {n!r}.")
        current: Mapping[str, Trial] = trials
        out: list[SampledConfig] = []
        with limit_blas_threads(1):
            for _ in range(1 if n is None else n):
                proposal = self._propose(current, budget_info)
                out.append(proposal)
                current = with_proposal(current, proposal)
        return out[0] if n is None else out

    def fidelity_used(self, trials: Mapping[str, Trial]) -> float:
        """Finished trials' fidelity, in units of one top-fidelity evaluation."""
        total = sum(
            float(t.config.get(self.fid_name, 0.0))
            for t in trials.values()
            if t.report is not None
        )
        return total / float(self.fid_max)

    def _propose(self, trials: Mapping[str, Trial], budget: BudgetInfo | None) -> SampledConfig:
        if self.fidelity_used(trials) < self.initial_design_size:
            return self._moasha(trials, budget)
        top = {k: t for k, t in trials.items() if t.config.get(self.fid_name) == self.fid_max}
        observed, objectives, pending = _split(top)
        if len(observed) < 2:
            return self._moasha(trials, budget)  # nothing reached the top yet: keep halving
        n_bo = sum(1 for t in top.values() if _from_model(t))
        rng = np.random.default_rng([self.seed, len(trials), _GREEDY])
        prior = self._prior_term(rng, n_bo)
        y = self._scalarise(np.asarray(objectives, dtype=np.float64), len(trials))
        seen = {self.space.config_key(t.config) for t in trials.values()}
        config = gp_proposal(
            self.space,
            self.info,
            self.space.encode(observed),
            y,
            self.space.encode(pending) if pending else None,
            np.random.default_rng([self.seed, len(trials), _FIT]),
            key_checker(self.space, seen),
            prior=prior,
        )
        if config is None:
            config = self._fallback(trials, seen)
        config[self.fid_name] = self.fid_max
        return SampledConfig(config)

    def _moasha(self, trials: Mapping[str, Trial], budget: BudgetInfo | None) -> SampledConfig:
        sampled = self.moasha(trials, budget)
        assert isinstance(sampled, SampledConfig)
        return sampled

    def _prior_term(self, rng: np.random.Generator, n_bo: int) -> PriorTerm | None:
        if not self.priors or rng.uniform() < self.epsilon:
            return None
        density = self.priors[int(rng.integers(len(self.priors)))]
        gamma = math.exp(-(n_bo**2) / max(self.info.dim, 1))
        return PriorTerm(density, gamma) if gamma >= 1e-4 else None

    def _scalarise(self, y: np.ndarray, base: int) -> np.ndarray:
        m = y.shape[1]
        if self.weights is not None:
            if len(self.weights) != m:
                raise OptimizerError(
                    f"primo: bo_scalar_weights has {len(self.weights)} weights but the "
                    f"trials report {m} objectives."
                )
            out: np.ndarray = y @ np.asarray(self.weights)
            return out
        if m == 1:
            return y[:, 0]
        from neps_like.optimizers.bo._data import parego_scalarize

        w = np.random.default_rng([self.seed, base, _WEIGHTS]).dirichlet(np.ones(m))
        return parego_scalarize(y, w)

    def _fallback(self, trials: Mapping[str, Trial], seen: set[Any]) -> dict[str, Any]:
        rng = np.random.default_rng([self.seed, len(trials), _FALLBACK])
        for _ in range(self.moasha.max_sample_tries):
            config = dict(self.space.sample(rng, fidelity="max"))
            if self.space.config_key(config) not in seen:
                return config
        raise SamplingExhausted(
            f"primo drew {self.moasha.max_sample_tries} configs in a row that were already "
            "evaluated at the top fidelity: the search space looks exhausted."
        )


def _from_model(trial: Trial) -> bool:
    """A trial the model phase proposed: a new lineage with no rung (MO-ASHA sets one)."""
    return trial.metadata.previous_trial_id is None and trial.metadata.rung is None


def _split(
    trials: Mapping[str, Trial],
) -> tuple[list[Mapping[str, Any]], list[list[float]], list[Mapping[str, Any]]]:
    """Observed configs with their objective vectors (one width), and pending configs."""
    observed: list[Mapping[str, Any]] = []
    objectives: list[list[float]] = []
    pending: list[Mapping[str, Any]] = []
    for key in sorted(trials):
        trial = trials[key]
        report = trial.report
        if report is not None and report.is_usable and report.objectives:
            observed.append(trial.config)
            objectives.append([float(v) for v in report.objectives])
        elif report is None and trial.state in _PENDING:
            pending.append(trial.config)
    width = max((len(o) for o in objectives), default=1)
    keep = [i for i, o in enumerate(objectives) if len(o) == width]
    return [observed[i] for i in keep], [objectives[i] for i in keep], pending


def _design_size(setting: Any, ndim: int) -> int:
    if setting == "ndim":
        return max(ndim, 1)
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 1:
        raise OptimizerError(
            f"primo: initial_design_size must be 'ndim' or a positive integer, got {setting!r}."
        )
    return setting


def _weights(setting: Mapping[str, float] | Sequence[float] | None) -> list[float] | None:
    if setting is None:
        return None
    values = list(setting.values()) if isinstance(setting, Mapping) else list(setting)
    try:
        weights = [float(v) for v in values]
    except (TypeError, ValueError):
        msg = f"primo: bo_scalar_weights must be numbers, got {setting!r}."
        raise OptimizerError(msg) from None
    if not weights or any(w < 0 or not math.isfinite(w) for w in weights) or sum(weights) == 0:
        raise OptimizerError(
            f"primo: bo_scalar_weights must be non-negative numbers, not all 0, got {setting!r}."
        )
    return [w / sum(weights) for w in weights]
