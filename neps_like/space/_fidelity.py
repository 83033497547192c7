"""Ways to declare the fidelity (the budget of multi-fidelity optimizers).

Owns the NePS spellings ``IntegerFidelity(1, 27)``, ``FloatFidelity(0.1, 1.0)`` and
``Fidelity(Integer(1, 27))``. All three return an ordinary ``Integer``/``Float`` with
``is_fidelity=True``, so a space holds one kind of object and ``Integer(1, 27,
is_fidelity=True)`` compares equal to ``IntegerFidelity(1, 27)``. (They are functions,
not classes: ``isinstance(p, IntegerFidelity)`` is not possible; use ``p.is_fidelity``.)
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

from neps_like._errors import SpaceError
from neps_like.space._numerical import Float, Integer

_Numerical = TypeVar("_Numerical", Float, Integer)


def IntegerFidelity(lower: int, upper: int, *, log: bool = False) -> Integer:
    """An integer fidelity, e.g. epochs: ``IntegerFidelity(1, 27)``."""
    return Integer(lower, upper, log=log, is_fidelity=True)


def FloatFidelity(lower: float, upper: float, *, log: bool = False) -> Float:
    """A float fidelity, e.g. a data-subset fraction: ``FloatFidelity(0.1, 1.0)``."""
    return Float(lower, upper, log=log, is_fidelity=True)


def Fidelity(domain: _Numerical) -> _Numerical:
    """Mark ``domain`` (a ``Float`` or ``Integer`` without a prior) as the fidelity.

    Raises:
        SpaceError: if ``domain`` is not a Float/Integer or has a prior.
    """
    if not isinstance(domain, Float | Integer):
        raise SpaceError(
            f"Fidelity: expected a Float or Integer, got {domain!r} ({type(domain).__name__})"
        )
    if domain.prior is not None:
        raise SpaceError(f"Fidelity: the domain cannot have a prior (got {domain.prior!r})")
    return dataclasses.replace(domain, is_fidelity=True)
