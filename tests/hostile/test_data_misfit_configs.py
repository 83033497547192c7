"""A record whose config the space rejects, with a valid checksum, must not stop a study.

The attack (or the damage): a trial record's config is edited by hand (a parameter renamed,
a value out of its range) and its checksum recomputed. Before, every worker's optimizer
failed on that one trial (``ConfigError`` while encoding it), so the study could not go on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.state.verify import verify
from tests.hostile.data_support import objective, rewrite_record

SPACE = {"x": neps.Float(0.0, 1.0)}


def _first_success(record: dict[str, Any]) -> bool:
    trial = record.get("trial") or {}
    return record.get("kind") == "trial" and trial.get("state") == "success"


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("renamed", lambda c: c.update(X=c.pop("x"))),
        ("out of range", lambda c: c.update(x=7.5)),
        ("wrong type", lambda c: c.update(x="high")),
    ],
)
def test_a_misfit_config_is_left_out_of_proposals(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, edit: Any
) -> None:
    optimizer = "bayesian_optimization"  # encodes every trial's config for its model
    root = tmp_path / "study"
    neps.run(
        objective, SPACE, root_directory=root, optimizer=optimizer, evaluations_to_spend=4, seed=1
    )
    rewrite_record(root, _first_success, lambda r: edit(r["trial"]["config"]))

    with caplog.at_level(logging.WARNING):
        neps.run(
            objective,
            SPACE,
            root_directory=root,
            optimizer=optimizer,
            evaluations_to_spend=7,
            seed=1,
        )
    trials = neps.load(root)
    assert sum(t.state is neps.TrialState.SUCCESS for t in trials.values()) == 7
    assert "does not fit the search space" in caplog.text
    problems = verify(root).problems
    assert any("trial 1: its config does not fit the search space" in p for p in problems)
