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

import contextlib
import errno
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

from neps_like._errors import ArgumentError, EvaluationError, UnsafePathError
from neps_like.runtime.control import TrialControlled
from neps_like.runtime.evaluation import Outcome, parse_result
from neps_like.state import safe_paths, untrusted
from neps_like.state.layout import TrialFiles
from neps_like.state.records import Report

# Names inside a trial directory that the script contract fixes (``TrialFiles`` owns them).
RESULT_FILE = TrialFiles.RESULT
STDOUT_FILE = TrialFiles.STDOUT
STDERR_FILE = TrialFiles.STDERR
CURVE_FILE = TrialFiles.LEARNING_CURVE
CONFIG_FILE = TrialFiles.SCRIPT_CONFIG
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT
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
        try:
            # The folder and every file in it are reached through one descriptor opened
            # with O_NOFOLLOW: a folder or log planted as a link is refused, not followed.
            folder = _open_folder(pipeline_directory)
        except UnsafePathError as exc:
            return _refused(exc, objective_value_on_error, cost_value_on_error)
        try:
            return self._run(
                config,
                folder,
                pipeline_directory,
                previous_pipeline_directory,
                (objective_value_on_error, cost_value_on_error),
                should_stop,
                start,
            )
        finally:
            os.close(folder)

    def _run(
        self,
        config: Mapping[str, Any],
        folder: int,
        trial_dir: Path,
        previous: Path | None,
        on_error: tuple[float | None, float | None],
        should_stop: Callable[[], str | None],
        start: float,
    ) -> Outcome:
        result_file = trial_dir / RESULT_FILE
        with contextlib.suppress(FileNotFoundError):  # unlink never follows a link
            os.unlink(RESULT_FILE, dir_fd=folder)  # a previous attempt's result must not count
        try:
            argv = self._command(config, trial_dir, folder)
            out = safe_paths.open_at(folder, STDOUT_FILE, _APPEND, path=trial_dir / STDOUT_FILE)
            try:
                err = safe_paths.open_at(folder, STDERR_FILE, _APPEND, path=trial_dir / STDERR_FILE)
            except BaseException:
                os.close(out)
                raise
        except UnsafePathError as exc:
            return _refused(exc, *on_error)
        env = {**os.environ, **self.env, **_env(trial_dir, previous)}
        try:
            # Own session = own process group: a stop reaches the script's children too.
            try:
                proc = subprocess.Popen(
                    argv,
                    cwd=trial_dir,
                    env=env,
                    stdout=out,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            except OSError as exc:  # not executable, vanished since start: a failed trial
                report = Report(
                    objective_to_minimize=on_error[0],
                    cost=on_error[1],
                    err=f"could not start {argv[0]}: {exc}",
                )
                return Outcome(report, EvaluationError(report.err or ""))
            try:
                stopped = self._wait(proc, start, should_stop)
            except BaseException:
                self._terminate(proc)
                raise
        finally:
            os.close(out)
            os.close(err)
        duration = time.perf_counter() - start
        problem = stopped or _exit_problem(proc.returncode, folder, result_file)
        if problem is None:
            try:
                report = _read_result(folder, trial_dir)
            except EvaluationError as exc:
                problem = str(exc)
            else:
                return Outcome(_timed(report, duration))
        tail = _tail(folder)
        message = problem + (f"\nstderr (last lines):\n{tail}" if tail else "")
        failure = EvaluationError(message)
        report = Report(
            objective_to_minimize=on_error[0],
            cost=on_error[1],
            err=f"EvaluationError: {message}",
            evaluation_duration=duration,
            extra={"returncode": proc.returncode},
        )
        return Outcome(report, failure)

    def _command(self, config: Mapping[str, Any], trial_dir: Path, folder: int) -> list[str]:
        config_file = trial_dir / CONFIG_FILE
        # Renamed into place: a link planted as config.json is replaced, not written through.
        data = json.dumps(dict(config), indent=1).encode("utf-8")
        safe_paths.write_at(folder, CONFIG_FILE, data, lambda _fd: None)
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


def _open_folder(path: Path) -> int:
    """A descriptor of the trial folder; a link there raises ``UnsafePathError``.
    (The worker walked to it from the study root just before, refusing links on the way.)"""
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise safe_paths.refused(path) from exc
        raise


def _refused(
    exc: UnsafePathError, objective: float | None = None, cost: float | None = None
) -> Outcome:
    report = Report(objective_to_minimize=objective, cost=cost, err=f"UnsafePathError: {exc}")
    return Outcome(report, exc)


def _exit_problem(code: int | None, folder: int, result_file: Path) -> str | None:
    if code is None or code == 0:
        try:
            os.stat(RESULT_FILE, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            return "the script exited 0 without reporting (call neps_like.report(...) at its end)"
        return None
    if code < 0:
        return f"the script was killed by {signal.Signals(-code).name}"
    return f"the script exited with code {code}"


def _read_at(folder: int, name: str, trial_dir: Path) -> bytes:
    fd = safe_paths.open_at(folder, name, os.O_RDONLY, path=trial_dir / name)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _read_result(folder: int, trial_dir: Path) -> Report:
    result_file = trial_dir / RESULT_FILE
    try:
        raw = untrusted.loads(_read_at(folder, RESULT_FILE, trial_dir))  # depth-checked
    except (OSError, ValueError) as exc:  # UnsafePathError is an OSError: a planted link
        raise EvaluationError(f"unreadable {result_file}: {exc}") from exc
    report = parse_result(raw)
    if report.learning_curve is None:
        try:
            lines = _read_at(folder, CURVE_FILE, trial_dir).decode("utf-8").splitlines()
        except FileNotFoundError:
            return report
        except OSError as exc:
            raise EvaluationError(f"unreadable {trial_dir / CURVE_FILE}: {exc}") from exc
        curve = [json.loads(line)["value"] for line in lines if line]
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


def _tail(folder: int, lines: int = 20, max_bytes: int = 8192) -> str:
    try:
        fd = os.open(STDERR_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - max_bytes))
        data = fh.read()
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])
