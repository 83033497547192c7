"""A script trial used by the tests: behaves as its config's `mode` says."""

import argparse
import json
import sys
import time
from pathlib import Path

import neps_like

config = neps_like.load_config()
mode = config["mode"]
ckpt = neps_like.trial_directory() / "ckpt.txt"
print(f"starting {mode} x={config['x']}", flush=True)

if mode == "ok":
    neps_like.report_intermediate(3.0)
    neps_like.report_intermediate(2.0)
    neps_like.report(objective_to_minimize=config["x"], cost=1.5)
elif mode == "crash":
    print("something went wrong", file=sys.stderr)
    sys.exit(3)
elif mode == "silent":
    pass  # exits 0 without reporting
elif mode == "hang":
    time.sleep(600)
elif mode == "noisy":
    for _ in range(20000):
        print("x" * 100)
    print("the end", file=sys.stderr)
    neps_like.report(objective_to_minimize=1.0)
elif mode == "args":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode")
    parser.add_argument("--x", type=float)
    parser.add_argument("--text")
    args = parser.parse_args()
    Path("args.json").write_text(json.dumps({"text": args.text}), encoding="utf-8")
    neps_like.report(objective_to_minimize=args.x, extra={"text": args.text})
elif mode == "slow":
    start = int(ckpt.read_text()) if ckpt.exists() else 0
    for step in range(start, 40):
        # Written whole or not at all: a pause may kill the script at any instruction.
        partial = ckpt.with_suffix(".tmp")
        partial.write_text(str(step))
        partial.replace(ckpt)
        neps_like.report_intermediate(float(step), step=step)
        time.sleep(0.1)
    neps_like.report(objective_to_minimize=config["x"], extra={"resumed_from": start})
