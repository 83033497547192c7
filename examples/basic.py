"""The smallest study: a function, a space, a budget. Run it several times at once to get
several workers on the same study:  python examples/basic.py & python examples/basic.py
"""

import logging
import os

import neps_like as neps


def evaluate_pipeline(learning_rate: float, layers: int, optimizer: str) -> float:
    # Stand-in for training a model: a smooth function with its minimum at lr=1e-3, 4 layers.
    penalty = {"adam": 0.0, "sgd": 0.1}[optimizer]
    return (abs(learning_rate - 1e-3) * 100) ** 2 + (layers - 4) ** 2 / 10 + penalty


pipeline_space = {
    "learning_rate": neps.Float(1e-5, 1e-1, log=True),
    "layers": neps.Integer(1, 8),
    "optimizer": neps.Categorical(["adam", "sgd"]),
}

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    root = os.environ.get("NEPS_LIKE_EXAMPLE_ROOT", "results/basic")
    neps.run(evaluate_pipeline, pipeline_space, root_directory=root, evaluations_to_spend=20)
    print(neps.status(root))
