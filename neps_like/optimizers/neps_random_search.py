"""``neps_random_search``: NePS's random search for its own spaces, with ``ignore_fidelity``.

Independent draws, uniform or (``use_priors=True``) around the priors, like
``random_search``; what differs is the fidelity. NePS's version refuses a space with a
fidelity unless told what to do with it: ``ignore_fidelity="highest_fidelity"`` always
evaluates at the upper bound, ``ignore_fidelity=True`` draws the fidelity uniformly like
any other parameter. Reads only how many trials there are, so a proposal costs next to
nothing under the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from neps_like.optimizers._variation import FidelityRule
from neps_like.space import SearchSpace
from neps_like.state.records import BudgetInfo, SampledConfig, Trial

__all__ = ["NePSRandomSearch"]

logger = logging.getLogger(__name__)

_MAX_DRAWS_PER_CONFIG = 50


class NePSRandomSearch:
    """Random search with NePS's ``use_priors`` and ``ignore_fidelity`` settings.

    Args:
        space: the search space.
        seed: seed of every draw; proposal ``k`` uses ``default_rng([seed, k])``.
        use_priors: draw around the priors of parameters that have one (a warning, and
            uniform draws, when the space has none).
        ignore_fidelity: ``False`` (refuse a fidelity), ``True`` or ``"highest_fidelity"``.
    """

    compute_outside_lock = False
    uses_outcomes = False
    uses_configs = False

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int,
        use_priors: bool = False,
        ignore_fidelity: Any = False,
    ) -> None:
        self.space = space
        self.seed = seed
        self.fidelity = FidelityRule(space, ignore_fidelity, "neps_random_search")
        if use_priors and not space.has_priors:
            logger.warning(
                "neps_random_search: use_priors=True but no parameter has a prior; "
                "sampling uniformly."
            )
        self.use_priors = bool(use_priors) and space.has_priors

    def _draw(self, rng: np.random.Generator) -> dict[str, Any]:
        return self.fidelity.apply(self.space.sample(rng, use_priors=self.use_priors), rng)

    def __call__(
        self, trials: Mapping[str, Trial], budget_info: BudgetInfo | None, n: int | None = None
    ) -> SampledConfig | list[SampledConfig]:
        rng = np.random.default_rng([self.seed, len(trials)])
        if n is None:
            return SampledConfig(self._draw(rng))
        configs: dict[object, SampledConfig] = {}
        draws = 0
        while len(configs) < n and draws < _MAX_DRAWS_PER_CONFIG * n:
            config = self._draw(rng)
            configs.setdefault(self.space.config_key(config), SampledConfig(config))
            draws += 1
        out = list(configs.values())
        while len(out) < n:  # a space smaller than the batch
            out.append(SampledConfig(self._draw(rng)))
        return out
