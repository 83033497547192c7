"""One neps_like worker that "trains" a small model with per-epoch checkpoints.

Start it as many times as you have workers, all with the same ``--root``; on SLURM
``array.sbatch`` starts one per array task. The objective minimises an ill-conditioned
quadratic with SGD + momentum: cheap and deterministic, but shaped like real training —
epochs, a learning curve, divergence for a bad learning rate, and a checkpoint in the
trial directory after every epoch.

The checkpoint is what makes preemption cheap. When SLURM sends SIGTERM (``scancel``,
preemption, time limit) or the early-warning SIGUSR1, neps_like stops the evaluation,
puts the trial back in the queue with its directory kept, and this script exits 0. The
next worker to take the trial (any array task, or this one after a requeue) gets the same
``pipeline_directory`` and continues from the last finished epoch.

Each finished or resumed evaluation prints one line to stdout (the job's output file), so
you can see who did what::

    python train.py --root results/slurm_example --evaluations 20 --epoch-seconds 0.1
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import neps_like as neps

SPACE = {
    "lr": neps.Float(1e-3, 1.0, log=True),
    "momentum": neps.Float(0.0, 0.95),
    "steps_per_epoch": neps.Integer(5, 50),
}
CURVATURE = (1.0, 25.0)  # the two eigenvalues of the quadratic: condition number 25
START = (1.0, 1.0)
DIVERGED = 1e6  # objective recorded when the run blew up


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--root",
        default=os.environ.get("NEPS_ROOT", "results/slurm_example"),
        help="the study directory shared by all workers (default: $NEPS_ROOT)",
    )
    p.add_argument("--evaluations", type=int, default=64, help="global evaluation budget")
    p.add_argument("--epochs", type=int, default=10, help="epochs per evaluation")
    p.add_argument("--epoch-seconds", type=float, default=1.0, help="simulated time per epoch")
    p.add_argument("--lease-grace", type=float, default=60.0, help="lease_grace_seconds")
    p.add_argument("--heartbeat", type=float, default=5.0, help="heartbeat_seconds")
    p.add_argument("--max-retries", type=int, default=2, help="attempts after the first")
    p.add_argument("--worker-id", default=None, help="default: host-pid-random")
    p.add_argument("--seed", type=int, default=None, help="the study's seed (first run only)")
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="exit when the budget is handed out instead of waiting for (and taking over) "
        "the other workers' last trials",
    )
    return p.parse_args(argv)


def make_objective(worker: str, epochs: int, epoch_seconds: float) -> Any:
    """The evaluate_pipeline of this worker (``worker`` labels its output lines)."""

    def evaluate_pipeline(
        lr: float, momentum: float, steps_per_epoch: int, pipeline_directory: Path
    ) -> dict[str, Any]:
        ckpt = pipeline_directory / "checkpoint.json"
        state = _load(ckpt)
        start = state["epoch"]
        print(f"{worker} start {pipeline_directory.name} epoch {start}", flush=True)
        began = time.monotonic()
        for epoch in range(start, epochs):
            time.sleep(epoch_seconds)  # stands in for the real work of one epoch
            state = _train_one_epoch(state, lr, momentum, steps_per_epoch)
            state["epoch"] = epoch + 1
            _save(ckpt, state)
        loss = state["curve"][-1] if state["curve"] else _loss(state["w"])
        print(f"{worker} done {pipeline_directory.name} loss {loss:.6g}", flush=True)
        return {
            "objective_to_minimize": loss,
            "cost": time.monotonic() - began,
            "learning_curve": state["curve"],
            "extra": {"resumed_from_epoch": start, "worker": worker},
        }

    return evaluate_pipeline


def _loss(w: list[float]) -> float:
    value = 0.5 * sum(c * x * x for c, x in zip(CURVATURE, w, strict=True))
    return value if math.isfinite(value) and value < DIVERGED else DIVERGED


def _train_one_epoch(
    state: dict[str, Any], lr: float, momentum: float, steps: int
) -> dict[str, Any]:
    w, v = list(state["w"]), list(state["v"])
    for _ in range(steps):
        if _loss(w) >= DIVERGED:
            break
        for i, c in enumerate(CURVATURE):
            v[i] = momentum * v[i] - lr * c * w[i]
            w[i] += v[i]
    return {**state, "w": w, "v": v, "curve": [*state["curve"], _loss(w)]}


def _load(ckpt: Path) -> dict[str, Any]:
    if ckpt.exists():
        return json.loads(ckpt.read_text())
    return {"epoch": 0, "w": list(START), "v": [0.0, 0.0], "curve": []}


def _save(ckpt: Path, state: dict[str, Any]) -> None:
    # temp file + fsync + rename: a SIGKILL mid-write leaves the previous checkpoint intact
    tmp = ckpt.with_name(ckpt.name + ".tmp")
    with tmp.open("w") as fh:
        json.dump(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(ckpt)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = args.worker_id or f"pid{os.getpid()}"
    summary = neps.run(
        make_objective(label, args.epochs, args.epoch_seconds),
        SPACE,
        root_directory=args.root,
        optimizer="random_search",
        evaluations_to_spend=args.evaluations,
        continue_until_max_evaluation_completed=not args.no_wait,
        lease_grace_seconds=args.lease_grace,
        heartbeat_seconds=args.heartbeat,
        max_retries=args.max_retries,
        worker_id=args.worker_id,
        seed=args.seed,
    )
    print(
        f"{summary.worker_id} stopped after {summary.evaluated} evaluations: {summary.stop_reason}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
