"""The dashboard answers only requests with its token and a Host naming its address.

Attacks: another local user (or a script) asks the page without the token; a web page
reaches 127.0.0.1 through DNS rebinding, so its requests carry the attacker's host name
(and no cookie); a wrong or guessed token. Each gets 403 with nothing of the study in it.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.dashboard import start


def _request(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.headers
    finally:
        conn.close()


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dash") / "study"
    neps.run(
        evaluate_pipeline=lambda x: x,
        pipeline_space={"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        evaluations_to_spend=2,
    )
    return root


def _port(server: Any) -> int:
    return int(server.base_url.rsplit(":", 1)[1].strip("/"))


@pytest.mark.parametrize("path", ["/", "/api/status", "/api/trials", "/healthz", "/nope"])
def test_no_token_is_refused(study: Path, path: str) -> None:
    """Any local user who finds the port: 403 on every route, no study data."""
    with start(study) as server:
        code, body, _ = _request(_port(server), path)
        assert code == 403
        assert b"token" in body and str(study).encode() not in body


def test_wrong_token_and_wrong_cookie_are_refused(study: Path) -> None:
    with start(study) as server:
        port = _port(server)
        assert _request(port, "/api/status?token=guess")[0] == 403
        bad = {"Cookie": f"neps_like_dashboard_{port}=guess"}
        assert _request(port, "/api/status", bad)[0] == 403
        other = {"Cookie": f"neps_like_dashboard_{port + 1}={server.token}"}
        assert _request(port, "/api/status", other)[0] == 403


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1:1", "", "evil.example"])
def test_foreign_host_header_is_refused(study: Path, host: str) -> None:
    """DNS rebinding: the browser sends the attacker's name as Host; even with the token."""
    with start(study) as server:
        port = _port(server)
        code, body, _ = _request(
            port, f"/api/status?token={server.token}", {"Host": host.format(port=port)}
        )
        assert code == 403 and b"Host" in body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_token_then_cookie_is_served(study: Path, host: str) -> None:
    """The printed URL sets a cookie; the page's own requests then need no token."""
    with start(study) as server:
        port = _port(server)
        headers = {"Host": host.format(port=port)}
        code, page, answer = _request(port, f"/?token={server.token}", headers)
        assert code == 200 and b"/api/status" in page
        cookie = answer["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert answer["Referrer-Policy"] == "no-referrer"
        headers["Cookie"] = cookie.split(";", 1)[0]
        code, body, _ = _request(port, "/api/status", headers)
        assert code == 200 and json.loads(body)["n_trials"] == 2


def test_unix_socket_mode(study: Path, tmp_path: Path) -> None:
    """``--socket``: a 0600 socket, the token still needed, the file removed at the end."""
    sock_path = tmp_path / "dash.sock"
    with start(study, unix_socket=sock_path) as server:
        assert sock_path.stat().st_mode & 0o777 == 0o600

        def ask(path: str) -> int:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(10)
                sock.connect(str(sock_path))
                sock.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost:8050\r\n\r\n".encode())
                head = sock.recv(100).decode()
            return int(head.split()[1])

        assert ask("/api/status") == 403
        assert ask(f"/api/status?token={server.token}") == 200
    assert not sock_path.exists()


def test_unix_socket_never_replaces_a_file(study: Path, tmp_path: Path) -> None:
    """A path that exists (a file, a planted link) is refused and left as it was."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    link = tmp_path / "link.sock"
    link.symlink_to(victim)
    for path in (victim, link):
        with pytest.raises(FileExistsError):
            start(study, unix_socket=path)
    assert victim.read_text() == "keep" and link.is_symlink()


def test_cli_prints_the_token_url(study: Path) -> None:
    """``neps-like dashboard`` prints http://127.0.0.1:PORT/?token=..., which works."""
    with subprocess.Popen(
        [sys.executable, "-m", "neps_like", "dashboard", str(study)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + 60
            line = ""
            while "token=" not in line and time.monotonic() < deadline:
                line = proc.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
            assert found, line
            port, token = int(found.group(1)), found.group(2)
            assert len(token) >= 32
            assert _request(port, f"/api/status?token={token}")[0] == 200
            assert _request(port, "/api/status")[0] == 403
        finally:
            proc.terminate()
            proc.wait(timeout=30)
