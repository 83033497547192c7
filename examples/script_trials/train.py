"""A training script run once per trial by neps_like (in the trial's own directory).

It reads its config, resumes from a checkpoint if an earlier attempt left one, reports
intermediate points and its final result.
"""

import json
import time
from pathlib import Path

import neps_like

config = neps_like.load_config()
ckpt = Path("checkpoint.json")  # the working directory is the trial directory
state = json.loads(ckpt.read_text()) if ckpt.exists() else {"epoch": 0, "loss": 1.0}

for epoch in range(state["epoch"], config["epochs"]):
    state["loss"] *= 1 - config["lr"] * 10
    state["epoch"] = epoch + 1
    ckpt.write_text(json.dumps(state))
    neps_like.report_intermediate(state["loss"], step=epoch)
    time.sleep(0.01)

print(f"done: loss={state['loss']:.4f}")
neps_like.report(objective_to_minimize=state["loss"], cost=float(config["epochs"]))
