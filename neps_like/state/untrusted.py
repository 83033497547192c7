"""Limits on what a study's files may hold, checked before anything read is believed
and before anything is written.

A study directory is shared and may be damaged or edited, so bytes read from it are
untrusted input. ``json.loads`` and everything that walks a decoded value recurse, so
200,000 nested brackets in a record with a valid checksum would raise ``RecursionError``
in every reader. ``check_json_bytes`` refuses such input *before* parsing: a size cap
and a nesting-depth cap, checked in C-speed passes over the bytes (a count of opening
brackets settles almost every record at once; only a payload with many brackets gets
the exact scan). Writers check the same limits (``nesting_depth``, ``MAX_RECORD_BYTES``)
so that nothing is written that readers would refuse.

Text that cannot be encoded as UTF-8 (lone surrogates, which ``surrogateescape`` makes of
undecodable file names) is replaced by U+FFFD (``clean_text`` / ``clean``) before it
reaches a file, so no write can fail half-way under the lock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

# Deepest nesting of brackets a JSON document read from a study may have. A trial record
# uses 4 levels ({"kind", "trial": {"report": {"extra": ...}}}), a snapshot 5; the
# rest is for the user's ``extra`` (``EXTRA_MAX_DEPTH``). Far below the interpreter's
# recursion limit, so any code walking a decoded value is safe.
MAX_DEPTH = 32
EXTRA_MAX_DEPTH = 20
# Largest journal record (one line). A report above it is refused when written.
MAX_RECORD_BYTES = 64 << 20
# Longest error message or traceback kept in a record (the rest is cut, marked).
MAX_ERROR_CHARS = 64 << 10

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN_CLOSE = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SURROGATES = re.compile("[\ud800-\udfff]")


def check_json_bytes(data: bytes, *, max_bytes: int = MAX_RECORD_BYTES) -> None:
    """Raise ``ValueError`` when ``data`` is larger than ``max_bytes`` or nested deeper
    than ``MAX_DEPTH``; cheap enough for every journal record."""
    if len(data) > max_bytes:
        raise ValueError(f"{len(data)} bytes, more than the limit of {max_bytes}")
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return  # cannot be nested deeper than it has brackets
    depth = _bracket_depth(data)
    if depth > MAX_DEPTH:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")


def _bracket_depth(data: bytes) -> int:
    """Nesting depth of the brackets outside strings, up to ``MAX_DEPTH + 1``.

    Strings are blanked (they may hold brackets), the rest reduced to ``(`` and ``)``;
    each pass removes the innermost pairs, so the passes count the depth. Brackets left
    over are unbalanced: not JSON, and a decoder would still descend into them first, so
    they count as too deep.
    """
    skeleton = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS).translate(_OPEN_CLOSE)
    depth = 0
    while skeleton and depth <= MAX_DEPTH:
        reduced = skeleton.replace(b"()", b"")
        if len(reduced) == len(skeleton):
            return MAX_DEPTH + 1  # unbalanced
        skeleton = reduced
        depth += 1
    return depth


def loads(data: bytes | str, *, max_bytes: int = MAX_RECORD_BYTES) -> Any:
    """``json.loads`` for bytes read from a study: size and depth checked first.

    Raises:
        ValueError: too large, too deep, not UTF-8 or not JSON.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    check_json_bytes(raw, max_bytes=max_bytes)
    return json.loads(raw)


def nesting_depth(value: Any, limit: int) -> int:
    """Depth of containers in ``value`` (0 for a scalar), giving up past ``limit``."""
    if isinstance(value, Mapping):
        children: Any = value.values()
    elif isinstance(value, list | tuple):
        children = value
    else:
        return 0
    if limit <= 0:
        return 1
    return 1 + max((nesting_depth(v, limit - 1) for v in children), default=0)


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (encodable as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def clean(value: Any) -> Any:
    """``value`` with ``clean_text`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def clean_json_text(payload: str) -> str:
    """A JSON text written with ``ensure_ascii=False`` made encodable (lone surrogates
    replaced): the last guard of writers that must not fail under the lock."""
    return _SURROGATES.sub("\ufffd", payload)


def cut_text(text: str | None, limit: int = MAX_ERROR_CHARS) -> str | None:
    """``text`` cleaned and cut to ``limit`` characters (keeping its end, where a
    traceback names the error)."""
    if text is None:
        return None
    text = clean_text(text)
    if len(text) <= limit:
        return text
    return f"[{len(text) - limit} characters cut]\n" + text[-limit:]
