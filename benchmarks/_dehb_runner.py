"""DEHB (Awad, Mallik and Hutter 2021) on ``mf_compare.py``'s problems, in DEHB's own venv.

Run by ``mf_compare.py --dehb PYTHON``; prints one JSON line
``{problem: [[regret at each budget] per seed]}``. Needs ``dehb`` (and so ConfigSpace)
in the interpreter that runs it, never in neps_like's venv.

Same accounting as ``mf_compare.run_trace``: fidelities 1, 3, 9, 27 (``eta = 3``), an
evaluation at fidelity ``e`` costs ``e / 27``, DEHB is driven one ``ask``/``tell`` at a
time (one worker), and the regret at a budget is that of the best reported config at
the highest fidelity reached before the budget would be exceeded, re-evaluated at the
top fidelity, minus the optimum.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import ConfigSpace as CS
from dehb import DEHB

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _mf_problems import Problem, get_problem


def _configspace(problem: Problem, seed: int) -> CS.ConfigurationSpace:
    cs = CS.ConfigurationSpace(seed=seed)
    for p in problem.params:
        if p.kind == "float":
            cs.add(CS.Float(p.name, (p.lower, p.upper), log=p.log))
        elif p.kind == "int":
            cs.add(CS.Integer(p.name, (int(p.lower), int(p.upper)), log=p.log))
        elif p.kind == "cat":
            cs.add(CS.Categorical(p.name, list(p.choices)))
    return cs


def _regret(problem: Problem, records: list[tuple[dict[str, Any], float, float]]) -> float:
    top = max(fid for _, fid, _ in records)
    best = min((r for r in records if r[1] == top), key=lambda r: r[2])
    return problem.true_value(best[0]) - problem.optimum


def run(problem_name: str, seed: int, budgets: list[float]) -> list[float]:
    problem = get_problem(problem_name)
    fid = problem.fidelity
    assert fid is not None
    cs = _configspace(problem, seed)
    with tempfile.TemporaryDirectory() as out_dir:
        dehb = DEHB(
            cs=cs,
            dimensions=len(list(cs.values())),
            min_fidelity=fid.lower,
            max_fidelity=fid.upper,
            eta=3,
            n_workers=1,
            seed=seed,
            output_path=out_dir,
            save_freq=None,
        )
        records: list[tuple[dict[str, Any], float, float]] = []
        used, out = 0.0, []
        while len(out) < len(budgets):
            job = dehb.ask()
            config = dict(job["config"])
            fidelity = float(job["fidelity"])
            value = problem.fn(config, fidelity / fid.upper)
            cost = fidelity / fid.upper
            if used + cost > budgets[len(out)] + 1e-9:
                out.append(_regret(problem, records))
                if len(out) == len(budgets):
                    break
            dehb.tell(job, {"fitness": value, "cost": cost})
            records.append((config, fidelity, value))
            used += cost
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", required=True)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budgets", required=True)
    args = parser.parse_args()
    budgets = [float(b) for b in args.budgets.split(",")]
    result = {
        p: [run(p, seed, budgets) for seed in range(args.seeds)] for p in args.problems.split(",")
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
