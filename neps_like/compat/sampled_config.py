"""NePS's ``SampledConfig(id=..., config=..., previous_config_id=...)`` for custom
optimizers written against NePS's docs.

neps_like's study assigns trial ids under its lock (a continuation of trial 3 to rung 2
is ``"3_2"``), so the optimizer's ``id`` is accepted and not used; ``previous_config_id``
is ``previous_trial_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neps_like._errors import ArgumentError
from neps_like.state import records


class SampledConfig(records.SampledConfig):
    """A config an optimizer proposes; NePS's spelling accepted as well as neps_like's."""

    __slots__ = ()

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        previous_trial_id: str | None = None,
        rung: int | None = None,
        *,
        id: str | None = None,
        previous_config_id: str | None = None,
    ) -> None:
        if config is None:
            raise ArgumentError("SampledConfig needs config=")
        if previous_config_id is not None and previous_trial_id not in (None, previous_config_id):
            raise ArgumentError(
                "SampledConfig: previous_trial_id and previous_config_id (NePS's name) differ"
            )
        del id  # assigned by the study
        super().__init__(config, previous_trial_id or previous_config_id, rung)
