"""``neps-like dashboard ROOT``: the command-line entry of the live dashboard.

``add_parsers`` adds the sub-command to the main parser of ``neps_like.cli``; the command
itself only parses its options and calls ``neps_like.dashboard``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import webbrowser
from typing import Any

from neps_like._errors import ArgumentError
from neps_like.state.layout import Layout


def add_parsers(subparsers: Any) -> None:
    """Add ``dashboard`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser(
        "dashboard",
        help="serve a live dashboard of a study in the browser",
        description="Serves a page that refreshes every few seconds: counts, best config, "
        "incumbent trace, running trials, workers, errors. Standard library only; stop "
        "with Ctrl-C.",
        epilog="example: neps-like dashboard results/exp1 --port 8050",
    )
    p.add_argument("root", help="the study directory (may be created later)")
    p.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument(
        "--interval", type=float, default=1.5, help="seconds between page refreshes (1.5)"
    )
    p.add_argument("--open", action="store_true", help="open the page in a web browser")
    p.add_argument(
        "--socket",
        metavar="PATH",
        help="serve on a new Unix socket at PATH (mode 0600) instead of a TCP port",
    )
    p.set_defaults(func=cmd_dashboard)


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve until interrupted; 0 on Ctrl-C."""
    from neps_like.dashboard import start, where

    if not 0 <= args.port <= 65535:
        raise ArgumentError(f"--port must be 0..65535 (0: a free one), got {args.port}.")
    if not (args.interval > 0 and math.isfinite(args.interval)):
        raise ArgumentError(f"--interval must be positive seconds, got {args.interval}.")
    if not Layout.at(args.root).study_file.exists():
        print(f"No study in {args.root} yet: the page will show it once workers create it.")
    try:
        server = start(
            args.root, args.port, args.host, poll_seconds=args.interval, unix_socket=args.socket
        )
    except OSError as exc:
        place = args.socket or f"{args.host}:{args.port}"
        raise ArgumentError(f"cannot listen on {place}: {exc.strerror or exc}.") from exc
    with server:
        print(
            f"neps_like dashboard of {server.root}: {where(server)}  (Ctrl-C to stop)", flush=True
        )
        if args.open and server.unix_socket is None:
            webbrowser.open(server.url)
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()
    return 0
