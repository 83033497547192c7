"""The SLURM example on a real (single-node) SLURM: an array of workers on one study.

The cluster comes from ``../shared/infra/slurm-up.sh`` beside the repository (real
slurmctld, slurmd and munge, ``proctrack/cgroup``). The array runs
``examples/slurm/array.sbatch`` unchanged; only train.py's arguments are made small (tiny
budget, epochs of 0.4 s, a 3 s lease grace). While it runs, three of the four tasks are
disturbed the ways a cluster disturbs jobs:

* task 1: ``scancel`` (SIGTERM): the trial is handed back with its checkpoint and
  another task resumes it from there;
* task 2: SIGKILL to the worker (``scancel --batch --signal=KILL``, like an OOM kill or a
  lost node): the trial is re-queued once the lease expires;
* task 3: ``scontrol requeue`` (what preemption does): the task restarts with
  ``SLURM_RESTART_COUNT=1``, a new worker id, and continues the same study.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import neps_like as neps
from tests.slow._audit import audit

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO.parent / "shared" / "infra"
EXAMPLE = REPO / "examples" / "slurm"
# slurm-up.sh uses fixed ports and the machine's munged: one cluster at a time per host.
HOST_LOCK = Path("/tmp/neps_like_slurm_tests.lock")
TRAIN_ARGS = ["--epochs", "5", "--epoch-seconds", "0.4", "--lease-grace", "3", "--heartbeat", "0.5"]


@dataclass(frozen=True)
class Slurm:
    directory: Path
    env: dict[str, str]

    def cmd(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=30, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def submit_array(self, tasks: int, root: Path, logs: Path, *train_args: str) -> str:
        logs.mkdir(parents=True, exist_ok=True)
        env = {
            **self.env,
            "NEPS_ROOT": str(root),
            "PYTHON": sys.executable,
            "TRAIN_PY": str(EXAMPLE / "train.py"),
        }
        done = subprocess.run(
            [
                "sbatch",
                "--parsable",
                f"--array=0-{tasks - 1}",
                f"--output={logs}/%A_%a.out",
                str(EXAMPLE / "array.sbatch"),
                *train_args,
            ],
            env=env,
            cwd=EXAMPLE,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().split(";")[0]

    def wait_done(self, job: str, tasks: int, timeout: float = 150.0) -> dict[int, str]:
        """Until every task of ``job`` has ended for good; returns each task's last state.

        Both sources must agree: squeue (answering, and listing nothing) and jobcomp.txt
        (a final state for every task; a requeue logs PENDING, then the rerun's end).
        """
        deadline = time.time() + timeout
        while True:
            queue = subprocess.run(
                ["squeue", "-h", "-j", job, "-o", "%i %t"],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            states = self.last_states(job)
            finished = sorted(t for t, (state, _) in states.items() if state != "PENDING")
            if queue.returncode == 0 and not queue.stdout.strip() and len(finished) == tasks:
                return {t: f"{state} {code}" for t, (state, code) in states.items()}
            if time.time() > deadline:
                self.cmd("scancel", job, check=False)
                raise AssertionError(
                    f"job {job} not done after {timeout} s: squeue {queue.stdout!r} "
                    f"{queue.stderr!r}; jobcomp {states}"
                )
            time.sleep(0.5)

    def last_states(self, job: str) -> dict[int, tuple[str, str]]:
        """Array task -> (JobState, ExitCode) of its last jobcomp.txt line."""
        out: dict[int, tuple[str, str]] = {}
        path = self.directory / "jobcomp.txt"
        for line in path.read_text().splitlines() if path.exists() else []:
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            if fields.get("ArrayJobId") == job:
                out[int(fields["ArrayTaskId"])] = (fields["JobState"], fields["ExitCode"])
        return out


def _can_run_slurm() -> str | None:
    """Why SLURM cannot be set up here, or None when it can."""
    if not (INFRA / "slurm-up.sh").is_file():
        ci = (
            " (CI is set, but this machine has no infrastructure to start)"
            if os.environ.get("CI")
            else ""
        )
        return (
            f"{INFRA}/slurm-up.sh is missing{ci}: the shared infra must sit beside the "
            "repository for the real-cluster tests"
        )
    if os.geteuid() != 0:
        return "slurm-up.sh starts slurmctld/slurmd/munged as root; this user is not root"
    if not (Path("/usr/sbin/slurmctld").exists() or shutil.which("apt-get")):
        return "SLURM is not installed and there is no apt-get to install it"
    return None


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slurm]:
    reason = _can_run_slurm()
    if reason is not None:
        pytest.skip(f"SLURM tests skipped: {reason}")
    directory = tmp_path_factory.mktemp("slurm") / "cluster"
    with HOST_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test session's cluster: wait for it
        try:
            up = subprocess.run(
                ["bash", str(INFRA / "slurm-up.sh"), str(directory)],
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
            assert up.returncode == 0, f"slurm-up.sh failed:\n{up.stdout}\n{up.stderr}"
            yield Slurm(directory, {**os.environ, "SLURM_CONF": str(directory / "slurm.conf")})
        finally:
            subprocess.run(
                ["bash", str(INFRA / "slurm-down.sh"), str(directory)],
                capture_output=True,
                timeout=120,
                check=False,
            )


@dataclass
class TaskLog:
    """What one array task's output file says its worker(s) did (one per restart)."""

    text: str

    def _events(self, kind: str) -> list[tuple[str, str]]:
        return re.findall(rf"^(\S+) {kind} (\S+) ", self.text, re.M)

    @property
    def started(self) -> list[str]:
        return [trial for _, trial in self._events("start")]

    @property
    def done(self) -> list[str]:
        return [trial for _, trial in self._events("done")]

    @property
    def unfinished(self) -> list[str]:
        """Trials a worker started and did not finish itself."""
        done = set(self._events("done"))
        return [trial for worker, trial in self._events("start") if (worker, trial) not in done]


def _log(logs: Path, job: str, task: int) -> TaskLog:
    path = logs / f"{job}_{task}.out"
    return TaskLog(path.read_text() if path.exists() else "")


def _wait_for(what: str, predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _checkpointed_epoch(root: Path, trial_id: str) -> int:
    ckpt = root / "trials" / trial_id / "checkpoint.json"
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
        return int(json.loads(ckpt.read_text())["epoch"])
    return 0


def _running_trial(logs: Path, job: str, task: int) -> str | None:
    unfinished = _log(logs, job, task).unfinished
    return unfinished[-1] if unfinished else None


def test_array_with_scancel_sigkill_and_requeue(slurm: Slurm, tmp_path: Path) -> None:
    root, logs, budget = tmp_path / "study", tmp_path / "logs", 16
    started = time.time()
    job = slurm.submit_array(4, root, logs, "--evaluations", str(budget), *TRAIN_ARGS)
    tasks = (1, 2, 3)

    def mid_trial() -> bool:  # with an epoch checkpointed and at least one still to run
        running = [_running_trial(logs, job, t) for t in tasks]
        return all(r is not None and 1 <= _checkpointed_epoch(root, r) <= 3 for r in running)

    try:
        _wait_for("tasks 1-3 to be mid-trial", mid_trial)
        victims = {t: _running_trial(logs, job, t) or "" for t in tasks}
        slurm.cmd("scancel", f"{job}_1")  # SIGTERM, then SIGKILL KillWait later
        slurm.cmd("scancel", "--batch", "--signal=KILL", f"{job}_2")  # SIGKILL only
        slurm.cmd("scontrol", "requeue", f"{job}_3")  # SIGTERM, then back in the queue
        # A requeued job is held ~2 min (BeginTime); release it early, but not within the
        # second of the kill: slurmd compares its revoked credential's time in whole
        # seconds and would refuse the relaunch ("Job N already killed, do not launch").
        _wait_for(
            "task 3 to be requeued",
            lambda: "PD" in slurm.cmd("squeue", "-h", "-j", f"{job}_3", "-o", "%t"),
        )
        time.sleep(2.5)
        slurm.cmd("scontrol", "update", f"JobId={job}_3", "StartTime=now")
    except BaseException:
        slurm.cmd("scancel", job, check=False)  # do not wait for a broken run to finish
        raise
    finally:
        states = slurm.wait_done(job, 4)
    elapsed = time.time() - started

    assert audit(root, successes=budget) == [], "the study is exact and clean"
    trials = neps.load(root)
    logs_by_task = {task: _log(logs, job, task) for task in range(4)}
    done = Counter(t for log in logs_by_task.values() for t in log.done)
    assert set(done) == set(trials) and max(done.values()) == 1, f"finished once each: {done}"
    started_anywhere = {t for log in logs_by_task.values() for t in log.started}
    assert started_anywhere == set(trials), "every trial a worker started is in the study"
    assert {t for log in logs_by_task.values() for t in log.unfinished} == set(victims.values())

    sigterm, sigkill, requeued = (trials[victims[t]] for t in (1, 2, 3))
    for trial in (sigterm, sigkill, requeued):
        assert trial.metadata.attempt == 2, trial
    for trial in (sigterm, sigkill, requeued):  # checkpoints survive even the SIGKILL
        assert trial.report is not None and trial.report.extra["resumed_from_epoch"] >= 1
    assert "stopped by SIGTERM" in logs_by_task[1].text
    assert "stopped" not in logs_by_task[2].text, "SIGKILL: no chance to say goodbye"
    lost = [e.trial_id for e in trials.errors if e.err_type == "WorkerLost"]
    assert lost == [sigkill.id], f"only the SIGKILLed task's trial went through its lease: {lost}"
    assert f"slurm-{job}_3-r1 stopped" in logs_by_task[3].text, (states, logs_by_task[3])
    assert "restart 1" in logs_by_task[3].text
    for trial in trials.values():
        assert trial.metadata.evaluating_worker_id not in (f"slurm-{job}_1-r0", f"slurm-{job}_2-r0")

    assert states[0] == states[3] == "COMPLETED 0:0", states
    assert states[1].startswith("CANCELLED"), states  # SIGTERM, worker exited 0
    assert states[2] == "FAILED 0:9", states  # killed by signal 9
    print(f"\narray of 4, budget {budget}: {elapsed:.1f} s from sbatch to the last task's end")


def test_resubmitting_continues_the_study(slurm: Slurm, tmp_path: Path) -> None:
    root, logs = tmp_path / "study", tmp_path / "logs"
    first = slurm.submit_array(2, root, logs, "--evaluations", "4", *TRAIN_ARGS)
    states = [slurm.wait_done(first, 2)]
    second = slurm.submit_array(2, root, logs, "--evaluations", "8", *TRAIN_ARGS)
    states.append(slurm.wait_done(second, 2))
    assert audit(root, successes=8) == []
    workers = {t.metadata.evaluating_worker_id for t in neps.load(root).values()}
    assert {w.rsplit("_", 1)[0] for w in workers if w} == {f"slurm-{first}", f"slurm-{second}"}
    assert [set(s.values()) for s in states] == [{"COMPLETED 0:0"}] * 2, states
