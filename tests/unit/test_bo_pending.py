"""BO conditions on running trials: a pending trial changes the proposal.

Two histories are made equal in everything the optimizer could otherwise react to (the
number of trials, the configs already seen, hence the generator's seed) and differ only
in whether one trial is running (EVALUATING: a fantasy for the model) or was rejected at
sampling time (INVALID: ignored by the model). The running trial is placed right where
the model would propose next, so a BO that forgets its pending trials proposes the same
point twice over, while one that conditions on them moves away.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import neps_like as neps
from neps_like.optimizers.registry import resolve_optimizer
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState

SPACE = neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0), "y": neps.Float(0.0, 1.0)})
OBSERVED = [(0.1, 0.9), (0.5, 0.5), (0.9, 0.1), (0.3, 0.3), (0.7, 0.8),
            (0.2, 0.6), (0.8, 0.4), (0.4, 0.9), (0.6, 0.2), (0.35, 0.55)]  # fmt: skip


def _history(extra: Mapping[str, float], state: TrialState) -> dict[str, Trial]:
    trials = {}
    for i, (x, y) in enumerate(OBSERVED, start=1):
        value = (x - 0.3) ** 2 + (y - 0.6) ** 2
        trials[str(i)] = Trial(
            str(i), {"x": x, "y": y}, TrialState.SUCCESS, MetaData(float(i), "w"), Report(value)
        )
    n = str(len(OBSERVED) + 1)
    trials[n] = Trial(n, dict(extra), state, MetaData(float(n), "w", evaluating_worker_id="w"))
    return trials


def _ask(name: str, trials: Mapping[str, Trial]) -> dict[str, Any]:
    build, _ = resolve_optimizer(name, SPACE)
    sampled = build(7)(trials, BudgetInfo())
    assert isinstance(sampled, SampledConfig)
    return dict(sampled.config)


def _distance(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    return math.hypot(a["x"] - b["x"], a["y"] - b["y"])


def test_a_running_trial_where_bo_would_propose_moves_the_proposal() -> None:
    far = {"x": 0.97, "y": 0.03}
    target = _ask("bayesian_optimization", _history(far, TrialState.INVALID))
    here = {k: min(1.0, v + 1e-3) for k, v in target.items()}
    ignored = _ask("bayesian_optimization", _history(here, TrialState.INVALID))
    conditioned = _ask("bayesian_optimization", _history(here, TrialState.EVALUATING))
    assert conditioned != ignored
    assert _distance(conditioned, here) > max(0.005, 3.0 * _distance(ignored, here))
