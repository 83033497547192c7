"""The launcher's overhead: ``neps-like launch --workers N`` vs N hand-started workers.

Run from the repository root with our own venv::

    nice -n 10 .venv/bin/python benchmarks/launch_overhead.py --workers 4 --trials 1000

Both sides run the same study (a run-args YAML file, an instant objective, random search,
``evaluations_to_spend=T``, default settings) in a fresh directory: once as N processes
of ``neps-like run FILE --worker-id hI`` started together, once as one ``neps-like launch
FILE --workers N`` (which starts N workers itself, polls the study for its progress line
and writes worker logs). The time is wall clock from the start to the last process's exit;
the ratio launch / hand-started is printed (target: within 1.10). One run each, in
alternating order over ``--repeat`` rounds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OBJECTIVE = "def evaluate(x):\n    return (x - 0.3) ** 2\n"


def _study(directory: Path, trials: int) -> Path:
    (directory / "obj.py").write_text(OBJECTIVE)
    run_args = directory / "run_args.yaml"
    run_args.write_text(
        "evaluate_pipeline: obj.py:evaluate\n"
        "pipeline_space:\n  x: {lower: 0.0, upper: 1.0}\n"
        "root_directory: study\noptimizer: random_search\n"
        f"evaluations_to_spend: {trials}\n"
    )
    return run_args


def _successes(root: Path) -> int:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, neps_like as n; r = n.load(sys.argv[1]); "
            "print(sum(t.state.value == 'success' for t in r.values()))",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def hand_started(directory: Path, workers: int, trials: int) -> float:
    run_args = _study(directory, trials)
    cmd = [sys.executable, "-m", "neps_like", "run", str(run_args)]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [*cmd, "--worker-id", f"h{i}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for i in range(workers)
    ]
    codes = [p.wait() for p in procs]
    elapsed = time.perf_counter() - start
    assert codes == [0] * workers, codes
    assert _successes(directory / "study") == trials
    return elapsed


def launched(directory: Path, workers: int, trials: int) -> float:
    run_args = _study(directory, trials)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "neps_like", "launch", str(run_args), "--workers", str(workers)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stdout + done.stderr
    assert _successes(directory / "study") == trials
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    hand: list[float] = []
    launch: list[float] = []
    for round_ in range(args.repeat):
        order = (hand_started, launched) if round_ % 2 == 0 else (launched, hand_started)
        for fn in order:
            with tempfile.TemporaryDirectory(prefix="neps_like_launch_bench_") as tmp:
                seconds = fn(Path(tmp), args.workers, args.trials)
            (hand if fn is hand_started else launch).append(seconds)
            print(f"{fn.__name__:>12}: {seconds:7.2f} s", flush=True)
    h, la = min(hand), min(launch)
    print(
        f"N={args.workers} T={args.trials}: hand-started {h:.2f} s, launch {la:.2f} s, "
        f"ratio {la / h:.3f} (best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
