"""Hyperband (Li et al. 2018): successive halving brackets of every aggressiveness, in turn.

With ``s_max = max_rung - early_stopping_rate`` rungs above the base, bracket ``s``
(``s = s_max, ..., 0``) starts ``n = ceil((s_max + 1) / (s + 1) * eta**s)`` configs at
rung ``max_rung - s`` and keeps ``floor(n / eta**i)`` of them at its ``i``-th rung. The
brackets are cycled most aggressive first. Promotion and bracket-overlap rules are
those of ``successive_halving`` (never idle: new brackets open while rungs run).
"""

from __future__ import annotations

from neps_like.optimizers.multifidelity.successive_halving import BracketSpec, SuccessiveHalving

__all__ = ["Hyperband"]


def hyperband_brackets(max_rung: int, base_rung: int, eta: int) -> list[BracketSpec]:
    """The Hyperband bracket shapes, most aggressive (lowest base rung) first."""
    s_max = max_rung - base_rung
    specs = []
    for s in range(s_max, -1, -1):
        n = -(-(s_max + 1) * eta**s // (s + 1))  # integer ceil, no float rounding
        specs.append(BracketSpec(max_rung - s, tuple(max(1, n // eta**i) for i in range(s + 1))))
    return specs


class Hyperband(SuccessiveHalving):
    """Hyperband over successive-halving brackets.

    ``sampler="prior"`` draws new configs from the space's priors instead of uniformly.
    """

    def bracket_specs(self) -> list[BracketSpec]:
        return hyperband_brackets(self.schedule.max_rung, self.early_stopping_rate, self.eta)
