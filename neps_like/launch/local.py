"""Start N worker processes of one study on this machine and watch them.

Each worker runs in its own session (so a terminal's Ctrl-C reaches only the launcher),
logs to ``launch/logs/<id>.log`` in the study (or ``log_dir``). The launcher forwards the
first SIGINT/SIGTERM to every worker as one clean stop (each re-queues its trial and
returns); a second one kills them. A worker killed by a signal is restarted under a new
id while ``max_restarts`` allows.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from neps_like.launch.progress import StudyProgress, read_progress
from neps_like.state.layout import Layout

POLL_SECONDS = 0.2


@dataclass
class LaunchSummary:
    """What the launcher saw: the study's counts at the end and each worker's end."""

    root: Path
    progress: StudyProgress
    exits: dict[str, int] = field(default_factory=dict)
    restarts: int = 0
    interrupted: bool = False

    @property
    def finished(self) -> bool:
        if self.interrupted:
            return False
        if self.progress.budget is not None:
            return self.progress.done >= self.progress.budget
        return all(code == 0 for code in self.exits.values())

    @property
    def exit_code(self) -> int:
        return 0 if self.finished else 1

    def render(self) -> str:
        lines = [f"Study {self.root}: {self.progress.line()}"]
        for wid, code in self.exits.items():
            lines.append(f"  worker {wid}: {_describe(code)}")
        if self.restarts:
            lines.append(f"  restarted {self.restarts} worker(s) killed by a signal")
        if self.interrupted:
            lines.append("  stopped by the user before the study finished")
        elif not self.finished:
            lines.append("  the study did not finish: see the logs and `neps-like errors`")
        return "\n".join(lines)


def _describe(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return {
        0: "stopped normally",
        1: "ended by an error in the evaluation",
        2: "refused its input (see its log)",
        3: "ended: the study was rewound, repaired or replaced under it",
    }.get(code, f"exit code {code}")


class LocalLauncher:
    def __init__(
        self,
        root: Path,
        command: list[str],
        workers: int,
        *,
        log_dir: Path | None = None,
        max_restarts: int = 0,
        budget: int | None = None,
        out: IO[str] | None = None,
        interval: float | None = None,
    ) -> None:
        self.root = root
        self.command = command
        self.n = workers
        self.log_dir = log_dir
        self.max_restarts = max_restarts
        self.budget = budget
        self.out = out if out is not None else sys.stderr
        tty = self.out.isatty()
        self.tty = tty
        self.interval = interval if interval is not None else (0.5 if tty else 10.0)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.stops = 0

    def _log_path(self, wid: str) -> Path:
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            return self.log_dir / f"{wid}.log"
        layout = Layout.at(self.root)
        layout.launch_logs_dir.mkdir(parents=True, exist_ok=True)
        return layout.worker_log_file(wid)

    def _start(self, wid: str) -> None:
        with self._log_path(wid).open("ab") as log:
            self.procs[wid] = subprocess.Popen(
                [*self.command, "--worker-id", wid],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stops += 1
        sig = signal.SIGINT if self.stops == 1 else signal.SIGKILL
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(sig)

    def run(self) -> LaunchSummary:
        summary = LaunchSummary(self.root, StudyProgress(0, self.budget, None, 0, 0, 0))
        old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for i in range(self.n):
                self._start(f"w{i}")
            self._watch(summary)
        finally:
            for proc in self.procs.values():  # reaped whatever happens
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            for s, handler in old.items():
                signal.signal(s, handler)
        summary.interrupted = self.stops > 0
        summary.progress = read_progress(self.root, self.budget, live=0)
        if self.tty:
            self.out.write("\n")
        self.out.write(summary.render() + "\n")
        self.out.flush()
        return summary

    def _watch(self, summary: LaunchSummary) -> None:
        last = 0.0
        while True:
            for wid, proc in list(self.procs.items()):
                code = proc.poll()
                if code is None or wid in summary.exits:
                    continue
                summary.exits[wid] = code
                if code < 0 and not self.stops and summary.restarts < self.max_restarts:
                    summary.restarts += 1
                    self._start(f"{wid.split('-r')[0]}-r{summary.restarts}")
            live = sum(1 for p in self.procs.values() if p.poll() is None)
            now = time.monotonic()
            if now - last >= self.interval:
                last = now
                self._show(read_progress(self.root, self.budget, live=live))
            if live == 0:
                return
            time.sleep(POLL_SECONDS)

    def _show(self, progress: StudyProgress) -> None:
        if self.tty:
            self.out.write("\r\033[K" + progress.line())
        else:
            self.out.write(progress.line() + "\n")
        self.out.flush()


def python_command(module_args: list[str]) -> list[str]:
    """``python -m neps_like.launch.worker`` with this interpreter."""
    return [sys.executable, "-m", "neps_like.launch.worker", *module_args]

