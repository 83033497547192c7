"""``neps-like launch`` / ``neps_like.launch`` with real worker processes on a real study."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import neps_like as neps

pytestmark = pytest.mark.timeout(120)

OBJECTIVE = """\
import os, signal, time
def evaluate(x):
    if os.environ.get("LAUNCH_TEST_IGNORE_INT"):  # a stubborn evaluation
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(float(os.environ.get("LAUNCH_TEST_SLEEP", "0.01")))
    if os.environ.get("LAUNCH_TEST_RAISE"):
        raise RuntimeError("the evaluation broke")
    return (x - 0.3) ** 2
"""


def _study(tmp_path: Path, budget: int, **extra: object) -> Path:
    (tmp_path / "obj.py").write_text(OBJECTIVE)
    lines = [
        "evaluate_pipeline: obj.py:evaluate",
        "pipeline_space:",
        "  x: {lower: 0.0, upper: 1.0}",
        "root_directory: study",
        f"evaluations_to_spend: {budget}",
        *(f"{k}: {v}" for k, v in extra.items()),
    ]
    path = tmp_path / "run_args.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def spawn() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:  # reap the launcher and, through /proc, anything it left
        for pid in _children(proc.pid):
            _kill(pid)
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _launch(
    spawn: list[subprocess.Popen[str]], run_args: Path, *args: str, **env: str
) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "neps_like", "launch", str(run_args), *args],
        cwd=run_args.parent,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    spawn.append(proc)
    return proc


def _wait_evaluating(root: Path, n: int, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        logs = list((root / "launch" / "logs").glob("*.log"))
        busy = [p for p in logs if "evaluates trial" in p.read_text()]
        if len(busy) >= n:
            return
        time.sleep(0.1)
    raise AssertionError(f"{n} workers did not start evaluating within {deadline} s")


def _successes_so_far(root: Path) -> int:
    try:
        return _states(root).get("success", 0)
    except neps.NepsLikeError:  # not created yet
        return 0


def _states(root: Path) -> Counter[str]:
    return Counter(t.state.value for t in neps.load(root).values())


def test_full_run_ends_at_the_budget(tmp_path: Path, spawn: list[subprocess.Popen[str]]) -> None:
    proc = _launch(spawn, _study(tmp_path, 24), "--workers", "3")
    out, _ = proc.communicate(timeout=100)
    assert proc.returncode == 0, out
    root = tmp_path / "study"
    assert _states(root) == Counter({"success": 24})
    assert "trials 24/24 done" in out
    assert out.count("stopped normally") == 3
    assert sorted(p.name for p in (root / "launch" / "logs").iterdir()) == [
        "w0.log",
        "w1.log",
        "w2.log",
    ]


def test_ctrl_c_stops_every_worker_cleanly(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    proc = _launch(spawn, _study(tmp_path, 100), "--workers", "3", LAUNCH_TEST_SLEEP="30")
    root = tmp_path / "study"
    _wait_evaluating(root, 3)
    workers = _children(proc.pid)
    assert len(workers) == 3
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does to the launcher
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    assert "stopped by the user" in out
    assert out.count("stopped normally") == 3, out  # each handed its trial back and returned
    assert not [p for p in workers if Path(f"/proc/{p}").exists()]
    states = _states(root)
    assert states.get("evaluating", 0) == 0 and states.get("success", 0) == 0, states


def test_killed_worker_is_restarted_and_the_budget_is_exact(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    # A short lease grace so the dead worker's trial is taken over within the test's time.
    run_args = _study(tmp_path, 30, lease_grace_seconds=2, heartbeat_seconds=0.5)
    proc = _launch(
        spawn, run_args, "--workers", "3", "--max-restarts", "1", LAUNCH_TEST_SLEEP="0.3"
    )
    root = tmp_path / "study"
    _wait_evaluating(root, 3)
    victim = _children(proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    out, _ = proc.communicate(timeout=100)
    assert proc.returncode == 0, out
    assert "killed by SIGKILL" in out and "restarted 1 worker" in out, out
    assert "w0-r1: stopped normally" in out, out
    assert _states(root) == Counter({"success": 30})


def test_an_evaluation_that_raises_is_reported(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    proc = _launch(spawn, _study(tmp_path, 10), "--workers", "2", LAUNCH_TEST_RAISE="1")
    out, _ = proc.communicate(timeout=100)
    assert proc.returncode == 1, out
    assert out.count("ended by an error in the evaluation") == 2, out
    assert "errors 2" in out and "did not finish" in out, out
    assert (
        "RuntimeError: the evaluation broke" in (tmp_path / "study/launch/logs/w0.log").read_text()
    )


MAIN_SCRIPT = """\
import sys
import neps_like

offset = float(sys.argv[2])
def make():
    return lambda x: (x - offset) ** 2  # a closure over a __main__ global: not importable
summary = neps_like.launch(
    evaluate_pipeline=make(),
    pipeline_space={"x": neps_like.Float(0.0, 1.0)},
    root_directory=sys.argv[1],
    evaluations_to_spend=12,
    workers=2,
)
sys.exit(summary.exit_code)
"""


def _python_launch(tmp_path: Path) -> Path:
    script = tmp_path / "main.py"
    script.write_text(MAIN_SCRIPT)
    root = tmp_path / "py_study"
    done = subprocess.run(
        [sys.executable, str(script), str(root), "0.25"],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def test_a_closure_from_main_is_shipped_to_the_workers(tmp_path: Path) -> None:
    root = _python_launch(tmp_path)
    assert _states(root) == Counter({"success": 12})
    shipped = root / "launch" / "function.pkl"
    assert shipped.stat().st_mode & 0o777 == 0o600
    assert shipped.stat().st_uid == os.getuid()


def _worker(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "neps_like.launch.worker",
            "--shipped",
            str(root),
            "--worker-id",
            "x1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_shipped_function_writable_by_others_is_refused(tmp_path: Path) -> None:
    root = _python_launch(tmp_path)
    shipped = root / "launch" / "function.pkl"
    shipped.chmod(0o666)
    done = _worker(root)
    assert done.returncode == 2
    assert "writable by group or others (mode 0666)" in done.stderr


def test_a_link_planted_as_the_shipped_function_is_refused(tmp_path: Path) -> None:
    root = _python_launch(tmp_path)
    shipped = root / "launch" / "function.pkl"
    elsewhere = tmp_path / "elsewhere.pkl"
    shipped.rename(elsewhere)
    shipped.symlink_to(elsewhere)
    done = _worker(root)
    assert done.returncode == 2
    assert "cannot open it safely" in done.stderr


class _Planted:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path(self.marker).touch, ())


def test_workers_of_a_yaml_study_never_unpickle(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    run_args = _study(tmp_path, 4)
    launch_dir = tmp_path / "study" / "launch"
    launch_dir.mkdir(parents=True)
    marker = tmp_path / "unpickled"
    (launch_dir / "function.pkl").write_bytes(pickle.dumps(_Planted(str(marker))))
    (launch_dir / "function.pkl").chmod(0o600)
    proc = _launch(spawn, run_args, "--workers", "2")
    out, _ = proc.communicate(timeout=100)
    assert proc.returncode == 0, out
    assert not marker.exists()


def test_bad_worker_count_is_refused(tmp_path: Path) -> None:
    with pytest.raises(neps.ArgumentError, match="workers must be a positive integer"):
        neps.launch(
            evaluate_pipeline=lambda x: x,
            pipeline_space={"x": neps.Float(0, 1)},
            root_directory=str(tmp_path / "s"),
            workers=0,
        )
    assert not (tmp_path / "s").exists()


def test_slurm_dry_run_prints_the_script(tmp_path: Path) -> None:
    run_args = _study(tmp_path, 10)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "neps_like",
            "launch",
            str(run_args),
            "--slurm",
            "--workers",
            "64",
            "--time",
            "2:00:00",
            "--partition",
            "gpu",
            "--sbatch-arg=--mem=4G",
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    script = done.stdout
    for line in (
        "#SBATCH --array=0-63",
        "#SBATCH --time=2:00:00",
        "#SBATCH --signal=B:USR1@",
        "#SBATCH --requeue",
        "#SBATCH --partition=gpu",
        "#SBATCH --mem=4G",
    ):
        assert line in script
    assert "exec " in script and "${SLURM_ARRAY_TASK_ID}" in script
    assert not (tmp_path / "study.sbatch").exists()  # nothing submitted or written


def test_a_rewind_under_the_workers_is_reported(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    proc = _launch(spawn, _study(tmp_path, 100), "--workers", "2", LAUNCH_TEST_SLEEP="0.5")
    root = tmp_path / "study"
    end = time.monotonic() + 60
    while _successes_so_far(root) < 3:
        assert time.monotonic() < end, "no trial finished within 60 s"
        time.sleep(0.2)
    rewind = subprocess.run(
        [sys.executable, "-m", "neps_like", "rewind", str(root), "--to", "1", "--force"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rewind.returncode == 0, rewind.stderr
    out, _ = proc.communicate(timeout=100)
    assert proc.returncode == 1, out
    assert out.count("the study was rewound, repaired or replaced under it") == 2, out
    assert "did not finish" in out


def test_a_second_ctrl_c_kills_workers_that_do_not_stop(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    proc = _launch(
        spawn,
        _study(tmp_path, 100),
        "--workers",
        "2",
        LAUNCH_TEST_SLEEP="60",
        LAUNCH_TEST_IGNORE_INT="1",
    )
    _wait_evaluating(tmp_path / "study", 2)
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(1.0)
    assert all(Path(f"/proc/{p}").exists() for p in workers)  # the first one was ignored
    os.killpg(proc.pid, signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1, out
    assert out.count("killed by SIGKILL") == 2, out
    assert "stopped by the user" in out
