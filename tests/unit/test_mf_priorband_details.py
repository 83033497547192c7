"""Multi-fidelity draws in detail: PriorBand's mixture, NePS's PriorBand and local-and-
incumbent sources, the prior sampler, and the settings these optimizers check."""

from __future__ import annotations

import numpy as np
import pytest

from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity import PriorBand
from neps_like.optimizers.multifidelity._brackets import History
from neps_like.optimizers.multifidelity.bohb import BOHB
from neps_like.optimizers.multifidelity.hyperband import Hyperband
from neps_like.optimizers.multifidelity.local_and_incumbent import neps_local_and_incumbent
from neps_like.optimizers.multifidelity.neps_hyperband import NePSHyperband
from neps_like.optimizers.multifidelity.neps_priorband import neps_priorband
from neps_like.space import Categorical, Float, Integer, SearchSpace
from neps_like.state.records import SampledConfig
from tests.unit.test_mf_helpers import Study, branin_space

FOUR = SearchSpace(
    {**{f"x{i}": Float(0.0, 1.0) for i in range(4)}, "epochs": Integer(1, 9, is_fidelity=True)}
)


def _hist(opt, study: Study) -> History:
    return History.build(study.trials, opt.schedule, opt._trial_key)


def _evidence(opt, points, score) -> Study:
    study = Study()
    for x1, x2 in points:
        s = SampledConfig({"x1": x1, "x2": x2, "epochs": 3}, rung=1)
        study.finish(study.commit(s), score(x1, x2))
    return study


def _far_evidence(opt) -> Study:
    """Nine good results clustered at (9, 14), far from the prior at (3, 2.5)."""
    rng = np.random.default_rng(0)
    pts = [(min(10, 9 + rng.normal(0, 0.3)), min(15, 14 + rng.normal(0, 0.3))) for _ in range(9)]
    return _evidence(opt, pts, lambda a, b: (a - 9) ** 2 + (b - 14) ** 2)


def test_priorband_uniform_share_counts_rungs_from_the_early_stopping_rate() -> None:
    opt = PriorBand(branin_space(prior=(3.0, 2.5), upper=27), seed=0, early_stopping_rate=1)
    hist = _hist(opt, Study())
    assert opt.mixture(hist, 1) == pytest.approx((0.5, 0.5, 0.0))
    assert opt.mixture(hist, 2) == pytest.approx((0.25, 0.75, 0.0))


@pytest.mark.parametrize("spread", [0.05, 0.3])
def test_priorband_probabilities_are_probabilities(spread: float) -> None:
    space = SearchSpace(
        {
            **{n: Float(0.0, 1.0, prior=0.5, prior_confidence="high") for n in ("x1", "x2")},
            "epochs": Integer(1, 9, is_fidelity=True),
        }
    )
    opt = PriorBand(space, seed=0)
    angles = np.linspace(0, 2 * np.pi, 9, endpoint=False)
    pts = [(0.5 + spread * np.cos(a), 0.5 + spread * np.sin(a)) for a in angles]
    study = Study()
    for i, (a, b) in enumerate(pts):
        s = SampledConfig({"x1": a, "x2": b, "epochs": 3}, rung=1)
        study.finish(study.commit(s), float(i))
    probs = opt.mixture(_hist(opt, study), 0)
    assert all(0.0 <= p <= 1.0 for p in probs)
    assert sum(probs) == pytest.approx(1.0)
    if spread == 0.05:  # the best configs hug the prior: it keeps most of the weight
        assert probs[1] > 0.3 > probs[2]
    else:  # they spread beyond what a confident prior explains: the incumbent takes over
        assert probs[2] > 0.45


def test_priorband_draws_from_the_incumbent_once_the_prior_misleads() -> None:
    opt = PriorBand(branin_space(prior=(3.0, 2.5), upper=9), seed=0)
    hist = _hist(opt, _far_evidence(opt))
    rng = np.random.default_rng(3)
    draws = [opt._draw(rng, hist, 0) for _ in range(200)]
    near = sum(1 for c in draws if c["x1"] > 7 and c["x2"] > 11)
    assert near > 60  # about half are incumbent perturbations; uniform alone gives ~4 %


def _drive(opt, study: Study, steps: int) -> list[SampledConfig]:
    out = []
    for _ in range(steps):
        s = opt(study.trials, None)
        assert isinstance(s, SampledConfig)
        study.commit(s)
        out.append(s)
    return out


def test_neps_priorband_new_configs_are_at_their_rungs_fidelity() -> None:
    opt = neps_priorband(FOUR, seed=0)
    study = Study()
    for s in _drive(opt, study, 20):
        assert s.config["epochs"] == opt.schedule.value(s.rung)


def _shown(opt, rungs: list[int]) -> bool:
    study = Study()
    for r in rungs:
        s = SampledConfig({"x": 0.1 + 0.001 * len(study.trials), "epochs": opt.schedule.value(r)})
        study.finish(study.commit(SampledConfig(s.config, rung=r)), 1.0)
    return opt.shown_something(_hist(opt, study))


def test_neps_priorband_incumbent_needs_a_top_rung_result_and_a_spent_bracket() -> None:
    space = SearchSpace(
        {"x": Float(0.0, 1.0, prior=0.5), "epochs": Integer(1, 9, is_fidelity=True)}
    )
    opt = neps_priorband(space, seed=0)
    # rungs at 1, 3, 9; a full bracket spends 9 * 1 + 3 * 2 + 1 * 6 = 21 fidelity steps
    assert not _shown(opt, [0] * 30)  # lots of cheap results, none at the top
    assert not _shown(opt, [0] * 3 + [2])  # a top result but the bracket not spent
    assert _shown(opt, [0] * 9 + [1] * 3 + [2])
    assert _shown(opt, [0] * 15 + [2])


def test_neps_priorband_mutates_the_incumbent_when_it_has_shown_something() -> None:
    space = SearchSpace(
        {
            **{f"x{i}": Float(0.0, 1.0, prior=0.1) for i in range(4)},
            "epochs": Integer(1, 9, is_fidelity=True),
        }
    )
    opt = neps_priorband(space, seed=0, inc_ratio=1.0)
    study = Study()
    for k in range(16):
        value = 0.9 if k == 15 else 0.05 + 0.01 * k
        config = {**{f"x{i}": value for i in range(4)}, "epochs": 1 if k < 15 else 9}
        study.finish(study.commit(SampledConfig(config, rung=0 if k < 15 else 2)), -k)
    hist = _hist(opt, study)
    assert opt.shown_something(hist)
    rng = np.random.default_rng(0)
    draws = [opt._draw(rng, hist, 0) for _ in range(60)]
    kept = [sum(c[f"x{i}"] == 0.9 for i in range(4)) for c in draws]
    # a mutation of the incumbent keeps at least half its values: most draws are those
    assert sum(k >= 2 for k in kept) > 30
    assert all(c["epochs"] == 1 for c in draws)


def _local_study(space, local_value: float, inc_value: float) -> Study:
    study = Study()
    config = {**{f"x{i}": inc_value for i in range(4)}, "epochs": 1}
    study.finish(study.commit(SampledConfig(config, rung=0)), 0.0)
    return study


@pytest.mark.parametrize("mode", [1, 2])
def test_local_and_incumbent_takeover_modes(mode: int) -> None:
    local = {f"x{i}": 0.1 for i in range(4)}
    opt = neps_local_and_incumbent(FOUR, seed=0, local_prior=local, inc_takeover_mode=mode)
    study = _local_study(FOUR, 0.1, 0.9)
    hist = _hist(opt, study)
    rng = np.random.default_rng(0)
    draws = [opt._draw(rng, hist, 0) for _ in range(40)]
    values = [[c[f"x{i}"] for i in range(4)] for c in draws]
    crossed = [all(v in (0.1, 0.9) for v in row) for row in values]
    if mode == 1:  # the incumbent mutated: its values or a step away, never the local's
        assert not any(0.1 in row for row in values)
        assert all(sum(v == 0.9 for v in row) >= 2 for row in values)
    else:  # a crossover of the incumbent with the local prior
        assert sum(crossed) > 20
    assert all(c["epochs"] == 1 for c in draws)


def test_local_and_incumbent_known_configs_give_draws_at_the_rungs_fidelity() -> None:
    space = SearchSpace({"c": Categorical(["a", "b"]), "epochs": Integer(1, 9, is_fidelity=True)})
    opt = neps_local_and_incumbent(space, seed=0, local_prior={"c": "a"})
    study = Study()
    study.finish(study.commit(SampledConfig({"c": "a", "epochs": 1}, rung=0)), 0.0)
    study.finish(study.commit(SampledConfig({"c": "b", "epochs": 1}, rung=0)), 1.0)
    hist = _hist(opt, study)
    rng = np.random.default_rng(0)
    for _ in range(10):
        assert opt._draw(rng, hist, 0)["epochs"] == 1


def test_local_and_incumbent_settings() -> None:
    local = {f"x{i}": 0.1 for i in range(4)}
    for mode in (0, 1, 2, 3):
        neps_local_and_incumbent(FOUR, seed=0, local_prior=local, inc_takeover_mode=mode)
    with pytest.raises(OptimizerError, match=r"inc_takeover_mode .* got 4"):
        neps_local_and_incumbent(FOUR, seed=0, inc_takeover_mode=4)
    with pytest.raises(OptimizerError, match=r"unknown parameters \['lr'\]"):
        neps_local_and_incumbent(FOUR, seed=0, local_prior={**local, "lr": 0.1})
    opt = neps_local_and_incumbent(FOUR, seed=0, max_sample_tries=7)
    assert opt.max_sample_tries == 7


def test_neps_hyperband_names_a_bad_sampler() -> None:
    with pytest.raises(OptimizerError, match=r"neps_hyperband: sampler .*'mopriorsampler'"):
        NePSHyperband(FOUR, seed=0, sampler="mopriorsampler")


def test_the_prior_sampler_draws_around_the_prior() -> None:
    space = SearchSpace(
        {
            "x": Float(0.0, 1.0, prior=0.8, prior_confidence="high"),
            "epochs": Integer(1, 9, is_fidelity=True),
        }
    )
    study = Study()
    prior = _drive(Hyperband(space, seed=0, sampler="prior"), study, 9)
    uniform = _drive(Hyperband(space, seed=0, sampler="uniform"), Study(), 9)
    assert np.mean([abs(s.config["x"] - 0.8) for s in prior]) < 0.12
    assert np.mean([abs(s.config["x"] - 0.8) for s in uniform]) > 0.15


def test_bohb_settings() -> None:
    one = SearchSpace({"x": Float(0.0, 1.0), "epochs": Integer(1, 9, is_fidelity=True)})
    assert BOHB(one, seed=0).min_points_in_model == 4  # d + 2, at least 4
    assert BOHB(FOUR, seed=0).min_points_in_model == 6
    assert BOHB(one, seed=0, max_sample_tries=9).max_sample_tries == 9
    assert BOHB(one, seed=0, n_candidates=1).n_candidates == 1
    for bad in (0, -3, True, 2.5):
        with pytest.raises(OptimizerError, match=rf"n_candidates .*got {bad!r}"):
            BOHB(one, seed=0, n_candidates=bad)
