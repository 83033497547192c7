"""Real workers killed with real signals: nothing is lost, nothing runs twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import neps_like as neps
from neps_like.state.layout import Layout
from tests.helpers.workers import read_side_log, spawn_workers, wait_all

FAST_LEASES = {"lease_grace_seconds": 1.5, "heartbeat_seconds": 0.3}


def _wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def _evaluating(root: Path) -> list[neps.Trial]:
    if not (root / "neps_like.yaml").exists():
        return []
    return [t for t in neps.load(root).values() if t.state is neps.TrialState.EVALUATING]


def test_sigkill_mid_evaluation_is_recovered(tmp_path: Path, worker_script: Path) -> None:
    root, side = tmp_path / "root", tmp_path / "side.log"
    victim_kwargs = {"evaluations_to_spend": 6, "_sleep": 30.0, **FAST_LEASES}
    with spawn_workers(worker_script, root, side, 1, victim_kwargs, delay=0.0) as [victim]:
        _wait_for(lambda: bool(_evaluating(root)))
        [lost] = _evaluating(root)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed_at = time.time()
    rescuer_kwargs = {
        "evaluations_to_spend": 6,
        "continue_until_max_evaluation_completed": True,
        **FAST_LEASES,
    }
    with spawn_workers(worker_script, root, side, 1, rescuer_kwargs, delay=0.0) as procs:
        [(code, err)] = wait_all(procs)
    assert code == 0, err
    trials = neps.load(root)
    assert trials.counts() == {"success": 6}
    assert trials[lost.id].metadata.attempt == 2
    assert time.time() - killed_at < 30, "recovered well before the victim's sleep would end"
    done = Counter(str(e["dir"]) for e in read_side_log(side))
    assert done[lost.id] == 1 and max(done.values()) == 1
    assert any(e.err_type == "WorkerLost" for e in trials.errors)


def test_sigterm_requeues_and_keeps_the_checkpoint(tmp_path: Path) -> None:
    root = tmp_path / "root"
    script = tmp_path / "ckpt_worker.py"
    script.write_text(
        textwrap.dedent(
            f"""
        import sys, time
        from pathlib import Path
        import neps_like as neps

        def evaluate_pipeline(x, pipeline_directory):
            ckpt = pipeline_directory / "ckpt.txt"
            start = int(ckpt.read_text()) if ckpt.exists() else 0
            for step in range(start, 5):
                ckpt.write_text(str(step))
                time.sleep(float(sys.argv[1]))
            return {{"objective_to_minimize": x, "extra": {{"resumed_from": start}}}}

        s = neps.run(evaluate_pipeline, {{"x": neps.Float(0, 1)}}, root_directory={str(root)!r},
                     evaluations_to_spend=1)
        print(s.stop_reason, flush=True)
        """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script), "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ckpt = root / "trials" / "1" / "ckpt.txt"
        _wait_for(lambda: ckpt.exists() and ckpt.read_text() in {"1", "2"})
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "SIGTERM" in out
    trial = neps.load(root)["1"]
    assert trial.state is neps.TrialState.PENDING, "handed back for the next attempt"
    again = subprocess.run(
        [sys.executable, str(script), "0.01"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    trial = neps.load(root)["1"]
    assert trial.state is neps.TrialState.SUCCESS and trial.metadata.attempt == 2
    assert trial.report is not None and trial.report.extra["resumed_from"] >= 1


def test_sigkill_while_holding_the_lock_with_a_torn_write(
    tmp_path: Path, worker_script: Path
) -> None:
    root, side = tmp_path / "root", tmp_path / "side.log"
    neps.run(
        lambda x, y: x,
        {"x": neps.Float(0.0, 1.0), "y": neps.Integer(0, 3)},
        root_directory=root,
        evaluations_to_spend=2,
        optimizer="random_search",
    )
    layout = Layout.at(root)
    killer = textwrap.dedent(
        f"""
        import os, signal
        from neps_like.state.neps_state import NePSState
        state = NePSState.create_or_load({str(root)!r}, load_only=True)
        with state._lock.lock():
            with open({str(layout.journal_file)!r}, "ab") as fh:
                fh.write(b'99 deadbeef {{"kind": "trial", "tri')  # half a record
                fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    died = subprocess.run(
        [sys.executable, "-c", killer], capture_output=True, timeout=60, check=False
    )
    assert died.returncode == -signal.SIGKILL
    kwargs = {"evaluations_to_spend": 10, "optimizer": "random_search"}
    with spawn_workers(worker_script, root, side, 3, kwargs, delay=0.5) as procs:
        results = wait_all(procs, timeout=120)
    assert all(code == 0 for code, _ in results), results
    assert neps.load(root).counts() == {"success": 10}
    assert b"half" not in layout.quarantine_file.read_bytes()
    assert b'"tri' in layout.quarantine_file.read_bytes(), "torn bytes moved aside"
    lines = layout.journal_file.read_bytes().splitlines()
    assert all(json.loads(line.split(b" ", 2)[2]) for line in lines), "journal is clean"
    assert layout.journal_file.stat().st_size > 0


def test_dead_worker_recovered_while_every_live_worker_is_busy(
    tmp_path: Path, worker_script: Path
) -> None:
    root, side = tmp_path / "root", tmp_path / "side.log"
    with spawn_workers(
        worker_script,
        root,
        side,
        1,
        {"evaluations_to_spend": 2, "_sleep": 60.0, **FAST_LEASES},
        delay=0.0,
    ) as [victim]:
        _wait_for(lambda: bool(_evaluating(root)))
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    busy = {
        "evaluations_to_spend": 2,
        "_sleep": 6.0,
        "continue_until_max_evaluation_completed": True,
        **FAST_LEASES,
    }
    with spawn_workers(worker_script, root, side, 1, busy, delay=0.0) as procs:
        [(code, err)] = wait_all(procs)
    assert code == 0, err
    trials = neps.load(root)
    assert trials.counts() == {"success": 2}
    [lost] = [e for e in trials.errors if e.err_type == "WorkerLost"]
    second = trials["2"]
    assert second.metadata.time_ended is not None
    assert lost.time < second.metadata.time_ended, "re-queued while the live worker was busy"
