"""Grid search: every point of the space's grid once, in order, then a clean end."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from neps_like._errors import SamplingExhausted
from neps_like.space import SearchSpace
from neps_like.state.records import BudgetInfo, SampledConfig, Trial


class GridSearch:
    """Walks ``space.grid(size)``; numerical parameters get ``size`` points each.

    Points already present among the trials (sampled by any worker, imported or
    enqueued) are skipped; when none is left, ``SamplingExhausted`` ends the study.
    """

    compute_outside_lock = False
    uses_outcomes = False  # only which grid points were taken

    def __init__(self, space: SearchSpace, *, seed: int, size: int = 10) -> None:
        self.space = space
        self.seed = seed
        self.size = size
        self._grid = space.grid(size)
        # A memo of keys seen per trial id; the answer stays a pure function of `trials`.
        self._seen_ids: set[str] = set()
        self._seen_keys: set[Hashable] = set()

    def __call__(
        self, trials: Mapping[str, Trial], budget_info: BudgetInfo | None, n: int | None = None
    ) -> SampledConfig | list[SampledConfig]:
        seen = self._seen_keys if self._seen_ids <= trials.keys() else set()
        if not seen:
            self._seen_ids = set()
        for trial_id, trial in trials.items():
            if trial_id not in self._seen_ids:
                self._seen_ids.add(trial_id)
                seen.add(self.space.config_key(trial.config))
        self._seen_keys = seen
        picked = [c for c in self._grid if self.space.config_key(c) not in seen][: n or 1]
        if not picked:
            raise SamplingExhausted(f"all {len(self._grid)} grid points have been sampled")
        out = [SampledConfig(c) for c in picked]
        return out if n is not None else out[0]
