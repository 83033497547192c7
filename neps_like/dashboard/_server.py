"""The dashboard's HTTP server: standard library only (``http.server`` + a thread).

Routes (GET only):

* ``/``                     the page (``_page.py``)
* ``/api/status``           counts, best, running trials, workers, errors, incumbent trace
* ``/api/trials?limit=N``   the newest N trials (all without ``limit``)
* ``/plot/<kind>.png``      a matplotlib figure (``incumbent``, ``pareto``, ``curves``,
                            ``parallel``); 404 with a reason when matplotlib is missing
* ``/healthz``              "ok"

The server only reads the study, through ``StudyCache``. It binds to 127.0.0.1 unless
told otherwise, since configs and error messages may be private.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from neps_like._errors import NepsLikeError
from neps_like.dashboard._data import StudyCache
from neps_like.dashboard._page import render_page

logger = logging.getLogger(__name__)

PLOT_KINDS = ("incumbent", "pareto", "curves", "parallel")


class DashboardServer:
    """A running dashboard; use ``start()`` to make one, ``close()`` (or ``with``) to stop."""

    def __init__(self, root: Path, host: str, port: int, poll_seconds: float) -> None:
        self.root = root
        self.cache = StudyCache(root, ttl=min(1.0, poll_seconds / 2))
        self.page = render_page(str(root), poll_seconds).encode()
        self.has_matplotlib = importlib.util.find_spec("matplotlib") is not None
        self._plot_lock = threading.Lock()  # one figure at a time: Agg is memory-hungry
        self._pngs: dict[str, tuple[int, bytes]] = {}
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.dashboard = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="neps-like-dashboard", daemon=True
        )

    @property
    def url(self) -> str:
        """The address to open, e.g. ``http://127.0.0.1:8050/``."""
        host, port = self._httpd.server_address[:2]
        shown = host if isinstance(host, str) else host.decode()
        return f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"

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


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "neps-like-dashboard"

    def do_GET(self) -> None:
        try:
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
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)
