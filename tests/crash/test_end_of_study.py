"""The end of a study while workers die: the budget is finished, not just handed out.

Workers that find the budget handed out used to return at once, so the trial of a
worker SIGKILLed near the end stayed EVALUATING for good (nobody was left to notice its
lease expire). Now a worker waits while an unfinished trial belongs to a worker that
stopped renewing its lease, takes it over once the lease expires, and says so in its
last log line. The leases here are short (a 3 s grace) to keep the test quick: the
test is about the mechanism, which is the same with the default 60 s.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import neps_like as neps

pytestmark = pytest.mark.timeout(180)

WORKER = textwrap.dedent(
    """
    import json, logging, sys, time
    import neps_like as neps

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    root, kwargs = sys.argv[1], json.loads(sys.argv[2])
    sleep = kwargs.pop("_sleep")

    def evaluate_pipeline(x, y):
        time.sleep(sleep)
        return (x - 0.3) ** 2 + y

    space = {"x": neps.Float(0.0, 1.0), "y": neps.Integer(0, 3)}
    neps.run(evaluate_pipeline, space, root_directory=root, **kwargs)
    """
)
LEASES = {"lease_grace_seconds": 3.0, "heartbeat_seconds": 0.3}


class Fleet:
    def __init__(self, tmp_path: Path, root: Path, kwargs: dict[str, object]) -> None:
        self.script = tmp_path / "worker.py"
        self.script.write_text(WORKER, encoding="utf-8")
        self.logs = tmp_path / "logs"
        self.logs.mkdir()
        self.root, self.kwargs = root, kwargs
        self.live: list[subprocess.Popen[bytes]] = []
        self.log_of: dict[int, Path] = {}
        self.done: list[subprocess.Popen[bytes]] = []
        self.killed: set[int] = set()

    def start(self) -> None:
        path = self.logs / f"{len(self.live) + len(self.done):03d}.log"
        with path.open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, str(self.script), str(self.root), json.dumps(self.kwargs)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.live.append(proc)
        self.log_of[proc.pid] = path

    def reap(self) -> None:
        for proc in [p for p in self.live if p.poll() is not None]:
            self.live.remove(proc)
            self.done.append(proc)

    def kill_one(self, rng: random.Random) -> bool:
        """SIGKILL a random live worker that is evaluating (its log's last line says so;
        on a loaded machine a younger one may still be importing); False when none is."""
        busy = [p for p in self.live if self._evaluating(p)]
        if not busy:
            return False
        victim = rng.choice(busy)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.killed.add(victim.pid)
        return True

    def kill_owner_of_a_running_trial(self) -> bool:
        """SIGKILL the worker evaluating some trial right now (found in the study: worker
        ids carry the process id); False when no trial is running."""
        running = [t for t in neps.load(self.root).values() if t.state.value == "evaluating"]
        owners = {int(str(t.metadata.evaluating_worker_id).split("-")[-2]) for t in running}
        for proc in self.live:
            if proc.pid in owners:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                self.killed.add(proc.pid)
                return True
        return False

    def _evaluating(self, proc: subprocess.Popen[bytes]) -> bool:
        lines = self.log_of[proc.pid].read_bytes().strip().splitlines()
        return bool(lines) and b"evaluates trial" in lines[-1]

    def close(self) -> None:
        for proc in self.live:
            proc.kill()
            proc.wait()

    def exit_codes(self) -> list[int]:
        return [p.returncode for p in self.done if p.pid not in self.killed]

    def last_lines(self) -> list[str]:
        return [
            p.read_text(errors="replace").strip().splitlines()[-1]
            for p in sorted(self.logs.iterdir())
            if p.read_text(errors="replace").strip()
        ]


def _states(root: Path) -> dict[str, int]:
    if not (root / "neps_like.yaml").exists():
        return {}
    return neps.load(root).counts()


@pytest.mark.slow
def test_workers_killed_until_the_end_leave_no_trial_unfinished(tmp_path: Path) -> None:
    """4 workers, 40 evaluations of 0.3 s; an evaluating worker SIGKILLed every second and
    replaced (8 times at most) until the budget is handed out, then one more killed (its
    trial is one of the last): the survivors must finish it before they return."""
    root = tmp_path / "study"
    budget = 40
    kwargs = {"evaluations_to_spend": budget, "max_retries": 50, "_sleep": 0.3, **LEASES}
    fleet = Fleet(tmp_path, root, kwargs)
    rng = random.Random(0)
    kills = 0
    try:
        for _ in range(4):
            fleet.start()
        deadline = time.monotonic() + 150
        next_kill = time.monotonic() + 1.0
        while sum(_states(root).values()) < budget and time.monotonic() < deadline:
            time.sleep(0.05)
            if time.monotonic() >= next_kill and kills < 8 and fleet.kill_one(rng):
                kills += 1
                fleet.start()
                next_kill = time.monotonic() + 1.0
        last_kill = False
        while not last_kill and time.monotonic() < deadline:
            fleet.reap()
            if not fleet.live or not _states(root).get("evaluating"):
                break  # nothing left to kill a worker in
            # The last kill, once every worker is past its start-up (a late starter would
            # find the expired lease by chance): one holding one of the last trials.
            if all(fleet.log_of[p.pid].stat().st_size for p in fleet.live):
                last_kill = fleet.kill_owner_of_a_running_trial()
            time.sleep(0.02)
        kills += last_kill
        for proc in list(fleet.live):
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        fleet.reap()
    finally:
        fleet.close()
    assert kills >= 3
    assert _states(root) == {"success": budget}, f"after {kills} kills"
    assert set(fleet.exit_codes()) == {0}
    if last_kill:
        took = [ln for ln in fleet.last_lines() if "taken over here: " in ln]
        assert any("taken over here: none" not in ln for ln in took), took


def test_the_last_worker_standing_takes_over_a_dead_workers_trial(tmp_path: Path) -> None:
    """Two workers; once the budget is handed out, the one evaluating a trial is
    SIGKILLed. The other waits for the lease to expire, re-runs the trial, and ends with
    the study complete, within grace + one check interval (plus the trial itself)."""
    root = tmp_path / "study"
    fleet = Fleet(tmp_path, root, {"evaluations_to_spend": 6, "_sleep": 0.6, **LEASES})
    try:
        fleet.start()
        fleet.start()
        deadline = time.monotonic() + 90
        while sum(_states(root).values()) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Kill while both workers evaluate when that can be seen: the survivor then looks
        # at the victim's lease only after the kill. (A victim killed just after renewing
        # its lease while the survivor is already checking looks alive: the survivor
        # returns and the trial waits for the next worker; see ``runtime/end_wait.py``.)
        both = time.monotonic() + 5
        while _states(root).get("evaluating", 0) < 2 and time.monotonic() < both:
            time.sleep(0.01)
        while not fleet.kill_owner_of_a_running_trial() and time.monotonic() < deadline:
            time.sleep(0.02)
        killed_at = time.monotonic()
        for proc in fleet.live:
            proc.wait(timeout=60)
        ended = time.monotonic() - killed_at
        fleet.reap()
    finally:
        fleet.close()
    assert _states(root) == {"success": 6}
    check_interval = LEASES["lease_grace_seconds"] / 2
    assert ended < LEASES["lease_grace_seconds"] + check_interval + 0.6 + 5  # slack: load
    (line,) = [ln for ln in fleet.last_lines() if "stops after" in ln]
    assert "or the leases expired (taken over here: " in line
