"""Which file system holds a path, and the lock that choice gives a local study."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from neps_like.state.filesystems import filesystem_type, is_local_file_system
from neps_like.state.locker import FileLocker

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/self/mountinfo"
)


@linux_only
def test_the_mount_point_field_finds_the_file_system() -> None:
    assert filesystem_type(Path("/proc")) == "proc"
    assert filesystem_type(Path("/proc/self/status")) == "proc"


@linux_only
def test_a_scratch_folder_is_on_a_local_file_system(tmp_path: Path) -> None:
    assert isinstance(filesystem_type(tmp_path), str)
    assert is_local_file_system(tmp_path)


@linux_only
def test_a_local_posix_lock_without_timeout_blocks_in_the_kernel(tmp_path: Path) -> None:
    # Waiters sleep in flock() instead of polling; a timeout needs filelock's polling.
    blocking = FileLocker(tmp_path / ".lock")
    polling = FileLocker(tmp_path / ".lock", timeout=5.0)
    assert blocking._flock is not None and blocking._lock is None
    assert polling._flock is None and polling._lock is not None
    with blocking.lock():
        pass
    with polling.lock():
        pass
