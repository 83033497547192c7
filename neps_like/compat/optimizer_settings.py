"""NePS's optimizer settings for the optimizers neps_like has, read with NePS's meaning.

``translate(request, space)`` takes what a user passed as ``optimizer=`` and returns the
request for ``resolve_optimizer``, the space the optimizer is built on and whether the
first config should be the prior config. Per setting:

* ``sample_prior_first``: the first config evaluated is the prior (``PriorFirst``);
  PriorBand's own spelling is ``prior_first``.
* ``ignore_fidelity``: ``True`` searches the fidelity like any other parameter;
  ``False`` and ``"highest_fidelity"`` evaluate at the highest fidelity, which is what
  neps_like's single-fidelity optimizers do anyway (NePS refuses ``False`` there).
* ``size_per_numerical_dimension`` (grid search) is ``size``.
* ``cost_aware``, ``device``, ``reference_point``, ``bayesian_optimization_kick_in_point``,
  PriorBand's ``base`` other than ``"hyperband"``: NePS features neps_like has not got;
  accepted at their defaults, otherwise ignored with a warning.
* ``pibo`` / ``priorband`` on a space without priors: NePS warns and samples uniformly;
  neps_like warns and runs ``bayesian_optimization`` / ``hyperband``.

Other optimizers' requests pass through unchanged.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from neps_like._errors import OptimizerError
from neps_like.space import SearchSpace

logger = logging.getLogger(__name__)

_BO = ("bayesian_optimization", "pibo")
_BRACKETS = ("successive_halving", "hyperband", "asha")
_HANDLED = ("random_search", "grid_search", *_BO, *_BRACKETS, "priorband")
# setting -> the values that mean "this feature off", accepted silently.
_IGNORED: dict[str, tuple[Any, ...]] = {
    "cost_aware": (False, None),
    "device": (None, "cpu"),
    "reference_point": (None,),
    "bayesian_optimization_kick_in_point": (None,),
}
_IGNORED_BY: dict[str, tuple[str, ...]] = {
    "cost_aware": _BO,
    "device": (*_BO, *_BRACKETS, "priorband"),
    "reference_point": ("bayesian_optimization",),
    "bayesian_optimization_kick_in_point": (*_BRACKETS, "priorband"),
}


@dataclass(frozen=True, slots=True)
class Translated:
    """What ``translate`` returns."""

    request: Any
    space: SearchSpace
    sample_prior_first: bool = False

    @property
    def recorded(self) -> dict[str, Any]:
        """Settings handled here, recorded with the optimizer so a resume is checked
        against them and rebuilds them."""
        out: dict[str, Any] = {}
        if self.sample_prior_first:
            out["sample_prior_first"] = True
        if self.space.fidelity_name is None and self._had_fidelity:
            out["ignore_fidelity"] = True
        return out

    _had_fidelity: bool = False


def _factory_name(obj: Any) -> str | None:
    """The name behind a ``neps.algorithms`` factory passed as the optimizer."""
    name = getattr(obj, "neps_like_optimizer_name", None) if callable(obj) else None
    return name if isinstance(name, str) else None


def _split(request: Any) -> tuple[str | None, dict[str, Any]]:
    if _factory_name(request) is not None:
        return _factory_name(request), {}
    if isinstance(request, tuple) and len(request) == 2 and _factory_name(request[0]):
        return _factory_name(request[0]), dict(request[1])
    if isinstance(request, str):
        return request, {}
    if isinstance(request, tuple) and len(request) == 2 and isinstance(request[0], str):
        return request[0], dict(request[1])
    if isinstance(request, Mapping) and isinstance(request.get("name"), str):
        settings = dict(request)
        return str(settings.pop("name")), settings
    return None, {}


def _fidelity_searched(space: SearchSpace) -> SearchSpace:
    """``space`` with its fidelity as an ordinary parameter."""
    params = dict(space.parameters)
    name = space.fidelity_name
    if name is not None:
        params[name] = dataclasses.replace(params[name], is_fidelity=False)  # type: ignore[type-var]
    return SearchSpace(params)


def _without_priors(name: str, space: SearchSpace) -> str:
    if name == "pibo" and not space.has_priors:
        logger.warning(
            "pibo: no parameter has a prior, so there is nothing to weight the search "
            "with; running bayesian_optimization (NePS samples uniformly here)."
        )
        return "bayesian_optimization"
    if name == "priorband" and not space.has_priors and space.fidelity_name is not None:
        logger.warning(
            "priorband: no parameter has a prior; running hyperband, which samples "
            "uniformly (as NePS's priorband does without priors)."
        )
        return "hyperband"
    return name


def _drop_ignored(name: str, settings: dict[str, Any]) -> None:
    for key, quiet in _IGNORED.items():
        if key in settings and name in _IGNORED_BY[key]:
            value = settings.pop(key)
            if value not in quiet:
                logger.warning(
                    "%s: %s=%r is a NePS setting neps_like does not implement; ignored.",
                    name,
                    key,
                    value,
                )
    if name == "priorband" and "base" in settings:
        base = settings.pop("base")
        if base != "hyperband":
            logger.warning(
                "priorband: base=%r is ignored; neps_like's PriorBand runs on Hyperband "
                "brackets.",
                base,
            )


def translate(request: Any, space: SearchSpace) -> Translated:
    """NePS's settings of ``request`` mapped onto neps_like's (see the module docstring).

    Raises:
        OptimizerError: ``ignore_fidelity`` has a value NePS does not know.
    """
    name, settings = _split(request)
    if name is None:
        return Translated(request, space)
    if name not in _HANDLED:  # NePS's settings are the optimizer's own: passed as they are
        return Translated((name, settings) if settings else name, space)
    name = _without_priors(name, space)
    opt_space = space
    if "ignore_fidelity" in settings and name in ("random_search", "grid_search", *_BO):
        ignore = settings.pop("ignore_fidelity")
        if ignore not in (True, False, "highest_fidelity"):
            raise OptimizerError(
                f"{name}: ignore_fidelity must be True, False or 'highest_fidelity', "
                f"got {ignore!r}."
            )
        if ignore is True and space.fidelity_name is not None:
            opt_space = _fidelity_searched(space)
    if name == "grid_search" and "size_per_numerical_dimension" in settings:
        size = settings.pop("size_per_numerical_dimension")
        if "size" in settings and settings["size"] != size:
            raise OptimizerError(
                "grid_search: size and size_per_numerical_dimension are the same setting; "
                "give one."
            )
        settings["size"] = size
    _drop_ignored(name, settings)
    first = False
    if "sample_prior_first" in settings:
        value = settings.pop("sample_prior_first")
        if name == "priorband":
            settings["prior_first"] = bool(value)
        else:
            first = bool(value)
    searched = opt_space is not space
    return Translated((name, settings) if settings else name, opt_space, first, searched)


class PriorFirst:
    """An ask function whose first config is the prior config (NePS's
    ``sample_prior_first``): the wrapped optimizer's first proposal, with every searched
    parameter set to its prior (or the centre of its range). The fidelity, rung and lineage
    the optimizer chose are kept, and later calls go to it unchanged."""

    def __init__(self, optimizer: Any, space: SearchSpace) -> None:
        self.optimizer = optimizer
        self.space = space

    def __getattr__(self, name: str) -> Any:
        return getattr(self.optimizer, name)

    def __call__(self, trials: Mapping[str, Any], budget_info: Any, n: int | None = None) -> Any:
        proposed = self.optimizer(trials, budget_info, n)
        if trials:
            return proposed
        if isinstance(proposed, list):
            return [self._with_prior(proposed[0]), *proposed[1:]] if proposed else proposed
        return self._with_prior(proposed)

    def _with_prior(self, sampled: Any) -> Any:
        prior = self.space.prior_config()
        config = dict(sampled.config)
        for name in self.space.searchables:
            config[name] = prior[name]
        return dataclasses.replace(sampled, config=config)
