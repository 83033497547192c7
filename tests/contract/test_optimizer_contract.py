"""The contract every registered optimizer must keep (STYLE.md: one suite for all)."""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Mapping
from typing import Any

import pytest

import neps_like as neps
from neps_like.optimizers.protocol import AskFunction
from neps_like.optimizers.registry import available_optimizers, resolve_optimizer
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState

FLAT = neps.SearchSpace.from_user(
    {"x": neps.Float(0.0, 1.0), "n": neps.Integer(1, 9), "c": neps.Categorical(["a", "b"])}
)
FIDELITY = neps.SearchSpace.from_user(
    {
        "x": neps.Float(0.0, 1.0, prior=0.4),
        "c": neps.Categorical(["a", "b"], prior="a"),
        "epochs": neps.Integer(1, 27, is_fidelity=True),
    }
)
NEEDS_FIDELITY = {
    "successive_halving",
    "hyperband",
    "asha",
    "bohb",
    "priorband",
    "async_hb",
    "mo_hyperband",
    "moasha",
    "neps_hyperband",
    "neps_local_and_incumbent",
    "neps_priorband",
    "primo",
}
# Built only when their requirements are present: see test_ifbo_says_what_is_missing.
NEEDS_EXTRAS = {"ifbo"}


def _space(name: str) -> neps.SearchSpace:
    return FIDELITY if name in NEEDS_FIDELITY or name == "pibo" else FLAT


def _objective(config: Mapping[str, Any]) -> float:
    x = config["x"] if "x" in config else config["n"] / 4
    return (x - 0.3) ** 2 + (0.1 if config["c"] == "b" else 0.0)


def _drive(ask: AskFunction, steps: int, pending_every: int = 0) -> dict[str, Trial]:
    """Run ``steps`` asks as a single in-memory worker would, ids as the repository gives."""
    trials: dict[str, Trial] = {}
    counter = 0
    for step in range(steps):
        sampled = ask(trials, BudgetInfo())
        assert isinstance(sampled, SampledConfig)
        if sampled.previous_trial_id is None:
            counter += 1
            tid = str(counter)
        else:
            tid = f"{sampled.previous_trial_id.split('_')[0]}_{sampled.rung}"
        meta = MetaData(
            time_sampled=float(step),
            sampling_worker_id="w",
            previous_trial_id=sampled.previous_trial_id,
            rung=sampled.rung,
        )
        if pending_every and step % pending_every == 0:
            trials[tid] = Trial(tid, dict(sampled.config), TrialState.EVALUATING, meta)
        else:
            trials[tid] = Trial(
                tid,
                dict(sampled.config),
                TrialState.SUCCESS,
                meta,
                Report(_objective(sampled.config)),
            )
    return trials


@pytest.fixture(params=available_optimizers())
def name(request: pytest.FixtureRequest) -> str:
    if request.param == "optuna" and importlib.util.find_spec("optuna") is None:
        pytest.skip("the optuna optimizer needs optuna (an optional extra)")
    if request.param in NEEDS_EXTRAS:
        pytest.skip(f"{request.param} needs packages and weights that are not installed")
    return str(request.param)


def _build(name: str, seed: int = 0) -> AskFunction:
    build, spec = resolve_optimizer(name, _space(name))
    assert spec.name == name
    return build(seed)


def test_declares_where_it_computes(name: str) -> None:
    assert isinstance(getattr(_build(name), "compute_outside_lock", False), bool)
    assert isinstance(_build(name), AskFunction)


def test_proposals_fit_the_space(name: str) -> None:
    space = _space(name)
    for trial in _drive(_build(name), 12).values():
        assert space.validate_config(trial.config) == dict(trial.config)


def test_batch_returns_a_list_of_n(name: str) -> None:
    out = _build(name)({}, BudgetInfo(), 3)
    assert isinstance(out, list) and len(out) == 3
    assert all(isinstance(s, SampledConfig) for s in out)


def test_deterministic_under_a_seed(name: str) -> None:
    a = [t.config for t in _drive(_build(name, seed=3), 10).values()]
    b = [t.config for t in _drive(_build(name, seed=3), 10).values()]
    assert a == b


def test_does_not_mutate_its_inputs(name: str) -> None:
    trials = _drive(_build(name), 6)
    before = copy.deepcopy(trials)
    _build(name)(trials, BudgetInfo(max_evaluations=10, used_evaluations=6))
    assert trials == before


def test_no_duplicate_configs(name: str) -> None:
    trials = _drive(_build(name), 15, pending_every=4)
    space = _space(name)
    keys = [space.config_key(t.config) for t in trials.values()]
    assert len(keys) == len(set(keys))


def test_grid_search_exhausts_with_a_clear_end() -> None:
    space = neps.SearchSpace.from_user({"c": neps.Categorical(["a", "b"]), "k": neps.Integer(1, 2)})
    build, _ = resolve_optimizer("grid_search", space)
    ask = build(0)
    trials = {}
    for i in range(4):
        sampled = ask(trials, None)
        assert isinstance(sampled, SampledConfig)
        trials[str(i + 1)] = Trial(
            str(i + 1), dict(sampled.config), TrialState.SUCCESS, MetaData(0.0, "w"), Report(0.0)
        )
    with pytest.raises(neps.SamplingExhausted, match="grid"):
        ask(trials, None)


# Optimizers whose sequence does not depend on the seed, by design.
SEED_FREE = {"grid_search"}
SMALL_FLAT = neps.SearchSpace.from_user(
    {"n": neps.Integer(1, 4), "c": neps.Categorical(["a", "b", "c"])}
)  # 12 points
SMALL_FIDELITY = neps.SearchSpace.from_user(
    {
        "n": neps.Integer(1, 4, prior=2),
        "c": neps.Categorical(["a", "b", "c"], prior="a"),
        "epochs": neps.Integer(1, 9, is_fidelity=True),
    }
)


def test_the_seed_decides_the_sequence(name: str) -> None:
    """The same seed gives the same sequence, and different seeds different ones."""
    if name in SEED_FREE:
        pytest.skip(f"{name} proposes in a fixed order whatever the seed")
    def configs(seed: int) -> list[Mapping[str, Any]]:
        return [t.config for t in _drive(_build(name, seed=seed), 8).values()]

    assert configs(1) == configs(1)
    assert configs(1) != configs(2), "two seeds gave the same 8 proposals"


def _small_space(name: str) -> neps.SearchSpace:
    return SMALL_FIDELITY if name in NEEDS_FIDELITY or name == "pibo" else SMALL_FLAT


@pytest.mark.parametrize("history", [0, 6])
def test_a_batch_holds_distinct_configs(name: str, history: int) -> None:
    """Over a 12-point space, a batch of 6 proposals holds 6 distinct configs (and, for
    an optimizer that reads configs, none already in the history), for every seed tried."""
    space = _small_space(name)
    for seed in range(20):
        build, _ = resolve_optimizer(name, space)
        trials = _drive(build(seed), history) if history else {}
        ask = build(seed)
        batch = ask(trials, BudgetInfo(), 6)
        assert isinstance(batch, list) and len(batch) == 6
        keys = [space.config_key(s.config) for s in batch]
        assert len(set(keys)) == 6, f"seed {seed}: repeated config in {[s.config for s in batch]}"
        if getattr(ask, "uses_configs", True):
            old = {space.config_key(t.config) for t in trials.values()}
            assert not old & set(keys), f"seed {seed}: a batch repeats an earlier trial"
