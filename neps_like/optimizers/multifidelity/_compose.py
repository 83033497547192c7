"""Pieces NePS-style multi-fidelity optimizers share: ``sample_prior_first`` and the
best config at any rung.

``PriorFirst`` is NePS's ``sample_prior_first``: ``True`` proposes the prior config as
the first new config (at the rung new configs start at), ``"highest_fidelity"`` proposes
it at the top fidelity instead, ``False`` does neither. It is a mixin: put it before a
schedule class (see ``_bases.on_base``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity._base import MultiFidelityOptimizer
from neps_like.optimizers.multifidelity._brackets import Entry, History
from neps_like.state.records import SampledConfig, Trial

__all__ = ["PriorFirst", "best_anywhere", "check_prior_first"]


def check_prior_first(setting: Any, space: Any, who: str) -> bool | str:
    """Validate ``sample_prior_first``: ``True``, ``False`` or ``"highest_fidelity"``,
    and anything but ``False`` needs priors."""
    if setting not in (True, False, "highest_fidelity"):
        raise OptimizerError(
            f"{who}: sample_prior_first must be True, False or 'highest_fidelity', got {setting!r}."
        )
    if setting is not False and not space.has_priors:
        raise OptimizerError(
            f"{who}: sample_prior_first={setting!r} needs priors in the search space; "
            "give some parameters a prior=... or set sample_prior_first=False."
        )
    return setting if setting == "highest_fidelity" else bool(setting)


class PriorFirst(MultiFidelityOptimizer):
    """Mixin: propose the prior config once, first, as ``sample_prior_first`` says."""

    sample_prior_first: bool | str = False

    def _propose(self, trials: Mapping[str, Trial], hist: History) -> SampledConfig:
        if not self.sample_prior_first:
            return super()._propose(trials, hist)
        fid = self.schedule.fidelity_name
        prior = dict(self.space.prior_config())
        if self.key(prior) in hist.keys:
            return super()._propose(trials, hist)
        if self.sample_prior_first == "highest_fidelity":
            top = self.schedule.max_rung
            prior[fid] = self.schedule.value(top)
            return SampledConfig(prior, rung=top)
        proposal = super()._propose(trials, hist)
        if proposal.previous_trial_id is not None or proposal.rung is None:
            return proposal  # a promotion: the prior goes first among new configs
        prior[fid] = proposal.config[fid]
        return SampledConfig(prior, rung=proposal.rung)


def best_anywhere(hist: History) -> Entry | None:
    """The finished entry with the best finite score at any rung (ties: oldest)."""
    best: Entry | None = None
    for r in hist.by_rung:
        for e in hist.rung(r):
            if e.score is None or not math.isfinite(e.score):
                continue
            if best is None or (e.score, e.order) < (best.score, best.order):
                best = e
    return best
