"""Interleaved asynchronous workers, simulated in memory: the bookkeeping invariants.

``Study.commit`` already fails on a trial id committed twice (a double promotion) and
on a promotion of a trial that has not finished successfully.
"""

from __future__ import annotations

from collections import Counter

import pytest

from neps_like.optimizers.multifidelity import ASHA, Hyperband, PriorBand, SuccessiveHalving
from neps_like.state.records import TrialState
from tests.unit.test_mf_helpers import branin_space, noisy_branin, simulate

FACTORIES = {
    "successive_halving": lambda: SuccessiveHalving(branin_space(upper=27), seed=3),
    "hyperband": lambda: Hyperband(branin_space(upper=27), seed=3),
    "asha": lambda: ASHA(branin_space(upper=27), seed=3),
    "priorband": lambda: PriorBand(branin_space(prior=(3.0, 2.5), upper=27), seed=3),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("workers", [1, 7])
def test_each_promotion_happens_once_and_keeps_the_config(name, workers):
    opt = FACTORIES[name]()
    study = simulate(opt, noisy_branin(0, upper=27), budget=40 * 27, workers=workers, fail_rate=0.1)
    trials = study.trials
    parents = Counter(t.metadata.previous_trial_id for t in trials.values())
    parents.pop(None, None)
    assert parents, "no promotion happened"
    assert max(parents.values()) == 1
    values = opt.schedule.values
    for t in trials.values():
        prev = t.metadata.previous_trial_id
        assert t.config["epochs"] == values[t.metadata.rung]
        if prev is None:
            continue
        parent = trials[prev]
        assert t.metadata.rung == parent.metadata.rung + 1
        assert t.id == f"{prev.split('_')[0]}_{t.metadata.rung}"
        assert {**t.config, "epochs": parent.config["epochs"]} == dict(parent.config)
        assert parent.state is TrialState.SUCCESS
    starts = [t for t in trials.values() if t.metadata.previous_trial_id is None]
    keys = Counter(opt.key(t.config) for t in starts)
    assert max(keys.values()) == 1, "a new config duplicated an earlier one"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_rebuilding_from_the_same_records_gives_the_same_run(name):
    a = simulate(FACTORIES[name](), noisy_branin(1, upper=27), budget=20 * 27, workers=4, seed=1)
    b = simulate(FACTORIES[name](), noisy_branin(1, upper=27), budget=20 * 27, workers=4, seed=1)
    assert {k: dict(t.config) for k, t in a.trials.items()} == {
        k: dict(t.config) for k, t in b.trials.items()
    }


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_workers_with_their_own_optimizer_agree_with_one_optimizer(name):
    """Each worker builds its own optimizer object; the run must not notice."""
    own = [FACTORIES[name]() for _ in range(3)]
    calls = iter(range(10**6))

    def round_robin(trials, budget_info):
        return own[next(calls) % 3](trials, budget_info)

    a = simulate(round_robin, noisy_branin(2, upper=27), budget=20 * 27, workers=3, seed=2)
    b = simulate(FACTORIES[name](), noisy_branin(2, upper=27), budget=20 * 27, workers=3, seed=2)
    assert {k: dict(t.config) for k, t in a.trials.items()} == {
        k: dict(t.config) for k, t in b.trials.items()
    }


def test_asha_keeps_every_worker_busy():
    # simulate() asserts each ask returns a proposal; count rung-0 starts while rungs run.
    study = simulate(
        ASHA(branin_space(upper=27), seed=0), noisy_branin(0, upper=27), budget=30 * 27, workers=8
    )
    assert sum(t.metadata.rung == 0 for t in study.trials.values()) > 8
    assert any(t.metadata.rung == 3 for t in study.trials.values())
