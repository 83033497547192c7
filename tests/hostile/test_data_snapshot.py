"""Defect 7: ``snapshot.json`` used to be believed without a check. Each snapshot is now
proved by a digest record in the journal; an edited one is ignored with a warning and
the journal replayed, so what everyone reports is the journal's."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.state.verify import verify
from tests.hostile.data_support import make_study, objective, records

N = 600  # two records per trial: a snapshot is taken after 1,000 records


@pytest.fixture
def finished(tmp_path: Path) -> Path:
    # Made in place for each test: a snapshot names its journal file (inode), so a
    # copied study would not use it at all.
    root = make_study(tmp_path / "study", n=N)
    assert (root / "snapshot.json").exists()
    return root


def _edit_snapshot(root: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    path = root / "snapshot.json"
    data = json.loads(path.read_bytes())
    edit(data)
    path.write_text(json.dumps(data, separators=(",", ":")))


def _journal_objectives(root: Path) -> dict[str, float]:
    out = {}
    for _, record in records(root):
        if record.get("kind") == "trial" and record["trial"]["state"] == "success":
            out[record["trial"]["id"]] = record["trial"]["report"]["objective_to_minimize"]
    return out


def test_untouched_snapshot_is_proved_and_used(
    finished: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The control: the snapshot a worker wrote is proved by the journal and used."""
    root = finished
    assert any(r.get("kind") == "snapshot_proof" for _, r in records(root))
    with caplog.at_level(logging.INFO, logger="neps_like.state"):
        loaded = neps.load(root)
    assert "Ignoring" not in caplog.text
    assert len(loaded) == N
    assert verify(root).ok


def test_edited_objective_in_snapshot_is_ignored(
    finished: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Attack: an objective in snapshot.json edited to look like the best result."""
    root = finished

    def edit(data: dict[str, Any]) -> None:
        data["trials"][5]["report"]["objective_to_minimize"] = -1000.0

    _edit_snapshot(root, edit)
    with caplog.at_level(logging.WARNING):
        loaded = neps.load(root)
    assert "disagrees with the snapshot the journal recorded" in caplog.text
    truth = _journal_objectives(root)
    for trial_id, value in truth.items():
        assert loaded[trial_id].report.objective_to_minimize == value  # type: ignore[union-attr]
    report = verify(root)
    assert not report.ok and any("snapshot" in p for p in report.problems)


def test_trials_removed_from_snapshot(finished: Path) -> None:
    """Attack: trials removed from snapshot.json vanished from load/status (and made a
    worker write duplicates or stop "exhausted"); now the journal's trials are reported
    and the worker keeps the exact budget."""
    root = finished
    _edit_snapshot(root, lambda data: data.update(trials=data["trials"][:-100]))
    assert len(neps.load(root)) == N, "the removed trials are still reported"
    neps.run(objective, root_directory=root, evaluations_to_spend=N + 20)
    assert len(neps.load(root)) == N + 20
    trials = [r["trial"] for _, r in records(root) if r.get("kind") == "trial"]
    ids = {t["id"] for t in trials}
    assert len(ids) == N + 20
    first_claims = [t["id"] for t in trials if t["state"] == "evaluating"]
    assert len(first_claims) == len(set(first_claims)), "no id claimed twice"


def test_raised_seq_in_snapshot(finished: Path) -> None:
    """Attack: a raised seq made a worker exceed the budget by 200 evaluations and left a
    permanent gap in the journal."""
    root = finished
    _edit_snapshot(root, lambda data: data.update(seq=data["seq"] + 200))
    neps.run(objective, root_directory=root, evaluations_to_spend=N + 20)
    seqs = [seq for seq, _ in records(root)]
    assert seqs == list(range(1, len(seqs) + 1)), "no gap in the journal"
    ids = {r["trial"]["id"] for _, r in records(root) if r.get("kind") == "trial"}
    assert len(ids) == N + 20
    problems = verify(root).problems
    assert problems and all("snapshot.json" in p for p in problems), problems
