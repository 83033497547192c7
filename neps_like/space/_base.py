"""The ``Parameter`` base class and the scalar checks every parameter shares.

Owns: the interface each parameter offers (unit-cube transforms, prior, dict form,
value checks) and the normalisation of user scalars (numpy scalars become Python
scalars, ``bool`` is kept apart from ``int``). Must not: know parameter *names* — the
search space adds the name to every message it re-raises — nor do any I/O.
"""

from __future__ import annotations

import math
import sys
from typing import Any, ClassVar

from neps_like._errors import ConfigError, SpaceError

Scalar = str | int | float | bool
"""A value that YAML writes and reads back unchanged."""


class Parameter:
    """Base class of ``Float``, ``Integer``, ``Categorical`` and ``Constant``.

    Subclasses are frozen, slotted dataclasses compared by content. The unit-cube
    encoding maps every value into ``[0, 1]`` so model-based optimizers can treat all
    parameters alike; ``from_unit(to_unit(v)) == v`` for every valid ``v``.
    """

    __slots__ = ()

    type_name: ClassVar[str]
    """Name used in dict/YAML form: "float", "integer", "categorical" or "constant"."""
    is_numerical: ClassVar[bool]
    """True for ``Float`` and ``Integer``."""

    def resample(self) -> Any:
        """An independent copy of this parameter where it is used (NePS's architecture
        spaces: a use without ``resample()`` shares one sampled value)."""
        from neps_like.space._structured import Resample

        return Resample(self)

    @property
    def is_fidelity(self) -> bool:
        """True when this parameter is the multi-fidelity budget."""
        return False

    @property
    def has_prior(self) -> bool:
        """True when the user gave a prior (a belief about where good values lie)."""
        return False

    @property
    def prior_unit(self) -> float | None:
        """The prior in the unit-cube encoding, or None without a prior."""
        return None

    @property
    def prior_confidence_value(self) -> float:
        """Confidence in the prior as a number in ``(0, 1]`` (see ``_confidence``)."""
        return 0.0

    @property
    def reference_value(self) -> Any:
        """The value ``SearchSpace.prior_config`` uses: the prior, else a central value."""
        raise NotImplementedError

    def check_value(self, value: Any) -> Any:
        """Return ``value`` normalised to a plain Python value, or raise ``ConfigError``."""
        raise NotImplementedError

    def to_unit(self, value: Any) -> float:
        """Map a valid value into ``[0, 1]``; raise ``ConfigError`` for an invalid one."""
        raise NotImplementedError

    def from_unit(self, u: float) -> Any:
        """Map ``u`` (clipped to ``[0, 1]``) back to a value of this parameter."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Plain, YAML-safe dict with a ``"type"`` key; ``parameter_from_spec`` inverts it."""
        raise NotImplementedError


def plain(value: Any) -> Any:
    """Turn numpy scalars into the equivalent Python scalar; leave the rest alone."""
    numpy = sys.modules.get("numpy")  # without numpy loaded there are no numpy scalars
    if numpy is not None and isinstance(value, numpy.generic):
        return value.item()
    return value


def is_number(value: Any) -> bool:
    """True for ints and floats (numpy included), False for bools and everything else."""
    value = plain(value)
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_real(value: Any, what: str, *, error: type[SpaceError] = SpaceError) -> float:
    """Return ``value`` as a finite float or raise ``error`` naming ``what``."""
    value = plain(value)
    if not is_number(value):
        raise error(f"{what} must be a number, got {value!r} ({type(value).__name__})")
    result = float(value)
    if not math.isfinite(result):
        raise error(f"{what} must be finite, got {value!r}")
    return result


def as_integer(value: Any, what: str, *, error: type[SpaceError] = SpaceError) -> int:
    """Return ``value`` as an int; integral floats such as ``3.0`` are accepted."""
    value = plain(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    real = as_real(value, what, error=error)
    if not real.is_integer():
        raise error(f"{what} must be an integer, got {value!r}")
    return int(real)


def scalar_key(value: Any) -> tuple[str, Any]:
    """A key under which equal scalars collide but ``True`` and ``1`` do not."""
    value = plain(value)
    if value is None:
        return ("none", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, str):
        return ("str", value)
    if is_number(value):
        return ("num", value)
    return ("other", repr(value))


def as_scalar(value: Any, what: str) -> Scalar:
    """Check that ``value`` is a YAML scalar (str, int, float or bool) and return it."""
    value = plain(value)
    if isinstance(value, str):
        return check_text(value, what)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SpaceError(f"{what} must be finite, got {value!r}")
        return value
    raise SpaceError(
        f"{what} must be a YAML scalar (str, int, float or bool), "
        f"got {value!r} ({type(value).__name__})"
    )


def check_text(text: str, what: str) -> str:
    """``text`` if it can be written as UTF-8; a string with lone surrogates (what
    ``surrogateescape`` makes of undecodable file names) could be written to
    ``search_space.yaml`` but never compared equal to what is read back."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SpaceError(
            f"{what} {text!r} holds characters that are not valid Unicode text (lone "
            "surrogates, as from an undecodable file name); decode it properly first"
        ) from None
    return text


def clip_unit(u: float) -> float:
    """Clip ``u`` to ``[0, 1]``; NaN is an error because it would decode silently."""
    u = float(u)
    if math.isnan(u):
        raise ConfigError("unit value must not be NaN")
    return min(1.0, max(0.0, u))
