"""``mo_hyperband``: Hyperband whose promotions follow the Pareto front.

Hyperband's synchronous brackets (see ``hyperband``); when a rung is complete, the
configs promoted are taken front by front (``_selection``) as in ``moasha``. Choose it
over ``moasha`` for several objectives when workers are few and waiting for a rung to
fill costs little.
"""

from __future__ import annotations

from typing import Any

from neps_like.optimizers.multifidelity._brackets import FidelitySpace
from neps_like.optimizers.multifidelity.hyperband import Hyperband
from neps_like.optimizers.multiobjective._mixin import ParetoRanking, check_sampler

__all__ = ["MOHyperband"]


class MOHyperband(ParetoRanking, Hyperband):
    """Hyperband with Pareto-front promotions; settings as ``moasha`` (no early stopping rate)."""

    def __init__(
        self,
        space: FidelitySpace,
        *,
        seed: int,
        eta: int = 3,
        sampler: str = "uniform",
        sample_prior_first: Any = False,
        mo_selector: str = "epsnet",
        max_sample_tries: int = 100,
    ) -> None:
        super().__init__(
            space,
            seed=seed,
            eta=eta,
            sampler=check_sampler(sampler, space, "mo_hyperband"),  # type: ignore[arg-type]
            max_sample_tries=max_sample_tries,
        )
        self.setup(mo_selector, sample_prior_first, "mo_hyperband")
