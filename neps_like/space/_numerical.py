"""The numerical parameters ``Float`` and ``Integer``.

Owns their validation, their unit-cube encoding and their dict form.

Encoding: a ``Float`` maps linearly (or, with ``log``, in log space) from
``[lower, upper]`` onto ``[0, 1]``. An ``Integer`` gives every integer an equal bin:
the interval ``[lower - 0.5, upper + 0.5]`` is mapped onto ``[0, 1]`` (in log space
when ``log``), so ``to_unit(v) = (v - lower + 0.5) / (upper - lower + 1)`` in the linear
case and decoding rounds to the nearest integer. Uniform sampling in the unit cube is
therefore uniform over the integers (log-uniform for ``log``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from neps_like._errors import ConfigError, SpaceError
from neps_like.space._base import Parameter, as_integer, as_real, clip_unit, plain
from neps_like.space._confidence import (
    DEFAULT_CONFIDENCE,
    confidence_value,
    normalize_confidence,
    pick_confidence,
    pick_prior,
)


def continuous_to_unit(value: float, lower: float, upper: float, log: bool) -> float:
    """Position of ``value`` between ``lower`` and ``upper`` (log-aware), not clipped."""
    if log:
        return (math.log(value) - math.log(lower)) / (math.log(upper) - math.log(lower))
    return (value - lower) / (upper - lower)


def continuous_from_unit(u: float, lower: float, upper: float, log: bool) -> float:
    """Inverse of ``continuous_to_unit``; ``u`` is clipped and the result kept in bounds."""
    u = clip_unit(u)
    if u == 0.0:
        return lower
    if u == 1.0:
        return upper
    if log:
        x = math.exp(math.log(lower) + u * (math.log(upper) - math.log(lower)))
    else:
        x = lower + u * (upper - lower)
    return min(upper, max(lower, x))


def _check_log(kind: str, log: Any, log_base: Any, lower: float) -> tuple[bool, float | None]:
    if not isinstance(plain(log), bool):
        raise SpaceError(f"{kind}: log must be True or False, got {log!r}")
    base = None
    if log_base is not None:
        base = as_real(log_base, f"{kind}: log_base")
        if base <= 0.0 or base == 1.0:
            raise SpaceError(f"{kind}: log_base={log_base!r} must be positive and not 1")
    use_log = bool(log) or base is not None
    if use_log and lower <= 0:
        raise SpaceError(f"{kind}: log scaling needs lower > 0, got lower={lower!r}")
    return use_log, base


def _check_common(kind: str, lower: float, upper: float, is_fidelity: Any, prior: Any) -> None:
    if not lower < upper:
        raise SpaceError(f"{kind}: lower={lower!r} must be smaller than upper={upper!r}")
    if not isinstance(plain(is_fidelity), bool):
        raise SpaceError(f"{kind}: is_fidelity must be True or False, got {is_fidelity!r}")
    if is_fidelity and prior is not None:
        raise SpaceError(f"{kind}: a fidelity parameter cannot have a prior (got {prior!r})")
    if prior is not None and not lower <= prior <= upper:
        raise SpaceError(f"{kind}: prior={prior!r} is outside [{lower!r}, {upper!r}]")


def _numerical_dict(p: Float | Integer) -> dict[str, Any]:
    out: dict[str, Any] = {"type": p.type_name, "lower": p.lower, "upper": p.upper}
    out["log"] = p.log
    if p.log_base is not None:
        out["log_base"] = p.log_base
    if p.is_fidelity:
        out["is_fidelity"] = True
    if p.prior is not None:
        out["prior"] = p.prior
        out["prior_confidence"] = p.prior_confidence
    return out


@dataclass(frozen=True, slots=True, init=False)
class Float(Parameter):
    """A continuous parameter in ``[lower, upper]``.

    Args:
        lower: Smallest value (finite).
        upper: Largest value (finite, > lower).
        log: Search in log space (needs ``lower > 0``).
        log_base: NePS's spelling of ``log``; any base implies log scaling (the base does
            not change a log-uniform distribution) and is kept for the round trip.
        prior: Where you believe good values lie (inside the bounds).
        prior_confidence: "low", "medium", "high", a ``ConfidenceLevel`` or a float in
            ``(0, 1]``; see ``neps_like.space._confidence``.
        is_fidelity: Use this parameter as the multi-fidelity budget.
        default: Classic NePS alias of ``prior``.
        default_confidence: Classic NePS alias of ``prior_confidence``.

    Raises:
        SpaceError: naming the offending argument, its value and what was expected.
    """

    lower: float
    upper: float
    log: bool
    log_base: float | None
    prior: float | None
    prior_confidence: str | float
    is_fidelity: bool  # a field here, a property on Parameter

    type_name: ClassVar[str] = "float"
    is_numerical: ClassVar[bool] = True

    def __init__(
        self,
        lower: float,
        upper: float,
        *,
        log: bool = False,
        log_base: float | None = None,
        prior: float | None = None,
        prior_confidence: str | float = DEFAULT_CONFIDENCE,
        is_fidelity: bool = False,
        default: float | None = None,
        default_confidence: str | float | None = None,
    ) -> None:
        lo = as_real(lower, "Float: lower")
        hi = as_real(upper, "Float: upper")
        use_log, base = _check_log("Float", log, log_base, lo)
        raw_prior = pick_prior(prior, default)
        value = None if raw_prior is None else as_real(raw_prior, "Float: prior")
        _check_common("Float", lo, hi, is_fidelity, value)
        confidence = normalize_confidence(pick_confidence(prior_confidence, default_confidence))
        _set_fields(self, lo, hi, use_log, base, value, confidence, bool(is_fidelity))

    @property
    def has_prior(self) -> bool:
        """True when a prior was given."""
        return self.prior is not None

    @property
    def prior_unit(self) -> float | None:
        """The prior in the unit-cube encoding."""
        return None if self.prior is None else self.to_unit(self.prior)

    @property
    def prior_confidence_value(self) -> float:
        """Confidence number in ``(0, 1]``."""
        return confidence_value(self.prior_confidence)

    @property
    def reference_value(self) -> float:
        """The prior, else the centre of the (log-aware) range."""
        return self.from_unit(0.5) if self.prior is None else self.prior

    def check_value(self, value: Any) -> float:
        """A float inside the bounds; tiny round-off outside them is clipped."""
        x = as_real(value, f"value {value!r}", error=ConfigError)
        tolerance = 1e-9 * (self.upper - self.lower)
        if not self.lower - tolerance <= x <= self.upper + tolerance:
            raise ConfigError(f"value {value!r} is outside [{self.lower!r}, {self.upper!r}]")
        return min(self.upper, max(self.lower, x))

    def to_unit(self, value: Any) -> float:
        """Linear (or log) position of ``value`` in the bounds."""
        x = self.check_value(value)
        return clip_unit(continuous_to_unit(x, self.lower, self.upper, self.log))

    def from_unit(self, u: float) -> float:
        """The float at unit position ``u``."""
        return continuous_from_unit(u, self.lower, self.upper, self.log)

    def to_dict(self) -> dict[str, Any]:
        """Dict form: type, bounds, log, then optional log_base, is_fidelity, prior."""
        return _numerical_dict(self)


@dataclass(frozen=True, slots=True, init=False)
class Integer(Parameter):
    """An integer parameter in ``[lower, upper]`` (both included).

    Arguments are those of ``Float``; bounds and prior must be integers (integral floats
    such as ``4.0`` are accepted and stored as ints).
    """

    lower: int
    upper: int
    log: bool
    log_base: float | None
    prior: int | None
    prior_confidence: str | float
    is_fidelity: bool  # a field here, a property on Parameter

    type_name: ClassVar[str] = "integer"
    is_numerical: ClassVar[bool] = True

    def __init__(
        self,
        lower: int,
        upper: int,
        *,
        log: bool = False,
        log_base: float | None = None,
        prior: int | None = None,
        prior_confidence: str | float = DEFAULT_CONFIDENCE,
        is_fidelity: bool = False,
        default: int | None = None,
        default_confidence: str | float | None = None,
    ) -> None:
        lo = as_integer(lower, "Integer: lower")
        hi = as_integer(upper, "Integer: upper")
        use_log, base = _check_log("Integer", log, log_base, lo)
        raw_prior = pick_prior(prior, default)
        value = None if raw_prior is None else as_integer(raw_prior, "Integer: prior")
        _check_common("Integer", lo, hi, is_fidelity, value)
        confidence = normalize_confidence(pick_confidence(prior_confidence, default_confidence))
        _set_fields(self, lo, hi, use_log, base, value, confidence, bool(is_fidelity))

    @property
    def has_prior(self) -> bool:
        """True when a prior was given."""
        return self.prior is not None

    @property
    def prior_unit(self) -> float | None:
        """The centre of the prior's bin in the unit-cube encoding."""
        return None if self.prior is None else self.to_unit(self.prior)

    @property
    def prior_confidence_value(self) -> float:
        """Confidence number in ``(0, 1]``."""
        return confidence_value(self.prior_confidence)

    @property
    def reference_value(self) -> int:
        """The prior, else the integer nearest the (log-aware) centre of the range."""
        if self.prior is not None:
            return self.prior
        return math.floor(continuous_from_unit(0.5, self.lower, self.upper, self.log) + 0.5)

    def check_value(self, value: Any) -> int:
        """An int (or integral float) inside the bounds."""
        x = as_integer(value, f"value {value!r}", error=ConfigError)
        if not self.lower <= x <= self.upper:
            raise ConfigError(f"value {value!r} is outside [{self.lower}, {self.upper}]")
        return x

    def to_unit(self, value: Any) -> float:
        """Centre of the bin that ``value`` owns."""
        x = self.check_value(value)
        lo, hi = self.lower - 0.5, self.upper + 0.5
        return clip_unit(continuous_to_unit(x, lo, hi, self.log))

    def from_unit(self, u: float) -> int:
        """The integer whose bin contains ``u``."""
        x = continuous_from_unit(u, self.lower - 0.5, self.upper + 0.5, self.log)
        return min(self.upper, max(self.lower, math.floor(x + 0.5)))

    def to_dict(self) -> dict[str, Any]:
        """Dict form: type, bounds, log, then optional log_base, is_fidelity, prior."""
        return _numerical_dict(self)


def _set_fields(
    target: Float | Integer,
    lower: float,
    upper: float,
    log: bool,
    log_base: float | None,
    prior: float | None,
    prior_confidence: str | float,
    is_fidelity: bool,
) -> None:
    # Without a prior the confidence means nothing; resetting it keeps equal spaces equal
    # and lets to_dict omit it without breaking the from_dict(to_dict()) round trip.
    if prior is None:
        prior_confidence = DEFAULT_CONFIDENCE.value
    values = {
        "lower": lower,
        "upper": upper,
        "log": log,
        "log_base": log_base,
        "prior": prior,
        "prior_confidence": prior_confidence,
        "is_fidelity": is_fidelity,
    }
    for name, value in values.items():
        object.__setattr__(target, name, value)
