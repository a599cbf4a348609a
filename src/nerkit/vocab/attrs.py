"""Lexical attributes of one word string: norm, shape, affixes, flags, and their stable hashes.

Each function here runs once per vocabulary entry (see :class:`nerkit.vocab.Vocab`), never per
token, so clarity matters more than speed.

Example:
    >>> word_shape("Hello"), word_shape("1996-08-22"), short_shape("McDonald's")
    ('Xxxxx', 'dddd-dd-dd', "XxXx'x")
"""

from __future__ import annotations

import hashlib
import unicodedata

# Bits of the ``flags`` attribute: coarse orthographic classes that shape alone smooths over.
FLAG_TITLE = 1
FLAG_UPPER = 2
FLAG_LOWER = 4
FLAG_DIGIT = 8
FLAG_HAS_DIGIT = 16
FLAG_PUNCT = 32
FLAG_HAS_HYPHEN = 64
FLAG_HAS_PERIOD = 128
FLAG_ALPHA = 256


def string_hash(text: str) -> int:
    """A stable 64-bit hash of ``text`` (Python's ``hash`` changes between runs)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf8"), digest_size=8).digest(), "little")


def _char_class(ch: str) -> str:
    if ch.isalpha():
        return "X" if ch.isupper() else "x"
    if ch.isdigit():
        return "d"
    return ch


def word_shape(word: str, max_run: int = 4) -> str:
    """Case/digit pattern of ``word`` with runs of one class cut at ``max_run`` characters."""
    out: list[str] = []
    run = 0
    for ch in word:
        c = _char_class(ch)
        run = run + 1 if out and out[-1] == c else 1
        if run <= max_run:
            out.append(c)
    return "".join(out)


def short_shape(word: str) -> str:
    """Shape with every run of one class collapsed to one character (``Xxxxx`` -> ``Xx``)."""
    out: list[str] = []
    for ch in word:
        c = _char_class(ch)
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def word_flags(word: str) -> int:
    """A bit set of the ``FLAG_*`` classes that hold for ``word``."""
    flags = 0
    if word.istitle():
        flags |= FLAG_TITLE
    if word.isupper():
        flags |= FLAG_UPPER
    if word.islower():
        flags |= FLAG_LOWER
    if word.isdigit():
        flags |= FLAG_DIGIT
    if any(ch.isdigit() for ch in word):
        flags |= FLAG_HAS_DIGIT
    if all(unicodedata.category(ch).startswith("P") for ch in word):
        flags |= FLAG_PUNCT
    if "-" in word:
        flags |= FLAG_HAS_HYPHEN
    if "." in word:
        flags |= FLAG_HAS_PERIOD
    if word.isalpha():
        flags |= FLAG_ALPHA
    return flags
