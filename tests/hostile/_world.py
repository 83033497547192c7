"""A study inside a temporary "world" whose other files the attacks aim at.

``tmp/home`` stands for the user's home directory (``bashrc``, ``secret.txt``, a
``projects`` folder); ``tmp/study`` is the study. ``snapshot_of`` records every name,
type, link target, mode, size, mtime and content hash below a folder, so a test can
prove that nothing outside the study changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neps_like.state.journal import decode_line, encode_record


@dataclass(frozen=True)
class World:
    base: Path
    home: Path
    study: Path

    def outside(self) -> dict[str, tuple[object, ...]]:
        """Everything in the world except the study itself."""
        return {
            k: v
            for k, v in snapshot_of(self.base).items()
            if not (k == "study" or k.startswith("study/"))
        }


def make_world(tmp_path: Path) -> World:
    home = tmp_path / "home"
    (home / "projects" / "paper").mkdir(parents=True)
    (home / "bashrc").write_text("export PATH=$HOME/bin:$PATH\n", encoding="utf-8")
    (home / "secret.txt").write_text("the launch codes\n", encoding="utf-8")
    (home / "projects" / "paper" / "draft.tex").write_text("\\section{Intro}\n", encoding="utf-8")
    return World(tmp_path, home, tmp_path / "study")


def snapshot_of(folder: Path) -> dict[str, tuple[object, ...]]:
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):  # never follows links
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(folder))
            st = path.lstat()
            if path.is_symlink():
                out[rel] = ("link", str(path.readlink()))
            elif path.is_dir():
                out[rel] = ("dir", st.st_mode)
            elif not path.is_file():  # a FIFO, socket or device: reading it could block
                out[rel] = ("special", st.st_mode)
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[rel] = ("file", st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import neps_like as neps

    root, kind, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    sleep = kwargs.pop("_sleep", 0.0)
    fail = kwargs.pop("_fail", False)

    def evaluate_pipeline(x, pipeline_directory):
        time.sleep(sleep)
        if fail:
            raise RuntimeError("this trial fails")
        (pipeline_directory / "weights.bin").write_bytes(b"0" * 100)
        return x

    space = {"x": neps.Float(0.0, 1.0)}
    if kind == "script":
        neps.run(script=kwargs.pop("_script"), pipeline_space=space, root_directory=root, **kwargs)
    else:
        neps.run(evaluate_pipeline, space, root_directory=root, **kwargs)
    """
)

SCRIPT = textwrap.dedent(
    """
    import neps_like
    config = neps_like.load_config()
    print("trial output", config["x"], flush=True)
    (neps_like.trial_directory() / "ckpt.bin").write_bytes(b"1" * 10)
    neps_like.report(objective_to_minimize=config["x"])
    """
)


def start_worker(world: World, kind: str, **kwargs: Any) -> subprocess.Popen[str]:
    """A real worker process on the world's study (``kind``: "function" or "script")."""
    worker = world.base / "worker.py"
    if not worker.exists():  # written once: the tests hash everything outside the study
        worker.write_text(WORKER, encoding="utf-8")
    if kind == "script":
        script = world.base / "trial_script.py"
        if not script.exists():
            script.write_text(SCRIPT, encoding="utf-8")
        kwargs["_script"] = str(script)
    return subprocess.Popen(
        [sys.executable, str(worker), str(world.study), kind, json.dumps(kwargs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_worker(world: World, kind: str, **kwargs: Any) -> tuple[int, str]:
    """Run a worker to its end; (exit code, stderr). Killed if it outlives the timeout."""
    proc = start_worker(world, kind, **kwargs)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


def journal_lines(study: Path) -> list[bytes]:
    return [ln for ln in (study / "journal" / "events.log").read_bytes().split(b"\n") if ln]


def append_record(study: Path, record: dict[str, Any]) -> None:
    """Append ``record`` to the study's journal with the next sequence number and a
    correct checksum, as a worker would write it."""
    lines = journal_lines(study)
    seq = decode_line(lines[-1])[0] + 1
    with (study / "journal" / "events.log").open("ab") as fh:
        fh.write(encode_record(seq, record))


def trial_records(study: Path) -> list[dict[str, Any]]:
    out = []
    for line in journal_lines(study):
        record = decode_line(line)[1]
        if record.get("kind") == "trial":
            out.append(record)
    return out
