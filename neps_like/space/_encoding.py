"""The unit-cube encoding of whole configs, for model-based optimizers.

Owns the column layout: one column per searchable parameter (neither constant nor
fidelity), in space order, each in ``[0, 1]`` as the parameter's own ``to_unit``
defines it. Also owns the fidelity's separate ``[0, 1]`` scale for multi-fidelity
optimizers, which — unlike the integer bins of the cube encoding — puts the lower bound
at exactly 0 and the upper at exactly 1 (log-aware).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from neps_like._errors import ConfigError
from neps_like.space._base import Parameter, clip_unit
from neps_like.space._categorical import Categorical, Constant
from neps_like.space._config import check_named
from neps_like.space._numerical import (
    Float,
    Integer,
    continuous_from_unit,
    continuous_to_unit,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import numpy as np

KIND_OF_TYPE = {"float": "float", "integer": "int", "categorical": "cat"}


def searchable_items(parameters: Mapping[str, Parameter]) -> list[tuple[str, Parameter]]:
    """The (name, parameter) pairs that get a column, in order."""
    return [
        (name, p)
        for name, p in parameters.items()
        if not isinstance(p, Constant) and not p.is_fidelity
    ]


def encoded_kinds(parameters: Mapping[str, Parameter]) -> list[str]:
    """ "float", "int" or "cat" for each column."""
    return [KIND_OF_TYPE[p.type_name] for _, p in searchable_items(parameters)]


def n_choices(parameters: Mapping[str, Parameter]) -> list[int]:
    """Number of choices for each categorical column, 0 for numerical ones."""
    return [
        len(p.choices) if isinstance(p, Categorical) else 0 for _, p in searchable_items(parameters)
    ]


def encode(parameters: Mapping[str, Parameter], configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Array of shape ``(len(configs), n_dims)`` with every entry in ``[0, 1]``.

    Raises:
        ConfigError: naming the config index and parameter of a missing or bad value.
    """
    import numpy as np  # here, not at import: a random-search worker never loads numpy

    columns = searchable_items(parameters)
    out = np.empty((len(configs), len(columns)), dtype=np.float64)
    for i, config in enumerate(configs):
        for j, (name, param) in enumerate(columns):
            if name not in config:
                raise ConfigError(f"config {i} is missing parameter {name!r}")
            try:
                out[i, j] = param.to_unit(config[name])
            except ConfigError as exc:
                raise ConfigError(f"config {i}, parameter {name!r}: {exc}") from exc
    return out


def decode(parameters: Mapping[str, Parameter], x: np.ndarray) -> list[dict[str, Any]]:
    """Configs for the rows of ``x`` (clipped to ``[0, 1]``), with constants filled in
    and the fidelity at its upper bound.

    Raises:
        ConfigError: if ``x`` is not 2-D with one column per searchable parameter, or
            holds NaN.
    """
    import numpy as np

    columns = searchable_items(parameters)
    array = np.asarray(x, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != len(columns):
        raise ConfigError(
            f"cannot decode an array of shape {array.shape}; expected (n, {len(columns)})"
        )
    if np.isnan(array).any():
        raise ConfigError("cannot decode an array that contains NaN")
    array = np.clip(array, 0.0, 1.0)
    configs = []
    for row in array:
        values = iter(row.tolist())
        config: dict[str, Any] = {}
        for name, param in parameters.items():
            if isinstance(param, Float | Integer) and param.is_fidelity:
                config[name] = param.upper
            elif isinstance(param, Constant):
                config[name] = param.value
            else:
                config[name] = param.from_unit(next(values))
        configs.append(config)
    return configs


def fidelity_to_unit(name: str, param: Float | Integer, value: Any) -> float:
    """Position of a fidelity value on its own scale: lower -> 0, upper -> 1."""
    v = check_named(name, param, value)
    return clip_unit(continuous_to_unit(v, param.lower, param.upper, param.log))


def unit_to_fidelity(name: str, param: Float | Integer, u: float) -> float | int:
    """Inverse of ``fidelity_to_unit`` (rounded to the nearest integer for ``Integer``)."""
    try:
        x = continuous_from_unit(u, param.lower, param.upper, param.log)
    except ConfigError as exc:
        raise ConfigError(f"fidelity {name!r}: {exc}") from exc
    if isinstance(param, Integer):
        return min(param.upper, max(param.lower, math.floor(x + 0.5)))
    return x
