"""A live dashboard of a study in the browser: ``serve(root)`` or ``neps-like dashboard``.

Standard library only: an ``http.server`` in a thread serves one self-contained page whose
script polls a JSON endpoint, so it needs no web framework, no files from the internet and
no matplotlib (PNG plots are offered when matplotlib is installed). It only reads the
study, through ``neps_like.load``, at most about once a second whatever the number of
viewers. Every request needs the token in ``server.url`` (then a cookie) and a Host header
naming the bound address; see ``_access.py``. ``import neps_like`` does not import this
package.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from neps_like.dashboard._data import status_payload, trial_rows
from neps_like.dashboard._server import DashboardServer

logger = logging.getLogger(__name__)

__all__ = ["DashboardServer", "serve", "start", "status_payload", "trial_rows", "where"]


def start(
    root: str | os.PathLike[str],
    port: int = 0,
    host: str = "127.0.0.1",
    *,
    poll_seconds: float = 1.5,
    unix_socket: str | os.PathLike[str] | None = None,
) -> DashboardServer:
    """Serve the dashboard of ``root`` from a background thread and return at once.

    Args:
        root: the study directory (it may not exist yet: the page waits for it).
        port: TCP port; 0 picks a free one (read it from ``.url``).
        host: address to bind; the default keeps the page on this machine.
        poll_seconds: how often the page asks for new data.
        unix_socket: serve on a new Unix socket at this path (mode 0600) instead of TCP;
            ``host`` and ``port`` are then unused.

    Returns:
        The running server; ``close()`` it, or use it in a ``with`` block.

    Raises:
        OSError: the address is taken or cannot be bound (or the socket path exists).
    """
    if unix_socket is not None:
        sock = Path(unix_socket).absolute()
        return DashboardServer(
            Path(root).absolute(), host, port, poll_seconds, unix_socket=sock
        ).start()
    if host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning(
            "The dashboard on %s shows configs and error messages to anyone who can reach "
            "this address.",
            host,
        )
    return DashboardServer(Path(root).absolute(), host, port, poll_seconds).start()


def serve(
    root: str | os.PathLike[str],
    port: int = 0,
    host: str = "127.0.0.1",
    *,
    poll_seconds: float = 1.5,
    unix_socket: str | os.PathLike[str] | None = None,
) -> None:
    """Serve the dashboard of ``root`` until interrupted (Ctrl-C); see ``start``.

    Prints the address to open on standard output, like ``python -m http.server``.
    """
    with start(root, port, host, poll_seconds=poll_seconds, unix_socket=unix_socket) as server:
        print(f"neps_like dashboard of {server.root}: {where(server)}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()


def where(server: DashboardServer) -> str:
    """What to open: the URL with its token, or how to reach a Unix socket."""
    if server.unix_socket is None:
        return server.url
    return (
        f"Unix socket {server.unix_socket}: curl --unix-socket {server.unix_socket} "
        f"'{server.url}', or forward it (ssh -L 8050:{server.unix_socket} HOST) and open "
        f"http://localhost:8050/?token={server.token}"
    )
