"""``neps.clean``: NePS's names for cleaning failed trials. neps_like keeps every record
(append-only journal); it lists the chosen trials (``dry_run``), frees their folders'
disk space (``checkpoints_only``), and otherwise says what to do instead."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.clean.clean import clean_failed_trials, clean_trials_by_id


class Fixed:
    def __call__(
        self, trials: Mapping[str, Any], budget_info: Any, n: int | None = None
    ) -> neps.SampledConfig:
        return neps.SampledConfig(config={"x": [0.1, 0.9, 0.2, 0.8][len(trials)]})


def _evaluate(x: float, pipeline_directory: Path) -> float:
    (pipeline_directory / "model.ckpt").write_text(f"weights {x}")
    if x > 0.5:
        raise ValueError("diverged")
    return x


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "s"
    neps.run(
        _evaluate,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        evaluations_to_spend=4,
        optimizer=Fixed(),
        on_error="ignore",
    )
    assert {t.id: t.state.value for t in neps.load(root).values()} == {
        "1": "success",
        "2": "failed",
        "3": "success",
        "4": "failed",
    }
    return root


def _checkpoints(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / "trials").glob("*/model.ckpt"))


def _journal(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "journal").iterdir()}


def test_removing_trials_is_refused_with_what_to_do(study: Path) -> None:
    before = _journal(study)
    with pytest.raises(neps.NotSupportedError, match=r"neps.rewind\(root, to=N\)"):
        neps.clean.clean_failed_trials(study)
    with pytest.raises(NotImplementedError, match="checkpoints_only=True"):
        clean_trials_by_id(study, ["2"])
    assert _checkpoints(study) == ["1", "2", "3", "4"]
    assert _journal(study) == before


def test_dry_run_lists_failed_trials(study: Path) -> None:
    stats = clean_failed_trials(study, dry_run=True)
    assert stats == {
        "failed": 2,
        "crashed": 0,
        "corrupted": 0,
        "errors_cleaned": 0,
        "total_removed": 2,
    }
    assert _checkpoints(study) == ["1", "2", "3", "4"]


def test_checkpoints_only_frees_failed_folders_and_keeps_records(study: Path) -> None:
    before = _journal(study)
    outside = study.parent / "outside.txt"
    outside.write_text("keep me")
    (study / "trials" / "4" / "link").symlink_to(outside)
    stats = neps.clean.clean_trials_by_state(
        study, desired_states=[neps.TrialState.FAILED], checkpoints_only=True
    )
    assert stats["failed"] == 2 and stats["total_removed"] == 2
    assert _checkpoints(study) == ["1", "3"]
    assert not os.path.lexists(study / "trials" / "4" / "link")  # the link, not its target
    assert outside.read_text() == "keep me"
    assert (study / "trials" / "2" / "config.yaml").is_file()  # neps_like's own files stay
    assert _journal(study) == before
    assert neps.load(study).counts() == {"success": 2, "failed": 2}


def test_by_id_skips_unknown_and_unfinished_trials(study: Path) -> None:
    (pending,) = neps.enqueue(study, [{"x": 0.5}])
    folder = study / "trials" / pending
    folder.mkdir(exist_ok=True)
    (folder / "model.ckpt").write_text("in progress")
    stats = clean_failed_trials(study, trial_ids=["1", pending, "99"], checkpoints_only=True)
    assert stats == {"removed": 1, "not_found": 1, "errors_cleaned": 0}
    assert _checkpoints(study) == ["2", "3", "4", pending]


def test_unknown_state_is_named(study: Path) -> None:
    with pytest.raises(neps.ArgumentError, match="'exploded'"):
        clean_failed_trials(study, desired_states=["exploded"], dry_run=True)


def test_command_line(study: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(neps.__file__).parent.parent)}
    cmd = [sys.executable, "-m", "neps_like.clean", str(study)]
    refused = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode == 2 and "neps.rewind" in refused.stderr
    listed = subprocess.run(
        [*cmd, "--dry_run"], capture_output=True, text=True, env=env, timeout=60
    )
    assert listed.returncode == 0 and "total_removed: 2" in listed.stdout
    freed = subprocess.run(
        [*cmd, "--checkpoints_only", "--trial_ids", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert freed.returncode == 0 and "removed: 1" in freed.stdout
    assert _checkpoints(study) == ["1", "3", "4"]
