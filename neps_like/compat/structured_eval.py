"""The evaluation side of architecture spaces (``neps_like.space._structured``).

A trial's config holds only the scalars the optimizer chose; ``structured_evaluation``
wraps the user's function so it receives what NePS passes instead: each public attribute
of the space resolved (operations called, choices picked), plus ``pipeline_directory``,
``previous_pipeline_directory`` and ``pipeline_id`` when it asks for them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from neps_like.space import PipelineSpace
from neps_like.space._build import RESERVED_NAMES
from neps_like.space._structured import Resolver, is_structured


def _flat(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(_flat(value, name))
        else:
            out[name] = value
    return out


def structured_evaluation(
    fn: Callable[..., Any], pipeline_space: Any
) -> Callable[..., Any] | None:
    """``fn`` wrapped to receive resolved objects, or None for an ordinary space."""
    if isinstance(pipeline_space, type) and issubclass(pipeline_space, PipelineSpace):
        attrs = pipeline_space.with_private()
    elif isinstance(pipeline_space, PipelineSpace):
        attrs = type(pipeline_space).with_private(pipeline_space)
    else:
        return None
    if not is_structured(attrs):
        return None
    resolver = Resolver(attrs)
    params = inspect.signature(fn).parameters
    open_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    wants = [n for n in sorted(RESERVED_NAMES) if n in params or open_kwargs]

    @functools.wraps(fn)
    def evaluate(**given: Any) -> Any:
        extra = {name: given.pop(name) for name in RESERVED_NAMES if name in given}
        resolved = resolver.resolve(_flat(given))
        return fn(**resolved, **{k: v for k, v in extra.items() if k in wants})

    keyword = inspect.Parameter.KEYWORD_ONLY
    evaluate.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, keyword) for n in wants]
        + [inspect.Parameter("config", inspect.Parameter.VAR_KEYWORD)]
    )
    return evaluate
