"""Optimizer benchmark: simple regret on synthetic functions, over seeds, in process.

Usage::

    python benchmarks/optimizers.py --optimizers random_search,bayesian_optimization \
        --problems branin,hartmann6,mixed --seeds 10 --evals 50 [--compare] [--timing]
    python benchmarks/optimizers.py --optimizers bayesian_optimization,pibo --priors good

Optimizers are built by name through ``neps_like.optimizers.registry.resolve_optimizer``
and driven through the ask protocol by a tiny in-memory loop (no disk, no workers): each
proposal is evaluated at once and recorded as a finished ``Trial``. The budget is counted
in full-fidelity evaluations (``cost`` = fidelity / max fidelity), so multi-fidelity
optimizers get more, cheaper evaluations. Regret is the top-fidelity value of the
incumbent (best reported config at the highest fidelity reached) minus the optimum.

``--compare`` runs Optuna's TPESampler on the same problems in the separate venv
``/work/bench-venv`` (a subprocess, so this venv never imports optuna) and prints the
ratio of median regrets. ``--timing`` prints the time of one proposal at 50/100/200
random trials on Hartmann-6.
"""

from __future__ import annotations

import os

# One BLAS thread per process: the benchmark already runs one process per core, and
# OpenBLAS's threads spin-wait badly on a loaded machine. Override by exporting it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _functions import PROBLEMS, Param, Problem

from neps_like._errors import OptimizerError
from neps_like.optimizers.registry import available_optimizers, resolve_optimizer
from neps_like.space import Categorical, Float, Integer, SearchSpace
from neps_like.state.records import (
    BudgetInfo,
    MetaData,
    Report,
    SampledConfig,
    Trial,
    TrialState,
)

BENCH_PYTHON = Path("/work/bench-venv/bin/python")


def _prior(p: Param, quality: str) -> dict[str, Any]:
    """Prior arguments: "good" is near the optimum, "bad" far from it, "none" absent."""
    if quality == "none" or p.best is None:
        return {}
    if p.kind == "cat":
        i = p.choices.index(str(p.best))
        return {"prior": p.choices[i if quality == "good" else (i + 1) % len(p.choices)]}
    lo, hi = (math.log(p.lower), math.log(p.upper)) if p.log else (p.lower, p.upper)
    u = ((math.log(float(p.best)) if p.log else float(p.best)) - lo) / (hi - lo)
    u = min(u + 0.05, 1.0) if quality == "good" else (u + 0.5) % 1.0
    value = lo + u * (hi - lo)
    value = math.exp(value) if p.log else value
    return {"prior": round(value) if p.kind == "int" else value, "prior_confidence": "medium"}


def build_space(problem: Problem, priors: str = "none") -> SearchSpace:
    """The neps_like search space of a benchmark problem, with priors if asked."""
    params: dict[str, Any] = {}
    for p in problem.params:
        if p.kind == "float":
            params[p.name] = Float(p.lower, p.upper, log=p.log, **_prior(p, priors))
        elif p.kind == "int":
            params[p.name] = Integer(int(p.lower), int(p.upper), log=p.log, **_prior(p, priors))
        elif p.kind == "cat":
            params[p.name] = Categorical(list(p.choices), **_prior(p, priors))
        else:
            params[p.name] = Integer(int(p.lower), int(p.upper), is_fidelity=True)
    return SearchSpace(params)


def make_optimizer(name: str, space: SearchSpace, seed: int) -> Any:
    """Build a registered optimizer by name with a seed."""
    build, _ = resolve_optimizer(name, space)
    return build(seed)


def _trial(tid: str, sampled: SampledConfig, value: float, cost: float) -> Trial:
    meta = MetaData(
        time_sampled=0.0,
        sampling_worker_id="bench",
        previous_trial_id=sampled.previous_trial_id,
        rung=sampled.rung,
    )
    report = Report(objective_to_minimize=value, cost=cost)
    return Trial(tid, dict(sampled.config), TrialState.SUCCESS, meta, report)


def _new_id(sampled: SampledConfig, counter: int) -> str:
    if sampled.previous_trial_id is None:
        return str(counter)
    return f"{sampled.previous_trial_id.split('_')[0]}_{sampled.rung}"


def _incumbent_regret(problem: Problem, trials: Mapping[str, Trial]) -> float:
    fid = problem.fidelity
    done = [t for t in trials.values() if t.report is not None]
    if fid is not None:
        top = max(float(t.config[fid.name]) for t in done)
        done = [t for t in done if float(t.config[fid.name]) == top]
    best = min(done, key=lambda t: float(t.report.objective_to_minimize))  # type: ignore[union-attr,arg-type]
    return problem.true_value(best.config) - problem.optimum


def run_once(args: tuple[str, str, int, int, str]) -> float:
    """Regret of one optimizer on one problem with one seed after ``evals`` budget."""
    name, problem_name, seed, evals, priors = args
    problem = PROBLEMS[problem_name]
    try:
        optimizer = make_optimizer(name, build_space(problem, priors), seed)
    except OptimizerError:
        return float("nan")  # e.g. a multi-fidelity optimizer on a space without fidelity
    trials: dict[str, Trial] = {}
    used, counter = 0.0, 0
    while used < evals - 1e-9:
        info = BudgetInfo(max_cost_total=float(evals), used_cost_budget=used)
        try:
            sampled = optimizer(trials, info, None)
        except StopIteration:
            break
        assert isinstance(sampled, SampledConfig)
        counter += sampled.previous_trial_id is None
        value, cost = problem.evaluate(sampled.config)
        tid = _new_id(sampled, counter)
        trials[tid] = _trial(tid, sampled, value, cost)
        used += cost
    return _incumbent_regret(problem, trials)


def proposal_times(name: str, sizes: tuple[int, ...] = (50, 100, 200)) -> dict[int, float]:
    """Median seconds (of 3) for one proposal given ``size`` random trials on Hartmann-6."""
    problem = PROBLEMS["hartmann6"]
    space = build_space(problem)
    try:
        make_optimizer(name, space, 0)
    except OptimizerError:  # multi-fidelity optimizers: same function, fidelity added
        problem = PROBLEMS["hartmann6_mf"]
        space = build_space(problem)
    rng = np.random.default_rng(0)
    out: dict[int, float] = {}
    for size in sizes:
        optimizer = make_optimizer(name, space, 0)
        trials: dict[str, Trial] = {}
        for i in range(size):
            sampled = SampledConfig(dict(space.sample(rng)))
            value, cost = problem.evaluate(sampled.config)
            trials[f"{i:04d}"] = _trial(f"{i:04d}", sampled, value, cost)
        optimizer(trials, None, None)  # warm imports and caches
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            optimizer(trials, None, None)
            runs.append(time.perf_counter() - start)
        out[size] = float(np.median(runs))
    return out


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    q = np.quantile(np.asarray(values), [0.25, 0.5, 0.75])
    return float(q[1]), float(q[0]), float(q[2])


def run_tpe(problems: list[str], seeds: int, evals: int) -> dict[str, list[float]]:
    """Regrets of Optuna's TPE, computed in the benchmark venv."""
    if not BENCH_PYTHON.exists():
        raise SystemExit(
            f"{BENCH_PYTHON} not found: create it with `python3 -m venv /work/bench-venv && "
            "/work/bench-venv/bin/pip install optuna`."
        )
    script = Path(__file__).resolve().parent / "_functions.py"
    cmd = [str(BENCH_PYTHON), str(script), "--tpe", ",".join(problems)]
    cmd += ["--seeds", str(seeds), "--evals", str(evals)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, list[float]] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--optimizers", default="random_search,bayesian_optimization")
    parser.add_argument("--problems", default="branin,hartmann6,mixed")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--evals", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compare", action="store_true", help="also run Optuna TPE")
    parser.add_argument("--timing", action="store_true", help="print proposal times")
    parser.add_argument("--timing-only", action="store_true", help="skip the regret runs")
    parser.add_argument(
        "--priors",
        choices=("none", "good", "bad"),
        default="none",
        help="give the spaces priors near (good) or far from (bad) the optimum, for pibo",
    )
    args = parser.parse_args(argv)
    names = args.optimizers.split(",")
    unknown = sorted(set(names) - set(available_optimizers()))
    if unknown:
        parser.error(f"unknown optimizer(s) {unknown}; registered: {available_optimizers()}")
    if not args.timing_only:
        regret_table(names, args)
    if args.timing or args.timing_only:
        print("proposal time (s) on Hartmann-6 with N finished trials")
        for name in names:
            try:
                times = proposal_times(name)
            except OptimizerError as exc:  # e.g. PriorBand without priors on this space
                print(f"{name:<24}n/a ({exc})")
                continue
            print(f"{name:<24}" + "  ".join(f"N={k}: {v:.3f}" for k, v in times.items()))


def regret_table(names: list[str], args: argparse.Namespace) -> None:
    """Run every (optimizer, problem, seed) and print median and quartiles of regret."""
    problems = args.problems.split(",")
    jobs = [
        (n, p, s, args.evals, args.priors)
        for n in names
        for p in problems
        for s in range(args.seeds)
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        regrets = list(pool.map(run_once, jobs))
    table: dict[tuple[str, str], list[float]] = {}
    for (name, problem, *_), regret in zip(jobs, regrets, strict=True):
        table.setdefault((problem, name), []).append(regret)
    tpe = run_tpe(problems, args.seeds, args.evals) if args.compare else {}
    print(
        f"simple regret after {args.evals} evaluations, {args.seeds} seeds, priors={args.priors} "
        f"({time.perf_counter() - start:.0f} s)"
    )
    header = f"{'problem':<14}{'optimizer':<24}{'median':>10}{'q25':>10}{'q75':>10}"
    print(header + (f"{'TPE med':>10}{'ratio':>10}" if tpe else ""))
    for problem in problems:
        rows = [(name, table[(problem, name)]) for name in names]
        if problem in tpe:
            rows.append(("optuna_tpe", tpe[problem]))
        tpe_median = _quartiles(tpe[problem])[0] if problem in tpe else None
        for name, values in rows:
            if all(np.isnan(values)):
                print(f"{problem:<14}{name:<24}{'n/a':>10}")
                continue
            med, q25, q75 = _quartiles(values)
            line = f"{problem:<14}{name:<24}{med:>10.2e}{q25:>10.2e}{q75:>10.2e}"
            if tpe_median is not None:
                line += f"{tpe_median:>10.2e}{med / max(tpe_median, 1e-12):>10.2e}"
            print(line)


if __name__ == "__main__":
    main()
