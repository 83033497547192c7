"""Script trials: each evaluation runs a program as a subprocess in its trial directory.

The config is written to ``config.json`` in the trial directory; its path is in
``NEPS_LIKE_CONFIG`` (and after ``--config`` when asked), or the config is passed as
``--name=value`` arguments. The script reports with ``neps_like.report(...)``, which
writes ``result.json`` atomically: the result is never parsed out of stdout. stdout and
stderr go to ``stdout.log`` / ``stderr.log`` in the trial directory.

The program runs in its own process group, so stopping it (timeout, a stop or pause
request, a signal to the worker) reaches every process it started: SIGTERM to the group,
a grace period, then SIGKILL.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from neps_like._errors import ArgumentError, EvaluationError
from neps_like.runtime.control import TrialControlled
from neps_like.runtime.evaluation import Outcome, parse_result
from neps_like.state import untrusted
from neps_like.state.records import Report

# Names inside a trial directory that the script contract fixes (Layout names the rest;
# stdout/stderr names must match Layout.trial_stdout_file / trial_stderr_file).
RESULT_FILE = "result.json"
STDOUT_FILE = "stdout.log"
STDERR_FILE = "stderr.log"
CURVE_FILE = "learning_curve.jsonl"
CONFIG_FILE = "config.json"
_POLL = 0.1


class ScriptEvaluator:
    """Runs ``command`` (a script path, or an argv list) once per trial."""

    watches_requests = True  # polls stop/pause requests itself (see ``should_stop``)
    needs_directory = True  # runs in its trial's folder, logs there

    def __init__(
        self,
        command: str | Path | Sequence[str],
        *,
        config_as: Literal["json", "args"] = "json",
        config_flag: bool = False,
        timeout: float | None = None,
        grace: float = 10.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.argv = _argv(command)
        if config_as not in ("json", "args"):
            raise ArgumentError(f"script config_as must be 'json' or 'args', got {config_as!r}.")
        self.config_as = config_as
        self.config_flag = config_flag
        self.timeout = timeout
        self.grace = grace
        self.env = dict(env or {})

    def __call__(
        self,
        config: Mapping[str, Any],
        *,
        pipeline_directory: Path,
        previous_pipeline_directory: Path | None,
        pipeline_id: str | None = None,  # the script reads NEPS_LIKE_TRIAL_ID
        objective_value_on_error: float | None = None,
        cost_value_on_error: float | None = None,
        should_stop: Callable[[], str | None] = lambda: None,
    ) -> Outcome:
        start = time.perf_counter()
        result_file = pipeline_directory / RESULT_FILE
        result_file.unlink(missing_ok=True)  # a previous attempt's result must not count
        argv = self._command(config, pipeline_directory)
        env = {**os.environ, **self.env, **_env(pipeline_directory, previous_pipeline_directory)}
        with (
            (pipeline_directory / "stdout.log").open("ab") as out,
            (pipeline_directory / "stderr.log").open("ab") as err,
        ):
            # Own session = own process group: a stop reaches the script's children too.
            try:
                proc = subprocess.Popen(
                    argv,
                    cwd=pipeline_directory,
                    env=env,
                    stdout=out,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            except OSError as exc:  # not executable, vanished since start: a failed trial
                report = Report(
                    objective_to_minimize=objective_value_on_error,
                    cost=cost_value_on_error,
                    err=f"could not start {argv[0]}: {exc}",
                )
                return Outcome(report, EvaluationError(report.err or ""))
            try:
                stopped = self._wait(proc, start, should_stop)
            except BaseException:
                self._terminate(proc)
                raise
        duration = time.perf_counter() - start
        problem = stopped or _exit_problem(proc.returncode, result_file)
        if problem is None:
            try:
                report = _read_result(result_file, pipeline_directory / CURVE_FILE)
            except EvaluationError as exc:
                problem = str(exc)
            else:
                return Outcome(_timed(report, duration))
        tail = _tail(pipeline_directory / STDERR_FILE)
        message = problem + (f"\nstderr (last lines):\n{tail}" if tail else "")
        failure = EvaluationError(message)
        report = Report(
            objective_to_minimize=objective_value_on_error,
            cost=cost_value_on_error,
            err=f"EvaluationError: {message}",
            evaluation_duration=duration,
            extra={"returncode": proc.returncode},
        )
        return Outcome(report, failure)

    def _command(self, config: Mapping[str, Any], trial_dir: Path) -> list[str]:
        config_file = trial_dir / CONFIG_FILE
        config_file.write_text(json.dumps(dict(config), indent=1), encoding="utf-8")
        argv = list(self.argv)
        if self.config_flag:
            argv += ["--config", str(config_file)]
        if self.config_as == "args":
            for name, value in _flat(config):
                text = value if isinstance(value, str) else json.dumps(value)
                argv.append(f"--{name}={text}")
        return argv

    def _wait(
        self, proc: subprocess.Popen[bytes], start: float, should_stop: Callable[[], str | None]
    ) -> str | None:
        """Wait for the process; returns why it was stopped early, or None."""
        while True:
            try:
                proc.wait(timeout=_POLL)
                return None
            except subprocess.TimeoutExpired:
                pass
            if self.timeout is not None and time.perf_counter() - start > self.timeout:
                self._terminate(proc)
                return f"timed out after {self.timeout:g} s"
            request = should_stop()
            if request is not None:
                self._terminate(proc)
                raise TrialControlled(request)

    def _terminate(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGTERM to the whole group, ``grace`` seconds, then SIGKILL."""
        for sig, wait in ((signal.SIGTERM, self.grace), (signal.SIGKILL, 30.0)):
            if proc.poll() is not None:
                return
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue


def _argv(command: str | Path | Sequence[str]) -> list[str]:
    if isinstance(command, (str, Path)):
        path = Path(command)
        if not path.exists():
            raise ArgumentError(f"script {path} does not exist.")
        full = str(path.absolute())
        return [sys.executable, full] if path.suffix == ".py" else [full]
    argv = [str(a) for a in command]
    if not argv:
        raise ArgumentError("script command is empty.")
    # The program runs in the trial directory: resolve a relative path to it now, from
    # where run() was called, and fail early when it does not exist.
    if os.sep in argv[0]:
        program = Path(argv[0]).absolute()
        if not program.exists():
            raise ArgumentError(f"script program {program} does not exist.")
        argv[0] = str(program)
    elif shutil.which(argv[0]) is None:
        raise ArgumentError(f"script program {argv[0]!r} is not on PATH.")
    return argv


def _env(trial_dir: Path, previous: Path | None) -> dict[str, str]:
    env = {
        "NEPS_LIKE_CONFIG": str(trial_dir / CONFIG_FILE),
        "NEPS_LIKE_RESULT": str(trial_dir / RESULT_FILE),
        "NEPS_LIKE_TRIAL_DIR": str(trial_dir),
        "NEPS_LIKE_TRIAL_ID": trial_dir.name,
    }
    if previous is not None:
        env["NEPS_LIKE_PREVIOUS_TRIAL_DIR"] = str(previous)
    return env


def _flat(config: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        out += _flat(value, f"{name}.") if isinstance(value, Mapping) else [(name, value)]
    return out


def _exit_problem(code: int | None, result_file: Path) -> str | None:
    if code is None or code == 0:
        return (
            None
            if result_file.exists()
            else ("the script exited 0 without reporting (call neps_like.report(...) at its end)")
        )
    if code < 0:
        return f"the script was killed by {signal.Signals(-code).name}"
    return f"the script exited with code {code}"


def _read_result(result_file: Path, curve_file: Path) -> Report:
    try:
        raw = untrusted.loads(result_file.read_text(encoding="utf-8"))  # depth-checked
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"unreadable {result_file}: {exc}") from exc
    report = parse_result(raw)
    if report.learning_curve is None and curve_file.exists():
        curve = [json.loads(line)["value"] for line in curve_file.read_text().splitlines() if line]
        report = Report(report.objective_to_minimize, report.cost, curve, report.extra)
    return report


def _timed(report: Report, seconds: float) -> Report:
    return Report(
        report.objective_to_minimize,
        report.cost,
        report.learning_curve,
        report.extra,
        evaluation_duration=seconds,
    )


def _tail(path: Path, lines: int = 20, max_bytes: int = 8192) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])
