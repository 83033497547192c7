"""BO conditions on running trials: a pending trial changes the proposal.

Two histories are made equal in everything the optimizer could otherwise react to (the
number of trials, the configs already seen, hence the generator's seed) and differ only
in whether one trial is running (EVALUATING: a fantasy for the model) or was rejected at
sampling time (INVALID: ignored by the model). The running trial is placed right where
the model would propose next, so a BO that forgets its pending trials proposes the same
point twice over, while one that conditions on them moves away. Proposals made while
trials are pending alternate (by the number of trials) between the believer's log-EI in a
trust region and the posterior-mean minimiser, which keeps MIN_PENDING_DISTANCE from running
trials; an extra rejected trial shifts the count so both are checked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pytest

import neps_like as neps
from neps_like.optimizers.bo import _pending
from neps_like.optimizers.registry import resolve_optimizer
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState

SPACE = neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0), "y": neps.Float(0.0, 1.0)})
OBSERVED = [(0.1, 0.9), (0.5, 0.5), (0.9, 0.1), (0.3, 0.3), (0.7, 0.8),
            (0.2, 0.6), (0.8, 0.4), (0.4, 0.9), (0.6, 0.2), (0.35, 0.55)]  # fmt: skip


def _history(extra: Mapping[str, float], state: TrialState, shift: int) -> dict[str, Trial]:
    trials = {}
    for i, (x, y) in enumerate(OBSERVED, start=1):
        value = (x - 0.3) ** 2 + (y - 0.6) ** 2
        trials[str(i)] = Trial(
            str(i), {"x": x, "y": y}, TrialState.SUCCESS, MetaData(float(i), "w"), Report(value)
        )
    for k in range(shift):  # rejected at sampling time: only counts as a trial
        i = str(len(OBSERVED) + 1 + k)
        trials[i] = Trial(i, {"x": 0.01, "y": 0.99}, TrialState.INVALID, MetaData(float(i), "w"))
    n = str(len(trials) + 1)
    trials[n] = Trial(n, dict(extra), state, MetaData(float(n), "w", evaluating_worker_id="w"))
    return trials


def _ask(name: str, trials: Mapping[str, Trial]) -> dict[str, Any]:
    build, _ = resolve_optimizer(name, SPACE)
    sampled = build(7)(trials, BudgetInfo())
    assert isinstance(sampled, SampledConfig)
    return dict(sampled.config)


def _distance(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    return math.hypot(a["x"] - b["x"], a["y"] - b["y"])


@pytest.mark.parametrize("shift", [0, 1])
def test_a_running_trial_where_bo_would_propose_moves_the_proposal(shift: int) -> None:
    far = {"x": 0.97, "y": 0.03}
    target = _ask("bayesian_optimization", _history(far, TrialState.INVALID, shift))
    here = {k: min(1.0, v + 1e-3) for k, v in target.items()}
    ignored = _ask("bayesian_optimization", _history(here, TrialState.INVALID, shift))
    running = _history(here, TrialState.EVALUATING, shift)
    conditioned = _ask("bayesian_optimization", running)
    assert conditioned != ignored
    # The posterior-mean branch keeps its exclusion radius, the trust region moves further.
    floor = _pending.MIN_PENDING_DISTANCE if _pending.uses_mean(len(running)) else 0.005
    assert _distance(conditioned, here) > max(floor, 3.0 * _distance(ignored, here))
