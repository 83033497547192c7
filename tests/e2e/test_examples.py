"""Every example runs, as a user would run it, in a subprocess."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import neps_like as neps

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NEEDS = {"sklearn_digits.py": "sklearn", "multifidelity_torch.py": "torch"}


@pytest.mark.parametrize(
    "name",
    [
        "basic.py",
        "priors.py",
        "multi_objective.py",
        "import_old_results.py",
        "ask_and_tell.py",
        "sklearn_digits.py",
        "multifidelity_torch.py",
    ],
)
def test_example_runs(tmp_path: Path, name: str) -> None:
    module = NEEDS.get(name)
    if module is not None and importlib.util.find_spec(module) is None:
        pytest.skip(f"{name} needs {module}, which is not installed (an optional extra)")
    root = tmp_path / "study"
    env = {**os.environ, "NEPS_LIKE_EXAMPLE_ROOT": str(root)}
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(neps.load(root)) > 0


def test_script_trials_example(tmp_path: Path) -> None:
    work = tmp_path / "examples" / "script_trials"
    work.mkdir(parents=True)
    for f in ("train.py", "run_args.yaml"):
        (work / f).write_text((EXAMPLES / "script_trials" / f).read_text())
    cmd = [sys.executable, "-m", "neps_like", "run", str(work / "run_args.yaml")]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    results = neps.load(tmp_path / "results" / "script_trials")
    assert results.counts() == {"success": 8}
    assert "done: loss=" in results.stdout("1")
