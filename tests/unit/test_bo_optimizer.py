"""BayesianOptimization and PiBO driven through the ask protocol on synthetic histories."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neps_like._errors import OptimizerError, SamplingExhausted
from neps_like.optimizers.bo import BayesianOptimization, PiBO
from neps_like.optimizers.bo import _gp as bo_gp
from neps_like.space import Categorical, Constant, Float, Integer, IntegerFidelity, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState

Objective = Callable[[Mapping[str, Any]], float | list[float] | None]


def branin(cfg: Mapping[str, Any]) -> float:
    x1, x2 = float(cfg["x1"]), float(cfg["x2"])
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


BRANIN_MIN = 0.397887


def branin_space(**prior: Any) -> SearchSpace:
    return SearchSpace(
        {
            "x1": Float(-5, 10, **({"prior": prior["x1"]} if prior else {}), **_conf(prior)),
            "x2": Float(0, 15, **({"prior": prior["x2"]} if prior else {}), **_conf(prior)),
        }
    )


def _conf(prior: Mapping[str, Any]) -> dict[str, Any]:
    return {"prior_confidence": "high"} if prior else {}


def mixed_space() -> SearchSpace:
    return SearchSpace(
        {
            "lr": Float(1e-4, 1.0, log=True),
            "layers": Integer(1, 8),
            "act": Categorical(["relu", "gelu", "tanh"]),
            "seed": Constant(7),
            "epochs": IntegerFidelity(1, 9),
        }
    )


def make_trial(
    i: int, config: Mapping[str, Any], value: float | list[float] | None, state: TrialState
) -> Trial:
    report = None if state in (TrialState.PENDING, TrialState.EVALUATING) else Report(value)
    meta = MetaData(time_sampled=float(i), sampling_worker_id="w")
    return Trial(f"{i:04d}", dict(config), state, meta, report)


def run(opt: BayesianOptimization, fn: Objective, n: int) -> dict[str, Trial]:
    trials: dict[str, Trial] = {}
    for i in range(n):
        sampled = opt(trials, None)
        assert isinstance(sampled, SampledConfig)
        value = fn(sampled.config)
        state = TrialState.SUCCESS if value is not None else TrialState.FAILED
        trials[f"{i:04d}"] = make_trial(i, sampled.config, value, state)
    return trials


def random_history(space: SearchSpace, fn: Objective, n: int, seed: int = 0) -> dict[str, Trial]:
    rng = np.random.default_rng(seed)
    configs = [space.sample(rng) for _ in range(n)]
    return {f"{i:04d}": make_trial(i, c, fn(c), TrialState.SUCCESS) for i, c in enumerate(configs)}


def test_same_seed_gives_the_same_sequence_and_another_seed_differs() -> None:
    space = branin_space()
    seqs = [
        [dict(t.config) for t in run(BayesianOptimization(space, seed=s), branin, 10).values()]
        for s in (3, 3, 4)
    ]
    assert seqs[0] == seqs[1]
    assert seqs[0] != seqs[2]


def test_inputs_are_not_mutated_and_batches_are_distinct() -> None:
    space = branin_space()
    trials = random_history(space, branin, 12)
    before = {k: v.to_dict() for k, v in trials.items()}
    batch = BayesianOptimization(space, seed=0)(trials, None, n=3)
    assert isinstance(batch, list) and len(batch) == 3
    assert len({space.config_key(s.config) for s in batch}) == 3
    assert {k: v.to_dict() for k, v in trials.items()} == before


def test_never_proposes_a_duplicate_and_ends_when_the_space_is_exhausted() -> None:
    space = SearchSpace({"a": Integer(1, 3), "b": Categorical(["x", "y", "z"])})
    opt = BayesianOptimization(space, seed=1, initial_design_size=3)
    trials: dict[str, Trial] = {}
    with pytest.raises(SamplingExhausted):
        for i in range(20):
            sampled = opt(trials, None)
            assert isinstance(sampled, SampledConfig)
            value = float(sampled.config["a"]) + (sampled.config["b"] == "y")
            trials[f"{i:04d}"] = make_trial(i, sampled.config, value, TrialState.SUCCESS)
    keys = [space.config_key(t.config) for t in trials.values()]
    assert len(keys) == len(set(keys)) == 9


def test_a_pending_trial_pushes_the_next_proposal_elsewhere() -> None:
    space = branin_space()
    trials = random_history(space, branin, 15)
    opt = BayesianOptimization(space, seed=0)
    first = opt(trials, None)
    assert isinstance(first, SampledConfig)
    with_pending = {**trials, "9999": make_trial(9999, first.config, None, TrialState.EVALUATING)}
    second = opt(with_pending, None)
    assert isinstance(second, SampledConfig)
    x = space.encode([first.config, second.config])
    assert np.linalg.norm(x[0] - x[1]) > 1e-3


def test_proposals_are_valid_configs_in_a_mixed_space_with_failures() -> None:
    space = mixed_space()

    def fn(cfg: Mapping[str, Any]) -> float | None:
        if cfg["act"] == "tanh" and cfg["layers"] > 6:
            return None  # a crashing region
        return (math.log10(cfg["lr"]) + 2) ** 2 + (cfg["layers"] - 3) ** 2 / 4

    trials = run(BayesianOptimization(space, seed=2, initial_design_size=4), fn, 14)
    for trial in trials.values():
        assert space.validate_config(trial.config) == dict(trial.config)
        assert trial.config["seed"] == 7 and trial.config["epochs"] == 9


def test_multi_objective_reports_use_scalarised_bo() -> None:
    space = branin_space()

    def two(cfg: Mapping[str, Any]) -> list[float]:
        return [branin(cfg), (float(cfg["x1"]) - 2.0) ** 2]

    trials = random_history(space, two, 12)  # type: ignore[arg-type]
    opt = BayesianOptimization(space, seed=0)
    proposals = [opt(trials, None, n=1)[0].config for _ in range(2)]  # type: ignore[index]
    assert proposals[0] == proposals[1]  # deterministic for the same history
    more = {**trials, "0100": make_trial(100, proposals[0], two(proposals[0]), TrialState.SUCCESS)}
    nxt = opt(more, None)
    assert isinstance(nxt, SampledConfig)
    assert space.config_key(nxt.config) not in {space.config_key(t.config) for t in more.values()}


def test_pibo_starts_at_the_prior_and_stays_near_it_early() -> None:
    prior = {"x1": 9.42478, "x2": 2.475}  # one of Branin's minima
    space = branin_space(**prior)
    trials = run(PiBO(space, seed=0, initial_design_size=3), branin, 10)
    configs = [t.config for t in trials.values()]
    assert configs[0] == pytest.approx(prior)
    x = space.encode(configs[3:])
    center = space.encode([prior])[0]
    assert np.median(np.linalg.norm(x - center, axis=1)) < 0.2


def test_pibo_without_priors_is_an_error() -> None:
    with pytest.raises(OptimizerError, match="prior"):
        PiBO(branin_space(), seed=0)


def test_beats_random_search_on_branin() -> None:
    space = branin_space()
    bo, rs = [], []
    for seed in range(5):  # five seeds: a median of three is one lucky run from failing
        trials = run(BayesianOptimization(space, seed=seed), branin, 25)
        bo.append(min(t.report.objective_to_minimize for t in trials.values()))  # type: ignore[union-attr,type-var]
        rng = np.random.default_rng(seed)
        rs.append(min(branin(space.sample(rng)) for _ in range(25)))
    assert np.median(bo) - BRANIN_MIN < 0.5 * (np.median(rs) - BRANIN_MIN)
    assert np.median(bo) - BRANIN_MIN < 0.05


def test_flags_and_settings() -> None:
    assert BayesianOptimization.compute_outside_lock is True
    with pytest.raises(OptimizerError):
        BayesianOptimization(branin_space(), seed=0, output_transform="cube")


def test_blas_limit_is_restored_and_optional() -> None:
    from neps_like.optimizers.bo import _blas

    for setter in _blas._setters():
        before = setter(3)
        with _blas.limit_blas_threads(1):
            pass
        assert setter(before) == 3
    space = branin_space()
    trials = random_history(space, branin, 8)
    a = BayesianOptimization(space, seed=0, blas_threads=None)(trials, None)
    b = BayesianOptimization(space, seed=0)(trials, None)
    assert a == b


def test_importing_neps_like_does_not_import_scipy() -> None:
    import subprocess
    import sys

    code = "import sys, neps_like; assert 'scipy' not in sys.modules, 'scipy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


_RANDOM_SEARCH_RUN = """
import sys, neps_like
def evaluate(x: float, c: str) -> float:
    return x
space = {"x": neps_like.Float(0.0, 1.0, prior=0.3), "c": neps_like.Categorical(["a", "b"])}
neps_like.run(evaluate_pipeline=evaluate, pipeline_space=space, root_directory=sys.argv[1],
              optimizer=("random_search", {"use_priors": True}), max_evaluations_total=5)
loaded = [m for m in sys.modules if m.split(".")[0] in ("numpy", "scipy")]
assert not loaded, loaded
"""


def test_a_random_search_worker_never_loads_numpy(tmp_path: Path) -> None:
    # Lighter workers: faster start, and 16 exiting together on 2 cores take half as long.
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", _RANDOM_SEARCH_RUN, str(tmp_path)], check=True)


def test_repeated_configs_with_different_values_do_not_break_the_fit() -> None:
    space = branin_space()
    trials = random_history(space, branin, 6)
    config = next(iter(trials.values())).config
    for i, value in enumerate([1.0, 50.0, 3.0]):
        trials[f"r{i}"] = make_trial(100 + i, config, value, TrialState.SUCCESS)
    sampled = BayesianOptimization(space, seed=0, initial_design_size=2)(trials, None)
    assert isinstance(sampled, SampledConfig)
    assert space.config_key(sampled.config) != space.config_key(config)


def test_a_reused_optimizer_proposes_what_a_fresh_one_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Past 50 observations the hyperparameters are refitted every few proposals and
    # cached in between; the cache must not change any proposal. Ids are numbered as
    # a study numbers them ("1", "2", ... "10"), so creation order is not string order.
    space = branin_space()
    rng = np.random.default_rng(0)

    def trial(i: int, config: Mapping[str, Any]) -> Trial:
        meta = MetaData(time_sampled=float(i), sampling_worker_id="w")
        return Trial(str(i), dict(config), TrialState.SUCCESS, meta, Report(branin(config)))

    trials = {str(i): trial(i, space.sample(rng)) for i in range(1, 61)}
    fits: list[int] = []
    fit = bo_gp.fit_hyperparameters

    def counted(x: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        fits.append(len(x))
        return fit(x, *args, **kwargs)

    monkeypatch.setattr(bo_gp, "fit_hyperparameters", counted)
    reused = BayesianOptimization(space, seed=2)
    reused_fits = []
    for i in range(61, 65):
        fresh = BayesianOptimization(space, seed=2)(trials, None)
        fits.clear()
        sampled = reused(trials, None)
        reused_fits.extend(fits)
        assert isinstance(sampled, SampledConfig) and isinstance(fresh, SampledConfig)
        assert sampled.config == fresh.config
        trials[str(i)] = trial(i, sampled.config)
    # 60, 61, 62 and 63 observations: hyperparameters of the first 60, 60, 62, 62.
    assert reused_fits == [60, 62]
