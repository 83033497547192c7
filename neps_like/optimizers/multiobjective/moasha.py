"""``moasha``: multi-objective ASHA (Schmucker et al. 2021).

ASHA's rungs and asynchronous promotions, but a rung's "top ``1/eta``" is taken front
by front from its finished configs' objective vectors (``_selection``), so promotions
follow the whole Pareto front rather than one objective. Choose it for several
objectives with a fidelity and many workers.
"""

from __future__ import annotations

from typing import Any

from neps_like.optimizers.multifidelity._brackets import FidelitySpace
from neps_like.optimizers.multifidelity.asha import ASHA
from neps_like.optimizers.multiobjective._mixin import ParetoRanking, check_sampler

__all__ = ["MOASHA"]


class MOASHA(ParetoRanking, ASHA):
    """ASHA with Pareto-front promotions.

    Args:
        eta, early_stopping_rate, max_sample_tries: as ``asha``.
        sampler: ``"uniform"`` or ``"prior"``.
        sample_prior_first: ``False``, ``True`` or ``"highest_fidelity"``.
        mo_selector: ``"epsnet"`` or ``"nsga2"``: the order within a front.
    """

    def __init__(
        self,
        space: FidelitySpace,
        *,
        seed: int,
        eta: int = 3,
        early_stopping_rate: int = 0,
        sampler: str = "uniform",
        sample_prior_first: Any = False,
        mo_selector: str = "epsnet",
        max_sample_tries: int = 100,
    ) -> None:
        super().__init__(
            space,
            seed=seed,
            eta=eta,
            early_stopping_rate=early_stopping_rate,
            sampler=check_sampler(sampler, space, "moasha"),  # type: ignore[arg-type]
            max_sample_tries=max_sample_tries,
        )
        self.setup(mo_selector, sample_prior_first, "moasha")
