"""What every multi-fidelity optimizer shares: settings, the ask loop, new-config sampling.

A subclass decides *what* to propose from a ``History`` (``_propose``) and may change
*how* a new config is drawn (``_draw``). This base turns that into the ask protocol:
``n=None`` gives one ``SampledConfig``, ``n=k`` a list of ``k`` where each later proposal
sees the earlier ones as in-flight trials. No I/O, no state between calls, inputs not
mutated; randomness only from ``np.random.default_rng([seed, len(trials), purpose])``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, ClassVar, Literal

import numpy as np

from neps_like._errors import OptimizerError, SamplingExhausted
from neps_like.optimizers.multifidelity._brackets import (
    Entry,
    FidelitySpace,
    History,
    Memo,
    RungSchedule,
    rank,
    with_proposal,
)
from neps_like.state.records import BudgetInfo, SampledConfig, Trial

# ``purpose`` values of the RNG seed triple, one per independent random decision.
PURPOSE_NEW_CONFIG = 1

Sampler = Literal["uniform", "prior"]


class MultiFidelityOptimizer:
    """Base of successive halving, Hyperband, ASHA and PriorBand.

    Args:
        space: the search space; it must declare a fidelity (``is_fidelity=True``).
        seed: non-negative integer; the same seed and trials give the same proposals.
        eta: reduction factor >= 2: each rung keeps the best ``1/eta`` and its fidelity
            is ``eta`` times the previous rung's.
        early_stopping_rate: the lowest rung used (0 = the fidelity's lower bound).
        sampler: ``"uniform"`` draws new configs uniformly, ``"prior"`` from the priors.
        max_sample_tries: draws rejected as duplicates before giving up.

    Raises:
        OptimizerError: no fidelity, or settings out of range.
    """

    compute_outside_lock: ClassVar[bool] = False
    default_sampler: ClassVar[Sampler] = "uniform"

    def __init__(
        self,
        space: FidelitySpace,
        *,
        seed: int,
        eta: int = 3,
        early_stopping_rate: int = 0,
        sampler: Sampler | None = None,
        max_sample_tries: int = 100,
    ) -> None:
        name = type(self).__name__
        if isinstance(eta, bool) or not isinstance(eta, int) or eta < 2:
            raise OptimizerError(f"{name}: eta must be an integer >= 2, got {eta!r}.")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise OptimizerError(f"{name}: seed must be a non-negative integer, got {seed!r}.")
        sampler = self.default_sampler if sampler is None else sampler
        if sampler not in ("uniform", "prior"):
            raise OptimizerError(f"{name}: sampler must be 'uniform' or 'prior', got {sampler!r}.")
        if sampler == "prior" and not space.has_priors:
            raise OptimizerError(
                f"{name}: sampler='prior' needs priors in the search space; give some "
                "parameters a prior=... or use sampler='uniform'."
            )
        if max_sample_tries < 1:
            raise OptimizerError(f"{name}: max_sample_tries must be >= 1.")
        self.space = space
        self.seed = seed
        self.eta = eta
        self.sampler: Sampler = sampler
        self.max_sample_tries = max_sample_tries
        self.schedule = RungSchedule.from_space(space, eta)
        if not 0 <= early_stopping_rate <= self.schedule.max_rung:
            raise OptimizerError(
                f"{name}: early_stopping_rate must be in [0, {self.schedule.max_rung}] for "
                f"rung fidelities {list(self.schedule.values)}, got {early_stopping_rate!r}."
            )
        self.early_stopping_rate = early_stopping_rate
        # Memo of ``key`` per trial id, checked against the config so a hit always equals
        # a recomputation (outputs stay a pure function of the inputs). It keeps the
        # under-lock cost of an ask low: ``config_key`` validates every value.
        self._keys: dict[str, tuple[Mapping[str, Any], Hashable]] = {}
        self._memo: Memo = {}

    def __call__(
        self,
        trials: Mapping[str, Trial],
        budget_info: BudgetInfo | None,
        n: int | None = None,
    ) -> SampledConfig | list[SampledConfig]:
        if n is not None and n < 0:
            raise OptimizerError(f"n must be None or >= 0, got {n!r}.")
        current: Mapping[str, Trial] = trials
        out: list[SampledConfig] = []
        for _ in range(1 if n is None else n):
            hist = History.build(current, self.schedule, self._trial_key, self._memo)
            proposal = self._propose(current, hist)
            out.append(proposal)
            current = with_proposal(current, proposal)
        return out[0] if n is None else out

    def _propose(self, trials: Mapping[str, Trial], hist: History) -> SampledConfig:
        raise NotImplementedError

    def rank_entries(self, entries: list[Entry]) -> list[Entry]:
        """Finished entries in promotion order, best first (multi-objective subclasses
        order by Pareto fronts instead of the first objective)."""
        return rank(entries)

    def key(self, config: Mapping[str, Any]) -> Hashable:
        """Identity of a config apart from its fidelity (a promotion keeps its parent's)."""
        return self.space.config_key(config, include_fidelity=False)

    def _trial_key(self, trial: Trial) -> Hashable:
        hit = self._keys.get(trial.id)
        if hit is not None and hit[0] == trial.config:
            return hit[1]
        key = self.key(trial.config)
        self._keys[trial.id] = (trial.config, key)
        return key

    def new_config(self, trials: Mapping[str, Trial], hist: History, rung: int) -> SampledConfig:
        """A config not seen before, at ``rung``'s fidelity, starting a new lineage.

        Raises:
            SamplingExhausted: ``max_sample_tries`` draws were all duplicates.
        """
        rng = np.random.default_rng([self.seed, len(trials), PURPOSE_NEW_CONFIG])
        fidelity = self.schedule.value(rung)
        for _ in range(self.max_sample_tries):
            config = self._draw(rng, hist, rung)
            config[self.schedule.fidelity_name] = fidelity
            if self.key(config) not in hist.keys:
                return SampledConfig(config, rung=rung)
        raise SamplingExhausted(
            f"{type(self).__name__} drew {self.max_sample_tries} configs in a row that were "
            f"already evaluated ({len(hist.keys)} distinct configs so far): the search space "
            "looks exhausted. Stop the run, or widen the space."
        )

    def _draw(self, rng: np.random.Generator, hist: History, rung: int) -> dict[str, Any]:
        fidelity = self.schedule.value(rung)
        return dict(self.space.sample(rng, use_priors=self.sampler == "prior", fidelity=fidelity))
