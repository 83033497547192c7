"""``PipelineSpace``: declaring a space as class attributes, as current NePS does::

    class MySpace(neps.PipelineSpace):
        lr = neps.Float(1e-5, 1e-1, log=True, prior=1e-3)
        act = neps.Categorical(["relu", "gelu"])
        epochs = neps.IntegerFidelity(1, 27)

Owns which attributes of such a class count as parameters: public (no leading
underscore — NePS uses ``_name`` for intermediate values), not callables, methods or
properties, in declaration order (base classes first), then instance attributes.
Turning the values into parameters is ``_build``'s job, so a dict and a
``PipelineSpace`` accept exactly the same values.
"""

from __future__ import annotations

import copy
from typing import Any

from neps_like._errors import SpaceError


def _is_declaration(name: str, value: Any) -> bool:
    if name.startswith("_"):
        return False
    if isinstance(value, staticmethod | classmethod | property):
        return False
    return not callable(value)


class PipelineSpace:
    """Base class for spaces declared as class attributes.

    Either the class or an instance may be passed wherever a space is accepted.
    ``add`` and ``remove`` return modified copies, as in NePS.
    """

    _removed: frozenset[str] = frozenset()

    @classmethod
    def _class_attrs(cls) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            if klass is object or klass is PipelineSpace:
                continue
            for name, value in vars(klass).items():
                if _is_declaration(name, value):
                    attrs[name] = value
        return attrs

    @classmethod
    def declared(cls, instance: PipelineSpace | None = None) -> dict[str, Any]:
        """The declared attributes of the class (and of ``instance`` if given), in order."""
        attrs = cls._class_attrs()
        if instance is not None:
            for name, value in vars(instance).items():
                if _is_declaration(name, value):
                    attrs[name] = value
            for name in instance._removed:
                attrs.pop(name, None)
        return attrs

    @classmethod
    def with_private(cls, instance: PipelineSpace | None = None) -> dict[str, Any]:
        """The declared attributes and the private ones (``_name``, not dunder): the
        building blocks an architecture space refers to."""
        attrs: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            if klass is object or klass is PipelineSpace:
                continue
            for name, value in vars(klass).items():
                private = name.startswith("_") and not name.startswith("__")
                if (private and not callable(value)) or _is_declaration(name, value):
                    attrs[name] = value
        attrs.update(cls.declared(instance) if instance is not None else {})
        if instance is not None:
            for name in instance._removed:
                attrs.pop(name, None)
        return attrs

    def get_attrs(self) -> dict[str, Any]:
        """The declared attributes of this instance (NePS's name for ``declared``)."""
        return type(self).declared(self)

    def add(self, parameter: Any, name: str) -> PipelineSpace:
        """A copy of this space with one more attribute.

        Raises:
            SpaceError: if ``name`` is private or already declared.
        """
        if not isinstance(name, str) or not name or name.startswith("_"):
            raise SpaceError(f"PipelineSpace.add: name must be a public identifier, got {name!r}")
        if name in self.get_attrs():
            raise SpaceError(f"PipelineSpace.add: {name!r} is already declared")
        new = copy.copy(self)
        setattr(new, name, parameter)
        new._removed = self._removed - {name}
        return new

    def remove(self, name: str) -> PipelineSpace:
        """A copy of this space without the attribute ``name``.

        Raises:
            SpaceError: if ``name`` is not declared.
        """
        if name not in self.get_attrs():
            raise SpaceError(f"PipelineSpace.remove: {name!r} is not declared")
        new = copy.copy(self)
        vars(new).pop(name, None)
        new._removed = self._removed | {name}
        return new
