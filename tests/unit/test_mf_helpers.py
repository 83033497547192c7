"""Shared helpers for the multi-fidelity optimizer tests (no tests of its own).

``Study`` commits proposals the way the trial repository does (new config -> ``"<k>"``,
promotion of lineage ``b`` to rung ``r`` -> ``"b_r"``, an existing id is an error), and
``simulate`` runs sequential or interleaved asynchronous workers in memory.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from neps_like.space import Categorical, Float, Integer, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState


def make_space(params: Mapping[str, Any]) -> SearchSpace:
    return SearchSpace(dict(params))


def branin_space(*, prior: tuple[float, float] | None = None, upper: int = 81) -> SearchSpace:
    px, py = prior if prior is not None else (None, None)
    return make_space(
        {
            "x1": Float(-5.0, 10.0, prior=px),
            "x2": Float(0.0, 15.0, prior=py),
            "epochs": Integer(1, upper, is_fidelity=True),
        }
    )


def small_space(upper: int = 9, choices: int | None = None) -> SearchSpace:
    params: dict[str, Any] = {"x": Float(0.0, 1.0), "epochs": Integer(1, upper, is_fidelity=True)}
    if choices is not None:
        params = {"c": Categorical([f"c{i}" for i in range(choices)]), "epochs": params["epochs"]}
    return make_space(params)


def branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


BRANIN_MIN = 0.397887


class Study:
    """An in-memory trial repository: ids, states and reports as the real one records them."""

    def __init__(self) -> None:
        self.trials: dict[str, Trial] = {}
        self.n_configs = 0

    def commit(self, s: SampledConfig, worker: str = "w0") -> str:
        prev = s.previous_trial_id
        if prev is None:
            self.n_configs += 1
            tid = str(self.n_configs)
        else:
            parent = self.trials[prev]
            assert parent.state is TrialState.SUCCESS, f"promoted {prev} ({parent.state.value})"
            tid = f"{prev.partition('_')[0]}_{s.rung}"
        assert tid not in self.trials, f"trial {tid} committed twice (double promotion)"
        meta = MetaData(
            time_sampled=0.0, sampling_worker_id=worker, previous_trial_id=prev, rung=s.rung
        )
        self.trials[tid] = Trial(tid, dict(s.config), TrialState.PENDING, meta)
        return tid

    def set(self, tid: str, state: TrialState, value: float | None = None) -> None:
        report = None if value is None else Report(objective_to_minimize=value)
        t = self.trials[tid]
        self.trials[tid] = Trial(t.id, t.config, state, t.metadata, report)

    def finish(self, tid: str, value: float) -> None:
        self.set(tid, TrialState.SUCCESS, value)


def simulate(
    optimizer: Callable[..., Any],
    objective: Callable[[Mapping[str, Any]], float],
    *,
    budget: float,
    fidelity: str = "epochs",
    workers: int = 1,
    seed: int = 0,
    fail_rate: float = 0.0,
) -> Study:
    """Run ``workers`` asynchronous workers until ``budget`` (sum of fidelities) is spent.

    Each evaluation lasts its fidelity times a random factor, so reports arrive out of
    order and asks interleave with pending trials; ``fail_rate`` of them fail.
    """
    rng = np.random.default_rng(seed)
    study = Study()
    running: list[tuple[float, str]] = []
    clock, spent = 0.0, 0.0
    while True:
        while len(running) < workers and spent < budget:
            s = optimizer(study.trials, None)
            assert isinstance(s, SampledConfig), "the optimizer idled"
            tid = study.commit(s)
            study.set(tid, TrialState.EVALUATING)
            spent += float(s.config[fidelity])
            heapq.heappush(running, (clock + s.config[fidelity] * rng.uniform(0.5, 1.5), tid))
        if not running:
            return study
        clock, tid = heapq.heappop(running)
        if rng.random() < fail_rate:
            study.set(tid, TrialState.FAILED)
        else:
            study.finish(tid, objective(study.trials[tid].config))


def noisy_branin(seed: int, upper: int = 81) -> Callable[[Mapping[str, Any]], float]:
    """Branin whose noise shrinks to zero at the top fidelity."""
    rng = np.random.default_rng(seed + 10_000)

    def f(config: Mapping[str, Any]) -> float:
        t = math.log(config["epochs"]) / math.log(upper)
        return branin(config["x1"], config["x2"]) + rng.normal(0.0, 20.0 * (1 - t) ** 2)

    return f


def final_regret(study: Study, top: float) -> float:
    """True regret of the best-scoring config among those evaluated at fidelity ``top``."""
    done = [t for t in study.trials.values() if t.config["epochs"] == top and t.report is not None]
    best = min(done, key=lambda t: t.report.objective_to_minimize)  # type: ignore[union-attr]
    return branin(best.config["x1"], best.config["x2"]) - BRANIN_MIN
