"""Script trials run as real subprocesses in their trial directories."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps

TRAIN = Path(__file__).parent / "scripts" / "train.py"


def _space(mode: str, text: str | None = None) -> dict[str, Any]:
    space: dict[str, Any] = {"x": neps.Float(0.0, 1.0), "mode": neps.Constant(mode)}
    if text is not None:
        space["text"] = neps.Constant(text)
    return space


def test_success_with_logs_and_curve(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(script=TRAIN, pipeline_space=_space("ok"), root_directory=root, evaluations_to_spend=2)
    results = neps.load(root)
    assert results.counts() == {"success": 2}
    report = results["1"].report
    assert report is not None and report.cost == 1.5 and report.learning_curve == [3.0, 2.0]
    assert "starting ok" in results.stdout("1")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("crash", "exited with code 3"), ("silent", "without reporting")],
)
def test_failures_are_recorded(tmp_path: Path, mode: str, expected: str) -> None:
    root = tmp_path / "r"
    neps.run(
        script=TRAIN,
        pipeline_space=_space(mode),
        root_directory=root,
        evaluations_to_spend=1,
        on_error="ignore",
    )
    trial = neps.load(root)["1"]
    assert trial.state is neps.TrialState.FAILED
    assert trial.report is not None and expected in (trial.report.err or "")
    if mode == "crash":
        assert "something went wrong" in (trial.report.err or ""), "stderr tail recorded"


def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    root = tmp_path / "r"
    start = time.monotonic()
    neps.run(
        script=TRAIN,
        pipeline_space=_space("hang"),
        root_directory=root,
        evaluations_to_spend=1,
        on_error="ignore",
        script_timeout_seconds=1,
    )
    assert time.monotonic() - start < 30
    trial = neps.load(root)["1"]
    assert trial.state is neps.TrialState.FAILED and "timed out" in (trial.report.err or "")  # type: ignore[union-attr]


def test_huge_output_goes_to_files(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(
        script=TRAIN, pipeline_space=_space("noisy"), root_directory=root, evaluations_to_spend=1
    )
    results = neps.load(root)
    assert results["1"].state is neps.TrialState.SUCCESS
    assert len(results.stdout("1")) > 2_000_000 and "the end" in results.stderr("1")


def test_arguments_with_spaces_quotes_and_unicode(tmp_path: Path) -> None:
    root = tmp_path / "r"
    text = "a b 'c' \"d\" ünï ✓ $HOME;"
    neps.run(
        script=TRAIN,
        pipeline_space=_space("args", text),
        root_directory=root,
        evaluations_to_spend=1,
        script_config_as="args",
    )
    trial = neps.load(root)["1"]
    assert trial.state is neps.TrialState.SUCCESS, trial.report
    assert trial.report is not None and trial.report.extra["text"] == text


def _worker(tmp_path: Path, root: Path, budget: int) -> subprocess.Popen[str]:
    code = textwrap.dedent(
        f"""
        import neps_like as neps
        neps.run(script={str(TRAIN)!r}, root_directory={str(root)!r},
                 pipeline_space={{"x": neps.Float(0.0, 1.0), "mode": neps.Constant("slow")}},
                 evaluations_to_spend={budget})
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait(predicate: Any, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_stop_and_pause_then_resume_across_workers(tmp_path: Path) -> None:
    root = tmp_path / "r"
    first = _worker(tmp_path, root, 2)
    try:
        ckpt = root / "trials" / "1" / "ckpt.txt"
        _wait(lambda: ckpt.exists() and int(ckpt.read_text() or 0) >= 3)
        assert neps.pause_trial(root, "1") == "requested"
        _wait(lambda: neps.load(root)["1"].state is neps.TrialState.PAUSED)
        ckpt2 = root / "trials" / "2" / "ckpt.txt"
        _wait(lambda: ckpt2.exists())
        assert neps.stop_trial(root, "2") == "requested"
        first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0
    results = neps.load(root)
    assert results["2"].state is neps.TrialState.PRUNED
    assert ckpt.exists(), "the paused trial keeps its checkpoint"
    neps.resume_trial(root, "1")
    with pytest.raises(neps.NePSError, match="not paused"):
        neps.resume_trial(root, "1")
    second = _worker(tmp_path, root, 2)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    trial = neps.load(root)["1"]
    assert trial.state is neps.TrialState.SUCCESS
    assert trial.report is not None and trial.report.extra["resumed_from"] >= 3
    with pytest.raises(neps.NePSError, match="success"):
        neps.stop_trial(root, "1")


def test_function_trials_can_be_stopped_too(tmp_path: Path) -> None:
    import threading

    root = tmp_path / "r"
    calls: list[float] = []

    def slow(x: float) -> float:
        calls.append(x)
        if len(calls) == 1:
            time.sleep(120)  # interrupted by the stop request
        return x

    def stopper() -> None:
        def running() -> bool:
            try:
                return neps.load(root)["1"].state is neps.TrialState.EVALUATING
            except (neps.NePSError, KeyError):
                return False  # the study or the trial does not exist yet

        _wait(running)
        assert not (root / "trials" / "1").exists(), "the function needs no folder"
        neps.stop_trial(root, "1")  # the request makes one to hold control.json

    thread = threading.Thread(target=stopper)
    thread.start()
    start = time.monotonic()
    neps.run(slow, {"x": neps.Float(0.0, 1.0)}, root_directory=root, evaluations_to_spend=2)
    thread.join()
    assert time.monotonic() - start < 60
    results = neps.load(root)
    assert results["1"].state is neps.TrialState.PRUNED
    assert results["2"].state is neps.TrialState.SUCCESS


def test_missing_script_program_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(neps.ArgumentError, match="does not exist"):
        neps.run(script=["./nope.sh"], pipeline_space=_space("ok"), root_directory=tmp_path / "r")
    with pytest.raises(neps.ArgumentError, match="not on PATH"):
        neps.run(
            script=["no-such-program-xyz"],
            pipeline_space=_space("ok"),
            root_directory=tmp_path / "r",
        )
