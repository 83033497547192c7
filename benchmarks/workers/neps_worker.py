"""Benchmark worker for NePS (``neural-pipeline-search``, run under the competitor venv).

Written against NePS 0.17: the global budget is ``total_evaluations_to_spend`` (formerly
``max_evaluations_total``) and the space must be a ``PipelineSpace`` subclass (plain dicts are
rejected since 0.16). See ``_common`` for the protocol with the driver.
"""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING

# torch (imported by neps) emits a FutureWarning at import; it is noise in the worker logs.
warnings.filterwarnings("ignore", category=FutureWarning)

import neps  # noqa: E402
from _common import Recorder, parse_args, print_count, run_worker  # noqa: E402

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable


class Space(neps.PipelineSpace):
    x = neps.Float(0.0, 1.0)


def make_objective(recorder: Recorder) -> Callable[..., float]:
    def evaluate_pipeline(x: float, pipeline_id: str) -> float:
        recorder.record(pipeline_id)
        return x**2

    return evaluate_pipeline


def run(args: argparse.Namespace) -> None:
    def body(recorder: Recorder) -> None:
        neps.run(
            evaluate_pipeline=make_objective(recorder),
            pipeline_space=Space(),
            root_directory=args.root,
            optimizer="random_search",
            total_evaluations_to_spend=args.trials,
        )

    run_worker(args, body)


def count(args: argparse.Namespace) -> None:
    """Read each trial's ``metadata.json`` directly: the on-disk truth, no NePS caches."""
    states: dict[str, int] = {}
    success: list[str] = []
    metas = sorted((args.root / "configs").glob("*/metadata.json"))
    for meta_path in metas:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        states[meta["state"]] = states.get(meta["state"], 0) + 1
        if meta["state"] == "success":
            success.append(str(meta["id"]))
    print_count(len(metas), success, states)


def main() -> None:
    args = parse_args()
    if args.mode == "run":
        run(args)
    else:
        count(args)


if __name__ == "__main__":
    main()
