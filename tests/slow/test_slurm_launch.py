"""``neps-like launch --slurm`` on the real single-node SLURM (``../shared/infra``).

An array of 4 submitted by the launcher; mid-trial one task is ``scancel``-ed and another
``scontrol requeue``-d (what preemption does), and the study still ends at exactly its
budget. The lease grace is short (3 s) so the test does not wait a minute for takeovers.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import neps_like as neps
from tests.slow.test_slurm import Slurm, slurm  # the real cluster, one per host at a time

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]
__all__ = ["slurm"]

OBJECTIVE = """\
import time
def evaluate(x):
    time.sleep(1.0)
    return (x - 0.3) ** 2
"""


def _busy_tasks(root: Path) -> set[str]:
    try:
        trials = neps.load(root).values()
    except neps.NepsLikeError:  # the study is not created yet
        return set()
    return {t.metadata.evaluating_worker_id or "" for t in trials if t.state.value == "evaluating"}


def test_launched_array_survives_scancel_and_requeue(slurm: Slurm, tmp_path: Path) -> None:
    (tmp_path / "obj.py").write_text(OBJECTIVE)
    run_args = tmp_path / "run_args.yaml"
    run_args.write_text(
        "evaluate_pipeline: obj.py:evaluate\n"
        "pipeline_space:\n  x: {lower: 0.0, upper: 1.0}\n"
        "root_directory: study\nevaluations_to_spend: 24\n"
        "lease_grace_seconds: 3\nheartbeat_seconds: 0.5\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "neps_like",
            "launch",
            str(run_args),
            "--slurm",
            "--workers",
            "4",
            "--time",
            "0:10:00",
        ],
        env=slurm.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    match = re.search(r"Submitted array job (\d+)", done.stdout)
    assert match, done.stdout
    job = match.group(1)
    root = tmp_path / "study"
    assert f"neps-like status {root} --watch" in done.stdout
    deadline = time.time() + 120
    while not {"task-1-r0", "task-2-r0"} <= _busy_tasks(root):
        assert time.time() < deadline, "tasks 1 and 2 never evaluated a trial"
        time.sleep(0.2)
    slurm.cmd("scancel", f"{job}_1")
    slurm.cmd("scontrol", "requeue", f"{job}_2")
    slurm.wait_done(job, 4, timeout=300)
    states = Counter(t.state.value for t in neps.load(root).values())
    assert states == Counter({"success": 24}), states
