"""Turning what a user passes as a space into a flat ``{dotted name: Parameter}`` dict.

Owns the accepted input forms and their error messages:

* a dict whose values are parameters, plain constants (str/int/float/bool/None become
  ``Constant``), lists (``Categorical``, as in NePS), ``(lower, upper)`` tuples (NePS's
  range shorthand: ``Integer`` if both are ints, else ``Float``), spec dicts (see
  ``_spec``) or nested dicts, flattened to dotted names ``"a.b.c"``;
* a ``PipelineSpace`` subclass or instance;
* a path (str or ``os.PathLike``) to a ``.yaml``/``.yml`` file holding such a dict.

Also owns the rules for names: non-empty strings, no leading, trailing or doubled dots,
no name that is a prefix group of another ("a" and "a.b" cannot both exist, since the
config could not be un-flattened), and at most one fidelity.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neps_like._errors import SpaceError
from neps_like.space._base import Parameter, check_text, is_number, plain
from neps_like.space._categorical import Categorical, Constant
from neps_like.space._configspace import is_configspace, parameters_from_configspace
from neps_like.space._numerical import Float, Integer
from neps_like.space._pipeline import PipelineSpace
from neps_like.space._spec import check_group, looks_like_spec, parameter_from_spec
from neps_like.space._structured import (
    ByName,
    Choice,
    Operation,
    Resample,
    compile_space,
    is_structured,
)

YAML_SUFFIXES = (".yaml", ".yml")
# Names the evaluation function receives from neps_like itself.
RESERVED_NAMES = frozenset({"pipeline_directory", "previous_pipeline_directory", "pipeline_id"})


def parameters_from_user(obj: Any) -> dict[str, Parameter]:
    """Flatten and convert any accepted space form; see the module docstring.

    Raises:
        SpaceError: naming the key path and the type of anything that is not accepted.
    """
    parameters = _parameters(obj)
    if not parameters:
        raise SpaceError(
            "the search space is empty; give at least one parameter, e.g. "
            "{'x': neps.Float(0.0, 1.0)}"
        )
    return parameters


def _parameters(obj: Any) -> dict[str, Parameter]:
    if isinstance(obj, type) and issubclass(obj, PipelineSpace):
        return _from_pipeline(obj.declared(), obj.with_private())
    if isinstance(obj, PipelineSpace):
        return _from_pipeline(obj.get_attrs(), type(obj).with_private(obj))
    if is_configspace(obj):  # checked first: a ConfigurationSpace is also a Mapping
        return parameters_from_configspace(obj)
    if isinstance(obj, Mapping):
        return _from_mapping(obj, "")
    if isinstance(obj, str | os.PathLike):
        return _from_mapping(load_yaml_mapping(Path(obj)), "")
    raise SpaceError(
        f"cannot build a search space from {type(obj).__name__} {obj!r}; expected a dict of "
        "parameters, a PipelineSpace subclass or instance, a SearchSpace, a ConfigSpace "
        "ConfigurationSpace or a .yaml path"
    )


def _from_pipeline(declared: Mapping[str, Any], every: Mapping[str, Any]) -> dict[str, Parameter]:
    """A ``PipelineSpace``'s parameters; an architecture space is compiled first."""
    if is_structured(every):
        return _from_mapping(compile_space(every), "PipelineSpace")
    return _from_mapping(declared, "PipelineSpace")


def load_yaml_mapping(path: Path) -> Mapping[Any, Any]:
    """Read a YAML file that must hold a mapping (``yaml`` is imported only here)."""
    if path.suffix.lower() not in YAML_SUFFIXES:
        raise SpaceError(
            f"a search space given as a string or path must be a .yaml/.yml file, got {path}"
        )
    if not path.is_file():
        raise SpaceError(f"search space file {path} does not exist")
    import yaml  # deferred: keeps `import neps_like.space` fast

    try:
        with path.open(encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as exc:
        raise SpaceError(f"search space file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping) or not data:
        raise SpaceError(
            f"search space file {path} must hold a non-empty mapping of parameters, "
            f"got {type(data).__name__}"
        )
    return data


def dump_yaml_text(data: Mapping[str, Any]) -> str:
    """YAML text for a space's ``to_dict()``; ``load_yaml_mapping`` reads it back exactly.

    ``allow_unicode`` stays off: with it PyYAML writes characters such as U+0085 raw,
    and YAML reads those back as line breaks, so the round trip would not be exact.
    """
    import yaml  # deferred: keeps `import neps_like.space` fast

    return yaml.safe_dump(dict(data), sort_keys=False)


def _from_mapping(mapping: Mapping[Any, Any], origin: str) -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    _flatten(mapping, "", out, origin)
    check_names(out)
    return out


def _flatten(
    mapping: Mapping[Any, Any], prefix: str, out: dict[str, Parameter], origin: str
) -> None:
    for key, value in mapping.items():
        name = _join(prefix, key, origin)
        if isinstance(value, Mapping) and not looks_like_spec(value):
            if not value:
                raise SpaceError(f"parameter group {name!r} is empty")
            check_group(value, name)
            _flatten(value, name, out, origin)
            continue
        if name in out:
            raise SpaceError(
                f"parameter {name!r} is given twice (once as a dotted key, once nested)"
            )
        out[name] = to_parameter(value, name)


def _join(prefix: str, key: Any, origin: str) -> str:
    where = f" in {origin}" if origin else ""
    path = f"under {prefix!r}" if prefix else "at the top level"
    if not isinstance(key, str):
        raise SpaceError(
            f"parameter names must be strings; got {key!r} ({type(key).__name__}) {path}{where}"
        )
    check_text(key, f"parameter name{where}")
    if not key or key.startswith(".") or key.endswith(".") or ".." in key:
        raise SpaceError(
            f"invalid parameter name {key!r} {path}{where}: names must be non-empty and "
            "must not start or end with a dot or contain '..'"
        )
    return f"{prefix}.{key}" if prefix else key


def to_parameter(value: Any, name: str) -> Parameter:
    """Convert one user value into a parameter, prefixing any error with ``name``."""
    try:
        return _convert(plain(value), name)
    except SpaceError as exc:
        if str(exc).startswith(f"parameter {name!r}"):
            raise
        raise SpaceError(f"parameter {name!r}: {exc}") from exc


def _convert(value: Any, name: str) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Choice | Operation | Resample | ByName):
        raise SpaceError(
            f"parameter {name!r}: {type(value).__name__} (a categorical over non-scalar "
            "choices, an operation or a reference) is an architecture building block; "
            "declare it in a neps.PipelineSpace class"
        )
    if isinstance(value, Mapping):
        return parameter_from_spec(value)
    if value is None or isinstance(value, str | int | float | bool):
        return Constant(value)
    if isinstance(value, list):
        return Categorical(value)
    if isinstance(value, tuple) and len(value) == 2 and all(is_number(v) for v in value):
        ints = all(isinstance(plain(v), int) for v in value)
        return Integer(*value) if ints else Float(*value)
    raise SpaceError(
        f"parameter {name!r}: cannot make a parameter from {value!r} ({type(value).__name__}); "
        "expected Float/Integer/Categorical/Constant, a plain constant, a list of choices, "
        "a (lower, upper) tuple, a parameter dict or a nested dict"
    )


def check_names(parameters: Mapping[str, Parameter]) -> None:
    """Reject prefix clashes ("a" next to "a.b") and more than one fidelity."""
    names = set(parameters)
    reserved = sorted(names & RESERVED_NAMES)
    if reserved:
        raise SpaceError(
            f"parameter name {reserved[0]!r} is reserved: the evaluation receives its own "
            f"{reserved[0]!r} argument under that name; rename the parameter"
        )
    for name in parameters:
        parts = name.split(".")
        for i in range(1, len(parts)):
            group = ".".join(parts[:i])
            if group in names:
                raise SpaceError(
                    f"parameter {group!r} clashes with {name!r}: a name cannot also be a "
                    "group of other parameters"
                )
    fidelities = [n for n, p in parameters.items() if p.is_fidelity]
    if len(fidelities) > 1:
        raise SpaceError(
            f"a search space can have at most one fidelity parameter, got {fidelities}"
        )
