"""The non-numerical parameters ``Categorical`` and ``Constant``.

Owns their validation, encoding and dict form. A categorical with ``k`` choices is
encoded as ``(index + 0.5) / k`` (the centre of the choice's bin) and decoded to the
choice whose bin contains the unit value. Choices are matched by value *and* kind:
``1`` and ``1.0`` are the same choice, ``True`` and ``1`` are not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from neps_like._errors import ConfigError, SpaceError
from neps_like.space._base import (
    Parameter,
    Scalar,
    as_scalar,
    clip_unit,
    is_number,
    plain,
    scalar_key,
)
from neps_like.space._confidence import (
    DEFAULT_CONFIDENCE,
    confidence_value,
    normalize_confidence,
    pick_confidence,
    pick_prior,
)


def _is_scalar(value: Any) -> bool:
    return plain(value) is None or isinstance(plain(value), str | bool | int | float)


def _check_choices(choices: Any) -> tuple[Scalar, ...]:
    if isinstance(choices, str | bytes | Mapping) or not isinstance(choices, Iterable):
        raise SpaceError(f"Categorical: choices must be a list or tuple of values, got {choices!r}")
    values: list[Scalar] = []
    seen: set[tuple[str, Any]] = set()
    equal: dict[Any, Scalar] = {}  # Python's equality: 1 == 1.0 == True
    for i, choice in enumerate(choices):
        value = as_scalar(choice, f"Categorical: choice {i} ({choice!r})")
        key = scalar_key(value)
        if key in seen:
            raise SpaceError(f"Categorical: choice {choice!r} appears more than once")
        if value in equal:
            # A config dict, a duplicate check or the evaluation itself could not tell
            # the two apart (1 == True), so one of them would never be evaluated.
            raise SpaceError(
                f"Categorical: choices {equal[value]!r} and {value!r} are equal in Python "
                f"({equal[value]!r} == {value!r}); use distinct values, e.g. strings"
            )
        seen.add(key)
        equal[value] = value
        values.append(value)
    if not values:
        raise SpaceError("Categorical: choices must not be empty")
    return tuple(values)


def _prior_by_value(choices: tuple[Scalar, ...], prior: Any) -> Scalar | None:
    """The choice equal to ``prior`` (dict/YAML form, ``HPOCategorical``, ``default=``)."""
    if prior is None:
        return None
    keys = [scalar_key(c) for c in choices]
    key = scalar_key(prior)
    if key in keys:
        return choices[keys.index(key)]
    raise SpaceError(f"Categorical: prior={prior!r} is not one of the choices {list(choices)}")


def _prior_by_index(choices: tuple[Scalar, ...], prior: Any) -> Scalar | None:
    """NePS's rule for ``Categorical(choices, prior=...)``: an int is an index.

    Any other value (a string, a float, a bool) cannot be an index, so it must be one
    of the choices and is taken as that choice.
    """
    if prior is None:
        return None
    index = plain(prior)
    if not (isinstance(index, int) and is_number(index)):
        return _prior_by_value(choices, prior)
    if 0 <= index < len(choices):
        return choices[index]
    hint = ""
    if scalar_key(index) in [scalar_key(c) for c in choices]:
        position = [scalar_key(c) for c in choices].index(scalar_key(index))
        hint = (
            f"; to make the choice {index!r} the prior, give its index prior={position} "
            "(or use HPOCategorical / the dict form, where prior is a value)"
        )
    raise SpaceError(
        f"Categorical: prior={prior!r} is an index into the choices (NePS's rule), "
        f"but there are {len(choices)} choices {list(choices)}{hint}"
    )


@dataclass(frozen=True, slots=True, init=False)
class Categorical(Parameter):
    """A choice among a fixed list of YAML scalars (str, int, float, bool).

    Args:
        choices: Non-empty, unique values.
        prior: The choice you believe is best, as NePS's ``Categorical`` takes it: an
            int is the *index* of that choice (``[1, 2, 3], prior=1`` is 2); a value
            that cannot be an index (a string, float or bool) is the choice itself.
            ``Categorical.with_prior_value`` (and ``HPOCategorical``, the dict and YAML
            forms) take the value instead.
        prior_confidence: As for ``Float``.
        default: Classic NePS spelling of the prior: the choice itself (a value).
        default_confidence: Classic NePS alias of ``prior_confidence``.

    Raises:
        SpaceError: naming the offending argument, its value and what was expected.
    """

    choices: tuple[Scalar, ...]
    prior: Scalar | None
    prior_confidence: str | float

    type_name: ClassVar[str] = "categorical"
    is_numerical: ClassVar[bool] = False

    def __new__(cls, choices: Any = (), *args: Any, **kwargs: Any) -> Any:
        """A ``Choice`` (architecture spaces, ``_structured``) when some choice is not a
        scalar: a function, an object, an operation or a parameter."""
        if isinstance(choices, list | tuple) and any(not _is_scalar(c) for c in choices):
            from neps_like.space._structured import make_choice

            if args or kwargs.get("default") is not None:
                raise SpaceError(
                    "Categorical: with non-scalar choices give the prior as prior=<index>"
                )
            return make_choice(
                choices, kwargs.get("prior"), kwargs.get("prior_confidence", "medium")
            )
        return object.__new__(cls)

    def __init__(
        self,
        choices: Iterable[Scalar],
        *,
        prior: Scalar | None = None,
        prior_confidence: str | float = DEFAULT_CONFIDENCE,
        default: Scalar | None = None,
        default_confidence: str | float | None = None,
    ) -> None:
        values = _check_choices(choices)
        pick_prior(prior, default)  # refuses both at once
        if default is not None:
            value = _prior_by_value(values, default)
        else:
            value = _prior_by_index(values, prior)
        confidence = normalize_confidence(pick_confidence(prior_confidence, default_confidence))
        if value is None:
            confidence = DEFAULT_CONFIDENCE.value
        object.__setattr__(self, "choices", values)
        object.__setattr__(self, "prior", value)
        object.__setattr__(self, "prior_confidence", confidence)

    @classmethod
    def with_prior_value(
        cls,
        choices: Iterable[Scalar],
        *,
        prior: Scalar | None = None,
        prior_confidence: str | float = DEFAULT_CONFIDENCE,
        default: Scalar | None = None,
        default_confidence: str | float | None = None,
    ) -> Categorical:
        """A categorical whose ``prior`` is the choice itself, never an index.

        The rule of NePS's ``HPOCategorical`` and of the dict and YAML forms.
        """
        return cls(
            choices,
            default=pick_prior(prior, default),
            prior_confidence=prior_confidence,
            default_confidence=default_confidence,
        )

    @property
    def has_prior(self) -> bool:
        """True when a prior was given."""
        return self.prior is not None

    @property
    def prior_unit(self) -> float | None:
        """Centre of the prior's bin."""
        return None if self.prior is None else self.to_unit(self.prior)

    @property
    def prior_confidence_value(self) -> float:
        """Confidence number in ``(0, 1]``."""
        return confidence_value(self.prior_confidence)

    @property
    def reference_value(self) -> Scalar:
        """The prior, else the first choice."""
        return self.choices[0] if self.prior is None else self.prior

    def index(self, value: Any) -> int:
        """Index of ``value`` among the choices; ``ConfigError`` if it is not one."""
        key = scalar_key(value)
        for i, choice in enumerate(self.choices):
            if scalar_key(choice) == key:
                return i
        raise ConfigError(f"value {value!r} is not one of the choices {list(self.choices)}")

    def check_value(self, value: Any) -> Scalar:
        """The matching choice itself (so ``1.0`` becomes ``1`` if the choice is ``1``)."""
        return self.choices[self.index(value)]

    def to_unit(self, value: Any) -> float:
        """``(index + 0.5) / k``."""
        return (self.index(value) + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> Scalar:
        """The choice whose bin contains ``u``."""
        k = len(self.choices)
        return self.choices[min(k - 1, math.floor(clip_unit(u) * k))]

    def to_dict(self) -> dict[str, Any]:
        """Dict form: type, choices, then prior and prior_confidence when set."""
        out: dict[str, Any] = {"type": self.type_name, "choices": list(self.choices)}
        if self.prior is not None:
            out["prior"] = self.prior
            out["prior_confidence"] = self.prior_confidence
        return out


@dataclass(frozen=True, slots=True)
class Constant(Parameter):
    """A fixed value passed to the evaluation but never searched.

    Args:
        value: A YAML scalar (str, int, float, bool) or None.
    """

    value: Scalar | None

    type_name: ClassVar[str] = "constant"
    is_numerical: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if self.value is not None:
            object.__setattr__(self, "value", as_scalar(self.value, "Constant: value"))

    @property
    def reference_value(self) -> Scalar | None:
        """The value."""
        return self.value

    def check_value(self, value: Any) -> Scalar | None:
        """The constant itself if ``value`` equals it."""
        if scalar_key(value) != scalar_key(self.value):
            raise ConfigError(f"value {value!r} differs from the constant {self.value!r}")
        return self.value

    def to_unit(self, value: Any) -> float:
        """A constant has no extent; every valid value sits at 0.5."""
        self.check_value(value)
        return 0.5

    def from_unit(self, u: float) -> Scalar | None:
        """The value, whatever ``u``."""
        return self.value

    def to_dict(self) -> dict[str, Any]:
        """Dict form: type and value."""
        return {"type": self.type_name, "value": self.value}
