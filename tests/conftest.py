from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.workers import write_worker_script


@pytest.fixture
def worker_script(tmp_path: Path) -> Path:
    return write_worker_script(tmp_path)
