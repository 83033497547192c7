"""Reproducibility under a seed, across kill/resume, and rewinding a study."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import neps_like as neps

SPACE = {"x": neps.Float(0.0, 1.0), "act": neps.Categorical(["a", "b", "c"])}


def _configs(root: Path) -> list[dict[str, object]]:
    trials = neps.load(root)
    return [dict(trials[str(i)].config) for i in range(1, len(trials) + 1)]


@pytest.mark.parametrize("optimizer", ["random_search", "bayesian_optimization"])
def test_kill_and_resume_keeps_the_sequence(tmp_path: Path, optimizer: str) -> None:
    reference = tmp_path / "ref"
    neps.run(
        lambda x, act: x,
        SPACE,
        root_directory=reference,
        evaluations_to_spend=8,
        seed=5,
        optimizer=optimizer,
    )
    root = tmp_path / "killed"
    script = tmp_path / "w.py"
    script.write_text(
        textwrap.dedent(
            f"""
        import time
        import neps_like as neps
        space = {{"x": neps.Float(0.0, 1.0), "act": neps.Categorical(["a", "b", "c"])}}
        def f(x, act, pipeline_directory):
            if pipeline_directory.name == "4":
                time.sleep(60)
            return x
        neps.run(f, space, root_directory={str(root)!r}, evaluations_to_spend=8, seed=5,
                 worker_id="w1", optimizer={optimizer!r})
        """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)])
    try:
        deadline = time.time() + 60
        while not (root / "trials" / "4" / "config.yaml").exists():
            assert time.time() < deadline and proc.poll() is None
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    neps.run(
        lambda x, act: x,
        SPACE,
        root_directory=root,
        evaluations_to_spend=8,
        seed=5,
        optimizer=optimizer,
        worker_id="w1",  # the restarted worker takes its own unfinished trial back at once
    )
    assert neps.load(root).counts() == {"success": 8}
    assert _configs(root) == _configs(reference)


def test_rewind_then_continue_reproduces(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(
        lambda x, act: x,
        SPACE,
        root_directory=root,
        evaluations_to_spend=10,
        seed=9,
        trial_folders="always",
    )
    original = _configs(root)
    backup = neps.rewind(root, to=4)
    assert (backup / "trials" / "7").is_dir() and (backup / "events.log").exists()
    assert not (root / "trials" / "7").exists()
    assert len(neps.load(root)) == 4
    neps.run(lambda x, act: x, SPACE, root_directory=root, evaluations_to_spend=10, seed=9)
    assert _configs(root) == original
    out = subprocess.run(
        [sys.executable, "-m", "neps_like", "rewind", str(root), "--to", "99"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2 and "no trial 99" in out.stderr


def test_rewind_refuses_while_workers_live(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(lambda x, act: x, SPACE, root_directory=root, evaluations_to_spend=3)
    (root / "workers" / "someone").write_text("{}")  # a fresh lease
    with pytest.raises(neps.NePSError, match="Workers appear to be running"):
        neps.rewind(root, to=1)
    neps.rewind(root, to=1, force=True)
    assert len(neps.load(root)) == 1
