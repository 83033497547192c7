"""A custom optimizer written against NePS's docs: ``SampledConfig(id=..., config=...,
previous_config_id=...)``."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps


class Doubling:
    """Proposes x = 0.1, then continues the best config at twice the epochs."""

    def __call__(
        self, trials: Mapping[str, neps.Trial], budget_info: Any, n: int | None = None
    ) -> neps.SampledConfig:
        if not trials:
            return neps.SampledConfig(id="1", config={"x": 0.1, "epochs": 1})
        last = max(trials.values(), key=lambda t: (t.metadata.time_sampled, len(t.id)))
        return neps.SampledConfig(
            id=f"{last.id}_next",
            config={"x": last.config["x"], "epochs": last.config["epochs"] * 2},
            previous_config_id=last.id,
        )


def test_neps_style_sampled_config_runs(tmp_path: Path) -> None:
    root = tmp_path / "s"
    neps.run(
        lambda x, epochs: x / epochs,
        {"x": neps.Float(0.0, 1.0), "epochs": neps.IntegerFidelity(1, 8)},
        root_directory=root,
        evaluations_to_spend=4,
        optimizer=Doubling(),
    )
    trials = sorted(neps.load(root).values(), key=lambda t: t.metadata.time_sampled)
    assert trials[0].id == "1" and trials[1].id == "1_1"  # ids assigned by the study
    assert [t.config["epochs"] for t in trials] == [1, 2, 4, 8]
    for before, after in itertools.pairwise(trials):
        assert after.metadata.previous_trial_id == before.id


def test_sampled_config_spellings() -> None:
    assert neps.SampledConfig({"x": 1}, "3").previous_trial_id == "3"
    assert neps.SampledConfig(config={"x": 1}, previous_config_id="3").previous_trial_id == "3"
    with pytest.raises(neps.ArgumentError, match="differ"):
        neps.SampledConfig({"x": 1}, "2", previous_config_id="3")
    with pytest.raises(neps.ArgumentError, match="needs config"):
        neps.SampledConfig(id="1")
