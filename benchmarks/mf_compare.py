"""Multi-fidelity optimizers compared: regret at equal budget on functions from the literature.

Usage::

    nice -n 10 timeout 3000 python benchmarks/mf_compare.py --seeds 10 \
        --budgets 10,30,60 [--dehb /path/to/venv-with-dehb/bin/python]

Each optimizer is built by name and driven through the ask protocol by one in-memory
worker (no disk): a proposal is evaluated at once at its fidelity and costs
``fidelity / max fidelity`` (one top-fidelity evaluation costs 1). At each budget in
``--budgets`` the run records the simple regret of its incumbent: the best reported
config at the highest fidelity reached so far, re-evaluated at the top fidelity, minus
the optimum. The problems (``_mf_problems.py``) are Branin, Hartmann-3 and Hartmann-6
with the fidelity bias of Kandasamy et al. (2017), epochs 1..27 (rungs 1, 3, 9, 27 at
``eta = 3``).

``name@good`` / ``name@bad`` give the space priors near / far from the optimum
(``priorband`` needs priors; the others get none). ``--dehb PYTHON`` also runs DEHB
(package ``dehb``, Awad et al. 2021) through ``_dehb_runner.py`` in that interpreter,
with the same problems, fidelities, eta and cost accounting, so DEHB's dependencies
never enter this venv.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _mf_problems import MF_PROBLEMS, get_problem
from optimizers import _incumbent_regret, _new_id, _trial, build_space

from neps_like.optimizers.registry import resolve_optimizer
from neps_like.state.records import BudgetInfo, SampledConfig, Trial

DEFAULT_OPTIMIZERS = "bohb,hyperband,asha,priorband@good,priorband@bad,random_search"


def run_trace(args: tuple[str, str, int, tuple[float, ...]]) -> list[float]:
    """Regret of one optimizer, problem and seed at each budget of ``budgets``."""
    label, problem_name, seed, budgets = args
    name, _, priors = label.partition("@")
    problem = get_problem(problem_name)
    build, _ = resolve_optimizer(name, build_space(problem, priors or "none"))
    optimizer = build(seed)
    trials: dict[str, Trial] = {}
    used, counter, out = 0.0, 0, []
    while len(out) < len(budgets):
        info = BudgetInfo(max_cost_total=float(budgets[-1]), used_cost_budget=used)
        sampled = optimizer(trials, info, None)
        assert isinstance(sampled, SampledConfig)
        value, cost = problem.evaluate(sampled.config)
        if used + cost > budgets[len(out)] + 1e-9:
            out.append(_incumbent_regret(problem, trials))  # the next one would overspend
            if len(out) == len(budgets):
                break
        counter += sampled.previous_trial_id is None
        tid = _new_id(sampled, counter)
        trials[tid] = _trial(tid, sampled, value, cost)
        used += cost
    return out


def run_dehb(python: str, problems: list[str], seeds: int, budgets: list[float]) -> dict:
    """``{problem: [[regret per budget] per seed]}`` from DEHB in another interpreter."""
    script = Path(__file__).resolve().parent / "_dehb_runner.py"
    cmd = [python, str(script), "--problems", ",".join(problems), "--seeds", str(seeds)]
    cmd += ["--budgets", ",".join(str(b) for b in budgets)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cell(values: list[float]) -> str:
    q25, med, q75 = np.quantile(np.asarray(values), [0.25, 0.5, 0.75])
    return f"{med:.4f} [{q25:.4f}, {q75:.4f}]"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS)
    parser.add_argument("--problems", default=",".join(MF_PROBLEMS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budgets", default="10,30,60")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dehb", default=None, help="python of a venv with dehb installed")
    args = parser.parse_args(argv)
    labels = args.optimizers.split(",")
    problems = args.problems.split(",")
    budgets = tuple(float(b) for b in args.budgets.split(","))
    jobs = [(lab, p, s, budgets) for lab in labels for p in problems for s in range(args.seeds)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        traces = list(pool.map(run_trace, jobs))
    table: dict[tuple[str, str], list[list[float]]] = {}
    for (label, problem, *_), trace in zip(jobs, traces, strict=True):
        table.setdefault((problem, label), []).append(trace)
    if args.dehb:
        for problem, per_seed in run_dehb(args.dehb, problems, args.seeds, list(budgets)).items():
            table[(problem, "dehb")] = per_seed
        labels.append("dehb")
    print(
        f"simple regret at equal budget (top-fidelity evaluations), {args.seeds} seeds, "
        f"median [q25, q75] ({time.perf_counter() - start:.0f} s)"
    )
    print(f"{'problem':<14}{'optimizer':<18}" + "".join(f"{f'B={b:g}':>28}" for b in budgets))
    for problem in problems:
        for label in labels:
            runs = table[(problem, label)]
            cells = [_cell([r[i] for r in runs]) for i in range(len(budgets))]
            print(f"{problem:<14}{label:<18}" + "".join(f"{c:>28}" for c in cells))
    if "bohb" in labels and "hyperband" in labels:
        print("\nseeds where bohb's regret < hyperband's (same seed), per budget:")
        for problem in problems:
            a, b = table[(problem, "bohb")], table[(problem, "hyperband")]
            pairs = list(zip(a, b, strict=True))
            wins = [sum(x[i] < y[i] for x, y in pairs) for i in range(len(budgets))]
            print(f"{problem:<14}" + "".join(f"{f'{w}/{len(a)}':>10}" for w in wins))


if __name__ == "__main__":
    main()
