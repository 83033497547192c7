"""``neps_local_and_incumbent``: multi-fidelity local search around a given config.

For fine-tuning from a known good config (``local_prior``, e.g. the one in use today).
The schedule is ``base``'s (Hyperband by default); new configs are drawn near the
local prior and the incumbent (the best finished config at any fidelity):

* ``inc_takeover_mode=0``: move 1 to half of the local prior's parameters;
* ``1``: the same around the incumbent;
* ``2``: a crossover of the incumbent and the local prior;
* ``3``: one of the three at random, each time;

and with probability ``random_ratio`` a uniform draw instead. Until something has
finished, the local prior itself (without one, a uniform draw; then the first finished
config serves as the local prior). Settings and meaning are NePS's; the space's priors
are not used (a warning says so).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from neps_like._errors import OptimizerError, SpaceError
from neps_like.optimizers import _variation as var
from neps_like.optimizers.multifidelity._bases import on_base
from neps_like.optimizers.multifidelity._brackets import Entry, FidelitySpace, History
from neps_like.optimizers.multifidelity._compose import PriorFirst, best_anywhere

__all__ = ["LocalAndIncumbentDraws", "neps_local_and_incumbent"]

logger = logging.getLogger(__name__)
_WHO = "neps_local_and_incumbent"


class LocalAndIncumbentDraws(PriorFirst):
    """Mixin: new configs near a local prior and the incumbent (see the module docstring)."""

    local_prior: dict[str, Any] | None = None
    inc_takeover_mode: int = 0
    random_ratio: float = 0.0

    def setup(self, local_prior: Any, inc_takeover_mode: Any, random_ratio: Any) -> None:
        if inc_takeover_mode not in (0, 1, 2, 3) or isinstance(inc_takeover_mode, bool):
            raise OptimizerError(
                f"{_WHO}: inc_takeover_mode must be 0, 1, 2 or 3, got {inc_takeover_mode!r}."
            )
        if isinstance(random_ratio, bool) or not 0.0 <= float(random_ratio) <= 1.0:
            raise OptimizerError(f"{_WHO}: random_ratio must be in [0, 1], got {random_ratio!r}.")
        self.inc_takeover_mode = int(inc_takeover_mode)
        self.random_ratio = float(random_ratio)
        self.local_prior = None if local_prior is None else self._complete(local_prior)

    def _complete(self, local_prior: Any) -> dict[str, Any]:
        """``local_prior`` checked against the space (fidelity and constants filled in)."""
        if not isinstance(local_prior, Mapping):
            raise OptimizerError(f"{_WHO}: local_prior must be a config dict, got {local_prior!r}.")
        config = dict(self.space.prior_config())
        unknown = set(local_prior) - set(config)
        if unknown:
            raise OptimizerError(f"{_WHO}: local_prior names unknown parameters {sorted(unknown)}.")
        missing = set(self.space.searchables) - set(local_prior)
        if missing:
            raise OptimizerError(f"{_WHO}: local_prior lacks parameters {sorted(missing)}.")
        config.update(local_prior)
        try:
            return dict(self.space.validate_config(config))  # type: ignore[attr-defined]
        except SpaceError as exc:
            raise OptimizerError(f"{_WHO}: local_prior does not fit the space: {exc}") from exc

    def _draw(self, rng: np.random.Generator, hist: History, rung: int) -> dict[str, Any]:
        fidelity = self.schedule.value(rung)
        inc = best_anywhere(hist)
        local = self.local_prior or _first_finished(hist)
        if inc is None or local is None:
            config = dict(self.local_prior or self.space.sample(rng))
        elif rng.random() < self.random_ratio:
            config = dict(self.space.sample(rng))
        else:
            mode = self.inc_takeover_mode if self.inc_takeover_mode != 3 else int(rng.integers(3))
            space: Any = self.space
            d = len(space.searchables)
            if mode == 0:
                config = var.mutate(space, local, var.how_many("random", d, rng), rng)
            elif mode == 1:
                config = var.mutate(space, inc.trial.config, var.how_many("random", d, rng), rng)
            else:
                config = var.crossover(space, inc.trial.config, local, rng)
        config[self.schedule.fidelity_name] = fidelity
        # The local prior is proposed once, and in a small space the neighbourhood runs
        # out: a known config is replaced by a uniform draw rather than given up on.
        if self.key(config) in hist.keys:
            return dict(self.space.sample(rng, fidelity=fidelity))
        return config


def _first_finished(hist: History) -> dict[str, Any] | None:
    done: list[Entry] = [e for r in hist.by_rung for e in hist.rung(r) if e.score is not None]
    return dict(min(done, key=lambda e: e.order).trial.config) if done else None


def neps_local_and_incumbent(
    space: FidelitySpace,
    *,
    seed: int,
    local_prior: Mapping[str, Any] | None = None,
    inc_takeover_mode: int = 0,
    random_ratio: float = 0.0,
    eta: int = 3,
    base: str = "hyperband",
    max_sample_tries: int = 100,
) -> Any:
    """Build ``neps_local_and_incumbent`` on the schedule ``base``."""
    if space.has_priors:
        logger.warning("%s: the space's priors are not used by this optimizer.", _WHO)
    cls = on_base(LocalAndIncumbentDraws, base)
    opt = cls(space, seed=seed, eta=eta, max_sample_tries=max_sample_tries)
    opt.setup(local_prior, inc_takeover_mode, random_ratio)
    return opt
