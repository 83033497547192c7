"""Synchronous successive halving (Jamieson & Talwalkar 2016), and the bracket logic
Hyperband reuses.

A *bracket* starts ``sizes[0]`` new configs at its base rung. When every config of a
rung has finished, the best ``sizes[i+1]`` (about ``1/eta``) are promoted one rung up,
each as a new trial linked to its parent by ``previous_trial_id``. Promotions are
decided on complete rungs only (that is what makes it *synchronous*), but the
optimizer never idles: when nothing can be promoted because a rung is still running,
it samples new configs for the next bracket, so with many workers several brackets run
at once. Promotions in older brackets come first, and within a bracket the highest
rung first, so brackets finish in the order they were opened.

Brackets are rebuilt from the trials on every call: lineage starts (trials without a
``previous_trial_id``) are grouped by their base rung and dealt out to the brackets in
creation order, bracket ``j`` taking the next ``sizes[0]`` starts of its base rung.
Failed trials count as finished with the worst score and are never promoted, so a
rung may promote fewer than ``sizes[i+1]`` configs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from neps_like.optimizers.multifidelity._base import MultiFidelityOptimizer
from neps_like.optimizers.multifidelity._brackets import Entry, History, promotion, rank
from neps_like.state.records import SampledConfig, Trial

__all__ = ["BracketSpec", "SuccessiveHalving"]


@dataclass(frozen=True, slots=True)
class BracketSpec:
    """A bracket's shape: its base rung and how many configs each rung holds."""

    base_rung: int
    sizes: tuple[int, ...]  # sizes[i] configs at rung base_rung + i


@dataclass(frozen=True, slots=True)
class Bracket:
    spec: BracketSpec
    starts: tuple[Entry, ...]  # its configs at the base rung

    @property
    def is_full(self) -> bool:
        return len(self.starts) >= self.spec.sizes[0]

    def next_promotion(
        self, hist: History, order: Callable[[list[Entry]], list[Entry]] = rank
    ) -> Entry | None:
        """The best unpromoted config of the highest complete rung still owed promotions;
        ``order`` ranks a rung's finished entries, best first."""
        members: list[Entry] = list(self.starts)
        target = self.spec.sizes[0]
        found: Entry | None = None
        for i, keep in enumerate(self.spec.sizes[1:]):
            if len(members) < target or not all(e.done for e in members):
                break  # this rung is still running: nothing above it can be decided
            chosen = order(members)[:keep]
            waiting = [e for e in chosen if e.trial.id not in hist.promoted]
            if waiting:
                found = waiting[0]
            up = self.spec.base_rung + i + 1
            members = [hist.at[(e.root, up)] for e in chosen if (e.root, up) in hist.at]
            target = len(chosen)
        return found


def deal_brackets(hist: History, specs: Sequence[BracketSpec]) -> list[Bracket]:
    """Assign lineage starts to brackets cycling through ``specs``, oldest bracket first.

    The result always ends with at least one bracket that is not full (possibly empty):
    the one new configs go to.
    """
    queues = {s.base_rung: [e for e in hist.roots if e.rung == s.base_rung] for s in specs}
    used = dict.fromkeys(queues, 0)
    brackets: list[Bracket] = []
    while True:
        spec = specs[len(brackets) % len(specs)]
        start = used[spec.base_rung]
        starts = queues[spec.base_rung][start : start + spec.sizes[0]]
        used[spec.base_rung] += len(starts)
        brackets.append(Bracket(spec, tuple(starts)))
        if all(used[r] >= len(q) for r, q in queues.items()) and not brackets[-1].is_full:
            return brackets


class SuccessiveHalving(MultiFidelityOptimizer):
    """Synchronous successive halving with one bracket shape, repeated.

    The bracket starts ``eta**k`` configs at rung ``early_stopping_rate`` (``k`` rungs
    below the top) and promotes the best ``1/eta`` at each rung up to the maximum
    fidelity. See the module docstring for how brackets overlap so no worker waits.
    """

    def bracket_specs(self) -> list[BracketSpec]:
        k = self.schedule.max_rung - self.early_stopping_rate
        sizes = tuple(self.eta ** (k - i) for i in range(k + 1))
        return [BracketSpec(self.early_stopping_rate, sizes)]

    def _propose(self, trials: Mapping[str, Trial], hist: History) -> SampledConfig:
        brackets = deal_brackets(hist, self.bracket_specs())
        for bracket in brackets:
            parent = bracket.next_promotion(hist, self.rank_entries)
            if parent is not None:
                return promotion(parent, self.schedule)
        target = next(b for b in brackets if not b.is_full)
        return self.new_config(trials, hist, target.spec.base_rung)
