"""Configs (``{dotted name: value}`` dicts) checked against a space.

Owns: validation and normalisation of a config, the duplicate-detection key, and
un-flattening dotted names into the nested dicts a user's function receives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neps_like._errors import ConfigError
from neps_like.space._base import Parameter, plain
from neps_like.space._categorical import Constant

KEY_SIGNIFICANT_DIGITS = 12


def _flat(config: Mapping[str, Any], parameters: Mapping[str, Parameter]) -> dict[str, Any]:
    """Accept nested groups in a config by flattening them to dotted names."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping) and key not in parameters:
            for sub, inner in _flat(value, {}).items():
                out[f"{key}.{sub}"] = inner
        else:
            out[key] = value
    return out


def validate_config(
    parameters: Mapping[str, Parameter], config: Mapping[str, Any]
) -> dict[str, Any]:
    """Check ``config`` against the space and return it as plain Python values.

    Every non-constant parameter must be present; a missing constant is filled in
    (imported configs often omit them), a present one must equal it. Nested groups are
    accepted and flattened. Values are normalised: numpy scalars become Python scalars,
    integral floats for an ``Integer`` become ints, a float within round-off of a bound
    is clipped onto it. The result follows the space's parameter order.

    Raises:
        ConfigError: naming the parameter, the value and what was expected.
    """
    if not isinstance(config, Mapping):
        raise ConfigError(f"a config must be a mapping, got {type(config).__name__}")
    flat = _flat(config, parameters)
    unknown = [k for k in flat if k not in parameters]
    if unknown:
        raise ConfigError(
            f"config has unknown parameter(s) {unknown}; the space has {list(parameters)}"
        )
    out: dict[str, Any] = {}
    for name, param in parameters.items():
        if name not in flat:
            if isinstance(param, Constant):
                out[name] = param.value
                continue
            raise ConfigError(f"config is missing parameter {name!r} ({describe(param)})")
        out[name] = check_named(name, param, flat[name])
    return out


def check_named(name: str, param: Parameter, value: Any) -> Any:
    """``param.check_value(value)`` with the parameter's name added to any error."""
    try:
        return param.check_value(value)
    except ConfigError as exc:
        raise ConfigError(f"parameter {name!r}: {exc} ({describe(param)})") from exc


def describe(param: Parameter) -> str:
    """A short human description of what a parameter accepts."""
    spec = param.to_dict()
    kind = spec.pop("type")
    fields = ", ".join(f"{k}={v!r}" for k, v in spec.items())
    return f"expected {kind} with {fields}"


def config_key(
    parameters: Mapping[str, Parameter],
    config: Mapping[str, Any],
    *,
    include_fidelity: bool = True,
) -> tuple[tuple[str, Any], ...]:
    """A hashable key equal for configs that should count as duplicates.

    Covers the searchable parameters (and the fidelity unless ``include_fidelity`` is
    False; constants never differ), in space order, with values normalised as
    ``validate_config`` does and floats rounded to 12 significant digits.

    Raises:
        ConfigError: if a parameter is missing or invalid.
    """
    items: list[tuple[str, Any]] = []
    for name, param in parameters.items():
        if isinstance(param, Constant) or (param.is_fidelity and not include_fidelity):
            continue
        if name not in config:
            raise ConfigError(f"config is missing parameter {name!r} ({describe(param)})")
        value = plain(check_named(name, param, config[name]))
        if isinstance(value, float):
            value = float(f"{value:.{KEY_SIGNIFICANT_DIGITS}g}")
        items.append((name, value))
    return tuple(items)


def unflatten(config: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1, "a.c": 2, "d": 3}`` -> ``{"a": {"b": 1, "c": 2}, "d": 3}``.

    Raises:
        ConfigError: if a name is both a value and a group ("a" and "a.b").
    """
    out: dict[str, Any] = {}
    created: set[int] = {id(out)}  # groups we built; a user's dict value stays a leaf
    for key, value in config.items():
        *groups, leaf = str(key).split(".")
        node = out
        for i, group in enumerate(groups):
            if group not in node:
                node[group] = {}
                created.add(id(node[group]))
            child = node[group]
            if id(child) not in created:
                prefix = ".".join(groups[: i + 1])
                raise ConfigError(f"cannot unflatten {key!r}: {prefix!r} is already a value")
            node = child
        if leaf in node:
            raise ConfigError(f"cannot unflatten {key!r}: it is also a group of other keys")
        node[leaf] = value
    return out
