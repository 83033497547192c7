"""Priors: tell the optimizer where you expect good values; πBO samples around them first
and relies on them less as evidence accumulates."""

import os

import neps_like as neps


def evaluate_pipeline(learning_rate: float, dropout: float, width: int) -> float:
    return (learning_rate * 1e3 - 2) ** 2 + (dropout - 0.2) ** 2 + abs(width - 256) / 256


pipeline_space = {
    "learning_rate": neps.Float(1e-5, 1e-1, log=True, prior=1e-3, prior_confidence="medium"),
    "dropout": neps.Float(0.0, 0.8, prior=0.1, prior_confidence="high"),
    "width": neps.Integer(16, 1024, log=True, prior=128, prior_confidence="low"),
}

if __name__ == "__main__":
    root = os.environ.get("NEPS_LIKE_EXAMPLE_ROOT", "results/priors")
    neps.run(
        evaluate_pipeline,
        pipeline_space,
        root_directory=root,
        optimizer="pibo",
        evaluations_to_spend=15,
    )
    best = neps.load(root).best()
    print("best:", best.config if best else None)
