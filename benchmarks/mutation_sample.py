"""Mutation testing on a random sample of mutants, and the score per package.

Usage (from the project root, after ``pip install -e '.[mutation]'``)::

    python benchmarks/mutation_sample.py run --fraction 0.08 --seed 17
    python benchmarks/mutation_sample.py summary [--survivors]

A full mutmut run over ``neps_like/state/`` and ``neps_like/optimizers/`` holds about
11,000 mutants; a surviving mutant runs every test that covers its function, so on two
cores the whole run takes many hours. ``run`` first lets mutmut generate the mutants and
record which tests cover which function (``mutmut run`` on a name that matches no mutant
stops there), then draws the same
fraction of every file's mutants with a fixed seed (the draw depends only on the seed and
the mutant names, so it is the same before and after a change to the tests) and runs
mutmut on exactly those. ``summary`` reads mutmut's result files and prints, per package,
the killed, survived, timed-out and untested mutants of the sample, the score (killed
and timed out over all sampled), and its 95 % Wilson interval as an estimate of the
whole package's score.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import random
import subprocess
import sys
from pathlib import Path

PACKAGES = ("neps_like/state/", "neps_like/optimizers/")
# mutmut 3.8.1, run with one repair: while it records which test calls which function,
# its trampoline sets and resets a context variable around every call. A generator-based
# context manager closed late (by an exception or the garbage collector) resets it out of
# order, and ContextVar.reset then raises LookupError inside our code, failing the test
# and the whole run. The variable only tracks callers for mutmut's dependency bookkeeping,
# so such a reset is dropped here instead of raised.
MUTMUT = """
import sys
from mutmut.core import MutmutCallStack

_reset = MutmutCallStack.reset.__func__

def _tolerant_reset(cls, token):
    try:
        _reset(cls, token)
    except (LookupError, ValueError, RuntimeError):
        pass

MutmutCallStack.reset = classmethod(_tolerant_reset)
from mutmut.__main__ import cli
sys.argv[0] = "mutmut"
cli()
"""
MUTANTS = Path("mutants")
SAMPLE_FILE = MUTANTS / "sample.txt"
# mutmut 3 exit codes, as its ``status_by_exit_code`` maps them.
STATUS = {1: "killed", 3: "killed", 0: "survived", 33: "no tests", 34: "skipped",
          37: "caught by type check", -24: "timeout", 24: "timeout", 36: "timeout",
          152: "timeout", 255: "timeout", -11: "segfault", -9: "killed"}  # fmt: skip


KILLED = ("killed", "timeout")


def _status(code: int | None) -> str:
    return "not run" if code is None else STATUS.get(code, f"exit code {code}")


def _read(folder: Path) -> dict[str, tuple[str, int | None]]:
    out: dict[str, tuple[str, int | None]] = {}
    for meta in sorted(folder.glob("neps_like/**/*.py.meta")):
        source = str(meta.relative_to(folder))[: -len(".meta")]
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for name, code in codes.items():
            out[name] = (source, code)
    return out


def _results(baseline: Path | None = None) -> dict[str, tuple[str, int | None]]:
    """Every mutant name with its source file and mutmut's exit code (None: not run).

    With a ``baseline`` (another run's ``mutants/`` folder, made with the same code and
    fewer tests), a mutant this run has not run keeps the baseline's result: tests were
    only added since, so what was killed then is killed now.
    """
    out = _read(MUTANTS)
    if baseline is not None:
        for name, (source, code) in _read(baseline).items():
            if name in out and out[name][1] is None and _status(code) in KILLED:
                out[name] = (source, code)
    return out


def draw(results: dict[str, tuple[str, int | None]], fraction: float, seed: int) -> list[str]:
    """The same fraction of each file's mutants (at least one), with a fixed seed."""
    by_file: dict[str, list[str]] = collections.defaultdict(list)
    for name, (source, _) in results.items():
        if source.startswith(PACKAGES):
            by_file[source].append(name)
    sample: list[str] = []
    for source in sorted(by_file):
        names = sorted(by_file[source])
        k = max(1, round(fraction * len(names)))
        sample += random.Random(f"{seed}:{source}").sample(names, k)
    return sorted(sample)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion ``k / n``."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def summary(show_survivors: bool, baseline: Path | None) -> None:
    results = _results(baseline)
    sample = SAMPLE_FILE.read_text().split()
    print("| package | sampled | of all | killed | timeout | survived | no tests | not run "
          "| score | 95 % interval |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for package in PACKAGES:
        dotted = package.replace("/", ".")
        names = [n for n in sample if n.startswith(dotted)]
        total = sum(1 for _, (src, _c) in results.items() if src.startswith(package))
        counts = collections.Counter(_status(results.get(n, ("", None))[1]) for n in names)
        killed = counts["killed"] + counts["timeout"]
        lo, hi = wilson(killed, len(names))
        print(f"| {package} | {len(names)} | {total} | {counts['killed']} | {counts['timeout']} "
              f"| {counts['survived']} | {counts['no tests']} | {counts['not run']} "
              f"| {killed / max(1, len(names)):.1%} | {lo:.1%}-{hi:.1%} |")  # fmt: skip
    if show_survivors:
        for name in sample:
            status = _status(results.get(name, ("", None))[1])
            if status not in KILLED:
                print(f"{status}: {name}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="draw the sample and run mutmut on it")
    run.add_argument("--fraction", type=float, default=0.08)
    run.add_argument("--seed", type=int, default=17)
    run.add_argument("--max-children", type=int, default=2)
    run.add_argument("--package", choices=PACKAGES, default=None,
                     help="run the sampled mutants of one package only")  # fmt: skip
    run.add_argument("--only", choices=("all", "unfinished", "not-killed"), default="all",
                     help="run every sampled mutant, those without a result, or those "
                          "not killed (after adding tests)")  # fmt: skip
    show = sub.add_parser("summary", help="the sample's score per package")
    show.add_argument("--survivors", action="store_true", help="list what was not killed")
    for command in (run, show):
        command.add_argument("--baseline", type=Path, default=None,
                             help="an earlier run's mutants/ folder whose kills count")  # fmt: skip
    args = parser.parse_args(argv)
    mutmut = [sys.executable, "-c", MUTMUT]
    if args.command == "summary":
        summary(args.survivors, args.baseline)
        return
    if not any(MUTANTS.glob("neps_like/**/*.py.meta")):
        # Generate the mutants and the coverage per test only: the name matches no mutant.
        subprocess.run([*mutmut, "run", "no.such.mutant"], check=False)
    results = _results(args.baseline)
    if not results:
        sys.exit("mutmut generated no mutants; is [tool.mutmut] in pyproject.toml?")
    sample = draw(results, args.fraction, args.seed)
    SAMPLE_FILE.write_text("\n".join(sample) + "\n")
    todo = [n for n in sample if args.only == "all"
            or (args.only == "unfinished" and results[n][1] is None)
            or (args.only == "not-killed" and _status(results[n][1]) not in KILLED)]  # fmt: skip
    if args.package is not None:
        todo = [n for n in todo if results[n][0].startswith(args.package)]
    print(f"{len(sample)} mutants sampled, {len(todo)} to run", flush=True)
    if todo:
        subprocess.run([*mutmut, "run", "--max-children", str(args.max_children), *todo],
                       check=False)  # fmt: skip
    summary(show_survivors=False, baseline=args.baseline)


if __name__ == "__main__":
    main()
