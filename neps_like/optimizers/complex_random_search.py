"""``complex_random_search``: random search that also varies the best configs so far.

Each proposal draws one config from a pool that NePS's algorithm of the same name
builds per request, in the same proportions: 5 uniform draws, 5 draws around the
priors, and for each of the (up to) 5 best finished trials 5 configs with one parameter
moved, 5 with 1 to half of them moved, 5 with one forgotten (drawn afresh) and 5 with
1 to half forgotten; plus 6 crossovers of two of the best. Drawing a source with
probability proportional to its count and then making one config from it gives the
same distribution without building the pool. The very first proposal is the prior
config (uniform where a parameter has no prior).

Half global, half local: a cheap baseline that exploits good regions without a model.
``ignore_fidelity`` as in ``neps_random_search``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np

from neps_like.optimizers import _variation as var
from neps_like.optimizers._variation import FidelityRule
from neps_like.space import SearchSpace
from neps_like.state.records import BudgetInfo, SampledConfig, Trial, TrialState

__all__ = ["ComplexRandomSearch", "best_trials"]

_TOP = 5
_PER_SOURCE = 5
_CROSSOVERS = 6
_MAX_TRIES = 100


def best_trials(trials: Mapping[str, Trial], k: int) -> list[Trial]:
    """Up to ``k`` successful trials with a finite objective, best (first objective) first."""
    done = [
        t
        for t in trials.values()
        if t.state is TrialState.SUCCESS and t.report is not None and t.report.is_usable
    ]
    done.sort(key=lambda t: (t.report.objectives or [0.0])[0])  # type: ignore[union-attr]
    return done[:k]


class ComplexRandomSearch:
    """Random search mixed with mutations and crossovers of the best trials.

    Args:
        space: the search space.
        seed: seed of every draw.
        ignore_fidelity: ``False`` (refuse a fidelity), ``True`` or ``"highest_fidelity"``.
    """

    compute_outside_lock = False

    def __init__(self, space: SearchSpace, *, seed: int, ignore_fidelity: Any = False) -> None:
        self.space = space
        self.seed = seed
        self.fidelity = FidelityRule(space, ignore_fidelity, "complex_random_search")

    def __call__(
        self, trials: Mapping[str, Trial], budget_info: BudgetInfo | None, n: int | None = None
    ) -> SampledConfig | list[SampledConfig]:
        rng = np.random.default_rng([self.seed, len(trials)])
        seen: set[Hashable] = {self.space.config_key(t.config) for t in trials.values()}
        top = [t.config for t in best_trials(trials, _TOP)]
        out: list[SampledConfig] = []
        make = self._maker(top, rng)
        for i in range(1 if n is None else n):
            config: dict[str, Any] | None = None
            if not trials and i == 0:  # the first proposal of a study: the prior config
                config = self.fidelity.apply(var.prior_or_centre(self.space, rng), rng)
            if config is None or self.space.config_key(config) in seen:
                config = var.first_new(
                    lambda: self.fidelity.apply(make(), rng),
                    self.space.config_key,
                    seen,
                    _MAX_TRIES,
                    "complex_random_search",
                    lambda: self.fidelity.apply(self.space.sample(rng), rng),
                )
            seen.add(self.space.config_key(config))
            out.append(SampledConfig(config))
        return out[0] if n is None else out

    def _maker(
        self, top: list[Mapping[str, Any]], rng: np.random.Generator
    ) -> Callable[[], dict[str, Any]]:
        """A function drawing one config from the pool (a fresh source per call)."""
        space = self.space
        d = len(space.searchables)

        def one() -> dict[str, Any]:
            weights = [_PER_SOURCE, _PER_SOURCE, 4 * _PER_SOURCE * len(top)]
            weights.append(_CROSSOVERS if len(top) > 1 else 0)
            source = int(rng.choice(4, p=np.asarray(weights) / sum(weights)))
            if source == 0:
                return dict(space.sample(rng))
            if source == 1:
                return dict(space.sample(rng, use_priors=space.has_priors))
            if source == 3:
                a, b = rng.choice(len(top), size=2, replace=False)
                return var.crossover(space, top[int(a)], top[int(b)], rng)
            parent = top[int(rng.integers(len(top)))]
            kind = int(rng.integers(4))
            k = 1 if kind % 2 == 0 else var.how_many("random", d, rng)
            if kind < 2:
                return var.mutate(space, parent, k, rng)
            return var.forget(space, parent, k, rng)

        return one
