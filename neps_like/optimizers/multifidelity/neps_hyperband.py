"""``neps_hyperband``: Hyperband with NePS's settings (``sampler``, ``sample_prior_first``).

The schedule and promotions are ``hyperband``'s. ``sampler="prior"`` draws new configs
around the priors (uniform for parameters without one, and for every parameter, with
a warning, when the space has no prior at all, as NePS's own version does);
``sample_prior_first`` tries the prior config first (``"highest_fidelity"``: at the
top fidelity).
"""

from __future__ import annotations

import logging
from typing import Any

from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity._brackets import FidelitySpace
from neps_like.optimizers.multifidelity._compose import PriorFirst, check_prior_first
from neps_like.optimizers.multifidelity.hyperband import Hyperband

__all__ = ["NePSHyperband"]

logger = logging.getLogger(__name__)


class NePSHyperband(PriorFirst, Hyperband):
    """Hyperband; ``sampler`` ``"uniform"`` or ``"prior"``; ``sample_prior_first``."""

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
        if sampler not in ("uniform", "prior"):
            raise OptimizerError(
                f"neps_hyperband: sampler must be 'uniform' or 'prior', got {sampler!r}."
            )
        if sampler == "prior" and not space.has_priors:
            logger.warning(
                "neps_hyperband: sampler='prior' but no parameter has a prior; sampling uniformly."
            )
            sampler = "uniform"
        super().__init__(
            space,
            seed=seed,
            eta=eta,
            sampler=sampler,  # type: ignore[arg-type]
            max_sample_tries=max_sample_tries,
        )
        self.sample_prior_first = check_prior_first(sample_prior_first, space, "neps_hyperband")
