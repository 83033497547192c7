"""``neps_regularized_evolution``: regularized ("aging") evolution (Real et al. 2019).

Until the study holds ``population_size`` trials, configs are drawn at random (around
the priors with ``use_priors``). Then each proposal picks a parent by tournament: the
population is the ``population_size`` most recently finished successful trials (so old
ones age out, however good), ``tournament_size`` of them are drawn with replacement and
the best wins. The child is the winner mutated (``n_mutations`` parameters moved around
their value, or ``n_forgets`` drawn afresh) or a crossover of the tournament's two best;
``mutation_type`` picks: ``"mutate_best"``, ``"crossover_top_2"``, or a probability of
mutating. Settings and their meaning are NePS's; ``ignore_fidelity`` as in
``neps_random_search``.

Good for large or oddly shaped spaces where a model does not help, with many cheap
evaluations; robust to noise because the population keeps renewing.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from neps_like._errors import OptimizerError
from neps_like.optimizers import _variation as var
from neps_like.optimizers._variation import FidelityRule
from neps_like.optimizers.multifidelity._brackets import id_order
from neps_like.space import SearchSpace
from neps_like.state.records import BudgetInfo, SampledConfig, Trial, TrialState

__all__ = ["RegularizedEvolution"]

_MAX_TRIES = 100
_WHO = "neps_regularized_evolution"


class RegularizedEvolution:
    """Tournament selection over an aging population, mutation and crossover.

    Args:
        space: the search space.
        seed: seed of every draw.
        population_size: trials in the population (and random trials before evolving).
        tournament_size: contestants per tournament, at most ``population_size``.
        use_priors: initial population drawn around the priors.
        mutation_type: ``"mutate_best"``, ``"crossover_top_2"`` or the probability
            (0 to 1) of mutating rather than crossing over.
        n_mutations: parameters moved per mutation: an int, ``"random"`` (1 to half of
            them) or ``"half"``; ``None`` to forget instead.
        n_forgets: parameters drawn afresh per mutation when ``n_mutations`` is None.
        ignore_fidelity: ``False`` (refuse a fidelity), ``True`` or ``"highest_fidelity"``.
    """

    compute_outside_lock = False

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int,
        population_size: int = 20,
        tournament_size: int = 5,
        use_priors: bool = True,
        mutation_type: float | str = 0.5,
        n_mutations: int | str | None = "random",
        n_forgets: int | str | None = None,
        ignore_fidelity: Any = False,
    ) -> None:
        if not isinstance(population_size, int) or population_size < 1:
            raise OptimizerError(f"{_WHO}: population_size must be >= 1, got {population_size!r}.")
        if not isinstance(tournament_size, int) or not 1 <= tournament_size <= population_size:
            raise OptimizerError(
                f"{_WHO}: tournament_size must be between 1 and population_size "
                f"({population_size}), got {tournament_size!r}."
            )
        if mutation_type not in ("mutate_best", "crossover_top_2") and not (
            isinstance(mutation_type, int | float)
            and not isinstance(mutation_type, bool)
            and 0.0 <= float(mutation_type) <= 1.0
        ):
            raise OptimizerError(
                f"{_WHO}: mutation_type must be 'mutate_best', 'crossover_top_2' or a "
                f"probability between 0 and 1, got {mutation_type!r}."
            )
        var.check_change_count(f"{_WHO}: n_mutations", n_mutations)
        var.check_change_count(f"{_WHO}: n_forgets", n_forgets)
        if n_mutations is None and n_forgets is None:
            raise OptimizerError(f"{_WHO}: one of n_mutations and n_forgets must be set.")
        self.space = space
        self.seed = seed
        self.population_size = population_size
        self.tournament_size = tournament_size
        self.use_priors = bool(use_priors) and space.has_priors
        self.mutation_type = mutation_type
        self.n_mutations = n_mutations
        self.n_forgets = n_forgets
        self.fidelity = FidelityRule(space, ignore_fidelity, _WHO)

    def __call__(
        self, trials: Mapping[str, Trial], budget_info: BudgetInfo | None, n: int | None = None
    ) -> SampledConfig | list[SampledConfig]:
        rng = np.random.default_rng([self.seed, len(trials)])
        seen: set[Hashable] = {self.space.config_key(t.config) for t in trials.values()}
        population = self.population(trials)
        out: list[SampledConfig] = []

        def child() -> dict[str, Any]:
            return self.fidelity.apply(self._child(population, rng), rng)

        def fresh() -> dict[str, Any]:
            return self.fidelity.apply(self.space.sample(rng, use_priors=self.use_priors), rng)

        for i in range(1 if n is None else n):
            evolve = len(trials) + i >= self.population_size and population
            config = var.first_new(
                child if evolve else fresh,
                self.space.config_key,
                seen,
                _MAX_TRIES,
                _WHO,
                lambda: self.fidelity.apply(self.space.sample(rng), rng),
            )
            seen.add(self.space.config_key(config))
            out.append(SampledConfig(config))
        return out[0] if n is None else out

    def population(self, trials: Mapping[str, Trial]) -> list[Trial]:
        """The ``population_size`` most recently finished successful trials."""
        done = [
            t
            for t in trials.values()
            if t.state is TrialState.SUCCESS and t.report is not None and t.report.is_usable
        ]
        done.sort(
            key=lambda t: (
                t.metadata.time_ended if t.metadata.time_ended is not None else -1.0,
                id_order(t.id),
            )
        )
        return done[-self.population_size :]

    def _child(self, population: list[Trial], rng: np.random.Generator) -> dict[str, Any]:
        picks = rng.integers(len(population), size=self.tournament_size)
        contest = sorted(
            {int(i): population[int(i)] for i in picks}.values(),
            key=lambda t: ((t.report.objectives or [0.0])[0], id_order(t.id)),  # type: ignore[union-attr]
        )
        kind = self.mutation_type
        if isinstance(kind, int | float):
            kind = "mutate_best" if rng.random() < float(kind) else "crossover_top_2"
        if kind == "crossover_top_2" and len(contest) > 1:
            return var.crossover(self.space, contest[0].config, contest[1].config, rng)
        d = len(self.space.searchables)
        if kind == "crossover_top_2":  # a single contestant: mutate half of it instead
            return var.mutate(self.space, contest[0].config, max(1, d // 2), rng)
        if self.n_mutations is not None:
            k = var.how_many(self.n_mutations, d, rng)  # type: ignore[arg-type]
            return var.mutate(self.space, contest[0].config, k, rng)
        k = var.how_many(self.n_forgets, d, rng)  # type: ignore[arg-type]
        return var.forget(self.space, contest[0].config, k, rng)
