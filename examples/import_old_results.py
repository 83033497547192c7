"""Bring results from earlier experiments into a study: the optimizer learns from them,
and they spend none of the budget. Importing the same data twice adds nothing."""

import os

import neps_like as neps

pipeline_space = {"lr": neps.Float(1e-4, 1e-1, log=True), "batch": neps.Integer(16, 256)}
old_runs = [
    ({"lr": 0.01, "batch": 64}, 0.31),
    ({"lr": 0.001, "batch": 128}, {"objective_to_minimize": 0.22, "cost": 30.0}),
    ({"lr": 0.05, "batch": 32}, 0.45),
]


def evaluate_pipeline(lr: float, batch: int) -> float:
    return abs(lr - 0.002) * 50 + abs(batch - 100) / 500


if __name__ == "__main__":
    root = os.environ.get("NEPS_LIKE_EXAMPLE_ROOT", "results/imported")
    print("imported:", neps.import_trials(root, old_runs, pipeline_space=pipeline_space))
    print("again:", neps.import_trials(root, old_runs))
    neps.run(evaluate_pipeline, pipeline_space, root_directory=root, evaluations_to_spend=5)
    print(neps.load(root).counts())
