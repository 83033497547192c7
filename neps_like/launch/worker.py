"""One worker started by the launcher: ``python -m neps_like.launch.worker``.

``--run-args FILE``: a YAML study (``neps-like run``'s file; nothing is unpickled).
``--shipped ROOT``: the run arguments ``neps_like.launch`` shipped into the study.
Exit codes: 0 the worker stopped normally, 1 an evaluation raised, 2 bad input or a
refused file, 3 the study was replaced or repaired under the worker (maintenance).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from neps_like._errors import NepsLikeError, StudyReplacedError, UnsafePathError
from neps_like.state.layout import Layout

EXIT_EVALUATION_ERROR = 1
EXIT_REFUSED = 2
EXIT_MAINTENANCE = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neps_like.launch.worker")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run-args")
    source.add_argument("--shipped")
    parser.add_argument("--root")
    parser.add_argument("--worker-id", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    log = logging.getLogger("neps_like.launch")
    from neps_like.api import run

    try:
        if args.run_args:
            from neps_like.runtime.run_args import load_run_args

            kwargs = load_run_args(args.run_args)
        else:
            from neps_like.launch.shipping import receive

            kwargs = receive(Layout.at(args.shipped))
        if args.root:
            kwargs["root_directory"] = args.root
        kwargs["worker_id"] = args.worker_id
        summary = run(**kwargs)
    except StudyReplacedError as exc:
        log.warning("worker %s ends: the study was changed under it (%s)", args.worker_id, exc)
        return EXIT_MAINTENANCE
    except UnsafePathError as exc:
        log.error("worker %s refused: %s", args.worker_id, exc)
        return EXIT_REFUSED
    except NepsLikeError as exc:
        log.error("worker %s: %s: %s", args.worker_id, type(exc).__name__, exc)
        return EXIT_REFUSED
    except Exception:
        log.exception("worker %s: the evaluation raised", args.worker_id)
        return EXIT_EVALUATION_ERROR
    if summary.study_replaced:  # the worker stopped cleanly and said why in its log
        return EXIT_MAINTENANCE
    log.info("worker %s done: %s", args.worker_id, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
