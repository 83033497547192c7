"""Trial ids read from the study are checked before they name a path (issue 12, defect 2).

Each test appends a real journal record with a correct checksum (as a worker writes
them) whose trial id climbs out of ``trials/`` into the victim's home directory, then runs
a real worker or the maintenance command, and hashes everything outside the study.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import neps_like as neps
from neps_like.state.verify import repair, verify
from tests.hostile._world import World, append_record, make_world, run_worker, trial_records

# From study/trials/ two levels up is the world's base: this names the fake home.
HOSTILE_ID = "../../home"


def _hostile_study(tmp_path: Path, kind: str = "function", state: str = "pending") -> World:
    world = make_world(tmp_path)
    code, err = run_worker(world, kind, evaluations_to_spend=1)
    assert code == 0, err
    metadata: dict[str, object] = {
        "time_sampled": time.time(),
        "sampling_worker_id": "attacker",
        "origin": "enqueued",
    }
    if state == "evaluating":
        metadata.update(evaluating_worker_id="gone", time_started=time.time(), attempt=1)
    trial = {"v": 1, "id": HOSTILE_ID, "state": state, "config": {"x": 0.5}}
    append_record(world.study, {"kind": "trial", "trial": {**trial, "metadata": metadata}})
    return world


@pytest.mark.parametrize("kind", ["function", "script"])
def test_worker_never_evaluates_in_a_hostile_trial_id(tmp_path: Path, kind: str) -> None:
    """Attack: a pending trial record (valid checksum) with ``"id": "../../home"``; a worker
    with ``delete_checkpoints=True`` used to evaluate in the victim's home directory, write
    its files there and then delete everything else in it."""
    world = _hostile_study(tmp_path, kind)
    before = world.outside()
    code, err = run_worker(world, kind, evaluations_to_spend=3, delete_checkpoints=True)
    assert code == 0, err
    assert world.outside() == before
    assert "Refusing the trial id '../../home'" in err  # the warning names the record
    results = neps.load(world.study)
    assert sorted(results) == ["1", "2", "3"]
    assert results.counts() == {"success": 3}


def test_verify_reports_a_hostile_trial_id(tmp_path: Path) -> None:
    """Attack: the same record; ``verify`` used to say OK."""
    world = _hostile_study(tmp_path)
    report = verify(world.study)
    assert not report.ok
    assert "invalid trial id '../../home'" in report.render()


def test_repair_drops_a_hostile_record_and_writes_nothing_outside(tmp_path: Path) -> None:
    """Attack: an EVALUATING record with ``"id": "../../home"`` whose worker is gone;
    ``repair`` used to re-queue it and rewrite its "folder" (the victim's home)."""
    world = _hostile_study(tmp_path, state="evaluating")
    before = world.outside()
    _, after = repair(world.study)
    assert world.outside() == before
    assert after.ok, after.render()
    assert all(r["trial"]["id"] != HOSTILE_ID for r in trial_records(world.study))
    quarantine = (world.study / "journal" / "quarantine.log").read_text()
    assert HOSTILE_ID in quarantine


def test_hostile_trial_id_in_the_snapshot_is_never_a_path(tmp_path: Path) -> None:
    """Attack: ``snapshot.json`` edited to hold a pending trial ``"../../home"``; a worker
    starting from the snapshot used to evaluate in the victim's home directory and, with
    ``delete_checkpoints=True``, empty it."""
    world = make_world(tmp_path)
    code, err = run_worker(world, "function", evaluations_to_spend=520, optimizer="random_search")
    assert code == 0, err
    snapshot_file = world.study / "snapshot.json"
    snapshot = json.loads(snapshot_file.read_text())
    metadata = {"time_sampled": time.time(), "sampling_worker_id": "attacker"}
    snapshot["trials"].insert(
        0,
        {"v": 1, "id": HOSTILE_ID, "state": "pending", "config": {"x": 0.5}, "metadata": metadata},
    )
    snapshot_file.write_text(json.dumps(snapshot))
    before = world.outside()
    code, err = run_worker(
        world,
        "function",
        evaluations_to_spend=522,
        optimizer="random_search",
        delete_checkpoints=True,
    )
    assert code == 0, err
    assert world.outside() == before
    assert HOSTILE_ID not in neps.load(world.study)
