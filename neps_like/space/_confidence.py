"""Prior confidence: the named levels, their numbers, and what they do to sampling.

Owns the single mapping from a user's ``prior_confidence`` ("low"/"medium"/"high",
a ``ConfidenceLevel`` or a float in ``(0, 1]``) to a confidence number ``c``, and the
two ways ``c`` shapes prior sampling:

* numerical parameters: a normal in the unit-cube encoding, centred on the prior,
  truncated to ``[0, 1]``, with standard deviation ``(1 - c) / 2``
  (low 0.25, medium 0.15, high 0.05; ``c = 1`` always returns the prior);
* categorical parameters: with probability ``c`` the prior, otherwise a uniform draw
  over all choices (so the prior's total probability is ``c + (1 - c) / k``).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from neps_like._errors import SpaceError
from neps_like.space._base import as_real, plain


class ConfidenceLevel(str, Enum):
    """Named confidence levels accepted wherever ``prior_confidence`` is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


CONFIDENCE_VALUES: dict[str, float] = {"low": 0.5, "medium": 0.7, "high": 0.9}
"""The confidence number ``c`` of each named level."""

DEFAULT_CONFIDENCE = ConfidenceLevel.MEDIUM
"""Default of every ``prior_confidence`` argument (an enum member so that an explicit
``prior_confidence`` can be told apart from the default when ``default_confidence`` is
also given)."""


def normalize_confidence(value: Any) -> str | float:
    """Return the stored form of a confidence: a level name (plain str) or a float.

    Raises:
        SpaceError: for an unknown level name or a number outside ``(0, 1]``.
    """
    value = plain(value)
    if isinstance(value, str):  # ConfidenceLevel members are str too
        name = str(value.value if isinstance(value, ConfidenceLevel) else value).lower()
        if name not in CONFIDENCE_VALUES:
            raise SpaceError(
                f"prior_confidence={value!r} is not a known level; expected one of "
                f"{sorted(CONFIDENCE_VALUES)} or a number in (0, 1]"
            )
        return name
    number = as_real(value, "prior_confidence")
    if not 0.0 < number <= 1.0:
        raise SpaceError(f"prior_confidence={value!r} must be in (0, 1]")
    return number


def pick_confidence(prior_confidence: Any, default_confidence: Any) -> Any:
    """Merge NePS's classic ``default_confidence`` alias into ``prior_confidence``."""
    if default_confidence is None:
        return prior_confidence
    if prior_confidence is not DEFAULT_CONFIDENCE:
        raise SpaceError(
            "give either prior_confidence= or its classic alias default_confidence=, "
            f"not both (got {prior_confidence!r} and {default_confidence!r})"
        )
    return default_confidence


def confidence_value(stored: str | float) -> float:
    """The confidence number ``c`` in ``(0, 1]`` of a stored confidence."""
    if isinstance(stored, str):
        return CONFIDENCE_VALUES[stored]
    return float(stored)


def numerical_prior_std(confidence: float) -> float:
    """Standard deviation in the unit cube of the prior of a numerical parameter."""
    return (1.0 - confidence) / 2.0


def categorical_prior_probability(confidence: float, n_choices: int) -> float:
    """Total probability that prior sampling returns the categorical prior."""
    return confidence + (1.0 - confidence) / n_choices


def pick_prior(prior: Any, default: Any) -> Any:
    """Merge NePS's classic ``default`` alias into ``prior``."""
    if default is None:
        return prior
    if prior is not None:
        raise SpaceError(
            "give either prior= or its classic alias default=, not both "
            f"(got prior={prior!r} and default={default!r})"
        )
    return default
