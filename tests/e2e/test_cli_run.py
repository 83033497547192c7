from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import neps_like as neps


def test_run_from_yaml_with_two_workers(tmp_path: Path) -> None:
    folder = tmp_path / "my project"
    folder.mkdir()
    (folder / "train.py").write_text(
        "def evaluate(lr, act):\n    return lr if act == 'relu' else 2 * lr\n"
    )
    (folder / "run_args.yaml").write_text(
        textwrap.dedent(
            """
        evaluate_pipeline: train.py:evaluate
        pipeline_space:
          lr: {lower: 1.0e-5, upper: 1.0e-1, log: true}
          act: {choices: [relu, gelu]}
        root_directory: results/exp1
        optimizer: random_search
        max_evaluations_total: 10
        """
        )
    )
    cmd = [sys.executable, "-m", "neps_like", "run", str(folder / "run_args.yaml")]
    procs = [
        subprocess.Popen(
            cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all("stopped because" in out for out, _ in outs)
    assert neps.load(folder / "results" / "exp1").counts() == {"success": 10}


def test_bad_run_args_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("- just\n- a list\n")
    out = subprocess.run(
        [sys.executable, "-m", "neps_like", "run", str(tmp_path / "bad.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2 and "must hold a mapping" in out.stderr
