from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import neps_like as neps
from neps_like.state.layout import Layout


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neps_like", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_verify_finds_corruption_and_repair_fixes_it(tmp_path: Path) -> None:
    root = tmp_path / "study"
    neps.run(lambda x: x, {"x": neps.Float(0.0, 1.0)}, root_directory=root, evaluations_to_spend=6)
    ok = _cli("verify", str(root))
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stdout + ok.stderr
    layout = Layout.at(root)
    data = bytearray(layout.journal_file.read_bytes())
    lines = bytes(data).split(b"\n")
    offset = len(lines[0]) + len(lines[1]) + 2 + 20  # inside the third record
    data[offset] ^= 0x01
    layout.journal_file.write_bytes(bytes(data))
    bad = _cli("verify", str(root))
    assert bad.returncode == 1
    assert (
        "corrupt" in bad.stdout
        and str(layout.journal_file) in bad.stdout
        and "at byte" in bad.stdout
    )
    assert len(neps.load(root)) == 6, "still readable despite the damaged record"
    fixed = _cli("repair", str(root))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Backed up" in fixed.stdout
    assert list((root / "backups").iterdir()), "a backup was made"
    assert _cli("verify", str(root)).returncode == 0
    neps.run(lambda x: x, {"x": neps.Float(0.0, 1.0)}, root_directory=root, evaluations_to_spend=9)
    assert neps.load(root).counts() == {"success": 9}
