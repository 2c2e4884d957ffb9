"""What the tool prints on a terminal: text from files and users, made safe to show.

A procedure title or a schedule value may hold control characters: an escape sequence (ESC[31m, or
OSC sequences that set the window title or write to the clipboard), a carriage return that overwrites
the line, or bidirectional overrides that make text read differently than it is. They are removed from
everything the command line prints.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and Unicode's bidirectional overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    return _UNSAFE.sub("", text)
