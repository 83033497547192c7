"""``async_hb``: asynchronous Hyperband (Li et al. 2020), ASHA brackets of every depth.

Hyperband's brackets differ in where new configs start: bracket ``s`` starts them
``s`` rungs above the lowest. Here each bracket is an ASHA bracket (no fixed size, a
config is promoted as soon as it is in the top ``1/eta`` of the finished configs of
its rung *in its bracket*), so no worker ever waits for a rung to fill. A new config
goes to bracket ``s`` with probability proportional to
``eta**(K - s) * (K + 1) / (K - s + 1)`` (``K`` rungs above the lowest), the
distribution NePS uses, which gives every bracket about the same total budget.
Promotions come first, highest rung first.

A config's bracket is the rung its lineage started at, read back from the trials like
everything else in ``_brackets``, so any worker can take over.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neps_like.optimizers.multifidelity._brackets import Entry, History, promotion
from neps_like.optimizers.multifidelity.asha import ASHA
from neps_like.state.records import SampledConfig, Trial

__all__ = ["AsyncHyperband", "bracket_probabilities"]

_PURPOSE_BRACKET = 2


def bracket_probabilities(n_brackets: int, eta: int) -> np.ndarray:
    """Probability of starting a new config in bracket ``s`` (``s`` rungs above the base)."""
    k = n_brackets - 1
    w = np.array([eta ** (k - s) * (k + 1) / (k - s + 1) for s in range(n_brackets)], dtype=float)
    probs: np.ndarray = w / w.sum()
    return probs


class AsyncHyperband(ASHA):
    """Asynchronous Hyperband: ASHA brackets starting at every rung, chosen at random."""

    def promotable(self, hist: History) -> Entry | None:
        """Highest rung first, the best config owed a promotion within its own bracket."""
        start_of = {root.trial.id: root.rung for root in hist.roots}
        for r in range(self.schedule.max_rung - 1, self.early_stopping_rate - 1, -1):
            brackets: dict[int, list[Entry]] = {}
            for e in hist.rung(r):
                start = start_of.get(e.root)
                if e.done and start is not None:
                    brackets.setdefault(start, []).append(e)
            for start in sorted(brackets):
                finished = brackets[start]
                for entry in self.rank_entries(finished)[: len(finished) // self.eta]:
                    if entry.trial.id not in hist.promoted:
                        return entry
        return None

    def _propose(self, trials: Mapping[str, Trial], hist: History) -> SampledConfig:
        parent = self.promotable(hist)
        if parent is not None:
            return promotion(parent, self.schedule)
        n_brackets = self.schedule.max_rung - self.early_stopping_rate + 1
        rng = np.random.default_rng([self.seed, len(trials), _PURPOSE_BRACKET])
        s = int(rng.choice(n_brackets, p=bracket_probabilities(n_brackets, self.eta)))
        return self.new_config(trials, hist, self.early_stopping_rate + s)
