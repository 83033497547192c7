"""The built-in demo study: a small synthetic objective that needs nothing installed.

``neps-like demo`` starts several worker processes on it (each runs ``demo_worker``),
waits for them, and prints the study's status.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

DEMO_SPACE: dict[str, Any] = {
    "learning_rate": {"lower": 1e-5, "upper": 1e-1, "log": True},
    "layers": {"lower": 1, "upper": 8},
    "activation": {"choices": ["relu", "gelu", "tanh"]},
    "dropout": {"lower": 0.0, "upper": 0.5},
}


def demo_objective(
    learning_rate: float, layers: int, activation: str, dropout: float, pipeline_directory: Path
) -> dict[str, Any]:
    """A smooth, cheap stand-in for a validation loss (minimum near lr=1e-3, 4 layers)."""
    time.sleep(0.02)  # pretend to train, so the workers interleave
    loss = (
        (math.log10(learning_rate) + 3.0) ** 2 / 4.0
        + (layers - 4) ** 2 / 16.0
        + {"relu": 0.05, "gelu": 0.0, "tanh": 0.2}[activation]
        + (dropout - 0.1) ** 2
    )
    (pipeline_directory / "train.log").write_text(f"final loss {loss:.6f}\n", encoding="utf-8")
    return {"objective_to_minimize": loss, "cost": 1.0 + layers / 8.0}


def demo_worker(root: Path, evaluations: int, seed: int | None, optimizer: str) -> None:
    from neps_like.api import run

    run(
        evaluate_pipeline=demo_objective,
        pipeline_space=DEMO_SPACE,
        root_directory=root,
        evaluations_to_spend=evaluations,
        optimizer=optimizer,
        seed=seed,
    )
