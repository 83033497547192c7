"""Text from a study made safe to print on a terminal.

Error messages, configs and worker ids come from the study directory (or from the user's
code), so they may hold escape sequences: ESC, CR, backspace and the other C0/C1 control
characters could rewrite the screen, hide lines or set the window title. ``printable``
shows each of them as a visible escape (``\\x1b``, ``\\r``, ``\\u009b``); ``one_line`` does
the same to newlines too, for messages that must stay on one line.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_OR_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\t":
        return "\\t"
    if char == "\r":
        return "\\r"
    if char == "\n":
        return "\\n"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``str(text)`` with every control character but newline shown as an escape."""
    return _CONTROL.sub(_escape, str(text))


def one_line(text: object) -> str:
    """``str(text)`` on one line: control characters and newlines shown as escapes."""
    return _CONTROL_OR_NEWLINE.sub(_escape, str(text))
