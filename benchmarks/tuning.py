"""Real tuning benchmark: scikit-learn models on bundled datasets, ours vs Optuna's samplers.

Usage::

    python benchmarks/tuning.py --seeds 10 --evals 100 --budgets 30,100 --out tuning.jsonl
    python benchmarks/tuning.py --seeds 2 --evals 30 --budgets 15,30      # a quick look
    python benchmarks/tuning.py --report --out tuning.jsonl              # tables only

The tasks (``_tuning_tasks.py``) are cross-validated errors of scikit-learn models on
datasets that ship with scikit-learn, over mixed spaces. Every optimizer runs ``--evals``
evaluations per task and seed; the best error after each budget in ``--budgets`` is read
off the same run (none of the optimizers knows the total budget). Compared: our
``bayesian_optimization``, ``pibo`` (prior = scikit-learn's defaults, medium confidence),
``random_search``, and Optuna's ``TPESampler`` and ``GPSampler`` (needs torch; left out
with a note when absent). Prints, per budget, the median best error per task and
optimizer, the mean rank (1 = best, ties shared, over tasks x seeds) and the optimizer's
CPU seconds per proposal (evaluation time excluded, one thread).

Each finished run is appended to ``--out`` as one JSON line and skipped when the
benchmark is started again, so a long run can be resumed and reported on while it runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
import scipy.stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _tuning_tasks import TASKS, Spec, Task, evaluate

from neps_like.optimizers.registry import resolve_optimizer
from neps_like.space import Categorical, Float, Integer, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState

OURS = ("bayesian_optimization", "pibo", "random_search")
OPTUNA = ("optuna_tpe", "optuna_gp")
LABELS = {
    "bayesian_optimization": "BO",
    "pibo": "πBO (default prior)",
    "random_search": "random",
    "optuna_tpe": "Optuna TPE",
    "optuna_gp": "Optuna GP",
}


def build_space(task: Task, priors: bool) -> SearchSpace:
    params: dict[str, Any] = {}
    for s in task.specs:
        prior: dict[str, Any] = {"prior": s.prior, "prior_confidence": "medium"} if priors else {}
        if s.kind == "float":
            params[s.name] = Float(s.lower, s.upper, log=s.log, **prior)
        elif s.kind == "int":
            params[s.name] = Integer(int(s.lower), int(s.upper), log=s.log, **prior)
        else:
            params[s.name] = Categorical(list(s.choices), **prior)
    return SearchSpace(params)


def run_ours(name: str, task: Task, seed: int, evals: int) -> tuple[list[float], float]:
    """Errors in evaluation order and mean CPU seconds per proposal."""
    build, _ = resolve_optimizer(name, build_space(task, priors=name == "pibo"))
    optimizer = build(seed)
    trials: dict[str, Trial] = {}
    errors: list[float] = []
    spent = 0.0
    for i in range(evals):
        start = time.process_time()
        sampled = optimizer(trials, None, None)
        spent += time.process_time() - start
        assert isinstance(sampled, SampledConfig)
        value = evaluate(task.name, sampled.config)
        errors.append(value)
        meta = MetaData(time_sampled=0.0, sampling_worker_id="bench")
        tid = str(i + 1)
        report = Report(objective_to_minimize=value, cost=1.0)
        trials[tid] = Trial(tid, dict(sampled.config), TrialState.SUCCESS, meta, report)
    return errors, spent / evals


def _suggest(trial: Any, s: Spec) -> Any:
    if s.kind == "float":
        return trial.suggest_float(s.name, s.lower, s.upper, log=s.log)
    if s.kind == "int":
        return trial.suggest_int(s.name, int(s.lower), int(s.upper), log=s.log)
    return trial.suggest_categorical(s.name, list(s.choices))


def run_optuna(name: str, task: Task, seed: int, evals: int) -> tuple[list[float], float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if name == "optuna_gp":
        import torch

        torch.set_num_threads(1)
        sampler: Any = optuna.samplers.GPSampler(seed=seed)
    else:
        sampler = optuna.samplers.TPESampler(seed=seed)
    errors: list[float] = []
    in_eval = [0.0]

    def objective(trial: Any) -> float:
        config = {s.name: _suggest(trial, s) for s in task.specs}
        start = time.process_time()
        value = evaluate(task.name, config)
        in_eval[0] += time.process_time() - start
        errors.append(value)
        return value

    study = optuna.create_study(sampler=sampler, direction="minimize")
    start = time.process_time()
    study.optimize(objective, n_trials=evals)
    return errors, (time.process_time() - start - in_eval[0]) / evals


def run_job(job: tuple[str, str, int, int]) -> dict[str, Any]:
    name, task_name, seed, evals = job
    runner = run_optuna if name in OPTUNA else run_ours
    errors, seconds = runner(name, TASKS[task_name], seed, evals)
    return {"optimizer": name, "task": task_name, "seed": seed, "evals": evals,
            "errors": errors, "seconds": seconds}  # fmt: skip


def available(names: list[str]) -> list[str]:
    out = []
    for name in names:
        if name == "optuna_gp":
            try:
                import torch  # noqa: F401
            except ImportError:
                print("Optuna GPSampler skipped: torch is not installed.")
                continue
        out.append(name)
    return out


def load(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def report(rows: list[dict[str, Any]], names: list[str], budgets: list[int]) -> None:
    """Median best error per task, mean rank and seconds per proposal, per budget."""
    best: dict[tuple[str, str, int], dict[str, float]] = {}
    seconds: dict[str, list[float]] = {n: [] for n in names}
    for b in budgets:
        for r in rows:
            if r["optimizer"] in names and len(r["errors"]) >= b:
                key = (r["task"], str(b), r["seed"])
                best.setdefault(key, {})[r["optimizer"]] = min(r["errors"][:b])
    for r in rows:
        if r["optimizer"] in names:
            seconds[r["optimizer"]].append(r["seconds"])
    tasks = sorted({r["task"] for r in rows})
    for b in budgets:
        complete = {k: v for k, v in best.items() if k[1] == str(b) and len(v) == len(names)}
        print(f"\nBest error after {b} evaluations (median over seeds; lower is better)")
        print("| task | " + " | ".join(LABELS.get(n, n) for n in names) + " |")
        print("|---|" + "---:|" * len(names))
        ranks: dict[str, list[float]] = {n: [] for n in names}
        for task in tasks:
            cells = [v for k, v in complete.items() if k[0] == task]
            if not cells:
                continue
            meds = [float(np.median([c[n] for c in cells])) for n in names]
            print(f"| {task} ({len(cells)} seeds) | " + " | ".join(f"{m:.4f}" for m in meds) + " |")
            for c in cells:
                for n, rank in zip(names, scipy.stats.rankdata([c[n] for n in names]), strict=True):
                    ranks[n].append(float(rank))
        print("| **mean rank** | " + " | ".join(
            f"**{np.mean(ranks[n]):.2f}**" if ranks[n] else "-" for n in names) + " |")  # fmt: skip
    print("| CPU s per proposal | " + " | ".join(
        f"{np.mean(seconds[n]):.4f}" if seconds[n] else "-" for n in names) + " |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--optimizers", default=",".join(OURS + OPTUNA))
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--evals", type=int, default=100)
    parser.add_argument("--budgets", default="30,100")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("tuning.jsonl"))
    parser.add_argument("--report", action="store_true", help="only print the tables")
    args = parser.parse_args(argv)
    names = available(args.optimizers.split(","))
    budgets = [int(b) for b in args.budgets.split(",")]
    tasks = args.tasks.split(",")
    if not args.report:
        done = {(r["optimizer"], r["task"], r["seed"], r["evals"]) for r in load(args.out)}
        jobs = [(n, t, s, args.evals) for s in range(args.seeds) for t in tasks for n in names]
        jobs = [j for j in jobs if j not in done]
        with ProcessPoolExecutor(args.workers) as pool, args.out.open("a") as out:
            for fut in as_completed([pool.submit(run_job, j) for j in jobs]):
                out.write(json.dumps(fut.result()) + "\n")
                out.flush()
    rows = [r for r in load(args.out) if r["task"] in tasks and r["seed"] < args.seeds]
    report(rows, names, budgets)


if __name__ == "__main__":
    main()
