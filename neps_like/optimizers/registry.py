"""Names of the built-in optimizers and how to build one from a user's request.

Entries are import strings resolved on first use, so ``import neps_like`` does not pay
for scipy or an optimizer nobody asked for.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from neps_like._errors import OptimizerError
from neps_like.optimizers.protocol import AskFunction
from neps_like.space import SearchSpace

# name -> "module:attribute"; the attribute is called as ``factory(space, seed=..., **settings)``.
OPTIMIZERS: dict[str, str] = {
    "random_search": "neps_like.optimizers.random_search:RandomSearch",
    "grid_search": "neps_like.optimizers.grid_search:GridSearch",
    "bayesian_optimization": "neps_like.optimizers.bo:BayesianOptimization",
    "pibo": "neps_like.optimizers.bo:PiBO",
    "successive_halving": "neps_like.optimizers.multifidelity.successive_halving:SuccessiveHalving",
    "hyperband": "neps_like.optimizers.multifidelity.hyperband:Hyperband",
    "asha": "neps_like.optimizers.multifidelity.asha:ASHA",
    "bohb": "neps_like.optimizers.multifidelity.bohb:BOHB",
    "priorband": "neps_like.optimizers.multifidelity.priorband:PriorBand",
    "optuna": "neps_like.optimizers.optuna_sampler:OptunaSampler",
    # NePS's other names (see docs/optimizers.md for what each does).
    "async_hb": "neps_like.optimizers.multifidelity.async_hb:AsyncHB",
    "complex_random_search": "neps_like.optimizers.complex_random_search:ComplexRandomSearch",
    "ifbo": "neps_like.optimizers.ifbo:IfBO",
    "mo_hyperband": "neps_like.optimizers.multiobjective.mo_hyperband:MOHyperband",
    "moasha": "neps_like.optimizers.multiobjective.moasha:MOASHA",
    "neps_hyperband": "neps_like.optimizers.multifidelity.neps_hyperband:NePSHyperband",
    "neps_local_and_incumbent": (
        "neps_like.optimizers.multifidelity.local_and_incumbent:neps_local_and_incumbent"
    ),
    "neps_priorband": "neps_like.optimizers.multifidelity.neps_priorband:neps_priorband",
    "neps_random_search": "neps_like.optimizers.neps_random_search:NePSRandomSearch",
    "primo": "neps_like.optimizers.multiobjective.primo:PriMO",
    "neps_regularized_evolution": (
        "neps_like.optimizers.regularized_evolution:RegularizedEvolution"
    ),
}


@dataclass(frozen=True, slots=True)
class OptimizerSpec:
    """An optimizer's name and settings: what ``optimizer_info.yaml`` records."""

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "settings": dict(self.settings)}


def recordable(value: Any) -> Any:
    """``value`` as ``optimizer_info.yaml`` can hold it and a resume can compare it: plain
    data as is, anything else (a sampler object, a callable) by its type's name."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [recordable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): recordable(v) for k, v in value.items()}
    kind = value if isinstance(value, type) else type(value)
    return f"<{kind.__module__}.{kind.__qualname__}>"


def stored_request(info: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The ``(name, settings)`` to rebuild a recorded optimizer, or None when it cannot be
    rebuilt from the record (a custom callable, or settings recorded by type name)."""
    name = str(info.get("name", ""))
    settings = dict(info.get("settings") or {})
    opaque = any(
        isinstance(v, str) and v.startswith("<") and v.endswith(">") for v in settings.values()
    )
    if name not in OPTIMIZERS or opaque:
        return None
    return name, settings


def available_optimizers() -> list[str]:
    """Names accepted by ``optimizer=``, besides ``"auto"``."""
    return sorted(OPTIMIZERS)


def choose_auto(space: SearchSpace) -> str:
    """The optimizer ``"auto"`` stands for, chosen by what the space declares."""
    candidates: list[str] = []
    if space.fidelity_name is not None:
        # bohb: measured better than hyperband, asha and priorband (benchmarks/README.md,
        # mf_compare.py); with priors the prior-aware priorband keeps the user's knowledge.
        candidates = ["priorband", "hyperband"] if space.has_priors else ["bohb", "hyperband"]
    elif space.has_priors:
        candidates = ["pibo", "bayesian_optimization"]
    else:
        candidates = ["bayesian_optimization"]
    for name in [*candidates, "random_search"]:
        if name in OPTIMIZERS:
            return name
    return "random_search"


def _load(name: str) -> Callable[..., AskFunction]:
    try:
        target = OPTIMIZERS[name]
    except KeyError:
        raise OptimizerError(
            f"Unknown optimizer {name!r}. Choose one of: "
            f"{', '.join(['auto', *available_optimizers()])}, or pass your own callable."
        ) from None
    module_name, _, attr = target.partition(":")
    factory: Callable[..., AskFunction] = getattr(importlib.import_module(module_name), attr)
    return factory


def resolve_optimizer(
    optimizer: str | tuple[str, Mapping[str, Any]] | Mapping[str, Any] | Any,
    space: SearchSpace,
) -> tuple[Callable[[int], AskFunction], OptimizerSpec]:
    """Work out which optimizer a user asked for; build it later with the study's seed.

    Accepts a registered name (or ``"auto"``), a ``(name, settings)`` pair, a mapping
    ``{"name": ..., **settings}``, an optimizer class (called with ``space`` and ``seed``
    when it accepts them) or a ready callable with the ask signature.

    Returns:
        ``(build, spec)``: ``build(seed)`` makes the optimizer; ``spec`` is what
        ``optimizer_info.yaml`` records.

    Raises:
        OptimizerError: unknown name, or settings the optimizer does not accept.
    """
    name, settings = _split_request(optimizer)
    if name is None:
        return _from_user_object(optimizer, space)
    if name == "auto":
        name = choose_auto(space)
    factory = _load(name)

    def build(seed: int) -> AskFunction:
        try:
            return factory(space, seed=seed, **settings)
        except OptimizerError:
            raise
        except (TypeError, ValueError) as exc:  # a setting of the wrong type or value
            raise OptimizerError(
                f"Bad settings {dict(settings)!r} for optimizer {name!r}: {exc}"
            ) from exc

    build(0)  # fail now, before any study is created, if the settings are wrong
    return build, OptimizerSpec(name, {k: recordable(v) for k, v in settings.items()})


def _split_request(optimizer: Any) -> tuple[str | None, dict[str, Any]]:
    if isinstance(optimizer, str):
        return optimizer, {}
    if isinstance(optimizer, tuple) and len(optimizer) == 2 and isinstance(optimizer[0], str):
        return optimizer[0], dict(optimizer[1])
    if isinstance(optimizer, Mapping):
        settings = dict(optimizer)
        name = settings.pop("name", None)
        if not isinstance(name, str):
            raise OptimizerError(f"An optimizer mapping needs a 'name' string, got {optimizer!r}.")
        return name, settings
    return None, {}


def _from_user_object(
    obj: Any, space: SearchSpace
) -> tuple[Callable[[int], AskFunction], OptimizerSpec]:
    name = getattr(obj, "__qualname__", type(obj).__qualname__)
    spec = OptimizerSpec(f"custom:{getattr(obj, '__module__', '?')}.{name}", {})
    if inspect.isclass(obj):
        cls = cast("Callable[..., AskFunction]", obj)
        params = inspect.signature(cls).parameters
        takes_space = bool(params) and next(iter(params)) != "seed"

        def build_class(seed: int) -> AskFunction:
            kwargs = {"seed": seed} if "seed" in params else {}
            return cls(space, **kwargs) if takes_space else cls(**kwargs)

        return build_class, spec
    if not callable(obj):
        raise OptimizerError(
            "optimizer must be a name, a (name, settings) pair, a class or a callable "
            f"with the signature (trials, budget_info, n); got {type(obj).__name__}."
        )
    return (lambda seed: obj), spec
