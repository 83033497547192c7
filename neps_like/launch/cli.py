"""``neps-like launch``: the command line of ``neps_like.launch``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "launch",
        help="start N workers of a study (locally, or a SLURM array with --slurm)",
        description="Start N workers from a run-args YAML file, show the study's progress, "
        "forward Ctrl-C as a clean stop (twice: kill) and exit non-zero if the study did "
        "not finish.",
        epilog="example: neps-like launch run_args.yaml --workers 8",
    )
    p.add_argument(
        "run_args", help="YAML file with run() arguments (script: or evaluate_pipeline:)"
    )
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--root", help="study directory (overrides root_directory)")
    p.add_argument("--log-dir", help="worker logs here instead of launch/logs/ in the study")
    p.add_argument(
        "--max-restarts",
        type=int,
        default=0,
        help="restart a worker killed by a signal, at most this many times in all",
    )
    p.add_argument("--slurm", action="store_true", help="submit one SLURM array job instead")
    p.add_argument("--time", default="1:00:00", help="SLURM time limit per task")
    p.add_argument("--partition")
    p.add_argument("--sbatch-arg", action="append", default=[], help="extra #SBATCH line")
    p.add_argument("--dry-run", action="store_true", help="with --slurm: print the script")
    p.set_defaults(func=_cmd_launch)


def _cmd_launch(args: argparse.Namespace) -> int:
    if args.slurm:
        return _slurm(args)
    from neps_like.launch import launch_run_args

    summary = launch_run_args(
        args.run_args,
        workers=args.workers,
        root=args.root,
        log_dir=args.log_dir,
        max_restarts=args.max_restarts,
    )
    return summary.exit_code


def _slurm(args: argparse.Namespace) -> int:
    from neps_like.launch.slurm import sbatch_script, submit
    from neps_like.runtime.run_args import load_run_args

    kwargs = load_run_args(args.run_args)
    root = Path(args.root or kwargs.get("root_directory", "neps_results")).absolute()
    script = sbatch_script(
        Path(args.run_args).absolute(),
        root,
        workers=args.workers,
        time=args.time,
        partition=args.partition,
        sbatch_args=args.sbatch_arg,
    )
    if args.dry_run:
        sys.stdout.write(script)
        return 0
    path = root.parent / f"{root.name}.sbatch"
    job = submit(script, path)
    print(f"Submitted array job {job} ({args.workers} workers), script {path}")
    print(f"Follow it with: neps-like status {root} --watch   (squeue -j {job})")
    return 0
