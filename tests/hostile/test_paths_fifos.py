"""FIFOs planted inside a study never make a command or a worker hang.

A plain ``open`` of a FIFO waits until the other end is opened too, forever when nobody
does: a FIFO planted as a trial's ``report.yaml`` used to hang ``verify`` and ``repair``,
and one planted as ``errors.jsonl`` or a lease would hang a worker. Each case plants a
real FIFO in a real study and runs the real commands in processes with a time limit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import neps_like as neps
from tests.hostile._world import make_world, run_worker

pytestmark = pytest.mark.timeout(300)

SPOTS = [
    "trials/1/report.yaml",
    "trials/1/metadata.json",
    "errors.jsonl",
    "snapshot.json",
    "summary/trials.csv",
    "workers/planted-lease",
    "journal/quarantine.log",
]


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neps_like", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("spot", SPOTS)
def test_a_planted_fifo_hangs_nothing(tmp_path: Path, spot: str) -> None:
    """Attack: a FIFO where the study has (or will write) a file; every command and a
    worker must end within a minute, without a traceback, and the worker's results hold."""
    world = make_world(tmp_path)
    code, err = run_worker(world, "script", evaluations_to_spend=2)
    assert code == 0, err
    target = world.study / spot
    if target.exists():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(target)
    before = world.outside()
    for command in ("status", "verify", "repair", "errors"):
        done = _command(command, str(world.study))  # a hang raises TimeoutExpired
        assert "Traceback" not in done.stderr, (command, done.stderr)
    code, err = run_worker(world, "script", evaluations_to_spend=4, on_error="ignore")
    assert "Traceback" not in err
    assert world.outside() == before
    states = neps.load(world.study).counts()
    assert states.get("success", 0) >= 2, states
