"""Regularized evolution's mutation types, NePS random search's defaults, and ifbo's
messages."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neps_like._errors import OptimizerError, SamplingExhausted
from neps_like.optimizers.ifbo import IfBO, missing_requirements
from neps_like.optimizers.neps_random_search import NePSRandomSearch
from neps_like.optimizers.regularized_evolution import RegularizedEvolution
from neps_like.space import Categorical, Float, Integer, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState

FOUR = SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(4)})


def _population(configs: list[dict], scores: list[float]) -> dict[str, Trial]:
    trials = {}
    for i, (config, score) in enumerate(zip(configs, scores, strict=True), start=1):
        meta = MetaData(time_sampled=0.0, sampling_worker_id="w")
        report = Report(objective_to_minimize=score)
        trials[str(i)] = Trial(str(i), config, TrialState.SUCCESS, meta, report)
    return trials


def _two_parents() -> dict[str, Trial]:
    return _population([{f"x{i}": 0.1 for i in range(4)}, {f"x{i}": 0.9 for i in range(4)}], [0, 1])


def _children(opt: RegularizedEvolution, trials: dict[str, Trial], n: int) -> list[dict]:
    out = opt(trials, None, n)
    assert isinstance(out, list)
    return [dict(s.config) for s in out]


def test_crossover_children_take_each_value_from_a_parent() -> None:
    opt = RegularizedEvolution(
        FOUR, seed=0, population_size=4, tournament_size=4, mutation_type="crossover_top_2"
    )
    levels = (0.1, 0.3, 0.7, 0.9)
    parents = _population([{f"x{i}": v for i in range(4)} for v in levels], [0, 1, 2, 3])
    children = _children(opt, parents, 12)
    crossed = [all(v in levels for v in c.values()) for c in children]
    # A tournament that drew one parent only mutates it instead: rare with four draws.
    assert sum(crossed) >= 10


def _mutate_best(**settings: Any) -> RegularizedEvolution:
    return RegularizedEvolution(
        FOUR, seed=0, population_size=2, tournament_size=2, mutation_type="mutate_best", **settings
    )


def test_mutate_best_children_stay_next_to_the_best() -> None:
    opt = _mutate_best(n_mutations=1)
    for c in _children(opt, _two_parents(), 8):
        kept = max(sum(v == p for v in c.values()) for p in (0.1, 0.9))
        assert kept == 3  # one parameter of a parent moved


def test_forget_children_redraw_n_parameters_of_the_best() -> None:
    opt = _mutate_best(n_mutations=None, n_forgets=2)
    for c in _children(opt, _two_parents(), 8):
        assert max(sum(v == p for v in c.values()) for p in (0.1, 0.9)) == 2


def test_an_exhausted_space_is_reported() -> None:
    space = SearchSpace({"c": Categorical(["a", "b"])})
    trials = _population([{"c": "a"}, {"c": "b"}], [0.0, 1.0])
    opt = RegularizedEvolution(space, seed=0, population_size=2, tournament_size=2)
    with pytest.raises(SamplingExhausted):
        opt(trials, None)


def test_neps_random_search_ignores_priors_by_default() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0, prior=0.9, prior_confidence="high")})
    uniform = NePSRandomSearch(space, seed=0)(_population([], []), None, 40)
    prior = NePSRandomSearch(space, seed=0, use_priors=True)({}, None, 40)
    assert isinstance(uniform, list) and isinstance(prior, list)
    assert np.mean([abs(s.config["x"] - 0.9) for s in uniform]) > 0.25
    assert np.mean([abs(s.config["x"] - 0.9) for s in prior]) < 0.12


def test_neps_random_search_warns_when_asked_for_absent_priors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        opt = NePSRandomSearch(FOUR, seed=0, use_priors=True)
    assert "use_priors=True" in caplog.text and "no parameter has a prior" in caplog.text
    assert isinstance(opt({}, None), SampledConfig)


FIDELITY = SearchSpace({"x": Float(0.0, 1.0), "epochs": Integer(1, 9, is_fidelity=True)})


def test_ifbo_weights_are_found_in_the_given_folder(tmp_path: Path) -> None:
    assert any("FT-PFN weights" in m for m in missing_requirements(tmp_path))
    (tmp_path / "ftpfn.pt").write_bytes(b"")
    assert not any("FT-PFN weights" in m for m in missing_requirements(tmp_path))


def test_ifbo_accepts_an_initial_design_of_one(tmp_path: Path) -> None:
    with pytest.raises(OptimizerError) as info:
        IfBO(FIDELITY, seed=0, initial_design_size=1, surrogate_path=tmp_path)
    assert "initial_design_size" not in str(info.value)
    assert "ifbo" in str(info.value)
    with pytest.raises(OptimizerError, match=r"initial_design_size .* got 0"):
        IfBO(FIDELITY, seed=0, initial_design_size=0)


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("ifbo") is None,
    reason="needs torch and the ifbo package",
)
def test_ifbo_with_everything_installed_says_it_is_not_driven_yet(tmp_path: Path) -> None:
    (tmp_path / "ftpfn.pt").write_bytes(b"")
    with pytest.raises(OptimizerError, match="does not drive the FT-PFN surrogate yet"):
        IfBO(FIDELITY, seed=0, surrogate_path=tmp_path)
