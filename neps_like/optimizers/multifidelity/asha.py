"""Asynchronous successive halving (ASHA, Li et al. 2020).

Rungs ``early_stopping_rate .. max_rung`` with no brackets. On each call, from the
highest rung down: among the *finished* trials of rung ``r`` (``k`` of them), any of
the best ``floor(k / eta)`` that has not been promoted yet is promoted to ``r + 1`` as
a new trial linked by ``previous_trial_id``. If there is none, a new config starts at
the base rung. So a worker never waits for a rung to fill, a trial still running is
never promoted (it is not finished) and a trial is promoted at most once (it is
promoted as soon as some trial names it as its ``previous_trial_id``).
"""

from __future__ import annotations

from collections.abc import Mapping

from neps_like.optimizers.multifidelity._base import MultiFidelityOptimizer
from neps_like.optimizers.multifidelity._brackets import Entry, History, promotion
from neps_like.state.records import SampledConfig, Trial

__all__ = ["ASHA"]


class ASHA(MultiFidelityOptimizer):
    """Asynchronous successive halving: promote whenever a config is in the top 1/eta."""

    def promotable(self, hist: History) -> Entry | None:
        """The next trial to promote, highest rung first, best score first."""
        for r in range(self.schedule.max_rung - 1, self.early_stopping_rate - 1, -1):
            finished = [e for e in hist.rung(r) if e.done]
            top = self.rank_entries(finished)[: len(finished) // self.eta]
            for entry in top:
                if entry.trial.id not in hist.promoted:
                    return entry
        return None

    def _propose(self, trials: Mapping[str, Trial], hist: History) -> SampledConfig:
        parent = self.promotable(hist)
        if parent is not None:
            return promotion(parent, self.schedule)
        return self.new_config(trials, hist, self.early_stopping_rate)
