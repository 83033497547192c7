"""NePS's ``neps.algorithms``: one factory per optimizer name.

``neps.algorithms.hyperband(space, eta=3)`` builds the optimizer (an ask function, for
``neps.AskAndTell`` or ``run(optimizer=...)``). The factory itself may be passed too,
``run(optimizer=neps.algorithms.hyperband)`` or with settings
``run(optimizer=(neps.algorithms.hyperband, {"eta": 3}))``, which is the same as the name.
Every registered name has a factory (``dir(neps.algorithms)`` lists them); NePS's
settings are read as ``neps_like.compat.optimizer_settings`` describes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from neps_like.compat.optimizer_settings import PriorFirst, translate
from neps_like.optimizers.registry import OPTIMIZERS, resolve_optimizer
from neps_like.space import SearchSpace

NAME_ATTRIBUTE = "neps_like_optimizer_name"


def _factory(name: str) -> Callable[..., Any]:
    def make(pipeline_space: Any, *, seed: int | None = None, **settings: Any) -> Any:
        space = SearchSpace.from_user(pipeline_space)
        request = translate((name, settings), space)
        build, _ = resolve_optimizer(request.request, request.space)
        optimizer = build(random.SystemRandom().randrange(2**31) if seed is None else seed)
        return PriorFirst(optimizer, space) if request.sample_prior_first else optimizer

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"Build neps_like's {name!r} optimizer for ``pipeline_space``."
    setattr(make, NAME_ATTRIBUTE, name)
    return make


def __getattr__(name: str) -> Callable[..., Any]:
    if name in OPTIMIZERS:
        return _factory(name)
    raise AttributeError(f"neps.algorithms has no optimizer {name!r}; known: {sorted(OPTIMIZERS)}")


def __dir__() -> list[str]:
    return sorted(OPTIMIZERS)
