"""Lease files on a real ``workers/`` folder: their content, their age, touching them
(never through a link) and the heartbeat thread that keeps them fresh."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path

import pytest

from neps_like._errors import StorageError
from neps_like.state.layout import Layout
from neps_like.state.leases import (
    Heartbeat,
    lease_age,
    live_workers,
    server_now,
    touch,
    write_lease,
)


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    (tmp_path / "workers").mkdir()
    return Layout.at(tmp_path)


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_a_lease_says_whose_it_is(layout: Layout) -> None:
    path = write_lease(layout, "w1")
    assert path == layout.root / "workers" / "w1"
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "worker_id": "w1",
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def test_lease_age_and_live_workers(layout: Layout) -> None:
    write_lease(layout, "fresh")
    _age(write_lease(layout, "old"), 100)
    now = server_now(layout)
    assert 0 <= lease_age(layout, "fresh", now) < 5  # type: ignore[operator]
    assert 95 < lease_age(layout, "old", now) < 110  # type: ignore[operator]
    assert lease_age(layout, "missing", now) is None
    assert lease_age(layout, "../escape", now) is None
    assert live_workers(layout, 60) == ["fresh"]


def test_a_linked_lease_is_no_lease(
    layout: Layout, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "elsewhere").write_text("", encoding="utf-8")
    (layout.workers_dir / "w1").symlink_to(tmp_path / "elsewhere")
    with caplog.at_level(logging.WARNING, logger="neps_like.state.leases"):
        assert lease_age(layout, "w1", server_now(layout)) is None
    assert caplog.messages == [f"Ignoring {layout.workers_dir / 'w1'}: a symbolic link is no lease"]


def test_touch_renews_the_modification_time(layout: Layout) -> None:
    path = write_lease(layout, "w1")
    _age(path, 100)
    touch(path)
    assert lease_age(layout, "w1", server_now(layout)) < 5  # type: ignore[operator]


def test_touch_never_goes_through_a_link(layout: Layout, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("x", encoding="utf-8")
    _age(victim, 100)
    before = victim.stat().st_mtime
    (layout.workers_dir / "w1").symlink_to(victim)
    with pytest.raises(StorageError, match=str(layout.workers_dir / "w1")):
        touch(layout.workers_dir / "w1")
    (layout.workers_dir / "w1").unlink()
    os.link(victim, layout.workers_dir / "w1")  # nor through a hard link
    with pytest.raises(StorageError, match=str(layout.workers_dir / "w1")):
        touch(layout.workers_dir / "w1")
    assert victim.stat().st_mtime == before


@pytest.mark.threads
def test_the_heartbeat_renews_the_lease_until_stopped(layout: Layout) -> None:
    path = write_lease(layout, "w1")
    _age(path, 100)
    beat = Heartbeat(path, interval=0.05)
    beat.start()
    deadline = time.monotonic() + 10
    while lease_age(layout, "w1", server_now(layout)) > 50 and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)
    beat.stop()
    assert not beat._thread.is_alive()  # stop() waits for the thread
    assert lease_age(layout, "w1", server_now(layout)) < 50  # type: ignore[operator]
    _age(path, 100)
    time.sleep(0.2)
    assert lease_age(layout, "w1", server_now(layout)) > 50  # type: ignore[operator]


@pytest.mark.threads
def test_the_heartbeat_survives_a_missing_lease(
    layout: Layout, caplog: pytest.LogCaptureFixture
) -> None:
    path = layout.workers_dir / "w1"
    beat = Heartbeat(path, interval=0.02)
    with caplog.at_level(logging.WARNING, logger="neps_like.state.leases"):
        beat.start()
        deadline = time.monotonic() + 10  # a loaded machine may run the thread late
        while "Could not refresh lease" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
        beat.stop()
    assert f"Could not refresh lease {path}" in caplog.text
    assert not beat._thread.is_alive()
