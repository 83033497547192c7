"""Many real processes start at the same instant on one directory."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import neps_like as neps
from tests.helpers.workers import read_side_log, spawn_workers, wait_all


@pytest.mark.parametrize("precreate", [False, True], ids=["missing-dir", "empty-dir"])
def test_eight_workers_exact_budget(tmp_path: Path, worker_script: Path, precreate: bool) -> None:
    root = tmp_path / "study dir"  # a space in the path on purpose
    if precreate:
        root.mkdir()
    side = tmp_path / "side.log"
    total = 120
    kwargs = {"evaluations_to_spend": total, "optimizer": "random_search"}
    with spawn_workers(worker_script, root, side, 8, kwargs) as procs:
        results = wait_all(procs)
    for code, err in results:
        assert code == 0, err
    trials = neps.load(root)
    assert len(trials) == total
    assert trials.counts() == {"success": total}
    evaluated = Counter(str(entry["dir"]) for entry in read_side_log(side))
    assert len(evaluated) == total, "every trial evaluated"
    assert max(evaluated.values()) == 1, "no trial evaluated twice"
    assert set(evaluated) == set(trials), "every finished evaluation reached the study"
    assert len({tuple(sorted(t.config.items())) for t in trials.values()}) == total
    assert sorted(int(i) for i in trials) == list(range(1, total + 1))
    # The last worker to stop wrote the summary, and it has every trial.
    with (root / "summary" / "trials.csv").open() as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == total


def test_status_brings_a_stale_summary_up_to_date(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(lambda x: x, {"x": neps.Float(0.0, 1.0)}, root_directory=root, evaluations_to_spend=3)
    neps.run(
        lambda x: x,
        root_directory=root,
        evaluations_to_spend=5,
        write_summary_to_disk=False,
    )
    csv_file = root / "summary" / "trials.csv"
    assert len(csv_file.read_text().splitlines()) == 1 + 3
    out = subprocess.run(
        [sys.executable, "-m", "neps_like", "status", str(root)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "success     5" in out.stdout
    assert len(csv_file.read_text().splitlines()) == 1 + 5


def test_batch_sampling_never_overshoots(tmp_path: Path, worker_script: Path) -> None:
    root, side = tmp_path / "root", tmp_path / "side.log"
    kwargs = {"evaluations_to_spend": 37, "sample_batch_size": 5, "optimizer": "random_search"}
    with spawn_workers(worker_script, root, side, 4, kwargs) as procs:
        results = wait_all(procs)
    assert all(code == 0 for code, _ in results), results
    trials = neps.load(root)
    assert trials.counts() == {"success": 37}
    assert len(read_side_log(side)) == 37


def test_continue_until_completed_waits_for_others(tmp_path: Path, worker_script: Path) -> None:
    root, side = tmp_path / "root", tmp_path / "side.log"
    kwargs = {
        "evaluations_to_spend": 12,
        "continue_until_max_evaluation_completed": True,
        "_sleep": 0.05,
    }
    with spawn_workers(worker_script, root, side, 3, kwargs) as procs:
        results = wait_all(procs)
    assert all(code == 0 for code, _ in results), results
    assert neps.load(root).counts() == {"success": 12}
