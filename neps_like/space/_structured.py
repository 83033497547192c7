"""Architecture spaces: NePS's ``Operation``, ``Resample``, ``ByName`` and categoricals
whose choices are not scalars (functions, objects, operations, parameters).

Such a ``PipelineSpace`` is *compiled* into ordinary scalar parameters, so every
optimizer searches it as any other space and the journal stores only scalars, under
readable paths:

* a parameter reached through ``.resample()`` (or ``Resample(x)``) is a new parameter at
  the path where it is used: ``model.args.0.kwargs.kernel_size``;
* a parameter used *without* ``.resample()`` is shared: it is sampled once, under its own
  attribute name (``_kernel_size``), as NePS does;
* a categorical with non-scalar choices is ``<path>.choice``, holding the chosen
  option's label (``"ReLU()"``, ``"sqrt"``, ``"Conv2d"``: readable and stable across
  runs), and the parameters inside option ``i`` live under ``<path>.<i>``;
* constants (numbers, strings, objects) are not parameters.

``Resolver.resolve(flat_config)`` turns such a config back into the objects the
evaluation receives: each public attribute of the space, operations called with their
resolved arguments. A recursive space (``ByName`` referring to itself) is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neps_like._errors import SpaceError
from neps_like.space._base import Parameter


class Resample:
    """An independent copy of ``source`` at the place where it is used."""

    def __init__(self, source: Any) -> None:
        inner: Any = source.source if isinstance(source, Resample) else source
        self.source: Any = inner

    def resample(self) -> Resample:
        return Resample(self.source)


class ByName:
    """A reference to the space's attribute ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def resample(self) -> Resample:
        return Resample(self)


class Operation:
    """``operator(*args, **kwargs)`` with every parameter inside resolved first; a string
    ``operator`` resolves to a ``ResolvedOperation`` naming it."""

    def __init__(
        self, operator: Any, args: Any = (), kwargs: Mapping[str, Any] | None = None
    ) -> None:
        self.operator = operator
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})

    def resample(self) -> Resample:
        return Resample(self)


class ResolvedOperation:
    """An operation whose operator is a name: what the evaluation receives for it."""

    def __init__(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.name, self.args, self.kwargs = name, args, kwargs

    def __repr__(self) -> str:
        inner = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(inner)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResolvedOperation):
            return NotImplemented
        return (self.name, self.args, self.kwargs) == (other.name, other.args, other.kwargs)

    __hash__ = None  # type: ignore[assignment]


class Choice:
    """A categorical whose choices are not all scalars (see the module docstring)."""

    def __init__(
        self, choices: Any, *, prior: int | None = None, prior_confidence: Any = "medium"
    ) -> None:
        self.choices = tuple(choices)
        if not self.choices:
            raise SpaceError("Categorical: choices must not be empty")
        if prior is not None and not (isinstance(prior, int) and 0 <= prior < len(self.choices)):
            raise SpaceError(
                f"Categorical: prior={prior!r} must be the index of one of the "
                f"{len(self.choices)} choices"
            )
        self.prior, self.prior_confidence = prior, prior_confidence

    def resample(self) -> Resample:
        return Resample(self)


_NODES = (Parameter, Choice, Operation, ByName)


def is_structured(attrs: Mapping[str, Any]) -> bool:
    """True when a space's attributes use anything beyond plain scalar parameters."""
    return any(isinstance(v, Choice | Operation | Resample | ByName) for v in attrs.values())


def _label(choice: Any, names: Mapping[int, str]) -> str:
    if isinstance(choice, Resample):
        choice = choice.source
    if isinstance(choice, str):
        return choice
    if isinstance(choice, bool | int | float):
        return repr(choice)
    if id(choice) in names:
        return names[id(choice)]
    if isinstance(choice, ByName):
        return choice.name
    if isinstance(choice, Operation):
        return _label(choice.operator, names)
    if isinstance(choice, tuple | list):
        return "(" + ", ".join(_label(c, names) for c in choice) + ")"
    name = getattr(choice, "__name__", None) or getattr(choice, "__qualname__", None)
    if isinstance(name, str):
        return name
    return f"{type(choice).__name__}()"


def choice_labels(choice: Choice, names: Mapping[int, str]) -> list[str]:
    """One unique, readable label per option."""
    labels: list[str] = []
    for i, option in enumerate(choice.choices):
        label = _label(option, names)
        labels.append(label if label not in labels else f"{label}#{i}")
    return labels


class _Walk:
    """Walks a space's attributes; ``compile`` collects parameters, ``resolve`` builds."""

    def __init__(self, attrs: Mapping[str, Any]) -> None:
        self.attrs = dict(attrs)
        self.names = {id(v): n for n, v in self.attrs.items() if isinstance(v, _NODES)}
        self.params: dict[str, Parameter] = {}
        self.flat: Mapping[str, Any] = {}
        self.cache: dict[str, Any] = {}
        self.compiling = True
        self.stack: list[str] = []

    def _by_name(self, ref: ByName) -> Any:
        if ref.name not in self.attrs:
            raise SpaceError(f"ByName({ref.name!r}): the space has no attribute {ref.name!r}")
        return self.attrs[ref.name]

    def _fresh_by_name(self, ref: ByName, path: str) -> Any:
        self._refuse_recursion(ref.name)
        self.stack.append(ref.name)
        try:
            return self.walk(self._by_name(ref), path, fresh=True)
        finally:
            self.stack.pop()

    def _refuse_recursion(self, name: str) -> None:
        if name in self.stack:
            raise SpaceError(
                f"the space refers to {name!r} inside itself ({' -> '.join(self.stack)}); "
                "recursive spaces are not supported"
            )

    def shared(self, name: str) -> Any:
        self._refuse_recursion(name)
        if name not in self.cache:
            self.stack.append(name)
            self.cache[name] = self.walk(self.attrs[name], name, fresh=True)
            self.stack.pop()
        return self.cache[name]

    def walk(self, node: Any, path: str, *, fresh: bool = False) -> Any:
        if isinstance(node, Resample):
            if isinstance(node.source, ByName):
                return self._fresh_by_name(node.source, path)
            return self.walk(node.source, path, fresh=True)
        if isinstance(node, ByName):
            return self.shared(node.name)
        if not fresh and id(node) in self.names:
            return self.shared(self.names[id(node)])
        if isinstance(node, Parameter):
            if self.compiling:
                self.params[path] = node
                return None
            return self.flat[path]
        if isinstance(node, Choice):
            return self._choice(node, path)
        if isinstance(node, Operation):
            return self._operation(node, path)
        if isinstance(node, tuple | list):
            items = [self.walk(v, f"{path}.{i}") for i, v in enumerate(node)]
            return type(node)(items)
        if isinstance(node, dict):
            return {k: self.walk(v, f"{path}.{k}") for k, v in node.items()}
        return node

    def _choice(self, node: Choice, path: str) -> Any:
        from neps_like.space._categorical import Categorical

        labels = choice_labels(node, self.names)
        if self.compiling:
            prior = None if node.prior is None else labels[node.prior]
            self.params[f"{path}.choice"] = Categorical.with_prior_value(
                labels, prior=prior, prior_confidence=node.prior_confidence
            )
            for i, option in enumerate(node.choices):
                self.walk(option, f"{path}.{i}")
            return None
        index = labels.index(self.flat[f"{path}.choice"])
        return self.walk(node.choices[index], f"{path}.{index}")

    def _operation(self, node: Operation, path: str) -> Any:
        operator = self.walk(node.operator, f"{path}.operator")
        args = tuple(self.walk(a, f"{path}.args.{i}") for i, a in enumerate(node.args))
        kwargs = {k: self.walk(v, f"{path}.kwargs.{k}") for k, v in node.kwargs.items()}
        if self.compiling:
            return None
        if isinstance(operator, str):
            return ResolvedOperation(operator, args, kwargs)
        if not callable(operator):
            raise SpaceError(f"Operation at {path!r}: operator {operator!r} is not callable")
        return operator(*args, **kwargs)


def public(attrs: Mapping[str, Any]) -> list[str]:
    return [n for n in attrs if not n.startswith("_")]


def compile_space(attrs: Mapping[str, Any]) -> dict[str, Parameter]:
    """The scalar parameters of an architecture space, by path."""
    walk = _Walk(attrs)
    for name in public(attrs):
        walk.shared(name)
    if not walk.params:
        raise SpaceError("the architecture space has no parameter to search")
    return walk.params


class Resolver:
    """Turns a flat config of ``compile_space``'s parameters into the evaluation's
    arguments (one per public attribute)."""

    def __init__(self, attrs: Mapping[str, Any]) -> None:
        self.attrs = dict(attrs)

    def resolve(self, flat: Mapping[str, Any]) -> dict[str, Any]:
        walk = _Walk(self.attrs)
        walk.compiling, walk.flat = False, flat
        return {name: walk.shared(name) for name in public(self.attrs)}


def make_choice(choices: Any, prior: Any, prior_confidence: Any) -> Choice:
    """What ``Categorical(...)`` builds when a choice is not a scalar."""
    return Choice(choices, prior=prior, prior_confidence=prior_confidence)


__all__ = [
    "ByName",
    "Choice",
    "Operation",
    "Resample",
    "ResolvedOperation",
    "Resolver",
    "compile_space",
    "is_structured",
    "make_choice",
]
