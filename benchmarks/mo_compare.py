"""Multi-objective optimizers compared: hypervolume at equal budget on a ZDT problem.

Usage::

    nice -n 10 timeout 3000 python benchmarks/mo_compare.py --seeds 10 --budget 40

The problem is ZDT1 (Zitzler, Deb and Thiele, "Comparison of multiobjective
evolutionary algorithms: empirical results", Evolutionary Computation 8(2), 2000) in
``d = 4`` dimensions: ``f1 = x1``, ``g = 1 + 9 / (d - 1) * sum_{i>=2} x_i``,
``f2 = g (1 - sqrt(f1 / g))``, both minimised; the Pareto front is ``x_i = 0`` for
``i >= 2``. A fidelity ``epochs`` in 1..27 is added (our extension, in the spirit of
Kandasamy et al. 2017's biased low fidelities): at ``z = epochs / 27`` the sum runs
over ``|x_i - 0.2 (1 - z)|``, so low fidelities are cheaper (cost ``z``) and put the
front slightly off. Single-fidelity optimizers evaluate at ``z = 1``.

Each optimizer is driven in memory by one worker (as ``mf_compare.py``) until the next
evaluation would exceed ``--budget`` top-fidelity evaluations' worth of cost. The
score is the hypervolume (reference point ``REF``) of the top-fidelity evaluations'
true objectives: the front a user would trust. ``HV*`` is the front's own hypervolume.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import math
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from optimizers import _new_id

from neps_like.optimizers.multiobjective._selection import hypervolume_2d
from neps_like.optimizers.registry import resolve_optimizer
from neps_like.space import Float, Integer, SearchSpace
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState

D = 4
MAX_EPOCHS = 27
REF = (1.1, 7.0)
DEFAULT_OPTIMIZERS = "random_search,bayesian_optimization,moasha,mo_hyperband,primo"
SINGLE_FIDELITY = {"random_search", "bayesian_optimization"}


def zdt1(config: Mapping[str, Any], z: float = 1.0) -> list[float]:
    """ZDT1 with the fidelity bias described in the module docstring."""
    x = [float(config[f"x{i}"]) for i in range(D)]
    shift = 0.2 * (1.0 - z)
    g = 1.0 + 9.0 / (D - 1) * sum(abs(v - shift) for v in x[1:])
    f1 = x[0]
    return [f1, g * (1.0 - math.sqrt(f1 / g))]


def space(with_fidelity: bool) -> SearchSpace:
    params: dict[str, Any] = {f"x{i}": Float(0.0, 1.0) for i in range(D)}
    if with_fidelity:
        params["epochs"] = Integer(1, MAX_EPOCHS, is_fidelity=True)
    return SearchSpace(params)


def run_once(args: tuple[str, int, float]) -> float:
    """Hypervolume of one optimizer's top-fidelity evaluations for one seed."""
    name, seed, budget = args
    build, _ = resolve_optimizer(name, space(name not in SINGLE_FIDELITY))
    ask = build(seed)
    trials: dict[str, Trial] = {}
    used, counter = 0.0, 0
    while True:
        sampled = ask(trials, BudgetInfo(max_cost_total=budget, used_cost_budget=used), None)
        assert isinstance(sampled, SampledConfig)
        z = float(sampled.config.get("epochs", MAX_EPOCHS)) / MAX_EPOCHS
        if used + z > budget + 1e-9:
            break
        counter += sampled.previous_trial_id is None
        tid = _new_id(sampled, counter)
        meta = MetaData(
            0.0, "bench", previous_trial_id=sampled.previous_trial_id, rung=sampled.rung
        )
        report = Report(objective_to_minimize=zdt1(sampled.config, z), cost=z)
        trials[tid] = Trial(tid, dict(sampled.config), TrialState.SUCCESS, meta, report)
        used += z
    top = [
        zdt1(t.config)
        for t in trials.values()
        if t.config.get("epochs", MAX_EPOCHS) == MAX_EPOCHS
    ]
    return hypervolume_2d(np.asarray(top, dtype=np.float64).reshape(-1, 2), REF)


def true_front_hv(points: int = 20001) -> float:
    """Hypervolume of ZDT1's Pareto front (f2 = 1 - sqrt(f1)) for ``REF``."""
    f1 = np.linspace(0.0, 1.0, points)
    return hypervolume_2d(np.column_stack([f1, 1.0 - np.sqrt(f1)]), REF)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=float, default=40.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    names = args.optimizers.split(",")
    jobs = [(n, s, args.budget) for n in names for s in range(args.seeds)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        values = list(pool.map(run_once, jobs))
    best = true_front_hv()
    print(
        f"ZDT1 (d={D}) hypervolume, reference {REF}, budget {args.budget:g} top-fidelity "
        f"evaluations, {args.seeds} seeds ({time.perf_counter() - start:.0f} s); HV* = {best:.4f}"
    )
    print(
        f"{'optimizer':<24}{'median':>10}{'q25':>10}{'q75':>10}{'median/HV*':>12}{'> random':>10}"
    )
    by_name = {n: [v for (m, _, _), v in zip(jobs, values, strict=True) if m == n] for n in names}
    base = by_name.get("random_search")
    for name in names:
        q25, med, q75 = np.quantile(by_name[name], [0.25, 0.5, 0.75])
        wins = ""
        if base is not None:
            better = sum(a > b for a, b in zip(by_name[name], base, strict=True))
            wins = f"{better}/{len(base)}"
        print(f"{name:<24}{med:>10.4f}{q25:>10.4f}{q75:>10.4f}{med / best:>12.3f}{wins:>10}")


if __name__ == "__main__":
    main()
