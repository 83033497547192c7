"""Stop and pause requests as real files: written, read back, and anything else
(missing, damaged, a link, an unknown action) read as no request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neps_like.state.requests import clear_request, read_request, write_request


@pytest.mark.parametrize("action", ["stop", "pause"])
def test_a_request_is_read_back(tmp_path: Path, action: str) -> None:
    path = tmp_path / "trials" / "1" / "control.json"
    path.parent.mkdir(parents=True)
    write_request(path, action, root=tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["action"] == action and isinstance(data["time"], float)
    assert read_request(path) == action
    clear_request(path)
    assert read_request(path) is None
    clear_request(path)  # already gone: fine


@pytest.mark.parametrize(
    "content", ['{"action": "delete"}', "[1, 2]", "{torn", '{"time": 1}', '"stop"']
)
def test_anything_else_is_no_request(tmp_path: Path, content: str) -> None:
    path = tmp_path / "control.json"
    path.write_text(content, encoding="utf-8")
    assert read_request(path) is None


def test_a_linked_request_is_not_read(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    write_request(target, "stop")
    (tmp_path / "control.json").symlink_to(target)
    assert read_request(tmp_path / "control.json") is None
