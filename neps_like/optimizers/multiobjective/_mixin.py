"""The settings and ranking MO-ASHA and MO-Hyperband share.

``ParetoRanking`` replaces the multi-fidelity optimizers' "best first objective first"
ranking of a rung with ``_selection.order``: front by front, spread within a front by
``mo_selector``. Reports with a single objective rank exactly as before.
"""

from __future__ import annotations

import logging
from typing import Any

from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity._brackets import Entry, FidelitySpace, rank
from neps_like.optimizers.multifidelity._compose import PriorFirst, check_prior_first
from neps_like.optimizers.multiobjective._selection import SELECTORS, order

__all__ = ["ParetoRanking", "check_sampler"]

logger = logging.getLogger(__name__)


class ParetoRanking(PriorFirst):
    """Mixin: rank a rung by Pareto fronts (``mo_selector`` within a front)."""

    mo_selector: str = "epsnet"

    def setup(self, mo_selector: Any, sample_prior_first: Any, who: str) -> None:
        if mo_selector not in SELECTORS:
            raise OptimizerError(
                f"{who}: mo_selector must be one of {list(SELECTORS)}, got {mo_selector!r}."
            )
        self.mo_selector = mo_selector
        self.sample_prior_first = check_prior_first(sample_prior_first, self.space, who)

    def rank_entries(self, entries: list[Entry]) -> list[Entry]:
        scored = [
            (e, e.trial.report.objectives)
            for e in entries
            if e.trial.report is not None and e.trial.report.is_usable and e.done
        ]
        width = max((len(objs or []) for _, objs in scored), default=0)
        if width <= 1:
            return rank(entries)
        usable = sorted(
            ((e, objs) for e, objs in scored if objs is not None and len(objs) == width),
            key=lambda pair: pair[0].order,
        )
        ranked = order([objs for _, objs in usable], self.mo_selector)
        return [usable[i][0] for i in ranked]


def check_sampler(sampler: Any, space: FidelitySpace, who: str) -> str:
    """``"uniform"`` or ``"prior"`` (the latter falls back to uniform, with a warning,
    when the space has no prior)."""
    if sampler not in ("uniform", "prior"):
        raise OptimizerError(f"{who}: sampler must be 'uniform' or 'prior', got {sampler!r}.")
    if sampler == "prior" and not space.has_priors:
        logger.warning("%s: sampler='prior' but no parameter has a prior; sampling uniformly.", who)
        return "uniform"
    return str(sampler)
