"""Sample efficiency on a cheap multi-fidelity Branin (noise shrinks to 0 at the top).

Budgets are sums of fidelities, counting every promotion at its full rung fidelity (no
discount for continuing from a checkpoint), so the comparison is conservative. The
margins are loose on purpose: these guard against a broken optimizer, not a 5 % slip.
"""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from neps_like.optimizers.multifidelity import ASHA, Hyperband, PriorBand
from tests.unit.test_mf_helpers import (
    BRANIN_MIN,
    branin,
    branin_space,
    final_regret,
    noisy_branin,
    simulate,
)

TOP = 81
BUDGET = 20 * TOP  # twenty full-fidelity evaluations
SEEDS = range(5)


def random_search_regret(seed: int) -> float:
    space, rng = branin_space(), np.random.default_rng([seed, 99])
    configs = [space.sample(rng) for _ in range(BUDGET // TOP)]
    return min(branin(c["x1"], c["x2"]) for c in configs) - BRANIN_MIN


def median_regret(make) -> float:
    runs = [simulate(make(s), noisy_branin(s), budget=BUDGET, workers=4, seed=s) for s in SEEDS]
    return statistics.median(final_regret(study, TOP) for study in runs)


@pytest.mark.parametrize("cls", [Hyperband, ASHA])
def test_multi_fidelity_beats_random_search_at_equal_budget(cls):
    baseline = statistics.median(random_search_regret(s) for s in SEEDS)
    assert median_regret(lambda s: cls(branin_space(), seed=s)) < 0.7 * baseline


def test_priorband_with_a_good_prior_beats_hyperband():
    hyperband = median_regret(lambda s: Hyperband(branin_space(), seed=s))
    good = median_regret(lambda s: PriorBand(branin_space(prior=(3.0, 2.5)), seed=s))
    assert good < 0.7 * hyperband


def test_priorband_with_a_misleading_prior_still_beats_random_search():
    baseline = statistics.median(random_search_regret(s) for s in SEEDS)
    bad = median_regret(lambda s: PriorBand(branin_space(prior=(-4.0, 1.0)), seed=s))
    assert bad < baseline
