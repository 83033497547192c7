"""Parameters written as plain dicts ("specs").

Owns the translation from a dict to a parameter, for both our own ``to_dict`` output
and NePS's YAML/dict shorthand::

    lr:     {lower: 1.0e-5, upper: 1.0e-1, log: true, prior: 1.0e-3}   # Float
    layers: {lower: 1, upper: 8}                                        # Integer (int bounds)
    act:    {choices: [relu, gelu], prior: relu}                        # Categorical
    seed:   {value: 42}                                                 # Constant
    epochs: {type: int, lower: 1, upper: 27, is_fidelity: true}

``type`` is optional ("float", "int"/"integer", "categorical"/"cat",
"constant"/"const"); ``default``/``default_confidence`` are the classic aliases of
``prior``/``prior_confidence``. Numbers written as strings ("1e-5", which YAML 1.1
reads as a string) are converted for the numeric fields of ``Float``/``Integer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neps_like._errors import SpaceError
from neps_like.space._base import Parameter, is_number, plain
from neps_like.space._categorical import Categorical, Constant
from neps_like.space._numerical import Float, Integer

TYPE_NAMES: dict[str, str] = {
    "float": "float",
    "int": "integer",
    "integer": "integer",
    "categorical": "categorical",
    "cat": "categorical",
    "constant": "constant",
    "const": "constant",
}

_PRIOR_KEYS = frozenset({"prior", "default", "prior_confidence", "default_confidence"})
_NUMERICAL_KEYS = frozenset({"lower", "upper", "log", "log_base", "is_fidelity"}) | _PRIOR_KEYS
_KEYS: dict[str, frozenset[str]] = {
    "float": _NUMERICAL_KEYS,
    "integer": _NUMERICAL_KEYS,
    "categorical": frozenset({"choices"}) | _PRIOR_KEYS,
    "constant": frozenset({"value"}),
}
_MARKERS = ("type", "lower", "upper", "choices", "value")
_SPEC_KEYS = frozenset(_MARKERS) | _NUMERICAL_KEYS | {"choices", "value"}
_NUMBER_FIELDS = ("lower", "upper", "prior", "default", "log_base")


def looks_like_spec(mapping: Mapping[Any, Any]) -> bool:
    """True if ``mapping`` describes one parameter rather than a group of parameters.

    A group holds parameters or further groups; a spec holds only plain values and at
    least one of the keys ``type``, ``lower``, ``upper``, ``choices`` or ``value``.
    """
    if any(isinstance(v, Parameter | Mapping) for v in mapping.values()):
        return False
    return any(key in mapping for key in _MARKERS)


def check_group(mapping: Mapping[Any, Any], name: str) -> None:
    """Refuse a mapping that would be read as a group of constants but was surely meant
    as one parameter: a spec with a key in the wrong case (``Lower``/``Upper``), or
    with ``choices``/``lower``/... given as a mapping (``choices: {a: 1}``).

    Raises:
        SpaceError: naming the parameter and the key.
    """
    for key, value in mapping.items():
        if not isinstance(key, str):
            continue
        if key in _MARKERS and isinstance(value, Mapping) and not looks_like_spec(value):
            raise SpaceError(
                f"parameter {name!r}: {key!r} is a mapping ({dict(value)!r}); "
                + (
                    "choices must be a list, e.g. choices: [a, b]"
                    if key == "choices"
                    else f"{key!r} must be a plain value"
                )
            )
        lower = key.lower()
        if lower != key and lower in _SPEC_KEYS and not isinstance(value, Parameter | Mapping):
            raise SpaceError(
                f"parameter {name!r}: key {key!r} is not known; parameter keys are lower "
                f"case (did you mean {lower!r}?)"
            )


def parameter_from_spec(spec: Any) -> Parameter:
    """Build the parameter a spec dict describes.

    Raises:
        SpaceError: for an unknown type, unknown or missing keys, or invalid values.
    """
    if not isinstance(spec, Mapping):
        raise SpaceError(
            f"expected a parameter dict such as {{'type': 'float', 'lower': 0, 'upper': 1}}, "
            f"got {spec!r} ({type(spec).__name__})"
        )
    kind = _kind(spec)
    args = {str(k): v for k, v in spec.items() if k != "type"}
    unknown = sorted(set(args) - _KEYS[kind])
    if unknown:
        raise SpaceError(
            f"unknown key(s) {unknown} for a {kind} parameter; allowed: {sorted(_KEYS[kind])}"
        )
    if kind == "categorical":
        return Categorical.with_prior_value(_pop_required(args, "choices", kind), **args)
    if kind == "constant":
        return Constant(_pop_required(args, "value", kind))
    for key in _NUMBER_FIELDS:
        if isinstance(args.get(key), str):
            args[key] = _parse_number(args[key], key)
    lower = _pop_required(args, "lower", kind)
    upper = _pop_required(args, "upper", kind)
    cls = Float if kind == "float" else Integer
    return cls(lower, upper, **args)


def _kind(spec: Mapping[Any, Any]) -> str:
    if "type" in spec:
        given = spec["type"]
        kind = TYPE_NAMES.get(given.lower()) if isinstance(given, str) else None
        if kind is None:
            raise SpaceError(f"type={given!r} is not known; expected one of {sorted(TYPE_NAMES)}")
        return kind
    if "choices" in spec:
        return "categorical"
    if "value" in spec:
        return "constant"
    bounds = [spec.get("lower"), spec.get("upper")]
    if all(is_number(b) and isinstance(plain(b), int) for b in bounds):
        return "integer"
    return "float"


def _pop_required(args: dict[str, Any], key: str, kind: str) -> Any:
    if key not in args:
        raise SpaceError(f"a {kind} parameter needs the key {key!r}")
    return args.pop(key)


def _parse_number(text: str, key: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SpaceError(f"{key}={text!r} is not a number") from None
