"""Accept a ``ConfigSpace.ConfigurationSpace`` (optional dependency) as a search space.

Supported: uniform float and integer hyperparameters (with ``log``), categorical and
ordinal ones, constants, and normal/beta float or integer ones (their mean becomes the
prior). ConfigSpace's default values are not priors (every hyperparameter has one) and are
dropped. Conditions and forbidden clauses have no equivalent here: they are refused
with an error rather than silently ignored.
"""

from __future__ import annotations

from typing import Any

from neps_like._errors import SpaceError
from neps_like.space._base import Parameter
from neps_like.space._categorical import Categorical, Constant
from neps_like.space._numerical import Float, Integer


def is_configspace(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "ConfigSpace"


def parameters_from_configspace(cs: Any) -> dict[str, Parameter]:
    """Convert every hyperparameter of ``cs``.

    Raises:
        SpaceError: conditions, forbidden clauses or an unsupported hyperparameter type.
    """
    if list(getattr(cs, "conditions", []) or []) or list(
        getattr(cs, "forbidden_clauses", []) or []
    ):
        raise SpaceError(
            "ConfigurationSpace conditions and forbidden clauses are not supported; flatten the "
            "space or reject invalid configs in the evaluation (they are then recorded FAILED)"
        )
    hps = list(cs.values()) if hasattr(cs, "values") else list(cs.get_hyperparameters())
    return {hp.name: _convert(hp) for hp in hps}


def _convert(hp: Any) -> Parameter:
    kind = type(hp).__name__
    if kind in ("UniformFloatHyperparameter", "UniformIntegerHyperparameter"):
        cls = Float if "Float" in kind else Integer
        return cls(hp.lower, hp.upper, log=bool(hp.log))
    if kind in (
        "NormalFloatHyperparameter",
        "NormalIntegerHyperparameter",
        "BetaFloatHyperparameter",
        "BetaIntegerHyperparameter",
    ):
        cls = Float if "Float" in kind else Integer
        mean = getattr(hp, "mu", None)
        prior = None if mean is None else min(max(mean, hp.lower), hp.upper)
        if cls is Integer and prior is not None:
            prior = round(prior)
        return cls(hp.lower, hp.upper, log=bool(hp.log), prior=prior)
    if kind == "CategoricalHyperparameter":
        return Categorical(list(hp.choices))
    if kind == "OrdinalHyperparameter":
        return Categorical(list(hp.sequence))
    if kind == "Constant":
        return Constant(hp.value)
    raise SpaceError(f"ConfigSpace hyperparameter {hp.name!r} of type {kind} is not supported")
