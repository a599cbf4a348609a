"""Match Prodigy-style patterns on tokenized texts: pre-highlighted spans for annotation.

A patterns file holds one JSON object per line, ``{"label": "X", "pattern": ...}``, where the
pattern is an exact phrase (a string, matched on token boundaries, case-sensitive) or a
list of token patterns. A token pattern is a dict of attributes, keys case-insensitive:

- ``orth`` / ``text``: the token's text; ``lower``: its lowercase form; ``shape``: its shape
  (``Xxxx``, ``dd``; runs longer than 4 shortened, as spaCy does);
- ``is_digit``, ``is_punct``, ``is_alpha``, ``is_upper``, ``is_lower``, ``is_title``: booleans;
- ``op``: ``?`` (0 or 1), ``*`` (0 or more), ``+`` (1 or more), ``!`` (not), ``1`` (default).

Matches are found left to right; overlapping matches keep the longest (then the first).

Example:
    >>> from nerkit.tokens import Doc
    >>> m = PatternMatcher([{"label": "BRAND", "pattern": [{"lower": "ann"}, {"lower": "taylor"}]},
    ...                     {"label": "NUM", "pattern": [{"is_digit": True, "op": "+"}]}])
    >>> doc = Doc.from_words(["I", "love", "Ann", "Taylor", "since", "2019"])
    >>> [(doc.text[s:e], label) for s, e, label in m(doc)]
    [('Ann Taylor', 'BRAND'), ('2019', 'NUM')]
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..tokens import Doc

_OPS = {"1": (1, 1), "?": (0, 1), "*": (0, None), "+": (1, None), "!": (1, 1)}
_BOOL_ATTRS = ("is_digit", "is_punct", "is_alpha", "is_upper", "is_lower", "is_title")
_STR_ATTRS = ("orth", "text", "lower", "shape")


def token_shape(text: str) -> str:
    """spaCy-style word shape: X/x/d per character, runs over 4 cut to 4.

    >>> token_shape("Gucci"), token_shape("2019"), token_shape("C-3PO")
    ('Xxxxx', 'dddd', 'X-dXX')
    """
    out: list[str] = []
    last, run = "", 0
    for ch in text:
        kind = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        run = run + 1 if kind == last else 1
        last = kind
        if run <= 4:
            out.append(kind)
    return "".join(out)


def _is_punct(text: str) -> bool:
    return bool(text) and all(unicodedata.category(ch).startswith("P") for ch in text)


def _attr(text: str, name: str) -> Any:
    if name in ("orth", "text"):
        return text
    if name == "lower":
        return text.lower()
    if name == "shape":
        return token_shape(text)
    if name == "is_digit":
        return text.isdigit()
    if name == "is_punct":
        return _is_punct(text)
    if name == "is_alpha":
        return text.isalpha()
    if name == "is_upper":
        return text.isupper()
    if name == "is_lower":
        return text.islower()
    if name == "is_title":
        return text.istitle()
    raise KeyError(name)


@dataclass(frozen=True)
class _TokenTest:
    checks: tuple[tuple[str, Any], ...]
    low: int
    high: int | None  # None: unbounded
    negate: bool

    def matches(self, text: str) -> bool:
        hit = all(_attr(text, name) == want for name, want in self.checks)
        return hit != self.negate


@dataclass(frozen=True)
class Pattern:
    """One pattern: its label, and a phrase (a string) or a sequence of token tests."""

    label: str
    phrase: str | None
    tokens: tuple[_TokenTest, ...] = ()


def _token_test(spec: Mapping[str, Any], where: str) -> _TokenTest:
    checks: list[tuple[str, Any]] = []
    op = "1"
    for key, value in spec.items():
        name = str(key).lower()
        if name == "op":
            op = str(value)
            if op not in _OPS:
                raise FormatError(
                    "E501", f"Unknown op {value!r} in {where}", hint='Use "?", "*", "+", "!".'
                )
        elif name in _STR_ATTRS and isinstance(value, str):
            checks.append((name, value))
        elif name in _BOOL_ATTRS and isinstance(value, bool):
            checks.append((name, value))
        else:
            raise FormatError(
                "E501",
                f"Unsupported token attribute {key!r}: {value!r} in {where}",
                hint="Supported: orth/text, lower, shape (strings), "
                f"{', '.join(_BOOL_ATTRS)} (true/false) and op.",
            )
    low, high = _OPS[op]
    return _TokenTest(tuple(checks), low, high, op == "!")


def parse_pattern(record: Mapping[str, Any], where: str = "pattern") -> Pattern:
    """A Pattern from ``{"label": ..., "pattern": ...}``; FormatError E501 when malformed."""
    label, pattern = record.get("label"), record.get("pattern")
    if not isinstance(label, str) or not label:
        raise FormatError("E501", f'{where} has no "label"', hint='Add "label": "BRAND".')
    if isinstance(pattern, str) and pattern.strip():
        return Pattern(label, pattern.strip())
    if isinstance(pattern, list) and pattern and all(isinstance(t, Mapping) for t in pattern):
        return Pattern(label, None, tuple(_token_test(t, where) for t in pattern))
    raise FormatError(
        "E501",
        f'{where}: "pattern" should be a phrase or a list of token dicts, found {pattern!r}',
        hint='E.g. {"label": "BRAND", "pattern": [{"lower": "gucci"}]}.',
    )


def read_patterns(path: str | PathLike[str]) -> list[Pattern]:
    """The patterns of a JSONL file, with file and line in any error."""
    p = Path(path)
    out = []
    try:
        lines = p.read_text(encoding="utf8").splitlines()
    except OSError as err:
        raise FormatError("E501", f"Cannot read patterns: {err}", path=p) from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise FormatError("E501", f"Invalid JSON: {err.msg}", path=p, line=n) from None
        if not isinstance(record, dict):
            raise FormatError("E501", "A pattern line should be a JSON object", path=p, line=n)
        out.append(parse_pattern(record, f"{p}:{n}"))
    return out


class PatternMatcher:
    """Finds the spans of ``patterns`` in a Doc: ``matcher(doc) -> [(start, end, label)]``."""

    def __init__(self, patterns: Iterable[Pattern | Mapping[str, Any]]) -> None:
        self.patterns = [p if isinstance(p, Pattern) else parse_pattern(p) for p in patterns]

    @classmethod
    def from_file(cls, path: str | PathLike[str]) -> PatternMatcher:
        return cls(read_patterns(path))

    @property
    def labels(self) -> set[str]:
        return {p.label for p in self.patterns}

    def __len__(self) -> int:
        return len(self.patterns)

    def token_matches(self, doc: Doc) -> list[tuple[int, int, str]]:
        """Token spans ``(start, end, label)``, no overlaps (longest first, then leftmost)."""
        words = doc.words
        # Token index by start and by end offset: built once per doc, shared by every phrase.
        start_at = {int(s): k for k, s in enumerate(doc.starts)}
        end_at = {int(e): k for k, e in enumerate(doc.ends)}
        found: set[tuple[int, int, str]] = set()
        for pattern in self.patterns:
            if pattern.phrase is not None:
                found.update(_phrase_matches(doc.text, pattern, start_at, end_at))
                continue
            for i in range(len(words)):
                for end in _ends(pattern.tokens, words, i):
                    if end > i:
                        found.add((i, end, pattern.label))
        kept: list[tuple[int, int, str]] = []
        taken = [False] * len(words)
        for start, end, label in sorted(found, key=lambda m: (m[0] - m[1], m[0], m[2])):
            if not any(taken[start:end]):
                kept.append((start, end, label))
                taken[start:end] = [True] * (end - start)
        return sorted(kept)

    def __call__(self, doc: Doc) -> list[tuple[int, int, str]]:
        """Character spans ``(start, end, label)`` of the matches in ``doc``."""
        starts, ends = doc.starts, doc.ends
        return [(int(starts[s]), int(ends[e - 1]), lab) for s, e, lab in self.token_matches(doc)]


def _ends(tests: Sequence[_TokenTest], words: Sequence[str], i: int) -> set[int]:
    """Every token index where ``tests`` matched from ``i`` can end (backtracking over ops)."""
    states = {i}
    for test in tests:
        nxt: set[int] = set()
        for pos in states:
            count = 0
            if test.low == 0:
                nxt.add(pos)
            j = pos
            while j < len(words) and (test.high is None or count < test.high):
                if not test.matches(words[j]):
                    break
                j += 1
                count += 1
                if count >= test.low:
                    nxt.add(j)
        states = nxt
        if not states:
            break
    return states


def _phrase_matches(
    text: str, pattern: Pattern, start_at: dict[int, int], end_at: dict[int, int]
) -> Iterable[tuple[int, int, str]]:
    assert pattern.phrase is not None
    phrase = pattern.phrase
    pos = text.find(phrase)
    while pos != -1:
        first, last = start_at.get(pos), end_at.get(pos + len(phrase))
        if first is not None and last is not None and last >= first:
            yield (first, last + 1, pattern.label)
        pos = text.find(phrase, pos + 1)
