"""BO proposal cost as the study grows: one ask with N evaluated and P pending trials.

Usage::

    python benchmarks/bo_scale.py --sizes 100,400,1000,2000,5000,20000 --pending 64

Builds the trials mapping directly (N finished Hartmann-6 trials at random configs of
its 6-D space, plus P trials still evaluating, which the optimizer treats as fantasies),
then times one ``BayesianOptimization`` proposal per size, on one BLAS thread. A size
whose proposal exceeds ``--budget`` seconds ends the table (the rest would be slower).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _functions import PROBLEMS
from optimizers import build_space

from neps_like.optimizers.bo import BayesianOptimization
from neps_like.state.records import MetaData, Report, Trial, TrialState


def make_trials(n: int, pending: int, seed: int = 0) -> tuple[object, dict[str, Trial]]:
    """The space and a trials mapping: ``n`` finished trials then ``pending`` evaluating."""
    problem = PROBLEMS["hartmann6"]
    space = build_space(problem)
    rng = np.random.default_rng(seed)
    trials: dict[str, Trial] = {}
    for i in range(n + pending):
        config = dict(space.sample(rng))
        meta = MetaData(time_sampled=0.0, sampling_worker_id="bench")
        tid = f"{i + 1:06d}"
        if i < n:
            value, _ = problem.evaluate(config)
            report = Report(objective_to_minimize=value, cost=1.0)
            trials[tid] = Trial(tid, config, TrialState.SUCCESS, meta, report)
        else:
            trials[tid] = Trial(tid, config, TrialState.EVALUATING, meta, None)
    return space, trials


def time_ask(n: int, pending: int, repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of one proposal (a new optimizer each time).

    CPU seconds of this process are the cost on one core; wall seconds are inflated
    when the machine is shared.
    """
    space, trials = make_trials(n, pending)
    wall, cpu = [], []
    for r in range(repeats):
        optimizer = BayesianOptimization(space, seed=r)
        start, start_cpu = time.perf_counter(), time.process_time()
        optimizer(trials, None, None)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return float(np.median(wall)), float(np.median(cpu))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,400,1000,2000,5000,20000")
    parser.add_argument("--pending", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=120.0, help="stop past this (s)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"| N evaluated | pending | CPU s per proposal | wall s (median of {args.repeats}) |")
    print("|---:|---:|---:|---:|")
    for n in sizes:
        wall, seconds = time_ask(n, args.pending, args.repeats)
        print(f"| {n} | {args.pending} | {seconds:.3f} | {wall:.3f} |", flush=True)
        if seconds > args.budget:
            print(f"(stopped: {seconds:.0f} s exceeds --budget {args.budget:.0f} s)")
            break


if __name__ == "__main__":
    main()
