"""Real worker processes for tests: a script run with this interpreter, always reaped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

WORKER_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    import neps_like as neps

    root, side_log = sys.argv[1], sys.argv[2]
    start_at, kwargs = float(sys.argv[3]), json.loads(sys.argv[4])
    fail_when = kwargs.pop("_fail_when_x_below", None)
    sleep = kwargs.pop("_sleep", 0.0)

    def evaluate_pipeline(x, y, pipeline_directory):
        if sleep:
            time.sleep(sleep)
        if fail_when is not None and x < fail_when:
            raise RuntimeError(f"x={x} is too small")
        # One line per finished evaluation: the tests check every report reached the study.
        with open(side_log, "a") as fh:
            fh.write(json.dumps({"dir": pipeline_directory.name, "pid": os.getpid()}) + "\\n")
        return {"objective_to_minimize": (x - 0.3) ** 2 + y, "cost": 1.0}

    while time.time() < start_at:  # start every worker at the same instant
        time.sleep(0.001)
    space = {"x": neps.Float(0.0, 1.0), "y": neps.Integer(0, 3)}
    neps.run(evaluate_pipeline, space, root_directory=root, **kwargs)
    """
)


def write_worker_script(tmp_path: Path) -> Path:
    path = tmp_path / "worker_script.py"
    path.write_text(WORKER_SCRIPT, encoding="utf-8")
    return path


@contextmanager
def spawn_workers(
    script: Path,
    root: Path,
    side_log: Path,
    n: int,
    kwargs: dict[str, object],
    *,
    delay: float = 1.0,
    extra_env: dict[str, str] | None = None,
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start ``n`` workers that all begin at the same instant; kill any left at exit."""
    start_at = time.time() + delay
    env = {**os.environ, **(extra_env or {})}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(root),
                str(side_log),
                str(start_at),
                json.dumps(kwargs),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(n)
    ]
    try:
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.communicate()


def wait_all(
    procs: Sequence[subprocess.Popen[bytes]], timeout: float = 240
) -> list[tuple[int, str]]:
    """Wait for every process; returns (exit code, stderr) of each."""
    out = []
    deadline = time.time() + timeout
    for p in procs:
        _, err = p.communicate(timeout=max(1.0, deadline - time.time()))
        out.append((p.returncode, err.decode(errors="replace")))
    return out


def read_side_log(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
