"""``bohb``: Hyperband's schedule, new configs from a GP of the highest rung with enough
results, a random share, and a real study."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity._brackets import History
from neps_like.optimizers.registry import resolve_optimizer
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState

SPACE = neps.SearchSpace.from_user(
    {
        "x": neps.Float(0.0, 1.0),
        "y": neps.Float(0.0, 1.0),
        "epochs": neps.Integer(1, 27, is_fidelity=True),
    }
)


def _loss(config: Mapping[str, Any]) -> float:
    return (config["x"] - 0.3) ** 2 + (config["y"] - 0.7) ** 2 + 0.05 / config["epochs"]


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
            tid, dict(sampled.config), TrialState.SUCCESS, meta, Report(_loss(sampled.config))
        )
    return trials


def _new_configs(trials: Mapping[str, Trial]) -> list[Trial]:
    starts = [t for t in trials.values() if t.metadata.previous_trial_id is None]
    return sorted(starts, key=lambda t: t.metadata.time_sampled)


def test_without_the_model_it_is_hyperband() -> None:
    bohb, _ = resolve_optimizer(("bohb", {"random_fraction": 1.0}), SPACE)
    hb, _ = resolve_optimizer("hyperband", SPACE)
    a = [t.config for t in _drive(bohb(5), 40).values()]
    b = [t.config for t in _drive(hb(5), 40).values()]
    assert a == b


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_model_draws_new_configs_near_the_optimum(seed: int) -> None:
    build, _ = resolve_optimizer(("bohb", {"random_fraction": 0.0}), SPACE)
    starts = _new_configs(_drive(build(seed), 60))
    hb, _ = resolve_optimizer("hyperband", SPACE)
    uniform = _new_configs(_drive(hb(seed), 60))

    def late_mean(ts: list[Trial]) -> float:
        late = ts[len(ts) // 2 :]
        return sum(_loss({**t.config, "epochs": 27}) for t in late) / len(late)

    assert late_mean(starts) < 0.5 * late_mean(uniform)


def test_the_model_rung_is_the_highest_with_enough_results() -> None:
    build, _ = resolve_optimizer(("bohb", {"min_points_in_model": 3}), SPACE)
    ask = build(0)
    trials = _drive(ask, 30)
    hist = History.build(trials, ask.schedule, ask._trial_key)  # type: ignore[attr-defined]
    level = ask.model_rung(hist)  # type: ignore[attr-defined]
    assert level is not None
    assert sum(e.done for e in hist.rung(level)) >= 3
    assert all(sum(e.done for e in hist.rung(r)) < 3 for r in hist.by_rung if r > level)


def test_bad_settings_are_named() -> None:
    with pytest.raises(OptimizerError, match="random_fraction"):
        resolve_optimizer(("bohb", {"random_fraction": 1.5}), SPACE)
    with pytest.raises(OptimizerError, match="min_points_in_model"):
        resolve_optimizer(("bohb", {"min_points_in_model": 1}), SPACE)
    with pytest.raises(OptimizerError, match="fidelity"):
        resolve_optimizer("bohb", neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0)}))


def test_a_real_study_runs(tmp_path: Path) -> None:
    def evaluate(x: float, y: float, epochs: int) -> float:
        return _loss({"x": x, "y": y, "epochs": epochs})

    root = tmp_path / "bohb"
    neps.run(evaluate, SPACE, root_directory=root, optimizer="bohb", evaluations_to_spend=25)
    assert neps.load(root).counts() == {"success": 25}


def test_auto_picks_bohb_for_a_fidelity_without_priors() -> None:
    from neps_like.optimizers.registry import choose_auto

    assert choose_auto(SPACE) == "bohb"
    with_prior = neps.SearchSpace.from_user(
        {"x": neps.Float(0.0, 1.0, prior=0.3), "epochs": neps.Integer(1, 27, is_fidelity=True)}
    )
    assert choose_auto(with_prior) == "priorband"
    _, spec = resolve_optimizer("auto", SPACE)
    assert spec.name == "bohb"
