"""Real studies to attack, and editing their journal as an attacker would: records
rewritten or planted with checksums recomputed (the journal's line format is
``<seq> <crc32 of "<seq> <json>"> <json>``), so only the content checks can catch them."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neps_like as neps


def objective(x: float) -> float:
    return x


def make_study(root: Path, n: int = 4, **kwargs: Any) -> Path:
    """A finished random-search study of ``n`` trials over one float."""
    neps.run(
        objective,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        optimizer="random_search",
        evaluations_to_spend=n,
        seed=1,
        **kwargs,
    )
    return root


def journal(root: Path) -> Path:
    return root / "journal" / "events.log"


def line(seq: int, payload: bytes) -> bytes:
    crc = zlib.crc32(str(seq).encode() + b" " + payload)
    return str(seq).encode() + b" " + f"{crc:08x}".encode() + b" " + payload + b"\n"


def records(root: Path) -> list[tuple[int, dict[str, Any]]]:
    """The journal's (seq, record) pairs; records planted as attacks appear as {}."""
    out: list[tuple[int, Any]] = []
    for raw in journal(root).read_bytes().splitlines():
        seq, _, payload = raw.split(b" ", 2)
        try:
            out.append((int(seq), json.loads(payload)))
        except (ValueError, RecursionError):
            out.append((int(seq), {}))
    return out


def rewrite_record(
    root: Path, match: Callable[[dict[str, Any]], bool], edit: Callable[[dict[str, Any]], Any]
) -> None:
    """Edit the first record ``match`` accepts in place, with a valid checksum."""
    out = bytearray()
    done = False
    for raw in journal(root).read_bytes().splitlines():
        seq, _, payload = raw.split(b" ", 2)
        record = json.loads(payload)
        if not done and match(record):
            edit(record)
            done = True
            out += line(int(seq), json.dumps(record, separators=(",", ":")).encode())
        else:
            out += raw + b"\n"
    assert done, "no record matched"
    journal(root).write_bytes(bytes(out))


def append_raw(root: Path, payload: bytes) -> int:
    """Append a record with a valid checksum holding exactly ``payload``."""
    last = records(root)[-1][0]
    with journal(root).open("ab") as fh:
        fh.write(line(last + 1, payload))
    return last + 1


def tree_digest(root: Path) -> dict[str, str]:
    """Every file below ``root`` and a hash of its bytes (to prove nothing changed)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }
