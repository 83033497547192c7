"""Ways to make a new config from old ones: mutate, forget, cross over, sample a prior.

Owns the variation operators shared by the evolutionary and local-search optimizers
(``complex_random_search``, ``neps_regularized_evolution``, ``neps_local_and_incumbent``,
``neps_priorband``), and the ``ignore_fidelity`` setting those optimizers take.
Everything works on the space's *searchable* parameters (neither constants nor the
fidelity) in their unit-cube encoding, so a numerical step means the same on a
log-scaled learning rate as on a linear dropout. Pure functions of their arguments;
randomness only from the ``numpy.random.Generator`` passed in.

* ``mutate``: ``n`` parameters move around their current value: a numerical one is
  drawn from a normal of standard deviation ``MUTATION_STD`` (the spread of a
  "medium"-confidence prior) centred on it, truncated to the range; a categorical one
  takes another choice.
* ``forget``: ``n`` parameters are drawn afresh, uniformly.
* ``crossover``: each parameter comes from either parent with probability 1/2.
* ``prior_or_centre``: the prior value where a parameter has one, a uniform draw
  elsewhere (the "try the user's belief first" config).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Literal

import numpy as np

from neps_like._errors import OptimizerError, SamplingExhausted
from neps_like.space import SearchSpace

logger = logging.getLogger(__name__)

# Standard deviation (unit cube) of a mutation step: a "medium" prior's spread.
MUTATION_STD = 0.25
# Rejected truncated-normal draws before falling back to clipping.
_MAX_TRUNCATION_DRAWS = 20

ChangeCount = int | Literal["random", "half"]
IgnoreFidelity = bool | Literal["highest_fidelity"]


def how_many(spec: ChangeCount, n_params: int, rng: np.random.Generator) -> int:
    """Parameters to change: an int (at most all), ``"half"`` or ``"random"`` (1 to half)."""
    half = max(1, n_params // 2)
    if spec == "half":
        return half
    if spec == "random":
        return int(rng.integers(1, half + 1))
    return max(1, min(int(spec), n_params))


def check_change_count(name: str, spec: Any, *, allow_none: bool = True) -> None:
    """Raise ``OptimizerError`` unless ``spec`` is a positive int, "random", "half" (or None)."""
    if spec is None and allow_none:
        return
    if spec in ("random", "half"):
        return
    if isinstance(spec, int) and not isinstance(spec, bool) and spec >= 1:
        return
    raise OptimizerError(f"{name} must be a positive integer, 'random' or 'half', got {spec!r}.")


def _step(param: Any, value: Any, rng: np.random.Generator) -> Any:
    if not param.is_numerical:
        others = [c for c in param.choices if c != value]
        return others[int(rng.integers(len(others)))] if others else value
    centre = param.to_unit(value)
    for _ in range(_MAX_TRUNCATION_DRAWS):
        u = centre + rng.normal(0.0, MUTATION_STD)
        if 0.0 <= u <= 1.0:
            return param.from_unit(u)
    return param.from_unit(min(1.0, max(0.0, centre)))


def mutate(
    space: SearchSpace, config: Mapping[str, Any], n: int, rng: np.random.Generator
) -> dict[str, Any]:
    """``config`` with ``n`` searchable parameters moved around their current value."""
    out = dict(config)
    params = space.searchables
    names = list(params)
    if not names:
        return out
    for i in rng.choice(len(names), size=min(n, len(names)), replace=False):
        name = names[int(i)]
        out[name] = _step(params[name], config[name], rng)
    return out


def forget(
    space: SearchSpace, config: Mapping[str, Any], n: int, rng: np.random.Generator
) -> dict[str, Any]:
    """``config`` with ``n`` searchable parameters drawn again, uniformly."""
    out = dict(config)
    params = space.searchables
    names = list(params)
    if not names:
        return out
    for i in rng.choice(len(names), size=min(n, len(names)), replace=False):
        name = names[int(i)]
        out[name] = params[name].from_unit(float(rng.random()))
    return out


def crossover(
    space: SearchSpace,
    first: Mapping[str, Any],
    second: Mapping[str, Any],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Each searchable parameter from ``first`` or ``second`` with probability 1/2
    (fidelity and constants from ``first``)."""
    out = dict(first)
    for name in space.searchables:
        if rng.random() < 0.5:
            out[name] = second[name]
    return out


def prior_or_centre(space: SearchSpace, rng: np.random.Generator) -> dict[str, Any]:
    """Every parameter at its prior where it has one, uniform elsewhere."""
    config = dict(space.sample(rng))
    for name, param in space.searchables.items():
        if param.has_prior:
            config[name] = param.reference_value
    return config


def first_new(
    make: Callable[[], dict[str, Any]],
    key: Callable[[Mapping[str, Any]], Hashable],
    seen: set[Hashable],
    tries: int,
    who: str,
    fallback: Callable[[], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The first config from ``make()`` whose key is not in ``seen``; after ``tries``
    known ones, as many tries of ``fallback()`` (e.g. uniform draws, when a local
    operator keeps landing on evaluated configs of a small space).

    Raises:
        SamplingExhausted: every try gave a known config.
    """
    for source in (make, fallback):
        if source is None:
            continue
        for _ in range(tries):
            config = source()
            if key(config) not in seen:
                return config
    raise SamplingExhausted(
        f"{who} drew {tries} configs in a row that were already in the study "
        f"({len(seen)} distinct configs so far): the search space looks exhausted. "
        "Stop the run, or widen the space."
    )


class FidelityRule:
    """What the ``ignore_fidelity`` setting means for a single-fidelity optimizer.

    As in NePS: ``False`` refuses a space with a fidelity (the optimizer does not know
    what to do with it), ``True`` draws the fidelity uniformly like any parameter, and
    ``"highest_fidelity"`` always uses its upper bound. On a space without a fidelity
    anything but ``False`` only logs a warning.
    """

    def __init__(self, space: SearchSpace, setting: Any, who: str) -> None:
        if setting not in (True, False, "highest_fidelity"):
            raise OptimizerError(
                f"{who}: ignore_fidelity must be True, False or 'highest_fidelity', "
                f"got {setting!r}."
            )
        self.name = space.fidelity_name
        self.setting: IgnoreFidelity = setting
        if self.name is None:
            if setting is not False:
                logger.warning(
                    "%s: ignore_fidelity=%r has no effect: the space has no fidelity.",
                    who,
                    setting,
                )
            return
        if setting is False:
            raise OptimizerError(
                f"{who} does not use the fidelity {self.name!r} of this space: pass "
                "ignore_fidelity='highest_fidelity' (always its upper bound) or "
                "ignore_fidelity=True (drawn like any parameter), or choose a "
                "multi-fidelity optimizer such as 'hyperband'."
            )
        self.param: Any = space.fidelity

    def apply(self, config: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        """``config`` with the fidelity set by the rule (unchanged without a fidelity)."""
        out = dict(config)
        if self.name is None:
            return out
        if self.setting == "highest_fidelity":
            out[self.name] = self.param.upper
        else:
            out[self.name] = self.param.from_unit(float(rng.random()))
        return out
