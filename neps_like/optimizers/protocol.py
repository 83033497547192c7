"""The contract every optimizer follows.

An optimizer is a callable ``ask(trials, budget_info, n) -> SampledConfig | list[SampledConfig]``.
It is a pure function of the search space and settings it was built with, the seed,
and the trials it is given: no I/O, no globals, inputs not mutated. Randomness comes
from a generator derived from ``(seed, len(trials), ...)`` so there is no RNG state to
persist and any worker rebuilds the same optimizer.

``compute_outside_lock`` tells the state layer whether a proposal is expensive: when
True the proposal is computed on a consistent snapshot outside the state lock and
committed afterwards (re-proposed if it collides with a newcomer). ``uses_outcomes =
False`` says the proposal reads no trial's outcome (only configs and counts), so the
worker's fast path may take it before other workers' latest outcomes are applied;
``uses_configs = False`` (with it) says it reads only how many trials there are, so
trials just claimed by other workers may still be unread placeholders. All are
optional; without them a proposal is cheap and reads everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from neps_like.state.records import BudgetInfo, SampledConfig, Trial

__all__ = ["AskFunction", "BudgetInfo", "SampledConfig"]


@runtime_checkable
class AskFunction(Protocol):
    """Propose the next config(s) given every trial of the study so far."""

    def __call__(
        self,
        trials: Mapping[str, Trial],
        budget_info: BudgetInfo | None,
        n: int | None = None,
    ) -> SampledConfig | list[SampledConfig]: ...
