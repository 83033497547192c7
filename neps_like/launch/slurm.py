"""``neps-like launch --slurm``: one SLURM array job of workers, from a generated script.

The script is written beside the study (``<root>.sbatch``) and submitted with ``sbatch``.
Each array task ``exec``s one worker (so SLURM's signals reach it, not a shell), asks for
``--signal=B:USR1@N`` (the worker re-queues its trial and returns before the time limit)
and ``--requeue`` (a preempted task comes back); its worker id is
``task-<array task id>-r<restart count>``, unique per task and restart.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from neps_like._errors import ArgumentError


def sbatch_script(
    run_args: Path,
    root: Path,
    *,
    workers: int,
    time: str,
    partition: str | None,
    sbatch_args: list[str],
    signal_seconds: int = 120,
) -> str:
    log = root.parent / f"{root.name}.slurm-%A_%a.log"
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name={shlex.quote('neps-' + root.name)}",
        f"#SBATCH --array=0-{workers - 1}",
        f"#SBATCH --time={time}",
        f"#SBATCH --signal=B:USR1@{signal_seconds}",
        "#SBATCH --requeue",
        f"#SBATCH --output={log}",
    ]
    if partition:
        lines.append(f"#SBATCH --partition={partition}")
    lines += [f"#SBATCH {arg}" for arg in sbatch_args]
    worker = shlex.join(
        [
            sys.executable,
            "-m",
            "neps_like.launch.worker",
            "--run-args",
            str(run_args),
            "--root",
            str(root),
        ]
    )
    lines += [
        "",
        'id="task-${SLURM_ARRAY_TASK_ID}-r${SLURM_RESTART_COUNT:-0}"',
        f'exec {worker} --worker-id "$id"',
        "",
    ]
    return "\n".join(lines)


def submit(script: str, path: Path) -> str:
    """Write ``script`` to ``path`` and submit it; returns the job id.

    Raises:
        ArgumentError: ``sbatch`` is missing or refused the job (its message included).
    """
    path.write_text(script, encoding="utf-8")
    try:
        done = subprocess.run(
            ["sbatch", "--parsable", str(path)], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise ArgumentError("sbatch was not found: --slurm needs a SLURM cluster.") from None
    if done.returncode != 0:
        raise ArgumentError(f"sbatch refused {path}: {done.stderr.strip()}")
    return done.stdout.strip().split(";")[0]
