"""``async_hb``: asynchronous Hyperband with NePS's settings.

The algorithm is ``async_hyperband.AsyncHyperband``; this adds ``sampler``
(``"uniform"`` or ``"prior"``) and ``sample_prior_first`` with NePS's meaning.
"""

from __future__ import annotations

from typing import Any

from neps_like.optimizers.multifidelity._brackets import FidelitySpace
from neps_like.optimizers.multifidelity._compose import PriorFirst, check_prior_first
from neps_like.optimizers.multifidelity.async_hyperband import AsyncHyperband
from neps_like.optimizers.multiobjective._mixin import check_sampler

__all__ = ["AsyncHB"]


class AsyncHB(PriorFirst, AsyncHyperband):
    """Asynchronous Hyperband; ``eta``, ``sampler``, ``sample_prior_first``."""

    def __init__(
        self,
        space: FidelitySpace,
        *,
        seed: int,
        eta: int = 3,
        sampler: str = "uniform",
        sample_prior_first: Any = False,
        max_sample_tries: int = 100,
    ) -> None:
        super().__init__(
            space,
            seed=seed,
            eta=eta,
            sampler=check_sampler(sampler, space, "async_hb"),  # type: ignore[arg-type]
            max_sample_tries=max_sample_tries,
        )
        self.sample_prior_first = check_prior_first(sample_prior_first, space, "async_hb")
