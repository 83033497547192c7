"""``neps_priorband``: PriorBand as NePS's newer version draws it, on any schedule.

New configs come from three sources. Uniform, with probability ``1 / (1 + eta**r)``
for a config starting ``r`` rungs above the lowest. The rest goes to the prior until
the study has shown something: a finished config at the top fidelity, at least one
successive-halving bracket's worth of fidelity spent (a continuation counting only the
extra fidelity), and a rung with ``eta`` finished configs. From then on a fixed share
``inc_ratio`` of it goes to the incumbent (the best finished config at any fidelity)
with 1 to half of its parameters moved around their values, and the rest to the
prior. (``priorband`` instead weighs prior against incumbent by how well each explains
the best configs; this one is NePS's ``neps_priorband``.)

``base`` picks the schedule (``"hyperband"``, ``"asha"``, ``"async_hb"`` or
``"successive_halving"``); ``sample_prior_first`` as in ``neps_hyperband``. Without
priors it warns and the "prior" draws are uniform.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from neps_like._errors import OptimizerError
from neps_like.optimizers import _variation as var
from neps_like.optimizers.multifidelity._bases import on_base
from neps_like.optimizers.multifidelity._brackets import FidelitySpace, History
from neps_like.optimizers.multifidelity._compose import (
    PriorFirst,
    best_anywhere,
    check_prior_first,
)

__all__ = ["NePSPriorBandDraws", "neps_priorband"]

logger = logging.getLogger(__name__)


class NePSPriorBandDraws(PriorFirst):
    """Mixin: PriorBand's draws with a fixed incumbent share (see the module docstring)."""

    inc_ratio: float = 0.9

    def setup(self, inc_ratio: float, sample_prior_first: Any) -> None:
        if isinstance(inc_ratio, bool) or not 0.0 <= float(inc_ratio) <= 1.0:
            raise OptimizerError(f"neps_priorband: inc_ratio must be in [0, 1], got {inc_ratio!r}.")
        self.inc_ratio = float(inc_ratio)
        self.sample_prior_first = check_prior_first(
            sample_prior_first, self.space, "neps_priorband"
        )

    def shown_something(self, hist: History) -> bool:
        """The three conditions under which the incumbent gets a share."""
        done = [e for r in hist.by_rung for e in hist.rung(r) if e.done]
        top = self.schedule.max_rung
        if not any(e.rung == top for e in done):
            return False
        if not any(sum(1 for e in done if e.rung == r) >= self.eta for r in hist.by_rung):
            return False
        values = self.schedule.values
        step = [values[r] - (values[r - 1] if r > 0 else 0.0) for r in range(len(values))]
        esr = self.early_stopping_rate
        k = top - esr
        n0 = (len(values) // (k + 1)) * self.eta**k
        bracket = sum((n0 // self.eta**i) * step[esr + i] for i in range(k + 1))
        return bool(sum(step[e.rung] for e in done) >= bracket)

    def _draw(self, rng: np.random.Generator, hist: History, rung: int) -> dict[str, Any]:
        config = self._mixture_draw(rng, hist, rung)
        if self.key(config) in hist.keys:  # a small space's prior region ran out
            return dict(self.space.sample(rng, fidelity=self.schedule.value(rung)))
        return config

    def _mixture_draw(self, rng: np.random.Generator, hist: History, rung: int) -> dict[str, Any]:
        fidelity = self.schedule.value(rung)
        p_uniform = 1.0 / (1.0 + self.eta ** (rung - self.early_stopping_rate))
        p_inc = 0.0
        inc = best_anywhere(hist)
        if inc is not None and self.shown_something(hist):
            p_inc = (1.0 - p_uniform) * self.inc_ratio
        pick = rng.random()
        if pick < p_uniform:
            return dict(self.space.sample(rng, fidelity=fidelity))
        if pick < p_uniform + p_inc and inc is not None:
            d = len(self.space.searchables)
            config = var.mutate(self.space, inc.trial.config, var.how_many("random", d, rng), rng)  # type: ignore[arg-type]
            config[self.schedule.fidelity_name] = fidelity
            return config
        return dict(self.space.sample(rng, use_priors=True, fidelity=fidelity))


def neps_priorband(
    space: FidelitySpace,
    *,
    seed: int,
    inc_ratio: float = 0.9,
    eta: int = 3,
    sample_prior_first: Any = False,
    base: str = "hyperband",
    max_sample_tries: int = 100,
) -> Any:
    """Build ``neps_priorband`` on the schedule ``base`` (see the module docstring)."""
    if not space.has_priors:
        logger.warning(
            "neps_priorband: no parameter has a prior, so PriorBand samples uniformly; "
            "consider 'hyperband'."
        )
    cls = on_base(NePSPriorBandDraws, base)
    opt = cls(space, seed=seed, eta=eta, max_sample_tries=max_sample_tries)
    opt.setup(inc_ratio, sample_prior_first)
    return opt
