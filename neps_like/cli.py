"""``neps-like``: a thin command table over the Python API.

Exit codes: 0 success; 1 ``verify``/``repair`` found a problem; 2 the command failed (bad
usage, a neps_like error or a file the operating system refused: one line on stderr, the
traceback only with ``-v``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError, NepsLikeError
from neps_like.analysis._terminal import one_line, printable

logger = logging.getLogger(__name__)


def _cmd_run(args: argparse.Namespace) -> int:
    from neps_like.api import run
    from neps_like.runtime.run_args import load_run_args

    run_args = load_run_args(args.run_args)
    if args.root is not None:
        run_args["root_directory"] = args.root
    if args.worker_id is not None:
        run_args["worker_id"] = args.worker_id
    summary = run(**run_args)
    print(
        f"Worker {summary.worker_id}: {summary.evaluated} evaluations "
        f"({summary.failed} failed); stopped because {summary.stop_reason}."
    )
    return 3 if summary.study_replaced else 0


def _cmd_status(args: argparse.Namespace) -> int:
    from neps_like.analysis.status import status

    if not (args.interval > 0 and math.isfinite(args.interval)):
        raise ArgumentError(f"--interval must be positive seconds, got {args.interval}.")
    while True:
        text = status(args.root, n_errors=args.errors, refresh_summary=True)
        if not args.watch:
            print(text)
            return 0
        print("\033[2J\033[H" + text, flush=True)
        time.sleep(args.interval)


def _cmd_errors(args: argparse.Namespace) -> int:
    from neps_like.analysis.results import load

    errors = load(args.root).errors
    for err in errors.latest(args.last):
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(err.time))
        print(f"{when}  trial {one_line(err.trial_id)}  worker {one_line(err.worker_id)}")
        print(f"  {one_line(err.err_type)}: {one_line(err.err)}")
        if args.traceback and err.tb:
            print("  " + printable(err.tb.rstrip()).replace("\n", "\n  "))
    if not len(errors):
        print("No errors recorded.")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from neps_like.state.verify import verify

    report = verify(args.root)
    print(report.render())
    return 0 if report.ok else 1


def _cmd_repair(args: argparse.Namespace) -> int:
    from neps_like.state.verify import repair

    backup, report = repair(args.root, all_folders=args.all_folders)
    print(f"Backed up the state files to {backup}.")
    print(report.render())
    return 0 if report.ok else 1


def _cmd_rewind(args: argparse.Namespace) -> int:
    from neps_like.trials_api import rewind

    backup = rewind(args.root, args.to, force=args.force)
    print(f"Rewound {args.root} to trial {args.to}; the previous state is in {backup}.")
    return 0


def _read_json(path: str, expected: str) -> list[Any]:
    """The JSON list in ``path``; one clear error for a missing, undecodable or wrong file."""
    import json

    try:
        value = json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ArgumentError(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})."
        ) from None
    except json.JSONDecodeError as exc:
        raise ArgumentError(f"{path} is not JSON: {exc}; expected {expected}.") from None
    except RecursionError:
        raise ArgumentError(f"{path} nests too deeply; expected {expected}.") from None
    if not isinstance(value, list):
        raise ArgumentError(f"{path} holds a {type(value).__name__}; expected {expected}.")
    return value


def _cmd_import(args: argparse.Namespace) -> int:
    from neps_like.trials_api import import_trials

    items = _read_json(args.file, 'a list of {"config": {...}, "result": ...} items')
    added = import_trials(args.root, items)
    print(
        f"Imported {len(added)} trial(s) into {args.root} "
        f"({len(items) - len(added)} already there)."
    )
    return 0


def _cmd_enqueue(args: argparse.Namespace) -> int:
    from neps_like.trials_api import enqueue

    configs = _read_json(args.file, "a list of configs (JSON objects)")
    added = enqueue(args.root, configs)
    print(f"Enqueued {len(added)} config(s) in {args.root}: trials {', '.join(added) or '-'}.")
    return 0


def _cmd_control(args: argparse.Namespace) -> int:
    from neps_like import trials_api as api

    if args.command == "resume":
        api.resume_trial(args.root, args.trial_id)
        print(f"Trial {args.trial_id} is queued again.")
        return 0
    action = api.stop_trial if args.command == "stop" else api.pause_trial
    outcome = action(args.root, args.trial_id)
    if outcome == "requested":
        print(f"Asked the worker evaluating trial {args.trial_id} to {args.command} it.")
    else:
        print(f"Trial {args.trial_id} {outcome}.")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from neps_like.analysis.status import status

    root = Path(args.root)
    cmd = [
        sys.executable,
        "-m",
        "neps_like",
        "_demo-worker",
        str(root),
        "--evaluations",
        str(args.evaluations),
        "--optimizer",
        args.optimizer,
    ]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    print(
        f"Starting {args.workers} workers on {root} ({args.evaluations} evaluations in all)...",
        flush=True,
    )
    procs = [subprocess.Popen(cmd) for _ in range(args.workers)]
    codes = [p.wait() for p in procs]
    print(status(root))
    failed = [c for c in codes if c != 0]
    if failed:
        print(f"{len(failed)} worker(s) exited with an error: {failed}", file=sys.stderr)
        return 1
    return 0


def _cmd_demo_worker(args: argparse.Namespace) -> int:
    from neps_like._demo import demo_worker

    demo_worker(Path(args.root), args.evaluations, args.seed, args.optimizer)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neps-like",
        description="Serverless parallel hyperparameter optimisation over a shared directory.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "run",
        help="run one worker from a YAML file of run() arguments",
        description="Runs one worker until the study's stopping rules hold. Start it as many "
        "times as you have workers (the same file for every SLURM array task).",
        epilog="example: neps-like run run_args.yaml --worker-id task-$SLURM_ARRAY_TASK_ID",
    )
    p.add_argument("run_args", help="YAML file with run() arguments")
    p.add_argument("--root", help="override root_directory")
    p.add_argument("--worker-id", help="this worker's name")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "status",
        help="where a study stands",
        description="Counts per state, best config, running trials, recent errors.",
        epilog="example: neps-like status results/exp1 --watch",
    )
    p.add_argument("root", help="the study directory")
    p.add_argument("--errors", type=int, default=5, help="recent errors to show (default 5)")
    p.add_argument("--watch", action="store_true", help="refresh until interrupted")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes")
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser(
        "errors",
        help="errors recorded by the workers",
        epilog="example: neps-like errors results/exp1 --traceback",
    )
    p.add_argument("root")
    p.add_argument("--last", type=int, default=20, help="how many (default 20)")
    p.add_argument("--traceback", action="store_true", help="print tracebacks too")
    p.set_defaults(func=_cmd_errors)

    p = sub.add_parser(
        "demo",
        help="run the built-in example with several worker processes",
        epilog="example: neps-like demo --workers 4",
    )
    p.add_argument("--root", default="results/demo", help="study directory (default results/demo)")
    p.add_argument("--workers", type=int, default=4, help="worker processes (default 4)")
    p.add_argument("--evaluations", type=int, default=40, help="global budget (default 40)")
    p.add_argument("--optimizer", default="random_search", help="optimizer name")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "verify",
        help="check the journal, snapshot and trial folders",
        description="Replays the whole journal and checks what is derived from it. "
        "Exit code 1 when a problem is found.",
        epilog="example: neps-like verify results/exp1",
    )
    p.add_argument("root")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser(
        "repair",
        help="back up, then fix what verify found",
        description="Takes the state lock, backs up the state files into ROOT/backups/, "
        "rewrites the journal without damaged records (kept in journal/quarantine.log), "
        "drops the snapshot and rewrites the files of the trial folders.",
        epilog="example: neps-like repair results/exp1",
    )
    p.add_argument("root")
    p.add_argument(
        "--all-folders",
        action="store_true",
        help="also create trials/<id>/ (config.yaml, metadata.json, report.yaml) for trials "
        "that have none (by default only trials that need files get a folder)",
    )
    p.set_defaults(func=_cmd_repair)

    p = sub.add_parser(
        "rewind",
        help="restore the study as it was after trial N",
        description="Backs the study's state up into ROOT/backups/, then keeps trials 1..N "
        "(and their continuations) and discards the rest. Refuses while workers run.",
        epilog="example: neps-like rewind results/exp1 --to 20",
    )
    p.add_argument("root")
    p.add_argument("--to", type=int, required=True, metavar="N", help="last trial to keep")
    p.add_argument("--force", action="store_true", help="even if workers seem to be running")
    p.set_defaults(func=_cmd_rewind)

    p = sub.add_parser(
        "import",
        help="add trials evaluated elsewhere",
        description='FILE is JSON: a list of {"config": {...}, "result": ...} items. '
        "Configs already in the study are skipped.",
        epilog="example: neps-like import results/exp1 old_runs.json",
    )
    p.add_argument("root")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser(
        "enqueue",
        help="queue configs to evaluate next",
        description="FILE is JSON: a list of configs. Duplicates are skipped.",
        epilog="example: neps-like enqueue results/exp1 configs.json",
    )
    p.add_argument("root")
    p.add_argument("file")
    p.set_defaults(func=_cmd_enqueue)

    for name, text in (
        ("stop", "stop a trial (it ends PRUNED; a running script gets SIGTERM, then SIGKILL)"),
        ("pause", "pause a trial (it ends PAUSED, its directory kept for resume)"),
        ("resume", "queue a paused trial again"),
    ):
        p = sub.add_parser(
            name, help=text, description=text, epilog=f"example: neps-like {name} results/exp1 7"
        )
        p.add_argument("root")
        p.add_argument("trial_id")
        p.set_defaults(func=_cmd_control)

    # Imported here so `neps-like status` does not pay for http.server and friends.
    from neps_like.analysis import cli as analysis_cli
    from neps_like.dashboard import cli as dashboard_cli
    from neps_like.launch import cli as launch_cli

    analysis_cli.add_parsers(sub)  # plot, export
    dashboard_cli.add_parsers(sub)  # dashboard
    launch_cli.add_parsers(sub)  # launch

    p = sub.add_parser("_demo-worker", help=argparse.SUPPRESS)  # internal: one worker of `demo`
    p.add_argument("root")
    p.add_argument("--evaluations", type=int, required=True)
    p.add_argument("--optimizer", default="random_search")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=_cmd_demo_worker)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`neps-like status ROOT | head`): not an error. Point stdout
        # at /dev/null so the interpreter's final flush does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (NepsLikeError, OSError) as exc:
        return _fail(args, exc)


def _fail(args: argparse.Namespace, exc: BaseException) -> int:
    """One line on stderr (the traceback first with ``-v``); exit code 2."""
    if args.verbose:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    if isinstance(exc, OSError) and not isinstance(exc, NepsLikeError):
        text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    else:
        text = str(exc)
    print(f"neps-like {args.command}: {one_line(text.strip())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
