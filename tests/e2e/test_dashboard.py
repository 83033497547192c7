"""The dashboard: its HTTP API (fast), and the live page in headless Chromium (slow).

The browser test drives Debian's Chromium through the DevTools protocol with a small
WebSocket client written here on the standard library, so it needs no Python package
(no selenium, no chromedriver). ``ensure_chromium`` installs Chromium with apt-get when
the test runs as root on a machine without it (CI), and skips with a reason otherwise.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import neps_like as neps
from neps_like.dashboard import start
from tests.helpers.workers import spawn_workers

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's hosts, which this network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1500",
]


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            body, code, kind = resp.read(), resp.status, resp.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        body, code, kind = exc.read(), exc.code, exc.headers["Content-Type"]
    return code, json.loads(body) if kind == "application/json" else body


def _study(root: Path, n: int = 6) -> None:
    def fn(x: float, y: int) -> dict[str, Any]:
        if x < 0.15:
            raise ValueError(f"x={x:.2f} is too small")
        return {"objective_to_minimize": (x - 0.3) ** 2 + y, "cost": 1.0}

    space = {"x": neps.Float(0.0, 1.0), "y": neps.Integer(0, 3)}
    neps.run(fn, space, root_directory=root, evaluations_to_spend=n, on_error="ignore", seed=2)


def test_api_status_trials_and_page(tmp_path: Path) -> None:
    root = tmp_path / "study"
    _study(root)
    with start(root) as server:
        code, status = _get(server.link("api/status"))
        assert code == 200
        assert status["n_trials"] == 6 and sum(status["counts"].values()) == 6
        assert status["best"]["id"] == neps.load(root).best().id  # type: ignore[union-attr]
        assert len(status["trace"]["incumbent"]) == 6
        assert status["errors"]["total"] == len(neps.load(root).errors)
        assert [w["state"] for w in status["workers"]] == ["stopped"]
        code, trials = _get(server.link("api/trials?limit=2"))
        assert code == 200 and trials["total"] == 6
        assert [t["id"] for t in trials["trials"]] == ["6", "5"]
        assert _get(server.link("api/trials?limit=x"))[0] == 400
        assert _get(server.link("nope"))[0] == 404
        code, page = _get(server.url)
        assert code == 200 and b"/api/status" in page
        # Self-contained: nothing is loaded from another host.
        assert b"src=" not in page and b"<link" not in page and b"@import" not in page


def test_plots_are_served_or_explained(tmp_path: Path) -> None:
    root = tmp_path / "study"
    _study(root)
    with start(root) as server:
        server.has_matplotlib = False
        code, body = _get(server.link("plot/incumbent.png"))
        assert code == 404 and "neps-like[plot]" in body["error"]
        assert _get(server.link("api/status"))[1]["plots"] == []
        pytest.importorskip("matplotlib")
        server.has_matplotlib = True
        code, png = _get(server.link("plot/incumbent.png"))
        assert code == 200 and png.startswith(b"\x89PNG")
        code, body = _get(server.link("plot/pareto.png"))  # single objective: explained
        assert code == 404 and "two objectives" in body["error"]


def test_waits_for_a_study_that_does_not_exist_yet(tmp_path: Path) -> None:
    with start(tmp_path / "later") as server:
        code, status = _get(server.link("api/status"))
        assert code == 503 and "No neps_like study" in status["error"]
        assert _get(server.link("api/trials"))[1] == {"total": 0, "trials": []}


def test_a_failing_request_answers_500_and_the_server_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "study"
    _study(root, n=2)
    with start(root) as server:
        good = server.cache.get

        def broken() -> Any:
            raise RuntimeError("boom")

        server.cache.get = broken  # type: ignore[method-assign]
        code, body = _get(server.link("api/status"))
        assert code == 500 and "boom" in body["error"]
        server.cache.get = good  # type: ignore[method-assign]
        assert _get(server.link("api/status"))[0] == 200


# -- the real browser --------------------------------------------------------------------


def ensure_chromium() -> str:
    """Chromium's path; installs Debian's package when root with apt-get, else skips."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("Chromium is missing and cannot be installed here: apt-get install chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"Could not install Chromium ({' '.join(cmd)}): {done.stderr[-500:]}")
    found = shutil.which("chromium")
    if found is None:
        pytest.skip("apt-get installed chromium but it is not on PATH")
    return found


class DevTools:
    """The DevTools protocol over one WebSocket (RFC 6455 client, text frames only)."""

    def __init__(self, ws_url: str) -> None:
        url = urlsplit(ws_url)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._chunk()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.next_id = 0

    def _chunk(self) -> bytes:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("Chromium closed the DevTools connection")
        return data

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.buf += self._chunk()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, text: str) -> None:
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        head = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0xFE]) + n.to_bytes(2, "big")
        if n >= 1 << 16:
            head = bytes([0x81, 0xFF]) + n.to_bytes(8, "big")
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _receive(self) -> str:
        parts = []
        while True:
            first, second = self._exact(2)
            n = second & 0x7F
            if n >= 126:
                n = int.from_bytes(self._exact(2 if n == 126 else 8), "big")
            payload = self._exact(n)  # a server's frames are not masked
            if first & 0x0F == 0x8:
                raise ConnectionError("Chromium closed the DevTools connection")
            if first & 0x0F in (0x9, 0xA):  # ping / pong: nothing to do for this test
                continue
            parts.append(payload)
            if first & 0x80:
                return b"".join(parts).decode()

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self._send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self._receive())
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg
                result: dict[str, Any] = msg["result"]
                return result

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")


@contextmanager
def chromium_page(url: str, profile: Path) -> Iterator[DevTools]:
    """Headless Chromium showing ``url``; its whole process group is ended afterwards."""
    proc = subprocess.Popen(
        [
            ensure_chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so the renderer and GPU helpers are ended with it
    )
    try:
        port_file = profile / "DevToolsActivePort"
        port = _wait_for(lambda: port_file.exists() and port_file.read_text().split("\n")[0], 30)
        targets = _wait_for(lambda: _page_targets(int(port)), 30)
        tools = DevTools(targets[0]["webSocketDebuggerUrl"])
        try:
            yield tools
        finally:
            tools.sock.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _page_targets(port: int) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as resp:
        return [t for t in json.load(resp) if t.get("type") == "page"]


def _wait_for(check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {check}")


DOM_STATE = """(() => {
  const rows = (id) => [...document.querySelectorAll('#' + id + ' tbody tr')]
    .map((tr) => [...tr.cells].map((c) => c.textContent));
  return {polls: Number(document.body.dataset.polls || 0),
          n: Number(document.getElementById('n-trials').textContent) || 0,
          counts: document.getElementById('counts').textContent,
          message: document.getElementById('message').textContent,
          trials: rows('trials'), running: rows('running'), workers: rows('workers'),
          errors: rows('errors'), chart: document.querySelectorAll('#chart path').length};
})()"""


def _successes(state: dict[str, Any]) -> int:
    return sum(1 for row in state["trials"] if row[1] == "success")


@pytest.mark.slow
@pytest.mark.timeout(900)  # a fresh CI machine installs Chromium first
def test_live_page_in_headless_chromium(tmp_path: Path, worker_script: Path) -> None:
    ensure_chromium()
    root = tmp_path / "study dir"  # a space in the path, as users have
    kwargs = {"evaluations_to_spend": 14, "_sleep": 1.0, "_fail_when_x_below": 0.15}
    kwargs |= {"on_error": "ignore", "seed": 5}
    with (
        start(root, poll_seconds=0.5) as server,
        spawn_workers(worker_script, root, tmp_path / "side.log", 1, kwargs, delay=0.5) as procs,
        chromium_page(server.url, tmp_path / "profile") as page,
    ):
        first = _wait_for(lambda: (s := page.js(DOM_STATE)) and _successes(s) >= 1 and s, 60)
        study = neps.load(root)
        assert {row[0] for row in first["trials"]} <= set(study)
        assert first["n"] >= 1 and "success" in first["counts"] and first["chart"] == 1
        # The running trial and its worker appear while it sleeps in the evaluation.
        running = _wait_for(lambda: page.js(DOM_STATE)["running"], 30)
        assert running[0][1] in study.workers or running[0][1] in neps.load(root).workers
        workers = page.js(DOM_STATE)["workers"]
        assert any(w[1] == "live" for w in workers)
        # A new trial lands: the same page re-renders without being reloaded.
        later = _wait_for(
            lambda: (s := page.js(DOM_STATE)) and _successes(s) > _successes(first) and s, 60
        )
        assert later["polls"] > first["polls"] and later["n"] >= first["n"]
        # The picture: mid-run, with a trial being evaluated and the failures of x < 0.15.
        _wait_for(lambda: (s := page.js(DOM_STATE)) and s["n"] >= 9 and s["running"], 60)
        shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        # Let the study finish, then the page shows every trial of it.
        assert all(code == 0 for code in (p.wait(timeout=120) for p in procs))
        final = _wait_for(
            lambda: (s := page.js(DOM_STATE)) and s["n"] == len(neps.load(root)) and s, 30
        )
        assert len(final["trials"]) == len(neps.load(root))
        if neps.load(root).errors:  # seed 5 samples x < 0.15 twice
            assert final["errors"] and "too small" in final["errors"][0][3]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")  # screenshots are never committed
    (ARTIFACTS / "dashboard.png").write_bytes(base64.b64decode(shot["data"]))
    assert (ARTIFACTS / "dashboard.png").read_bytes().startswith(b"\x89PNG")
