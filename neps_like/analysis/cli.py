"""``neps-like plot`` and ``neps-like export``: command-line entries of the analysis.

``add_parsers`` adds both sub-commands to the main parser of ``neps_like.cli``; the
commands only parse options and call ``plots`` / ``export``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError

PLOT_KINDS = ("incumbent", "pareto", "curves", "parallel")


def add_parsers(subparsers: Any) -> None:
    """Add ``plot`` and ``export`` to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser(
        "plot",
        help="draw a study (or compare several) into a PNG",
        description="Needs matplotlib (pip install 'neps-like[plot]'). For --kind "
        "incumbent, give several ROOTs to compare them; write LABEL=ROOT to name a line, "
        "and give one LABEL to several ROOTs (seeds) to draw their median and quartiles.",
        epilog="example: neps-like plot rs=results/rs1 rs=results/rs2 bo=results/bo1 -o cmp.png",
    )
    p.add_argument("roots", nargs="+", metavar="ROOT", help="study directories ([LABEL=]DIR)")
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.add_argument("--kind", choices=PLOT_KINDS, default="incumbent", help="what to draw")
    p.add_argument(
        "--x",
        choices=("evaluations", "cost", "time"),
        default="evaluations",
        help="x axis of the incumbent plot",
    )
    p.add_argument("--objective", type=int, default=None, help="objective index (several)")
    p.add_argument("--log-y", action="store_true", help="log scale for the objective")
    p.set_defaults(func=cmd_plot)

    p = subparsers.add_parser(
        "export",
        help="write a study's trials (or trace, Pareto ranks, importance) to a file",
        description="The suffix picks the format: .csv, .json or .parquet (needs pyarrow).",
        epilog="example: neps-like export results/exp1 -o trials.csv",
    )
    p.add_argument("root", help="the study directory")
    p.add_argument("-o", "--output", required=True, help="file to write (.csv/.json/.parquet)")
    p.add_argument(
        "--table",
        choices=("trials", "incumbent", "pareto", "importance"),
        default="trials",
        help="what to export (default trials)",
    )
    p.set_defaults(func=cmd_export)


def _labelled(roots: list[str]) -> dict[str, list[str]]:
    """``LABEL=DIR`` arguments grouped by label; a plain DIR is its own group."""
    groups: dict[str, list[str]] = {}
    for arg in roots:
        label, sep, path = arg.partition("=")
        if not sep or Path(arg).exists():
            label, path = str(Path(arg)), arg
        groups.setdefault(label, []).append(path)
    return groups


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw ``--kind`` into ``--output``."""
    from neps_like.analysis import plots

    if args.kind == "incumbent":
        plots.plot_incumbent(
            _labelled(args.roots),
            x=args.x,
            objective=args.objective,
            log_y=args.log_y,
            path=args.output,
        )
    else:
        if len(args.roots) != 1:
            raise ArgumentError(f"--kind {args.kind} draws one study; got {len(args.roots)}.")
        root = args.roots[0]
        if args.kind == "pareto":
            plots.plot_pareto(root, path=args.output)
        elif args.kind == "curves":
            plots.plot_learning_curves(root, objective=args.objective, path=args.output)
        else:
            plots.plot_parallel_coordinates(root, objective=args.objective, path=args.output)
    print(f"Wrote {args.output}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write ``--table`` of the study to ``--output``."""
    from neps_like.analysis.export import export, table_rows
    from neps_like.analysis.results import load

    results = load(args.root)
    path = export(results, args.output, table=args.table)
    print(f"Wrote {len(table_rows(results, args.table))} rows of {args.table} to {path}")
    return 0
