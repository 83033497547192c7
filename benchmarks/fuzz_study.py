"""Corruption fuzzer: damage a finished study at random, then use it as a user would.

It builds one finished study (hyperband, so ids like ``7_2`` occur; a snapshot with its
journal proof; trial folders with checkpoints; failed trials in ``errors.jsonl``), then for
each of N mutations copies it into a sandbox of its own, applies one random mutation, and
runs, as a user would, in a forked child with a time limit:

``neps-like status``, ``neps_like.load``, ``neps-like verify``, ``neps-like repair``,
``neps_like.load`` again, one worker (``neps_like.run`` with the library's defaults and a
budget three evaluations past the study's), and ``neps_like.load`` once more.

Mutation classes: ``bitflip`` and ``truncate`` (any file of the study), ``dup_line`` and
``reorder`` (journal lines), ``edit_record`` (a field of a journal record set to a hostile
value, checksum recomputed so that it passes), ``edit_yaml`` (a field of a study YAML file),
``edit_snapshot`` (a field of ``snapshot.json``; the snapshot is made first when missing),
``plant_link`` (a file or folder of the study replaced by a symlink, a hard link or a FIFO
pointing outside, or a link planted where a trial folder is about to be made) and
``delete`` (a file or folder of the study removed).

For each mutation it records, per step, ``ok`` / ``clean`` (one of our errors; for the CLI,
exit code 2 and no traceback) / ``crash`` (anything else: a traceback) / ``hang`` (the child
was killed at the time limit), and checks three things:

* **outside**: every file, folder and link of the sandbox outside the study (files planted
  as bait, link targets, the working directory) is byte-for-byte unchanged, and nothing new
  appeared there;
* **wrong**: every trial reported SUCCESS has the config and objective of a SUCCESS record of
  that trial whose checksum holds in the (mutated) journal;
* **lost**: when the journal itself was not mutated, every trial SUCCESS in the intact study is
  still reported SUCCESS with the same config and objective.

Outcome per mutation: ``traceback`` (any step crashed or hung), else ``recovered`` (the last
``load`` and the worker succeeded), else ``clean error``. Run from the repository root::

    .venv/bin/python benchmarks/fuzz_study.py --mutations 2000 --jobs 2
    .venv/bin/python benchmarks/fuzz_study.py --mutations 50 --keep   # sandboxes of defects kept

Exit code 1 when any traceback, hang, outside change, wrong or lost result was seen.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import os
import random
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

CLASSES = (
    "bitflip",
    "truncate",
    "dup_line",
    "reorder",
    "edit_record",
    "edit_yaml",
    "edit_snapshot",
    "plant_link",
    "delete",
)
JOURNAL_CLASSES = {"dup_line", "reorder", "edit_record"}
EXTRA_EVALUATIONS = 3
DEEP = 5000  # nesting depth of the "deep" hostile value
# Stands for a list nested DEEP times: too deep for json/yaml to write, so it is written
# as this token and replaced by the nested text in the file (``_deepen``).
DEEP_TOKEN = "__fuzz_deep__"


def _space() -> dict[str, Any]:
    import neps_like as neps

    return {
        "x": neps.Float(0.0, 1.0),
        "n": neps.Integer(1, 8),
        "act": neps.Categorical(["relu", "tanh"]),
        "epochs": neps.Integer(1, 9, is_fidelity=True),
    }


def _objective(x: float, n: int, act: str, epochs: int) -> dict[str, Any]:
    """Without ``pipeline_directory``: its trials need no folder."""
    if x > 0.93:
        raise ValueError(f"diverged at x={x:.3f}")
    value = (x - 0.3) ** 2 + 0.01 * n + (0.1 if act == "tanh" else 0.0) + 1.0 / epochs
    return {"objective_to_minimize": value, "cost": float(epochs), "extra": {"n": n}}


def _with_folders(
    x: float, n: int, act: str, epochs: int, pipeline_directory: Path
) -> dict[str, Any]:
    """With ``pipeline_directory``: its trials get a folder, holding a checkpoint."""
    (Path(pipeline_directory) / "ckpt.txt").write_text(f"{epochs}\n", encoding="utf-8")
    return _objective(x, n, act, epochs)


# -- the intact study ------------------------------------------------------------------------
def build_template(root: Path, trials: int) -> int:
    """A finished study of about ``trials`` evaluations; returns its evaluation budget."""
    import neps_like as neps

    common: dict[str, Any] = {
        "root_directory": str(root),
        "optimizer": "hyperband",
        "on_error": "ignore",
        "seed": 7,
    }
    # Most trials without folders (fast, and large enough for a snapshot), the last ones
    # with folders holding a checkpoint.
    neps.run(_objective, _space(), evaluations_to_spend=trials - 12, **common)
    neps.run(_with_folders, _space(), evaluations_to_spend=trials, **common)
    return trials


def _results(root: Path) -> dict[str, tuple[str, str, Any]]:
    """What ``load`` reports: id -> (state, config as JSON, objective)."""
    import neps_like as neps

    out = {}
    for tid, trial in neps.load(root).items():
        objective = trial.report.objective_to_minimize if trial.report else None
        config = json.dumps(trial.config, sort_keys=True, default=str)
        out[tid] = (trial.state.value, config, objective)
    return out


# -- surroundings ----------------------------------------------------------------------------
def _plant_bait(sandbox: Path) -> None:
    """Files a hostile study may try to reach: the fuzzer's stand-ins for ~/.bashrc, a secret,
    a home folder and a victim folder, and the working directory of the child."""
    outside = sandbox / "outside"
    (outside / "home" / "project").mkdir(parents=True)
    (outside / "victim").mkdir()
    (outside / "bashrc").write_text("export PATH=/usr/bin\n", encoding="utf-8")
    (outside / "secret.txt").write_text("do not touch\n", encoding="utf-8")
    (outside / "home" / "notes.txt").write_text("my notes\n", encoding="utf-8")
    (outside / "home" / "project" / "main.py").write_text("print('hi')\n", encoding="utf-8")
    (outside / "victim" / "data.bin").write_bytes(os.urandom(64))
    (sandbox / "cwd").mkdir()


def _fingerprint(sandbox: Path, study: Path) -> dict[str, str]:
    """Every entry of the sandbox outside the study, without following links."""
    seen: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(sandbox, followlinks=False):
        here = Path(dirpath)
        if here == study:
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if here / d != study]
        for name in dirnames + filenames:
            path = here / name
            st = path.lstat()
            rel = str(path.relative_to(sandbox))
            if stat.S_ISLNK(st.st_mode):
                seen[rel] = f"link:{path.readlink()}"
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                seen[rel] = f"file:{st.st_mode:o}:{digest}"
            elif stat.S_ISDIR(st.st_mode):
                seen[rel] = f"dir:{st.st_mode:o}"
            else:
                seen[rel] = f"other:{st.st_mode:o}"
    return seen


# -- journal lines ---------------------------------------------------------------------------
def _line(seq: int, record: Any) -> bytes:
    """A journal line with a checksum that holds: ``<seq> <crc32 hex> <json>``."""
    payload = json.dumps(record, separators=(",", ":"), ensure_ascii=True, allow_nan=True)
    payload = _deepen(payload)
    crc = zlib.crc32(f"{seq} {payload}".encode())
    return f"{seq} {crc:08x} {payload}\n".encode()


def _valid_records(lines: list[bytes]) -> list[dict[str, Any]]:
    """Records of the lines whose checksum holds (parsed leniently: a reference, not a reader)."""
    out = []
    for line in lines:
        parts = line.rstrip(b"\n").split(b" ", 2)
        if len(parts) != 3 or not parts[0].isdigit():
            continue
        payload = parts[2]
        try:
            crc = int(parts[1], 16)
        except ValueError:
            continue
        if zlib.crc32(parts[0] + b" " + payload) != crc:
            continue
        try:
            record = json.loads(payload)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict):
            out.append(record)
    return out


def _backed_successes(lines: list[bytes]) -> dict[str, set[tuple[str, Any]]]:
    """(config as JSON, objective) of each SUCCESS record whose checksum holds, by trial id."""
    backed: dict[str, set[tuple[str, Any]]] = defaultdict(set)
    for record in _valid_records(lines):
        trial = record.get("trial")
        if record.get("kind") != "trial" or not isinstance(trial, dict):
            continue
        if trial.get("state") != "success" or not isinstance(trial.get("id"), str):
            continue
        report = trial.get("report") if isinstance(trial.get("report"), dict) else {}
        try:
            objective = _hashable(report.get("objective_to_minimize"))
            # As read (text with lone surrogates shown as it is) and as rewritten by
            # ``repair`` (lone surrogates as U+FFFD): the same record either way.
            for config in (trial.get("config"), _clean_text(trial.get("config"))):
                backed[trial["id"]].add(
                    (json.dumps(config, sort_keys=True, default=str), objective)
                )
        except (TypeError, ValueError, RecursionError):
            continue
    return backed


def _clean_text(value: Any) -> Any:
    """``value`` with lone surrogates as U+FFFD, as neps_like writes text it cannot encode."""
    if isinstance(value, str):
        return re.sub("[\ud800-\udfff]", "\ufffd", value)
    if isinstance(value, list):
        return [_clean_text(v) for v in value]
    if isinstance(value, dict):
        return {_clean_text(k): _clean_text(v) for k, v in value.items()}
    return value


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


# -- mutations -------------------------------------------------------------------------------
def _deepen(text: str, *, quoted: bool = True) -> str:
    """``text`` with every deep token replaced by a list nested ``DEEP`` times."""
    token = f'"{DEEP_TOKEN}"' if quoted else DEEP_TOKEN
    return text.replace(token, "[" * DEEP + "]" * DEEP)


def _hostile_values(rng: random.Random) -> Any:
    return rng.choice(
        [
            "../../../outside/victim",
            "/etc/passwd",
            "../../outside/home",
            "7/../../x",
            "\udcff\udcfe",
            "\x1b[2J\x1b[31mred",
            "",
            "x" * 200_000,
            -1,
            0,
            2**70,
            -(2**63),
            1e308,
            float("nan"),
            float("inf"),
            True,
            None,
            [],
            {},
            [1, 2, 3],
            {"a": {"b": None}},
            DEEP_TOKEN,
            "success",
            "evaluating",
            "nonsense-state",
        ]
    )


def _paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON/YAML value (dicts and lists), the value itself included."""
    out = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            out.extend(_paths_in(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:20]):
            out.extend(_paths_in(inner, (*prefix, index)))
    return out


def _edit(value: Any, rng: random.Random) -> tuple[Any, str]:
    """``value`` with one field replaced, renamed or removed; and what was done."""
    paths = [p for p in _paths_in(value) if p]
    if not paths:
        return _hostile_values(rng), "replaced the whole value"
    path = rng.choice(paths)
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    action = rng.choice(["replace", "replace", "replace", "remove", "rename"])
    if action == "remove" and isinstance(parent, dict):
        del parent[key]
        return value, f"removed {path!r}"
    if action == "rename" and isinstance(parent, dict) and isinstance(key, str):
        parent[key.capitalize() if key != key.capitalize() else key + "_"] = parent.pop(key)
        return value, f"renamed {path!r}"
    new = _hostile_values(rng)
    parent[key] = new
    shown = repr(new)[:40]
    return value, f"set {path!r} to {shown}"


def _study_files(study: Path) -> list[Path]:
    out = []
    for dirpath, _, filenames in os.walk(study):
        for name in filenames:
            path = Path(dirpath) / name
            if name != ".lock" and path.is_file() and not path.is_symlink():
                out.append(path)
    return sorted(out)


def _damage_bytes(study: Path, sandbox: Path, kind: str, rng: random.Random) -> str:
    """``bitflip`` or ``truncate`` any file of the study."""
    target = rng.choice(_study_files(study))
    name = target.relative_to(study)
    data = bytearray(target.read_bytes())
    if not data:
        return f"{name} is empty: nothing to do"
    if kind == "bitflip":
        at = rng.randrange(len(data))
        data[at] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(data))
        return f"flipped a bit at byte {at} of {name}"
    at = rng.randrange(len(data))
    target.write_bytes(bytes(data[:at]))
    return f"truncated {name} to {at} of {len(data)} bytes"


def _edit_journal(study: Path, sandbox: Path, kind: str, rng: random.Random) -> str:
    """``dup_line``, ``reorder`` or ``edit_record`` (checksum recomputed) in the journal."""
    journal = study / "journal" / "events.log"
    lines = journal.read_bytes().splitlines(keepends=True)
    i = rng.randrange(len(lines))
    if kind == "dup_line":
        j = rng.randrange(i, len(lines) + 1)
        lines.insert(j, lines[i])
        what = f"duplicated journal line {i + 1} at {j + 1}"
    elif kind == "reorder":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        what = f"swapped journal lines {i + 1} and {j + 1}"
    else:
        seq_text, _, payload = lines[i].rstrip(b"\n").split(b" ", 2)
        record, done = _edit(json.loads(payload), rng)
        lines[i] = _line(int(seq_text), record)
        what = f"journal line {i + 1}: {done} (checksum recomputed)"
    journal.write_bytes(b"".join(lines))
    return what


def _edit_yaml(study: Path, sandbox: Path, kind: str, rng: random.Random) -> str:
    """One field of a source YAML file of the study."""
    import yaml

    target = study / rng.choice(["neps_like.yaml", "optimizer_info.yaml", "search_space.yaml"])
    value = yaml.safe_load(target.read_text(encoding="utf-8"))
    value, done = _edit(value, rng)
    text = _deepen(yaml.safe_dump(value, allow_unicode=False), quoted=False)
    target.write_text(text, encoding="utf-8", errors="surrogateescape")
    return f"{target.name}: {done}"


def _edit_snapshot(study: Path, sandbox: Path, kind: str, rng: random.Random) -> str:
    """Trials dropped, ``seq`` moved or one field edited in ``snapshot.json``."""
    snap = study / "snapshot.json"
    value = json.loads(snap.read_text(encoding="utf-8"))
    choice = rng.random()
    if choice < 0.2 and isinstance(value.get("trials"), list) and value["trials"]:
        del value["trials"][rng.randrange(len(value["trials"])) :]
        done = "dropped trials from the end"
    elif choice < 0.3 and isinstance(value.get("seq"), int):
        value["seq"] += rng.choice([1, 200, -5])
        done = "moved seq"
    else:
        value, done = _edit(value, rng)
    snap.write_text(_deepen(json.dumps(value, ensure_ascii=True)), encoding="utf-8")
    return f"snapshot.json: {done}"


def _delete(study: Path, sandbox: Path, kind: str, rng: random.Random) -> str:
    """One file or folder of the study removed."""
    target = rng.choice([p for p in study.rglob("*") if p.name != ".lock"])
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink()
    return f"deleted {target.relative_to(study)}"


def mutate(study: Path, sandbox: Path, kind: str, rng: random.Random) -> str:
    """Apply one mutation of ``kind`` to ``study``; returns a description."""
    return MUTATIONS[kind](study, sandbox, kind, rng)


def _plant(study: Path, sandbox: Path, kind: str, rng: random.Random) -> str:
    """A link, hard link or FIFO where the study has (or is about to make) a file or folder."""
    outside = sandbox / "outside"
    files = [outside / "bashrc", outside / "secret.txt", outside / "home" / "notes.txt"]
    folders = [outside / "home", outside / "victim"]
    trial_dirs = sorted(p for p in (study / "trials").iterdir())
    next_id = 1 + max(int(p.name.split("_")[0]) for p in trial_dirs)
    spots: list[tuple[Path, bool]] = [  # (where, is a folder)
        (study / "trials" / str(next_id), True),
        (study / "trials" / str(next_id + 1), True),
        (study / "summary", True),
        (study / "workers", True),
        (study / "journal", True),
        (study / "trials", True),
        (study / "summary" / "trials.csv", False),
        (study / "summary" / "best_config.yaml", False),
        (study / "errors.jsonl", False),
        (study / "snapshot.json", False),
        (study / "optimizer_state.json", False),
        (study / "journal" / "events.log", False),
        (study / "search_space.yaml", False),
        (study / "optimizer_info.yaml", False),
        (study / "neps_like.yaml", False),
    ]
    for folder in trial_dirs:
        spots.append((folder, True))
        spots.extend((p, False) for p in folder.iterdir())
        for name in ("stdout.log", "stderr.log", "report.yaml", "config.yaml", "metadata.json"):
            spots.append((folder / name, False))
    where, is_folder = rng.choice(spots)
    style = rng.choice(["symlink", "symlink", "hardlink", "fifo"])
    if where.is_dir() and not where.is_symlink():
        shutil.rmtree(where)
    elif where.exists() or where.is_symlink():
        where.unlink()
    where.parent.mkdir(parents=True, exist_ok=True)
    rel = where.relative_to(study)
    if style == "fifo":
        os.mkfifo(where)
        return f"{rel} replaced by a FIFO"
    if is_folder or style == "symlink":
        target = rng.choice(folders if is_folder else files)
        where.symlink_to(target)
        return f"{rel} -> {target.relative_to(sandbox)} (symlink)"
    target = rng.choice(files)
    where.hardlink_to(target)
    return f"{rel} hard link to {target.relative_to(sandbox)}"


MUTATIONS: dict[str, Any] = {
    "bitflip": _damage_bytes,
    "truncate": _damage_bytes,
    "dup_line": _edit_journal,
    "reorder": _edit_journal,
    "edit_record": _edit_journal,
    "edit_yaml": _edit_yaml,
    "edit_snapshot": _edit_snapshot,
    "plant_link": _plant,
    "delete": _delete,
}


# -- one mutation, in a child ----------------------------------------------------------------
def _step(name: str, action: Any) -> tuple[str, str, float]:
    """Run one step; (outcome, detail, seconds)."""
    from neps_like._errors import NepsLikeError

    start = time.perf_counter()
    try:
        action()
    except NepsLikeError as exc:
        return "clean", f"{type(exc).__name__}: {str(exc)[:200]}", time.perf_counter() - start
    except BaseException as exc:
        import traceback

        detail = "".join(traceback.format_exception(exc))[-2000:]
        return "crash", detail, time.perf_counter() - start
    return "ok", "", time.perf_counter() - start


def _cli(argv: list[str]) -> None:
    """A CLI command in-process; a non-2 failure or a traceback on stderr is a crash."""
    from neps_like import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    if "Traceback" in err.getvalue():
        raise RuntimeError(f"traceback printed by {argv}: {err.getvalue()[-1500:]}")
    if code == 2:
        from neps_like._errors import NepsLikeError

        raise NepsLikeError(err.getvalue().strip()[:300])
    if code not in (0, 1):  # verify exits 1 when it finds problems: an answer, not a crash
        raise RuntimeError(f"{argv} exited {code}: {err.getvalue()[-500:]}")


def run_one(
    index: int, seed: int, template: Path, reference: dict[str, Any], work: Path, budget: int
) -> dict[str, Any]:
    import neps_like as neps

    rng = random.Random(f"{seed}-{index}")
    kind = CLASSES[index % len(CLASSES)]
    sandbox = work / f"m{index:05d}"
    study = sandbox / "a" / "b" / "study"
    _plant_bait(sandbox)
    shutil.copytree(template, study, symlinks=True)
    journal = study / "journal" / "events.log"
    intact_lines = journal.read_bytes().splitlines(keepends=True)
    what = mutate(study, sandbox, kind, rng)
    before = _fingerprint(sandbox, study)
    try:
        lines = journal.read_bytes().splitlines(keepends=True) if journal.is_file() else []
    except OSError:
        lines = []
    journal_changed = lines != intact_lines
    backed = _backed_successes(lines)
    os.chdir(sandbox / "cwd")
    logging.disable(logging.CRITICAL)

    wrong: list[str] = []
    lost: list[str] = []

    def check_results() -> None:
        got = _results(study)
        for tid, (state, config, objective) in got.items():
            if state == "success" and (config, _hashable(objective)) not in backed.get(tid, ()):
                wrong.append(f"{tid}: reported success {config} -> {objective}")
        if not journal_changed:
            for tid, (state, config, objective) in reference.items():
                if state == "success" and got.get(tid) != (state, config, objective):
                    lost.append(f"{tid}: was {objective}, now {got.get(tid)}")

    steps: dict[str, tuple[str, str, float]] = {}
    steps["status"] = _step("status", lambda: _cli(["status", str(study)]))
    steps["load"] = _step("load", check_results)
    steps["verify"] = _step("verify", lambda: _cli(["verify", str(study)]))
    steps["repair"] = _step("repair", lambda: _cli(["repair", str(study)]))
    steps["load_repaired"] = _step("load_repaired", check_results)
    steps["worker"] = _step(
        "worker",
        lambda: neps.run(
            _objective,
            _space(),
            root_directory=str(study),
            optimizer="hyperband",
            on_error="ignore",
            seed=7,
            evaluations_to_spend=budget + EXTRA_EVALUATIONS,
        ),
    )
    try:  # what the worker added is backed by its own records
        for tid, found in _backed_successes(journal.read_bytes().splitlines(True)).items():
            backed.setdefault(tid, set()).update(found)
    except OSError:
        pass
    steps["load_after_worker"] = _step("load_after_worker", check_results)
    after = _fingerprint(sandbox, study)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return {
        "index": index,
        "kind": kind,
        "what": what,
        "steps": steps,
        "outside_changed": changed,
        "wrong": sorted(set(wrong))[:10],
        "lost": sorted(set(lost))[:10],
    }


def _child(index: int, args: argparse.Namespace, template: Path, reference: Any, out: Path) -> None:
    try:
        result = run_one(index, args.seed, template, reference, Path(args.work), args.budget)
    except BaseException as exc:
        import traceback

        result = {
            "index": index,
            "kind": CLASSES[index % len(CLASSES)],
            "fuzzer_error": "".join(traceback.format_exception(exc))[-2000:],
        }
    out.write_text(json.dumps(result, default=str), encoding="utf-8")


# -- driver ----------------------------------------------------------------------------------
def _spawn(index: int, args: argparse.Namespace, template: Path, reference: Any, out: Path) -> int:
    """Fork a child for mutation ``index`` (forked: the imports are done once)."""
    pid = os.fork()
    if pid == 0:
        try:
            _child(index, args, template, reference, out)
        finally:
            os._exit(0)
    return pid


def _collect(
    running: dict[int, tuple[int, float, Path]], timeout: float
) -> list[tuple[int, dict[str, Any]]]:
    """Results of the children that ended; a child past ``timeout`` is killed as a hang."""
    collected = []
    for pid, (index, start, out) in list(running.items()):
        done, _ = os.waitpid(pid, os.WNOHANG)
        kind = CLASSES[index % len(CLASSES)]
        if not done and time.time() - start > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            hang = ("hang", f"killed after {timeout} s", timeout)
            result: dict[str, Any] = {"index": index, "kind": kind, "steps": {"all": hang}}
        elif done:
            try:
                result = json.loads(out.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                result = {"index": index, "kind": kind, "fuzzer_error": "died without a result"}
        else:
            continue
        del running[pid]
        collected.append((index, result))
    return collected


def outcome(result: dict[str, Any]) -> str:
    steps = result.get("steps", {})
    kinds = {step[0] for step in steps.values()}
    if "crash" in kinds or "hang" in kinds or "fuzzer_error" in result:
        return "traceback"
    if steps.get("load_after_worker", ("",))[0] == "ok" and steps["worker"][0] == "ok":
        return "recovered"
    return "clean error"


def is_defect(result: dict[str, Any]) -> bool:
    return (
        outcome(result) == "traceback"
        or bool(result.get("outside_changed"))
        or bool(result.get("wrong"))
        or bool(result.get("lost"))
    )


def table(results: list[dict[str, Any]]) -> str:
    rows = defaultdict(Counter)
    for r in results:
        row = rows[r["kind"]]
        row["n"] += 1
        row[outcome(r)] += 1
        row["outside"] += bool(r.get("outside_changed"))
        row["wrong"] += bool(r.get("wrong"))
        row["lost"] += bool(r.get("lost"))
    lines = [
        "| mutation | N | recovered | clean error | traceback/hang | outside changed "
        "| wrong results | lost results |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total: Counter[str] = Counter()
    for kind in CLASSES:
        row = rows.get(kind)
        if not row:
            continue
        total.update(row)
        lines.append(_row(kind, row))
    lines.append(_row("**all**", total))
    return "\n".join(lines)


def _row(name: str, row: Counter[str]) -> str:
    cells = [
        row[k] for k in ("n", "recovered", "clean error", "traceback", "outside", "wrong", "lost")
    ]
    return f"| {name} | " + " | ".join(str(c) for c in cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutations", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first", type=int, default=0, help="index of the first mutation")
    parser.add_argument("--trials", type=int, default=560, help="evaluations in the intact study")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per mutation")
    parser.add_argument("--keep", action="store_true", help="keep the sandboxes of defects")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--results", default=None, help="write every result here (JSON lines)")
    args = parser.parse_args(argv)

    logging.disable(logging.CRITICAL)
    scratch = Path(args.work or tempfile.mkdtemp(prefix="neps-like-fuzz-"))
    args.work = str(scratch)
    template = scratch / "template"
    started = time.time()
    args.budget = build_template(template, args.trials)
    if not (template / "snapshot.json").exists():
        raise SystemExit("the intact study has no snapshot.json: raise --trials")
    reference = _results(template)
    print(
        f"intact study: {len(reference)} trials "
        f"({sum(s == 'success' for s, _, _ in reference.values())} success), "
        f"built in {time.time() - started:.1f} s; {args.mutations} mutations, {args.jobs} jobs",
        flush=True,
    )

    results: list[dict[str, Any]] = []
    running: dict[int, tuple[int, float, Path]] = {}  # pid -> (index, start, result file)
    pending = list(range(args.first, args.first + args.mutations))
    next_report = 100
    while pending or running:
        while pending and len(running) < args.jobs:
            index = pending.pop(0)
            out = scratch / f"result-{index:05d}.json"
            running[_spawn(index, args, template, reference, out)] = (index, time.time(), out)
        time.sleep(0.02)
        for index, result in _collect(running, args.timeout):
            results.append(result)
            if is_defect(result):
                print(f"DEFECT #{index} {json.dumps(result, default=str)[:3000]}", flush=True)
            if not (args.keep and is_defect(result)):
                # rmtree removes links as links, never following them
                shutil.rmtree(scratch / f"m{index:05d}", ignore_errors=True)
            if len(results) >= next_report:
                next_report += 100
                print(f"{len(results)} done, {time.time() - started:.0f} s", flush=True)

    results.sort(key=lambda r: r["index"])
    if args.results:
        with Path(args.results).open("w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r, default=str) + "\n")
    print()
    print(table(results))
    print(f"\n{len(results)} mutations in {time.time() - started:.0f} s")
    defects = sum(is_defect(r) for r in results)
    if not args.keep:
        shutil.rmtree(template, ignore_errors=True)
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
