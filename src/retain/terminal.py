"""Text on its way to a terminal: never an escape sequence from a deck, never a crash on an
encoding that lacks a character.

A deck's text could carry terminal control sequences (to retitle the window, clear the
screen, move the cursor, or worse). `safe_text` removes them before anything is printed:
whole escape sequences first (so that no stray `]0;...` is left on the screen), then every
other control character except tab and newline. The characters a person wrote, in any
script, are left as they are.
"""

from __future__ import annotations

import io
import re
import sys
from typing import Any

# Each alternative is a fixed start, runs of bounded classes and an optional end, so
# matching is linear in the length of the text.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: ESC [ or its 8-bit form, parameters, final
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    # ^ OSC, DCS, PM, APC and SOS: a string up to BEL or ST, never past the line's end
    r"|\x1b[ -/]*[0-~]?"  # any other escape
)
_CONTROLS = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A)] + list(range(0x7F, 0xA0))
)


def safe_text(text: str) -> str:
    """`text` without terminal escape sequences or control characters (tab and newline
    stay)."""
    if text.isprintable():  # the common case: nothing to remove
        return text
    return _SEQUENCE.sub("", text).translate(_CONTROLS)


def replace_unencodable(*streams: Any) -> None:
    """Make text streams replace characters their encoding cannot write (`?`) instead of
    raising, and read undecodable bytes as U+FFFD."""
    for stream in streams:
        if isinstance(stream, io.TextIOWrapper):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, io.UnsupportedOperation):  # closed or detached
                pass


def replace_unencodable_std() -> None:
    replace_unencodable(sys.stdin, sys.stdout, sys.stderr)
