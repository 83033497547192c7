"""``primo``: NePS's settings, the switch from MO-ASHA to the model, the priors' pull, and a
real two-objective study ending with a Pareto front."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neps_like as neps
from neps_like._errors import OptimizerError
from neps_like.analysis.pareto import pareto_front
from neps_like.optimizers.registry import resolve_optimizer
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState

SPACE = neps.SearchSpace.from_user(
    {
        "x": neps.Float(0.0, 1.0),
        "y": neps.Float(0.0, 1.0),
        "c": neps.Categorical(["a", "b", "c"]),
        "epochs": neps.Integer(1, 27, is_fidelity=True),
    }
)


def _two(config: Mapping[str, Any]) -> list[float]:
    """Two conflicting objectives (x near 0 vs x near 1), better at higher fidelity."""
    noise = 0.2 / config["epochs"]
    f1 = config["x"] + noise
    g = 1.0 + (config["y"] - 0.5) ** 2 + (config["c"] != "a") * 0.3
    return [f1, g * (1.0 - np.sqrt(config["x"] / g)) + noise]


def _drive(ask: Any, steps: int) -> dict[str, Trial]:
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
            float(step), "w", previous_trial_id=sampled.previous_trial_id, rung=sampled.rung
        )
        trials[tid] = Trial(
            tid, dict(sampled.config), TrialState.SUCCESS, meta, Report(_two(sampled.config))
        )
    return trials


NEPS_SETTINGS: dict[str, Any] = {
    "sampler": "mopriorsampler",
    "sample_prior_first": False,
    "eta": 3,
    "epsilon": 0.1,
    "prior_centers": {"f1": {"x": 0.1, "c": "a"}, "f2": {"x": 0.9, "y": 0.5}},
    "mo_selector": "nsga2",
    "prior_confidences": {"f1": {"x": 0.9, "c": 0.8}, "f2": {"x": 0.9, "y": 0.6}},
    "initial_design_size": 2,
    "cost_aware": False,
    "device": None,
    "bo_scalar_weights": None,
}


def test_every_neps_setting_is_accepted() -> None:
    build, spec = resolve_optimizer(("primo", NEPS_SETTINGS), SPACE)
    assert spec.settings["epsilon"] == 0.1
    trials = _drive(build(0), 30)
    for trial in trials.values():
        assert SPACE.validate_config(trial.config) == dict(trial.config)


def test_torch_only_settings_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        resolve_optimizer(("primo", {"device": "cuda", "cost_aware": "log"}), SPACE)
    assert "device='cuda' has no effect" in caplog.text
    assert "cost_aware='log' has no effect" in caplog.text


def test_bad_settings_are_named() -> None:
    with pytest.raises(OptimizerError, match="epsilon"):
        resolve_optimizer(("primo", {"epsilon": 2.0}), SPACE)
    with pytest.raises(OptimizerError, match="prior_centers"):
        resolve_optimizer(("primo", {"prior_centers": {"f1": {"nope": 1}}}), SPACE)
    with pytest.raises(OptimizerError, match="initial_design_size"):
        resolve_optimizer(("primo", {"initial_design_size": 0}), SPACE)


def test_moasha_first_then_the_model_at_the_top_fidelity() -> None:
    build, _ = resolve_optimizer(("primo", {"initial_design_size": 2}), SPACE)
    ask = build(1)
    trials = _drive(ask, 40)
    ordered = sorted(trials.values(), key=lambda t: t.metadata.time_sampled)
    model_made = [t for t in ordered if t.metadata.rung is None]
    assert model_made, "the model phase never started"
    first = ordered.index(model_made[0])
    before = {t.id: t for t in ordered[:first]}
    assert ask.fidelity_used(before) >= 2.0  # type: ignore[attr-defined]
    assert {t.config["epochs"] for t in model_made} == {27}
    assert all(t.metadata.rung is None for t in ordered[first:])  # no way back


def test_a_confident_prior_pulls_the_first_model_proposals() -> None:
    settings = {
        "initial_design_size": 2,
        "epsilon": 0.0,
        "prior_centers": {"f1": {"x": 0.05, "y": 0.95, "c": "c"}},
        "prior_confidences": {"f1": {"x": 0.98, "y": 0.98, "c": 0.98}},
    }
    build, _ = resolve_optimizer(("primo", settings), SPACE)
    trials = _drive(build(2), 40)
    model_made = sorted(
        (t for t in trials.values() if t.metadata.rung is None),
        key=lambda t: t.metadata.time_sampled,
    )
    first = model_made[0].config
    assert abs(first["x"] - 0.05) < 0.1 and abs(first["y"] - 0.95) < 0.1 and first["c"] == "c"


def test_a_real_study_ends_with_a_pareto_front(tmp_path: Path) -> None:
    def evaluate(x: float, y: float, c: str, epochs: int) -> dict[str, Any]:
        return {"objective_to_minimize": _two({"x": x, "y": y, "c": c, "epochs": epochs})}

    root = tmp_path / "primo"
    neps.run(
        evaluate,
        SPACE,
        root_directory=root,
        optimizer=("primo", {"initial_design_size": 2}),
        evaluations_to_spend=30,
    )
    results = neps.load(root)
    assert results.counts() == {"success": 30}
    front = pareto_front(results)
    assert len(front) >= 2
    assert all(len(t.report.objectives or []) == 2 for t in front if t.report is not None)
