"""PriorBand's sampling policy: prior first, the mixture, and the prior's decaying weight."""

from __future__ import annotations

import numpy as np
import pytest

from neps_like.optimizers.multifidelity import PriorBand
from neps_like.state.records import SampledConfig
from tests.unit.test_mf_helpers import Study, branin_space


def make(prior=(3.0, 2.5)) -> PriorBand:
    return PriorBand(branin_space(prior=prior, upper=9), seed=0)


def test_the_prior_config_is_evaluated_first_at_the_top_fidelity():
    opt = make()
    first = opt(Study().trials, None)
    assert isinstance(first, SampledConfig)
    assert (first.config["x1"], first.config["x2"], first.config["epochs"]) == (3.0, 2.5, 9)
    assert first.rung == opt.schedule.max_rung and first.previous_trial_id is None


def test_without_evidence_the_mixture_is_uniform_and_prior_only():
    opt, study = make(), Study()
    study.commit(opt(study.trials, None))
    hist_probs = [opt.mixture(_hist(opt, study), rung) for rung in range(3)]
    assert hist_probs[0] == pytest.approx((0.5, 0.5, 0.0))
    assert hist_probs[1] == pytest.approx((0.25, 0.75, 0.0))
    assert hist_probs[2] == pytest.approx((0.1, 0.9, 0.0))


def _hist(opt: PriorBand, study: Study):
    from neps_like.optimizers.multifidelity._brackets import History

    return History.build(study.trials, opt.schedule, opt._trial_key)


def _evidence_at(opt: PriorBand, points, score) -> Study:
    study = Study()
    for x1, x2 in points:
        s = SampledConfig({"x1": x1, "x2": x2, "epochs": 3}, rung=1)
        study.finish(study.commit(s), score(x1, x2))
    return study


def _prior_share(centre: tuple[float, float]) -> float:
    """Prior's share of the non-uniform mass when the good configs cluster at ``centre``."""
    opt = make()
    rng = np.random.default_rng(0)
    points = [(centre[0] + rng.normal(0, 0.3), centre[1] + rng.normal(0, 0.3)) for _ in range(9)]
    points = [(min(10, max(-5, a)), min(15, max(0, b))) for a, b in points]
    study = _evidence_at(opt, points, lambda a, b: (a - centre[0]) ** 2 + (b - centre[1]) ** 2)
    p_u, p_prior, p_inc = opt.mixture(_hist(opt, study), 0)
    assert p_u + p_prior + p_inc == pytest.approx(1.0)
    assert p_inc > 0  # evidence exists: the incumbent is used
    return p_prior / (1 - p_u)


def test_the_prior_weight_decays_when_good_configs_are_elsewhere():
    near, far = _prior_share((3.0, 2.5)), _prior_share((9.0, 14.0))
    assert near > 0.25
    assert far < 0.01


def test_incumbent_perturbation_is_local_and_in_bounds():
    opt = make()
    rng = np.random.default_rng(1)
    inc = {"x1": 9.9, "x2": 0.1, "epochs": 9}
    for _ in range(50):
        out = opt.perturb(rng, inc)
        assert out != inc
        assert -5 <= out["x1"] <= 10 and 0 <= out["x2"] <= 15
        assert abs(out["x1"] - 9.9) < 15 * 0.6 and abs(out["x2"] - 0.1) < 15 * 0.6
