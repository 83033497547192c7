"""A short run of benchmarks/chaos.py: workers SIGKILLed every second lose nothing.

The benchmark does the auditing (exact budget, clean journal, no trial reported twice,
every finished evaluation in the study, at most one re-run per kill) and exits 1 on any
violation; this test runs it small and checks that the chaos really happened.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

CHAOS = Path(__file__).resolve().parents[2] / "benchmarks" / "chaos.py"


def test_sigkill_every_second_loses_nothing(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    args = ["--workers", "4", "--trials", "200", "--kill-every", "1", "--eval-seconds", "0.3"]
    done = subprocess.run(
        [sys.executable, str(CHAOS), *args, "--workdir", str(tmp_path), "--json", str(summary)],
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(summary.read_text())
    numbers = result["numbers"]
    assert result["violations"] == []
    assert numbers["success"] == 200
    assert numbers["kills"] >= 10, "a kill every second for the whole run"
    assert numbers["workers started"] == 4 + numbers["kills"], "every victim replaced"
    assert numbers["WorkerLost records"] >= 1, "some kills hit an evaluation: leases recovered"
    # One WorkerLost record per re-queue (more only if a rescuer is killed between writing
    # the error record and committing the re-queue; then the next rescuer records it again).
    assert numbers["WorkerLost records"] >= numbers["extra attempts (re-queues)"] >= 1
    print("\n" + done.stdout)
