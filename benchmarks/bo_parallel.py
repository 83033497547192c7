"""Parallel BO quality: regret after T evaluations with W asynchronous workers vs one.

Usage::

    python benchmarks/bo_parallel.py --problems branin,hartmann6 --workers-list 1,16 \
        --seeds 10 --evals 100 [--out runs.jsonl]

A discrete-event simulation of asynchronous workers sharing one study: each worker
evaluates one config at a time, each evaluation takes a random duration (log-normal,
median 1, sigma 0.5, so workers drift apart and finish in a changing order). Events
are processed in time order: when a worker finishes, its result is recorded, and it
asks the optimizer for a new config given every finished trial plus every trial other
workers are still evaluating (state EVALUATING, which BO conditions on as fantasies),
exactly the trials a real worker reads from the study directory. The run stops after
``--evals`` evaluations were proposed and all of them finished; the regret is that of
the best of these. With one worker this is plain sequential BO.

``--optimizer botorch`` runs BoTorch's textbook GP-BO (``_botorch_peer.py``, pending
trials as ``X_pending``) through the same simulation, as an outside anchor; it needs
``pip install botorch`` and spaces of floats.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import heapq
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _functions import PROBLEMS
from optimizers import build_space, make_optimizer

from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState


def simulate(problem_name: str, workers: int, seed: int, evals: int, name: str) -> float:
    """Simple regret after ``evals`` evaluations done by ``workers`` asynchronous workers."""
    problem = PROBLEMS[problem_name]
    space = build_space(problem)
    if name == "botorch":
        from _botorch_peer import BoTorchPeer

        optimizer: Any = BoTorchPeer(space, seed)
    else:
        optimizer = make_optimizer(name, space, seed)
    durations = np.random.default_rng([seed, workers, 7])
    trials: dict[str, Trial] = {}
    events: list[tuple[float, str]] = []  # (finish time, trial id)
    proposed = 0

    def start(now: float, worker: int) -> None:
        nonlocal proposed
        proposed += 1
        sampled = optimizer(trials, None, None)
        assert isinstance(sampled, SampledConfig)
        tid = f"{proposed:05d}"
        meta = MetaData(time_sampled=now, sampling_worker_id=f"w{worker}")
        trials[tid] = Trial(tid, dict(sampled.config), TrialState.EVALUATING, meta, None)
        heapq.heappush(events, (now + float(durations.lognormal(0.0, 0.5)), tid))

    for w in range(min(workers, evals)):
        start(0.0, w)
    while events:
        now, tid = heapq.heappop(events)
        trial = trials[tid]
        value, cost = problem.evaluate(trial.config)
        report = Report(objective_to_minimize=value, cost=cost)
        trials[tid] = Trial(tid, trial.config, TrialState.SUCCESS, trial.metadata, report)
        if proposed < evals:
            start(now, int(trial.metadata.sampling_worker_id[1:]))
    best = min(trials.values(), key=lambda t: float(t.report.objective_to_minimize))  # type: ignore[union-attr,arg-type]
    return problem.true_value(best.config) - problem.optimum


def _job(args: tuple[str, int, int, int, str]) -> float:
    return simulate(*args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", default="branin,hartmann6")
    parser.add_argument("--workers-list", default="1,16")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--evals", type=int, default=100)
    parser.add_argument("--optimizer", default="bayesian_optimization")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", help="also write one JSON line per run (problem, workers, seed)")
    args = parser.parse_args(argv)
    problems = args.problems.split(",")
    counts = [int(w) for w in args.workers_list.split(",")]
    jobs = [(p, w, s, args.evals, args.optimizer) for p in problems for w in counts
            for s in range(args.seeds)]  # fmt: skip
    began = time.perf_counter()
    with ProcessPoolExecutor(args.processes) as pool:
        results = list(pool.map(_job, jobs))
    if args.out:
        with Path(args.out).open("w", encoding="utf-8") as f:
            for (p, w, s, _, _), r in zip(jobs, results, strict=True):
                f.write(json.dumps({"problem": p, "workers": w, "seed": s, "regret": r}) + "\n")
    print(f"simple regret after {args.evals} evaluations, {args.seeds} seeds, "
          f"{args.optimizer} ({time.perf_counter() - began:.0f} s)")  # fmt: skip
    print("| problem | workers | median | q25 | q75 | median / 1 worker |")
    print("|---|---:|---:|---:|---:|---:|")
    for p in problems:
        base = None
        for w in counts:
            vals = [r for j, r in zip(jobs, results, strict=True) if j[0] == p and j[1] == w]
            q25, med, q75 = np.quantile(vals, [0.25, 0.5, 0.75])
            base = med if base is None else base
            ratio = med / base if base > 0 else float("nan")
            print(f"| {p} | {w} | {med:.2e} | {q25:.2e} | {q75:.2e} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
