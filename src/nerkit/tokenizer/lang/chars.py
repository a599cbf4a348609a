"""Unicode character classes for rule tables, computed once and stored in the JSON tables.

Python's ``re`` has no ``\\p{Ll}``, so the classes a table refers to as ``{ALPHA}``,
``{LOWER}``, ``{UPPER}`` and ``{ICONS}`` are spelled out as ranges when a language's JSON is
generated; loading a tokenizer never touches ``unicodedata``.

Example:
    >>> classes = build_char_classes()
    >>> import re
    >>> bool(re.fullmatch("[" + classes["UPPER"] + "]", "É"))
    True
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable


def _ranges(keep: Callable[[str], bool]) -> str:
    """A regex character-class body listing every code point for which ``keep`` is true."""
    parts: list[str] = []
    start = -1
    prev = -2
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF or not keep(chr(cp)):
            continue
        if cp != prev + 1:
            if start >= 0:
                parts.append(_span(start, prev))
            start = cp
        prev = cp
    if start >= 0:
        parts.append(_span(start, prev))
    return "".join(parts)


def _span(a: int, b: int) -> str:
    if a == b:
        return _char(a)
    if b == a + 1:
        return _char(a) + _char(b)
    return f"{_char(a)}-{_char(b)}"


def _char(cp: int) -> str:
    c = chr(cp)
    if c.isascii() and c.isalnum():
        return c
    return f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\U{cp:08X}"


def build_char_classes() -> dict[str, str]:
    """The named classes: letters, lower/upper case (uncased scripts count as both), symbols."""
    cat = unicodedata.category
    uncased = {"Lo", "Lm"}
    return {
        "ALPHA": _ranges(str.isalpha),
        "LOWER": _ranges(lambda c: cat(c) == "Ll" or cat(c) in uncased),
        "UPPER": _ranges(lambda c: cat(c) in ("Lu", "Lt") or cat(c) in uncased),
        "ICONS": _ranges(lambda c: cat(c) == "So"),
    }
