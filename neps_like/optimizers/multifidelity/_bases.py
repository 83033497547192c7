"""The schedules NePS's ``base`` setting names, and how a mixin is put on one.

NePS lets several multi-fidelity optimizers run on any of four schedules:
``"successive_halving"``, ``"hyperband"``, ``"asha"`` or ``"async_hb"``. Here the
schedule is the base class and what an optimizer adds (how new configs are drawn, how
a rung is ranked, trying the prior first) is a mixin placed before it, so
``on_base(MyMixin, "asha")`` is ASHA's bookkeeping with ``MyMixin``'s draws.
"""

from __future__ import annotations

from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity._base import MultiFidelityOptimizer
from neps_like.optimizers.multifidelity.asha import ASHA
from neps_like.optimizers.multifidelity.async_hyperband import AsyncHyperband
from neps_like.optimizers.multifidelity.hyperband import Hyperband
from neps_like.optimizers.multifidelity.successive_halving import SuccessiveHalving

__all__ = ["BASES", "on_base"]

BASES: dict[str, type[MultiFidelityOptimizer]] = {
    "successive_halving": SuccessiveHalving,
    "hyperband": Hyperband,
    "asha": ASHA,
    "async_hb": AsyncHyperband,
}

_CLASSES: dict[tuple[type, str], type] = {}


def on_base(mixin: type, base: str) -> type:
    """The class ``mixin`` + the schedule named ``base`` (one class per pair, cached).

    Raises:
        OptimizerError: ``base`` is not one of ``BASES``.
    """
    if base not in BASES:
        raise OptimizerError(f"base must be one of {sorted(BASES)}, got {base!r}.")
    cls = _CLASSES.get((mixin, base))
    if cls is None:
        name = f"{mixin.__name__}[{base}]"
        cls = type(name, (mixin, BASES[base]), {"__module__": mixin.__module__})
        _CLASSES[(mixin, base)] = cls
    return cls
