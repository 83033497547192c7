"""NePS's optimizer names: each takes NePS's documented settings and does what they say."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

import neps_like as neps
from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity.async_hyperband import bracket_probabilities
from neps_like.optimizers.registry import resolve_optimizer
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState

PRIORS = {
    "lr": neps.Float(1e-4, 1e-1, log=True, prior=1e-3, prior_confidence="medium"),
    "units": neps.Integer(8, 256, log=True, prior=64),
    "act": neps.Categorical(["relu", "gelu", "tanh"], prior="relu"),
}
FIDELITY = neps.SearchSpace.from_user({**PRIORS, "epochs": neps.Integer(1, 27, is_fidelity=True)})
FLAT = neps.SearchSpace.from_user(PRIORS)

# Every setting NePS 0.17 documents for the name, at a non-default value.
NEPS_SETTINGS: dict[str, dict[str, Any]] = {
    "neps_random_search": {"use_priors": True, "ignore_fidelity": "highest_fidelity"},
    "complex_random_search": {"ignore_fidelity": True},
    "neps_regularized_evolution": {
        "population_size": 8,
        "tournament_size": 3,
        "use_priors": False,
        "mutation_type": "crossover_top_2",
        "n_mutations": "half",
        "n_forgets": 2,
        "ignore_fidelity": "highest_fidelity",
    },
    "neps_hyperband": {"eta": 2, "sampler": "prior", "sample_prior_first": "highest_fidelity"},
    "neps_priorband": {"inc_ratio": 0.5, "eta": 2, "sample_prior_first": True, "base": "asha"},
    "neps_local_and_incumbent": {
        "local_prior": {"lr": 1e-2, "units": 32, "act": "gelu"},
        "inc_takeover_mode": 3,
        "random_ratio": 0.2,
        "eta": 2,
        "base": "async_hb",
    },
    "async_hb": {"eta": 2, "sampler": "prior", "sample_prior_first": True},
    "moasha": {
        "eta": 2,
        "early_stopping_rate": 1,
        "sampler": "prior",
        "sample_prior_first": "highest_fidelity",
        "mo_selector": "nsga2",
    },
    "mo_hyperband": {
        "eta": 2,
        "sampler": "prior",
        "sample_prior_first": True,
        "mo_selector": "nsga2",
    },
}


def _drive(ask: Any, steps: int, objective: Any) -> dict[str, Trial]:
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
            float(step),
            "w",
            previous_trial_id=sampled.previous_trial_id,
            rung=sampled.rung,
            time_ended=float(step),
        )
        trials[tid] = Trial(
            tid, dict(sampled.config), TrialState.SUCCESS, meta, Report(objective(sampled.config))
        )
    return trials


def _loss(config: Mapping[str, Any]) -> float:
    return float(np.log10(config["lr"]) + 3) ** 2 + (config["act"] != "relu") * 0.5


@pytest.mark.parametrize("name", sorted(NEPS_SETTINGS))
def test_neps_settings_are_accepted_and_the_study_runs(name: str) -> None:
    space = FLAT if name in ("complex_random_search",) else FIDELITY
    build, spec = resolve_optimizer((name, NEPS_SETTINGS[name]), space)
    assert dict(spec.settings) == NEPS_SETTINGS[name]
    trials = _drive(build(0), 30, _loss)
    for trial in trials.values():
        assert space.validate_config(trial.config) == dict(trial.config)


@pytest.mark.parametrize(
    "name", ["neps_random_search", "complex_random_search", "neps_regularized_evolution"]
)
def test_single_fidelity_names_follow_ignore_fidelity(name: str) -> None:
    with pytest.raises(OptimizerError, match="ignore_fidelity='highest_fidelity'"):
        resolve_optimizer(name, FIDELITY)
    build, _ = resolve_optimizer((name, {"ignore_fidelity": "highest_fidelity"}), FIDELITY)
    assert {t.config["epochs"] for t in _drive(build(0), 25, _loss).values()} == {27}
    build, _ = resolve_optimizer((name, {"ignore_fidelity": True}), FIDELITY)
    assert len({t.config["epochs"] for t in _drive(build(0), 25, _loss).values()}) > 5


def test_ignore_fidelity_without_a_fidelity_only_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        resolve_optimizer(("neps_random_search", {"ignore_fidelity": True}), FLAT)
    assert "no effect" in caplog.text


def test_ifbo_says_what_is_missing() -> None:
    with pytest.raises(OptimizerError) as err:
        resolve_optimizer(("ifbo", {"step_size": 2, "surrogate_path": "/nonexistent"}), FIDELITY)
    text = str(err.value)
    assert "pip install ifbo" in text and "/nonexistent" in text and "mf_bo" in text
    with pytest.raises(OptimizerError, match="step_size"):
        resolve_optimizer(("ifbo", {"step_size": -1}), FIDELITY)


def test_regularized_evolution_children_come_from_the_population() -> None:
    settings = {
        "population_size": 6,
        "tournament_size": 3,
        "mutation_type": "mutate_best",
        "n_mutations": 1,
    }
    build, _ = resolve_optimizer(("neps_regularized_evolution", settings), FLAT)
    trials = _drive(build(4), 20, _loss)
    configs = [t.config for t in trials.values()]
    for k in range(6, 20):  # each child differs from an earlier config in exactly one value
        diffs = [sum(configs[k][p] != c[p] for p in PRIORS) for c in configs[:k]]
        assert min(diffs) == 1, (k, configs[k])


def test_bad_evolution_settings_are_named() -> None:
    with pytest.raises(OptimizerError, match="tournament_size"):
        resolve_optimizer(("neps_regularized_evolution", {"population_size": 3}), FLAT)
    with pytest.raises(OptimizerError, match="mutation_type"):
        resolve_optimizer(("neps_regularized_evolution", {"mutation_type": 2.0}), FLAT)


def test_async_hb_bracket_weights_follow_hyperband_budgets() -> None:
    p = bracket_probabilities(4, 3)
    assert p.sum() == pytest.approx(1.0)
    assert list(p) == sorted(p, reverse=True)  # aggressive brackets start most configs
    # eta**(K-s) * (K+1)/(K-s+1) with K=3: 27, 18, 6, 4 (times 4/4, 4/3, 4/2, 4/1)
    assert p * (27 + 12 + 6 + 4) == pytest.approx([27, 12, 6, 4])


def test_async_hb_promotes_within_a_bracket_and_starts_every_bracket() -> None:
    build, _ = resolve_optimizer("async_hb", FIDELITY)
    trials = _drive(build(1), 120, _loss)
    starts = {t.metadata.rung for t in trials.values() if t.metadata.previous_trial_id is None}
    assert starts >= {0, 1, 2}
    for t in trials.values():
        parent = t.metadata.previous_trial_id
        if parent is not None:
            assert trials[parent].config["lr"] == t.config["lr"]
            assert t.metadata.rung == trials[parent].metadata.rung + 1  # type: ignore[operator]


@pytest.mark.parametrize("mode", [True, "highest_fidelity"])
def test_sample_prior_first(mode: Any) -> None:
    build, _ = resolve_optimizer(("neps_hyperband", {"sample_prior_first": mode}), FIDELITY)
    first = build(0)({}, None)
    assert isinstance(first, SampledConfig)
    assert {k: first.config[k] for k in PRIORS} == {"lr": 1e-3, "units": 64, "act": "relu"}
    assert first.config["epochs"] == (27 if mode == "highest_fidelity" else 1)


def test_local_and_incumbent_starts_at_the_local_prior_and_stays_near() -> None:
    local = {"lr": 1e-2, "units": 32, "act": "gelu"}
    build, _ = resolve_optimizer(("neps_local_and_incumbent", {"local_prior": local}), FIDELITY)
    trials = _drive(build(0), 30, _loss)
    first = trials["1"].config
    assert {k: first[k] for k in local} == local
    near = [t for t in trials.values() if sum(t.config[k] == local[k] for k in local) >= 1]
    assert len(near) > len(trials) / 2
    with pytest.raises(OptimizerError, match="local_prior"):
        resolve_optimizer(("neps_local_and_incumbent", {"local_prior": {"lr": 5.0}}), FIDELITY)


def test_neps_priorband_without_priors_warns_and_samples(caplog: pytest.LogCaptureFixture) -> None:
    space = neps.SearchSpace.from_user(
        {"x": neps.Float(0, 1), "e": neps.Integer(1, 9, is_fidelity=True)}
    )
    with caplog.at_level(logging.WARNING):
        build, _ = resolve_optimizer("neps_priorband", space)
    assert "no parameter has a prior" in caplog.text
    assert len(_drive(build(0), 10, lambda c: c["x"])) == 10
