"""The dashboard's HTTP server: standard library only (``http.server`` + a thread).

Routes (GET only):

* ``/``                     the page (``_page.py``)
* ``/api/status``           counts, best, running trials, workers, errors, incumbent trace
* ``/api/trials?limit=N``   the newest N trials (all without ``limit``)
* ``/plot/<kind>.png``      a matplotlib figure (``incumbent``, ``pareto``, ``curves``,
                            ``parallel``); 404 with a reason when matplotlib is missing
* ``/healthz``              "ok"

Every route needs the server's token and a Host header naming the bound address
(``_access.py``); anything else gets 403. The server only reads the study, through
``StudyCache``. It binds to 127.0.0.1 unless told otherwise, or to a Unix socket only its
owner can open, since configs and error messages may be private.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import socketserver
import stat
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from neps_like._errors import NepsLikeError
from neps_like.dashboard._access import Access
from neps_like.dashboard._data import StudyCache
from neps_like.dashboard._page import render_page

logger = logging.getLogger(__name__)

PLOT_KINDS = ("incumbent", "pareto", "curves", "parallel")


class DashboardServer:
    """A running dashboard; use ``start()`` to make one, ``close()`` (or ``with``) to stop."""

    def __init__(
        self,
        root: Path,
        host: str,
        port: int,
        poll_seconds: float,
        *,
        unix_socket: Path | None = None,
    ) -> None:
        self.root = root
        self.unix_socket = unix_socket
        self.cache = StudyCache(root, ttl=min(1.0, poll_seconds / 2))
        self.page = render_page(str(root), poll_seconds).encode()
        self.has_matplotlib = importlib.util.find_spec("matplotlib") is not None
        self._plot_lock = threading.Lock()  # one figure at a time: Agg is memory-hungry
        self._pngs: dict[str, tuple[int, bytes]] = {}
        self._httpd: _HTTPServer | _UnixHTTPServer
        self._bound: tuple[str, int] = ("", 0)
        if unix_socket is None:
            tcp = _HTTPServer((host, port), _Handler)
            bound_host, bound_port = tcp.server_address[:2]
            name = bound_host if isinstance(bound_host, str) else bytes(bound_host).decode()
            self._bound = (name, bound_port)
            self._httpd = tcp
            self.access = Access(host, bound_port)
        else:
            self._httpd = _UnixHTTPServer(str(unix_socket), _Handler)
            self.access = Access(None, 0)
        self._httpd.dashboard = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="neps-like-dashboard", daemon=True
        )

    @property
    def token(self) -> str:
        """The secret every request must carry (in the URL or, after that, a cookie)."""
        return self.access.token

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:8050/`` (``http://localhost/`` for a Unix socket)."""
        if self.unix_socket is not None:
            return "http://localhost/"
        host, port = self._bound
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    @property
    def url(self) -> str:
        """The address to open, with the token: ``http://127.0.0.1:8050/?token=...``."""
        return self.link("")

    def link(self, path: str) -> str:
        """The URL of ``path`` (e.g. ``"api/status"``) with the token in its query."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path.lstrip('/')}{sep}token={self.token}"

    def start(self) -> DashboardServer:
        self._thread.start()
        logger.info("Dashboard of %s at %s", self.root, self.url)
        return self

    def wait(self) -> None:
        """Block until the server is closed (from another thread) or interrupted."""
        while self._thread.is_alive():
            self._thread.join(0.5)

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()
        if isinstance(self._httpd, _UnixHTTPServer):
            self._httpd.unlink()

    def __enter__(self) -> DashboardServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def plot_png(self, kind: str) -> bytes:
        """The PNG of one plot kind for the current snapshot (cached per snapshot).

        Raises:
            NepsLikeError: matplotlib is missing, or the study cannot be drawn yet.
        """
        snap = self.cache.get()
        if snap.results is None:
            raise NepsLikeError(f"No study to draw yet: {snap.status.get('error')}")
        with self._plot_lock:
            cached = self._pngs.get(kind)
            if cached is not None and cached[0] == snap.version:
                return cached[1]
            from neps_like.analysis import plots

            draws: dict[str, Callable[..., Any]] = {
                "incumbent": plots.plot_incumbent,
                "pareto": plots.plot_pareto,
                "curves": plots.plot_learning_curves,
                "parallel": plots.plot_parallel_coordinates,
            }
            kwargs: dict[str, Any] = {}
            if kind != "pareto" and snap.status.get("objective_index") is not None:
                kwargs["objective"] = 0
            png = plots.figure_png(draws[kind](snap.results, **kwargs))
            self._pngs[kind] = (snap.version, png)
            return png


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung browser connection must not keep the process alive
    dashboard: DashboardServer


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The same server on a Unix socket that only its owner may open (mode 0600)."""

    daemon_threads = True
    dashboard: DashboardServer

    def server_bind(self) -> None:
        path = Path(self.server_address)  # type: ignore[arg-type]
        if path.exists() or path.is_symlink():
            raise FileExistsError(17, "refusing to replace an existing file", str(path))
        old = os.umask(0o177)  # the socket is born 0600: no window for others to connect
        try:
            super().server_bind()
        finally:
            os.umask(old)
        self._inode = os.lstat(path).st_ino

    def unlink(self) -> None:
        """Remove the socket file, if it is still the one this server created."""
        path = Path(self.server_address)  # type: ignore[arg-type]
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISSOCK(info.st_mode) and info.st_ino == self._inode:
            path.unlink()


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "neps-like-dashboard"

    def do_GET(self) -> None:
        try:
            url = urlsplit(self.path)
            refusal = self.server.dashboard.access.refusal(self.headers, url.query)
            if refusal is not None:
                self._send_json(HTTPStatus.FORBIDDEN, {"error": refusal})
                return
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away mid-answer; nothing to tell it
        except Exception as exc:  # one bad request must not take the dashboard down
            logger.exception("Dashboard request %s failed", self.path)
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": repr(exc)})

    def _route(self) -> None:
        url = urlsplit(self.path)
        dash = self.server.dashboard
        if url.path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, dash.page, "text/html; charset=utf-8")
        elif url.path == "/api/status":
            snap = dash.cache.get()
            status = dict(snap.status)
            multi = status.get("objective_index") is not None
            kinds = [k for k in PLOT_KINDS if multi or k != "pareto"]
            status["plots"] = kinds if dash.has_matplotlib and snap.results else []
            code = HTTPStatus.OK if snap.results is not None else HTTPStatus.SERVICE_UNAVAILABLE
            self._send_json(code, status)
        elif url.path == "/api/trials":
            self._trials(dash, parse_qs(url.query).get("limit", [""])[0])
        elif url.path.startswith("/plot/") and url.path.endswith(".png"):
            self._plot(dash, url.path[len("/plot/") : -len(".png")])
        elif url.path == "/healthz":
            self._send(HTTPStatus.OK, b"ok\n", "text/plain")
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {url.path}"})

    def _trials(self, dash: DashboardServer, limit: str) -> None:
        snap = dash.cache.get()
        rows = snap.trials
        if limit:
            if not limit.isdigit():
                self._send_json(HTTPStatus.BAD_REQUEST, {"error": "limit must be a number"})
                return
            rows = rows[: int(limit)]
        self._send_json(HTTPStatus.OK, {"total": len(snap.trials), "trials": rows})

    def _plot(self, dash: DashboardServer, kind: str) -> None:
        if kind not in PLOT_KINDS:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": f"plots: {', '.join(PLOT_KINDS)}"})
        elif not dash.has_matplotlib:
            msg = "PNG plots need matplotlib: pip install 'neps-like[plot]'"
            self._send_json(HTTPStatus.NOT_FOUND, {"error": msg})
        else:
            try:
                png = dash.plot_png(kind)
            except NepsLikeError as exc:  # e.g. no second objective for a Pareto plot
                self._send_json(HTTPStatus.NOT_FOUND, {"error": str(exc)})
                return
            self._send(HTTPStatus.OK, png, "image/png")

    def _send_json(self, code: HTTPStatus, data: Any) -> None:
        body = json.dumps(data, allow_nan=False).encode()
        self._send(code, body, "application/json")

    def _send(self, code: HTTPStatus, body: bytes, content_type: str) -> None:
        access = self.server.dashboard.access
        self.send_response(code)
        if code != HTTPStatus.FORBIDDEN and access.token_in_query(urlsplit(self.path).query):
            self.send_header("Set-Cookie", access.set_cookie())
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")  # the token stays on this page
        self.end_headers()
        self.wfile.write(body)

    def address_string(self) -> str:
        return str(self.client_address[0]) if self.client_address else "unix-socket"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)
