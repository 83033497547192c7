"""Drawing configs from a space: random samples (uniform or around the priors) and grids.

Owns the sampling distributions (documented in ``_confidence``) and the grid layout.
All randomness comes from the generator passed in, a ``numpy.random.Generator`` or a
``random.Random`` (cheaper to create: random search makes one per proposal, under the
state lock); nothing here touches a global RNG. The truncated normal is drawn by
rejection, which accepts at least ~48 % of draws because the mean lies in ``[0, 1]``
and the standard deviation is at most 0.5.
"""

from __future__ import annotations

import itertools
import math
import random
from typing import TYPE_CHECKING, Any, TypeAlias

from neps_like._errors import ConfigError, SpaceError
from neps_like.space._categorical import Categorical, Constant
from neps_like.space._confidence import numerical_prior_std
from neps_like.space._config import check_named
from neps_like.space._numerical import Float, Integer, continuous_from_unit

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np

    from neps_like.space._base import Parameter

_BATCH = 16
_MAX_ROUNDS = 64

Rng: TypeAlias = "np.random.Generator | random.Random"


def truncated_normal_unit(rng: Rng, mean: float, std: float) -> float:
    """One draw from a normal(mean, std) truncated to ``[0, 1]``."""
    if std <= 0.0:
        return mean
    if isinstance(rng, random.Random):
        for _ in range(_BATCH * _MAX_ROUNDS):
            draw = rng.gauss(mean, std)
            if 0.0 <= draw <= 1.0:
                return draw
        return min(1.0, max(0.0, mean))  # unreachable in practice (p < 1e-300)
    for _ in range(_MAX_ROUNDS):
        draws = rng.normal(mean, std, size=_BATCH)
        inside = draws[(draws >= 0.0) & (draws <= 1.0)]
        if inside.size:
            return float(inside[0])
    return min(1.0, max(0.0, mean))  # unreachable in practice (p < 1e-300)


def sample_prior(param: Parameter, rng: Rng) -> Any:
    """One draw from the prior distribution of ``param`` (which must have a prior)."""
    confidence = param.prior_confidence_value
    if isinstance(param, Categorical):
        if rng.random() < confidence:
            return param.prior
        return param.from_unit(float(rng.random()))
    centre = param.prior_unit
    if centre is None:
        raise SpaceError(f"{param!r} has no prior to sample around")
    return param.from_unit(truncated_normal_unit(rng, centre, numerical_prior_std(confidence)))


def fidelity_value(name: str, param: Parameter, fidelity: Any) -> Any:
    """Resolve ``fidelity`` ("max", "min" or a value) for the fidelity parameter."""
    if not isinstance(param, Float | Integer):
        raise SpaceError(f"parameter {name!r} is not numerical and cannot be a fidelity")
    if isinstance(fidelity, str):
        if fidelity == "max":
            return param.upper
        if fidelity == "min":
            return param.lower
        raise ConfigError(f"fidelity={fidelity!r} must be 'max', 'min' or a value of {name!r}")
    return check_named(name, param, fidelity)


def sample(
    parameters: Mapping[str, Parameter],
    rng: Rng,
    *,
    use_priors: bool = False,
    fidelity: Any = "max",
) -> dict[str, Any]:
    """One config: uniform (log-uniform for log parameters) or, with ``use_priors``,
    drawn around the priors of the parameters that have one."""
    config: dict[str, Any] = {}
    for name, param in parameters.items():
        if isinstance(param, Constant):
            config[name] = param.value
        elif param.is_fidelity:
            config[name] = fidelity_value(name, param, fidelity)
        elif use_priors and param.has_prior:
            config[name] = sample_prior(param, rng)
        else:
            config[name] = param.from_unit(float(rng.random()))
    return config


def grid_values(param: Parameter, size: int) -> list[Any]:
    """The values of one parameter on a grid of ``size`` points per numerical axis."""
    if isinstance(param, Categorical):
        return list(param.choices)
    if isinstance(param, Constant):
        return [param.value]
    import numpy as np  # only grids need it: a random-search worker never loads numpy

    if isinstance(param, Float):
        units = [0.5] if size == 1 else np.linspace(0.0, 1.0, size).tolist()
        return [param.from_unit(u) for u in units]
    if isinstance(param, Integer):
        if size == 1:
            points = np.array([continuous_from_unit(0.5, param.lower, param.upper, param.log)])
        elif param.log:
            points = np.exp(np.linspace(math.log(param.lower), math.log(param.upper), size))
        else:
            # Floats: numpy keeps integers past 2**63 as objects it cannot subtract.
            points = np.linspace(float(param.lower), float(param.upper), size)
        rounded = (min(param.upper, max(param.lower, math.floor(x + 0.5))) for x in points)
        return list(dict.fromkeys(rounded))
    raise SpaceError(f"cannot build grid values for {param!r}")


def grid(parameters: Mapping[str, Parameter], size: int = 10) -> list[dict[str, Any]]:
    """Every combination of grid values, the last parameter varying fastest.

    Numerical parameters get ``size`` evenly spaced points in their (log-aware) range,
    integers deduplicated after rounding; categoricals all choices; constants their
    value; the fidelity its upper bound.

    Raises:
        SpaceError: if ``size`` is not a positive integer.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise SpaceError(f"grid size must be a positive integer, got {size!r}")
    axes: dict[str, list[Any]] = {}
    for name, param in parameters.items():
        if param.is_fidelity:
            axes[name] = [fidelity_value(name, param, "max")]
        else:
            axes[name] = grid_values(param, size)
    names = list(axes)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes.values())]
