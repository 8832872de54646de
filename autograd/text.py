"""User text made safe to show: control characters written out, as Python's repr writes them.

Labels, names and expressions come from users. Printed raw, an ESC starts a terminal escape
sequence (it can recolour or clear the screen) and a NUL or a tab shifts what follows, so every
surface that shows user text passes it through `printable` first: ESC is shown as \\x1b, NUL
as \\x00, a tab as \\t. `columns` says how wide a text is on a terminal, to put a caret under it.
"""

from __future__ import annotations

import unicodedata


def printable(text: str, keep: str = "") -> str:
    """text with each unprintable character written as an escape (ESC as \\x1b), except `keep`."""
    if text.isprintable():  # the common case, checked in one pass
        return text
    return "".join(
        ch if ch in keep or ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def columns(text: str) -> int:
    """How many terminal columns `text` fills: wide (East Asian) characters take two, combining
    marks none, every other printable character one."""
    width = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):  # a mark drawn over the previous character
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width
