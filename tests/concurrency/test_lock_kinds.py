"""The lease-based lock used where file locks do not work, with real processes."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

import neps_like as neps
from neps_like.state.locker import FileLocker, probe_lock_kind
from tests.helpers.workers import read_side_log, spawn_workers, wait_all


def test_workers_on_the_lease_lock_keep_the_budget_exact(
    tmp_path: Path, worker_script: Path
) -> None:
    root, side = tmp_path / "root", tmp_path / "side.log"
    kwargs = {"evaluations_to_spend": 60, "optimizer": "random_search"}
    with spawn_workers(
        worker_script, root, side, 6, kwargs, extra_env={"NEPS_LIKE_LOCK": "lease"}
    ) as procs:
        results = wait_all(procs)
    assert all(code == 0 for code, _ in results), results
    assert (root / ".lock.uses-lease").exists()
    assert neps.load(root).counts() == {"success": 60}
    done = Counter(str(e["dir"]) for e in read_side_log(side))
    assert len(done) == 60 and max(done.values()) == 1


def test_a_killed_lease_holder_is_taken_over_after_expiry(tmp_path: Path) -> None:
    lock_path = tmp_path / ".lock"
    holder = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from neps_like.state.locker import FileLocker
        locker = FileLocker(Path({str(lock_path)!r}), kind="lease", lease_duration=1.5)
        with locker.lock():
            print("held", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    start = time.monotonic()
    with FileLocker(lock_path, kind="lease", lease_duration=1.5, timeout=30).lock():
        waited = time.monotonic() - start
    # On the same host filelock sees the holder's pid is gone and takes over at once;
    # from another host it waits for the lease to stay unchanged for lease_duration.
    assert waited < 1.5 + 10, waited


def test_probe_prefers_posix_and_respects_the_marker(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    assert probe_lock_kind(tmp_path / ".lock", marker) == "posix"
    assert probe_lock_kind(tmp_path / ".lock", marker, forced="lease") == "lease"
    assert marker.exists(), "a forced lease is recorded for other workers"
    assert probe_lock_kind(tmp_path / ".lock", marker) == "lease"


def test_a_long_wait_for_the_posix_lock_is_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lock_path = tmp_path / ".lock"
    holder = textwrap.dedent(
        f"""
        import fcntl, os, time
        fd = os.open({str(lock_path)!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        time.sleep(2.5)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        locker = FileLocker(lock_path, warn_after=0.5)
        with caplog.at_level(logging.WARNING, logger="neps_like.state.locker"):
            with locker.lock():
                pass
            with locker.lock():  # uncontended: no new warning
                pass
    finally:
        proc.kill()
        proc.communicate()
    warnings = [r.getMessage() for r in caplog.records if "waited" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert str(lock_path) in warnings[0]
