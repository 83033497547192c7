"""PriMO's model phase: reproducible with priors, and an exhausted space is reported."""

from __future__ import annotations

import pytest

from neps_like._errors import SamplingExhausted
from neps_like.optimizers.multiobjective.primo import PriMO
from neps_like.space import Categorical, Float, Integer, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState

SPACE = SearchSpace(
    {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0), "epochs": Integer(1, 9, is_fidelity=True)}
)
PRIORS = {"first": {"x": 0.1, "y": 0.1}, "second": {"x": 0.9, "y": 0.9}}


def _top(configs: list[dict]) -> dict[str, Trial]:
    """Finished top-fidelity trials with two conflicting objectives."""
    trials = {}
    for i, config in enumerate(configs, start=1):
        meta = MetaData(time_sampled=0.0, sampling_worker_id="w")
        x = float(config.get("x", 0.5))
        report = Report(objective_to_minimize=[x, 1.0 - x])
        trials[str(i)] = Trial(str(i), {**config, "epochs": 9}, TrialState.SUCCESS, meta, report)
    return trials


def _primo(**settings) -> PriMO:
    return PriMO(SPACE, seed=4, initial_design_size=1, **settings)


def test_the_model_phase_with_priors_is_reproducible() -> None:
    points = [(0.2, 0.7), (0.5, 0.1), (0.8, 0.4), (0.3, 0.3), (0.6, 0.9)]
    for n in range(3, 6):
        trials = _top([{"x": a, "y": b} for a, b in points[:n]])
        a = _primo(prior_centers=PRIORS, epsilon=0.34)(trials, None)
        b = _primo(prior_centers=PRIORS, epsilon=0.34)(trials, None)
        assert isinstance(a, SampledConfig) and isinstance(b, SampledConfig)
        assert a.config == b.config
        assert a.config["epochs"] == 9


def test_an_exhausted_space_in_the_model_phase_is_reported() -> None:
    space = SearchSpace(
        {"c": Categorical(["a", "b", "c"]), "epochs": Integer(1, 9, is_fidelity=True)}
    )
    trials = _top([{"c": c} for c in ("a", "b", "c")])
    with pytest.raises(SamplingExhausted, match="primo"):
        PriMO(space, seed=0, initial_design_size=1)(trials, None)
