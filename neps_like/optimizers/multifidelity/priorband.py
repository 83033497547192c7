"""PriorBand (Mallik et al. 2023), a simple documented version.

Schedule and promotions are Hyperband's; what changes is how a *new* config is drawn,
an "ensemble sampling" policy mixing three sources:

* **uniform**, with probability ``p_u = 1 / (1 + eta**rho)``, where ``rho`` is the
  bracket's base rung counted from ``early_stopping_rate``: aggressive brackets (many
  cheap configs) explore more, conservative ones lean on beliefs;
* **prior**: ``space.sample(use_priors=True)``;
* **incumbent**: a local perturbation of the best config so far (each non-fidelity
  parameter moved with probability 1/2, at least one: numerical ones by a normal step
  of ``incumbent_sigma`` in the unit cube, categorical ones redrawn uniformly).

The remaining ``1 - p_u`` goes all to the prior until there is *evidence*: a rung above
the base with at least ``eta`` finished, scored configs. Then the prior's share decays
with how well it explains the best configs of that rung: with ``top`` the best
``max(1, k // eta)`` of its ``k`` results, ``w = S_prior / (S_prior + S_incumbent)`` where
``S_x`` sums the likelihood of ``top`` under source ``x`` (the prior's truncated
normals, or the incumbent perturbation's normals), computed over the parameters that
have a prior. A good prior keeps ``w`` high; a misleading one loses its weight as soon
as good configs appear elsewhere. The very first new config is the prior config itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity._brackets import Entry, FidelitySpace, History, rank
from neps_like.optimizers.multifidelity.hyperband import Hyperband
from neps_like.state.records import SampledConfig, Trial

__all__ = ["PriorBand"]

# Categorical parameters: likelihood that the incumbent perturbation keeps the value.
_INCUMBENT_KEEP = 0.5


class PriorBand(Hyperband):
    """Hyperband whose new configs mix prior, incumbent-perturbation and uniform draws.

    Args:
        incumbent_sigma: step size (unit cube) of the incumbent's local perturbation.
        Others: as ``Hyperband``. The space must have priors.
    """

    def __init__(
        self,
        space: FidelitySpace,
        *,
        seed: int,
        eta: int = 3,
        early_stopping_rate: int = 0,
        max_sample_tries: int = 100,
        incumbent_sigma: float = 0.1,
        prior_first: bool = True,
    ) -> None:
        if not space.has_priors:
            raise OptimizerError(
                "PriorBand needs priors: give some parameters a prior=... (e.g. "
                "Float(1e-5, 1e-1, log=True, prior=1e-3)), or use 'hyperband'."
            )
        super().__init__(
            space,
            seed=seed,
            eta=eta,
            early_stopping_rate=early_stopping_rate,
            sampler="prior",
            max_sample_tries=max_sample_tries,
        )
        if not 0 < incumbent_sigma <= 1:
            raise OptimizerError(
                f"PriorBand: incumbent_sigma must be in (0, 1], got {incumbent_sigma!r}."
            )
        self.incumbent_sigma = incumbent_sigma
        self.prior_first = prior_first
        self.params: dict[str, Any] = dict(space.searchables)  # no constants, no fidelity

    def mixture(self, hist: History, rung: int) -> tuple[float, float, float]:
        """Probabilities of (uniform, prior, incumbent) for a new config at ``rung``."""
        p_u = 1.0 / (1.0 + self.eta ** (rung - self.early_stopping_rate))
        inc = hist.incumbent()
        evidence = self._evidence(hist)
        if inc is None or not evidence:
            return p_u, 1.0 - p_u, 0.0
        w = self.prior_weight(evidence, inc)
        return p_u, (1.0 - p_u) * w, (1.0 - p_u) * (1.0 - w)

    def _evidence(self, hist: History) -> list[Entry]:
        for r in range(self.schedule.max_rung, self.early_stopping_rate, -1):
            ranked = rank(hist.rung(r))
            if len(ranked) >= self.eta:
                return ranked[: max(1, len(ranked) // self.eta)]
        return []

    def prior_weight(self, top: list[Entry], inc: Entry) -> float:
        """``S_prior / (S_prior + S_incumbent)`` over ``top`` (log-space, no underflow)."""
        log_p = [self._log_lik(e.trial.config, None) for e in top]
        log_i = [self._log_lik(e.trial.config, inc.trial.config) for e in top]
        s_p, s_i = _logsumexp(log_p), _logsumexp(log_i)
        return 1.0 / (1.0 + math.exp(max(-700.0, min(700.0, s_i - s_p))))

    def _log_lik(self, config: Mapping[str, Any], centre: Mapping[str, Any] | None) -> float:
        """Log-likelihood of ``config`` under the prior (``centre=None``) or a perturbation
        of ``centre``, over the parameters that have a prior."""
        total = 0.0
        for name, p in self.params.items():
            if not p.has_prior:
                continue
            if p.is_numerical:
                sigma = self.incumbent_sigma
                mean = p.prior_unit if centre is None else p.to_unit(centre[name])
                if centre is None:
                    sigma = max(1e-3, (1.0 - p.prior_confidence_value) / 2.0)
                total += _log_trunc_normal(p.to_unit(config[name]), mean, sigma)
            else:
                ref = p.reference_value if centre is None else centre[name]
                keep = p.prior_confidence_value if centre is None else _INCUMBENT_KEEP
                keep = min(max(keep, 1e-6), 1 - 1e-6)
                total += math.log(keep if config[name] == ref else 1.0 - keep)
        return total

    def _propose(self, trials: Mapping[str, Trial], hist: History) -> SampledConfig:
        top = self.schedule.max_rung
        prior = dict(self.space.prior_config())
        prior[self.schedule.fidelity_name] = self.schedule.value(top)
        if self.prior_first and self.key(prior) not in hist.keys:
            return SampledConfig(prior, rung=top)
        return super()._propose(trials, hist)

    def _draw(self, rng: np.random.Generator, hist: History, rung: int) -> dict[str, Any]:
        fidelity = self.schedule.value(rung)
        p_u, p_p, _ = self.mixture(hist, rung)
        pick = rng.random()
        inc = hist.incumbent()
        if pick < p_u:
            return dict(self.space.sample(rng, use_priors=False, fidelity=fidelity))
        if pick < p_u + p_p or inc is None:  # no incumbent: mixture gave it weight 0
            return dict(self.space.sample(rng, use_priors=True, fidelity=fidelity))
        return self.perturb(rng, inc.trial.config)

    def perturb(self, rng: np.random.Generator, config: Mapping[str, Any]) -> dict[str, Any]:
        """Move each parameter with probability 1/2 (at least one) around ``config``."""
        out = dict(config)
        names = list(self.params)
        if not names:
            return out
        moved = rng.random(len(names)) < 0.5
        moved[int(rng.integers(len(names)))] = True
        for name, move in zip(names, moved, strict=True):
            p = self.params[name]
            if not move:
                continue
            if p.is_numerical:
                u = p.to_unit(config[name]) + rng.normal(0.0, self.incumbent_sigma)
                out[name] = p.from_unit(min(1.0, max(0.0, u)))
            else:
                out[name] = p.from_unit(rng.random())
        return out


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    if math.isinf(top):
        return top
    return top + math.log(sum(math.exp(v - top) for v in values))


def _log_trunc_normal(x: float, mean: float, sigma: float) -> float:
    """Log-density at ``x`` of a normal(mean, sigma) truncated to [0, 1]."""
    scale = sigma * math.sqrt(2.0)
    mass = 0.5 * (math.erf((1.0 - mean) / scale) - math.erf((0.0 - mean) / scale))
    norm = sigma * math.sqrt(2 * math.pi) * max(mass, 1e-300)
    return -((x - mean) ** 2) / (2 * sigma**2) - math.log(norm)
