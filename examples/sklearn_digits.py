"""A real model: an SVM on scikit-learn's digits data set, tuned by Bayesian optimisation
with 4 worker processes on one study directory. Needs scikit-learn (pip install scikit-learn).
"""

import os
import subprocess
import sys

import neps_like as neps

pipeline_space = {
    "C": neps.Float(1e-2, 1e3, log=True),
    "gamma": neps.Float(1e-5, 1e-1, log=True),
}


def evaluate_pipeline(C: float, gamma: float) -> dict:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    X, y = load_digits(return_X_y=True)
    accuracy = cross_val_score(SVC(C=C, gamma=gamma), X, y, cv=3).mean()
    return {"objective_to_minimize": 1 - accuracy, "extra": {"accuracy": accuracy}}


def worker(root: str) -> None:
    neps.run(
        evaluate_pipeline,
        pipeline_space,
        root_directory=root,
        optimizer="bayesian_optimization",
        evaluations_to_spend=16,
    )


if __name__ == "__main__":
    root = os.environ.get("NEPS_LIKE_EXAMPLE_ROOT", "results/sklearn_digits")
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(root)
    else:
        procs = [subprocess.Popen([sys.executable, __file__, "--worker"]) for _ in range(4)]
        assert all(p.wait() == 0 for p in procs)
        print(neps.status(root))
