"""``SearchSpace``: the immutable, flat, ordered set of named parameters.

Owns the space's identity (content equality and hash, which the resume check relies
on), its dict/YAML form and the human-readable difference between two spaces. The
work is delegated: input forms to ``_build``, configs to ``_config``, sampling and
grids to ``_sampling``, the unit cube to ``_encoding``.

Equality is order-sensitive: the order fixes the encoding's columns and the grid's
enumeration, so a reordered space is a different space (``describe_difference`` says so).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neps_like._errors import SpaceError
from neps_like.space import _config, _encoding, _sampling
from neps_like.space._build import dump_yaml_text, load_yaml_mapping, parameters_from_user
from neps_like.space._categorical import Constant
from neps_like.space._diff import describe_difference
from neps_like.space._numerical import Float, Integer
from neps_like.space._spec import parameter_from_spec

if TYPE_CHECKING:
    import random

    import numpy as np

    from neps_like.space._base import Parameter


class SearchSpace:
    """A search space with flat, dotted parameter names in declaration order.

    Args:
        parameters: Anything ``from_user`` accepts as a dict (parameters, constants,
            spec dicts, nested dicts).

    Attributes:
        parameters: ``{name: Parameter}``; treat it as read-only.
    """

    __slots__ = ("parameters",)
    parameters: dict[str, Parameter]

    def __init__(self, parameters: Mapping[str, Any]) -> None:
        if not isinstance(parameters, Mapping):
            raise SpaceError(
                f"SearchSpace expects a dict of parameters, got {type(parameters).__name__}; "
                "use SearchSpace.from_user for other forms"
            )
        object.__setattr__(self, "parameters", parameters_from_user(parameters))

    # --- construction -------------------------------------------------------------

    @classmethod
    def from_user(cls, obj: Any) -> SearchSpace:
        """Build a space from a SearchSpace (returned as is), a dict, a ``PipelineSpace``
        subclass or instance, or a ``.yaml``/``.yml`` path.

        Raises:
            SpaceError: naming the key path and type of anything not accepted.
        """
        if isinstance(obj, SearchSpace):
            return obj
        return cls._trusted(parameters_from_user(obj))

    @classmethod
    def _trusted(cls, parameters: dict[str, Parameter]) -> SearchSpace:
        space = cls.__new__(cls)
        object.__setattr__(space, "parameters", parameters)
        return space

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchSpace:
        """Inverse of ``to_dict``: every value must be a parameter dict."""
        if not isinstance(data, Mapping):
            raise SpaceError(f"expected a dict of parameter dicts, got {type(data).__name__}")
        parameters: dict[str, Parameter] = {}
        for name, spec in data.items():
            try:
                parameters[str(name)] = parameter_from_spec(spec)
            except SpaceError as exc:
                raise SpaceError(f"parameter {name!r}: {exc}") from exc
        return cls(parameters)

    @classmethod
    def from_yaml(cls, path: str | Path) -> SearchSpace:
        """Read a space written by ``to_yaml`` or by hand in NePS's YAML shorthand."""
        return cls._trusted(parameters_from_user(load_yaml_mapping(Path(path))))

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{name: parameter dict}``: plain, YAML-safe and deterministic."""
        return {name: p.to_dict() for name, p in self.parameters.items()}

    def to_yaml(self, path: str | Path) -> None:
        """Write ``to_dict()`` as YAML (the state layer does its own atomic writes)."""
        Path(path).write_text(dump_yaml_text(self.to_dict()), encoding="utf-8")

    # --- identity ------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"SearchSpace is immutable; cannot set {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (SearchSpace, (self.parameters,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SearchSpace):
            return NotImplemented
        return list(self.parameters.items()) == list(other.parameters.items())

    def __hash__(self) -> int:
        return hash(tuple(self.parameters.items()))

    def __repr__(self) -> str:
        return f"SearchSpace({self.parameters!r})"

    def __len__(self) -> int:
        return len(self.parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self.parameters)

    def __contains__(self, name: object) -> bool:
        return name in self.parameters

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]

    def describe_difference(self, other: SearchSpace) -> str:
        """What changed from ``self`` to ``other``, one line per difference."""
        return describe_difference(self.to_dict(), other.to_dict())

    # --- views -----------------------------------------------------------------------

    @property
    def fidelity_name(self) -> str | None:
        """Name of the fidelity parameter, if any."""
        return next((n for n, p in self.parameters.items() if p.is_fidelity), None)

    @property
    def fidelity(self) -> Float | Integer | None:
        """The fidelity parameter, if any."""
        name = self.fidelity_name
        if name is None:
            return None
        param = self.parameters[name]
        if not isinstance(param, Float | Integer):  # pragma: no cover - is_fidelity implies it
            raise SpaceError(f"fidelity {name!r} is not numerical")
        return param

    def _fidelity_or_raise(self) -> tuple[str, Float | Integer]:
        param = self.fidelity
        if param is None or self.fidelity_name is None:
            raise SpaceError("this search space has no fidelity parameter")
        return self.fidelity_name, param

    @property
    def has_priors(self) -> bool:
        """True if any parameter has a prior."""
        return any(p.has_prior for p in self.parameters.values())

    @property
    def searchables(self) -> dict[str, Parameter]:
        """Parameters that are neither constants nor the fidelity."""
        return dict(_encoding.searchable_items(self.parameters))

    @property
    def constants(self) -> dict[str, Constant]:
        """The constant parameters."""
        return {n: p for n, p in self.parameters.items() if isinstance(p, Constant)}

    @property
    def n_dims(self) -> int:
        """Number of columns of the unit-cube encoding."""
        return len(_encoding.searchable_items(self.parameters))

    @property
    def encoded_kinds(self) -> list[str]:
        """ "float", "int" or "cat" for each encoded column."""
        return _encoding.encoded_kinds(self.parameters)

    @property
    def n_choices(self) -> list[int]:
        """Choices per encoded column (0 for numerical columns)."""
        return _encoding.n_choices(self.parameters)

    def prior_config(self) -> dict[str, Any]:
        """Priors where set, else the centre of the range / the first choice; the
        fidelity at its upper bound."""
        return {
            name: p.upper if isinstance(p, Float | Integer) and p.is_fidelity else p.reference_value
            for name, p in self.parameters.items()
        }

    # --- configs ----------------------------------------------------------------------

    def validate_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """See ``neps_like.space._config.validate_config``."""
        return _config.validate_config(self.parameters, config)

    def config_key(
        self, config: Mapping[str, Any], *, include_fidelity: bool = True
    ) -> tuple[tuple[str, Any], ...]:
        """See ``neps_like.space._config.config_key``."""
        return _config.config_key(self.parameters, config, include_fidelity=include_fidelity)

    def recorded_key(self, config: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
        """``config_key`` of a config that already passed ``validate_config``, as every
        recorded trial's did: the same key without checking the values again (every
        worker keys every trial of the study). Falls back to ``config_key`` when a
        parameter is missing, which raises the clear error."""
        digits = _config.KEY_SIGNIFICANT_DIGITS
        try:
            return tuple(
                (name, float(f"{value:.{digits}g}") if type(value) is float else value)
                for name, param in self.parameters.items()
                if not isinstance(param, Constant)
                for value in (config[name],)
            )
        except KeyError:
            return self.config_key(config)

    @staticmethod
    def unflatten(config: Mapping[str, Any]) -> dict[str, Any]:
        """Dotted names back to nested dicts for the user's function."""
        return _config.unflatten(config)

    def sample(
        self,
        rng: np.random.Generator | random.Random,
        *,
        use_priors: bool = False,
        fidelity: Any = "max",
    ) -> dict[str, Any]:
        """A random config; ``fidelity`` is "max", "min" or a value. ``rng``: numpy's
        generator or the standard library's (see ``_sampling``)."""
        return _sampling.sample(self.parameters, rng, use_priors=use_priors, fidelity=fidelity)

    def grid(self, size: int = 10) -> list[dict[str, Any]]:
        """Every grid combination in a deterministic order. See ``_sampling.grid``."""
        return _sampling.grid(self.parameters, size)

    def encode(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Configs to an ``(n, n_dims)`` array in ``[0, 1]``."""
        return _encoding.encode(self.parameters, configs)

    def decode(self, x: np.ndarray) -> list[dict[str, Any]]:
        """Rows of the unit cube to full configs (fidelity at max)."""
        return _encoding.decode(self.parameters, x)

    def fidelity_to_unit(self, value: Any) -> float:
        """The fidelity's position on its own scale: lower -> 0, upper -> 1 (log-aware)."""
        return _encoding.fidelity_to_unit(*self._fidelity_or_raise(), value)

    def unit_to_fidelity(self, u: float) -> float | int:
        """Inverse of ``fidelity_to_unit``."""
        return _encoding.unit_to_fidelity(*self._fidelity_or_raise(), u)
