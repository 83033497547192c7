"""Ordinary mistakes at the command line end in one line on stderr and exit code 2.

Each test runs the real ``neps-like`` in a subprocess and checks: exit code 2, exactly one
line on stderr naming the problem, no traceback (and, for one case, that ``-v`` shows it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import neps_like as neps


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neps_like", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def _one_line_error(out: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "study"
    neps.run(
        evaluate_pipeline=lambda x: x,
        pipeline_space={"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        evaluations_to_spend=2,
    )
    return root


@pytest.mark.parametrize("command", ["enqueue", "import"])
@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "No such file"),
        (b"{not json", "is not JSON"),
        (b"\xff\xfe[]", "not UTF-8"),
        (b'{"a": 1}', "holds a dict"),
        (b"[1, 2]", "#0"),
        (b"[" * 100_000, "nests too deeply"),
    ],
    ids=["missing", "not-json", "not-utf8", "object", "list-of-ints", "deep"],
)
def test_enqueue_and_import_with_a_bad_file(
    study: Path, tmp_path: Path, command: str, content: bytes | None, needle: str
) -> None:
    """A missing, non-JSON, non-UTF-8 or wrongly shaped file: one line naming it."""
    file = tmp_path / "items.json"
    if content is not None:
        file.write_bytes(content)
    log = study / "journal" / "events.log"
    before = log.read_bytes()
    _one_line_error(_cli(command, str(study), str(file)), needle)
    assert log.read_bytes() == before


def test_plot_into_a_missing_directory(study: Path) -> None:
    """``plot -o /nonexistent/x.png``: the path is named, nothing else."""
    pytest.importorskip("matplotlib")
    _one_line_error(_cli("plot", str(study), "-o", "/nonexistent/x.png"), "/nonexistent/x.png")


@pytest.mark.parametrize("interval", ["-1", "0", "nan"])
def test_status_watch_with_a_bad_interval(study: Path, interval: str) -> None:
    """``status --watch --interval -1`` would crash in time.sleep."""
    _one_line_error(_cli("status", str(study), "--watch", "--interval", interval), "--interval")


def test_dashboard_port_out_of_range(study: Path) -> None:
    """``dashboard --port 99999`` would raise OverflowError from bind."""
    _one_line_error(_cli("dashboard", str(study), "--port", "99999"), "--port", "99999")


def test_dashboard_port_in_use(study: Path) -> None:
    """A port someone else listens on: one line naming the address."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        _one_line_error(_cli("dashboard", str(study), "--port", str(port)), str(port))


def test_study_path_is_a_file(tmp_path: Path) -> None:
    """A study path that is a plain file, for every read-only command."""
    file = tmp_path / "not-a-study"
    file.write_text("hello")
    for command in ("status", "errors", "verify", "export"):
        extra = ["-o", str(tmp_path / "out.csv")] if command == "export" else []
        _one_line_error(_cli(command, str(file), *extra))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any directory")
def test_unreadable_study_directory(study: Path, tmp_path: Path) -> None:
    """A study directory without read permission: one line, not a PermissionError trace."""
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inner").mkdir()
    locked.chmod(0)
    try:
        for command in ("status", "errors", "verify"):
            _one_line_error(_cli(command, str(locked / "inner")))
    finally:
        locked.chmod(0o700)


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    """With -v the traceback comes first, the one-line summary last; exit code still 2."""
    out = _cli("-v", "enqueue", str(tmp_path), str(tmp_path / "missing.json"))
    assert out.returncode == 2
    assert "Traceback" in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("neps-like enqueue: ")


_BASE = """\
evaluate_pipeline: obj.py:f
pipeline_space:
  x: {lower: 0.0, upper: 1.0}
root_directory: study
evaluations_to_spend: 2
"""


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ("root_directory: 5", "root_directory"),
        ("worker_id: 5", "worker_id"),
        ('evaluate_pipeline: "nomodule:f"', "nomodule"),
        ("max_retries: x", "max_retries"),
        (
            "optimizer: {name: bayesian_optimization, initial_design_size: abc}",
            "initial_design_size",
        ),
    ],
    ids=["root-int", "worker-int", "no-module", "max-retries", "initial-design-size"],
)
def test_run_with_a_bad_argument(tmp_path: Path, extra: str, needle: str) -> None:
    """Bad run() arguments from a run-args file: one line naming the argument."""
    (tmp_path / "obj.py").write_text("def f(x):\n    return x\n")
    key = extra.split(":")[0]
    lines = [line for line in _BASE.splitlines() if not line.startswith(key + ":")]
    (tmp_path / "run_args.yaml").write_text("\n".join(lines) + "\n" + extra + "\n")
    _one_line_error(_cli("run", "run_args.yaml", cwd=tmp_path), needle)


def test_run_args_file_not_utf8(tmp_path: Path) -> None:
    """A run-args file that is not UTF-8 text."""
    (tmp_path / "run_args.yaml").write_bytes(b"root_directory: \xff\n")
    _one_line_error(_cli("run", str(tmp_path / "run_args.yaml")), "UTF-8")


def test_grid_search_on_a_huge_integer_range(tmp_path: Path) -> None:
    """``Integer(0, 10**30)`` with grid search once failed with "Bad settings {}"."""
    (tmp_path / "obj.py").write_text("def f(x):\n    return x\n")
    (tmp_path / "run_args.yaml").write_text(
        textwrap.dedent(
            """\
            evaluate_pipeline: obj.py:f
            pipeline_space:
              x: {lower: 0, upper: 1000000000000000000000000000000}
            root_directory: study
            optimizer: grid_search
            evaluations_to_spend: 2
            """
        )
    )
    out = _cli("run", "run_args.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert len(neps.load(tmp_path / "study")) == 2
