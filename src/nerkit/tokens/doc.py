"""Doc, Token and Span: a text with its tokens as offset arrays, and views over them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from ..errors import SpanError


class Doc:
    """The exact text of a document and its tokens as character offset arrays.

    Tokens never lose a character: ``doc.text`` is the input, token ``i`` covers
    ``text[starts[i]:ends[i]]`` and what lies between one token's end and the next one's
    start is that token's trailing whitespace.

    Example:
        >>> doc = Doc("New York rocks", starts=[0, 4, 9], ends=[3, 8, 14])
        >>> [t.text for t in doc]
        ['New', 'York', 'rocks']
        >>> doc.ents = [Span.from_tokens(doc, 0, 2, "LOC")]
        >>> doc.ents[0].text
        'New York'
    """

    __slots__ = ("text", "starts", "ends", "_ents", "user_data")

    def __init__(
        self,
        text: str,
        starts: Sequence[int] | np.ndarray,
        ends: Sequence[int] | np.ndarray,
        ents: Iterable[Span] = (),
        *,
        check: bool = True,
    ) -> None:
        self.text = text
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        if check:
            _check_offsets(text, self.starts, self.ends)
        self._ents: tuple[Span, ...] = ()
        self.user_data: dict[str, Any] = {}
        if ents:
            self.ents = ents  # type: ignore[assignment]

    @classmethod
    def from_words(cls, words: Sequence[str], spaces: Sequence[bool] | None = None) -> Doc:
        """Build a Doc from words, each followed by one space unless ``spaces`` says not.

        >>> Doc.from_words(["Hello", "world", "!"], [True, False, False]).text
        'Hello world!'
        """
        if spaces is None:
            spaces = [True] * len(words)
            if words:
                spaces[-1] = False  # type: ignore[index]
        if len(spaces) != len(words):
            raise SpanError("E101", f"{len(words)} words but {len(spaces)} space flags")
        starts = np.empty(len(words), dtype=np.int64)
        ends = np.empty(len(words), dtype=np.int64)
        pieces: list[str] = []
        pos = 0
        for i, (word, space) in enumerate(zip(words, spaces)):
            if not word:
                raise SpanError("E102", f"Word {i} is empty", hint="Drop empty tokens.")
            starts[i] = pos
            pos += len(word)
            ends[i] = pos
            pieces.append(word)
            if space:
                pieces.append(" ")
                pos += 1
        return cls("".join(pieces), starts, ends, check=False)

    def __len__(self) -> int:
        return int(self.starts.shape[0])

    @overload
    def __getitem__(self, i: int) -> Token: ...

    @overload
    def __getitem__(self, i: slice) -> Span: ...

    def __getitem__(self, i: int | slice) -> Token | Span:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                raise IndexError("Doc slices must be contiguous")
            return Span.from_tokens(self, start, max(start, stop), "")
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"token index {i} out of range for a doc of {n} tokens")
        return Token(self, i)

    def __iter__(self) -> Iterator[Token]:
        for i in range(len(self)):
            yield Token(self, i)

    def __repr__(self) -> str:
        return f"Doc({self.text[:40]!r}{'...' if len(self.text) > 40 else ''}, {len(self)} tokens)"

    @property
    def words(self) -> list[str]:
        """The token texts."""
        text = self.text
        return [text[s:e] for s, e in zip(self.starts.tolist(), self.ends.tolist())]

    @property
    def whitespace(self) -> list[str]:
        """The whitespace after each token (``''`` where the next token follows directly)."""
        text = self.text
        nexts = self.starts.tolist()[1:] + [len(text)]
        return [text[e:n] for e, n in zip(self.ends.tolist(), nexts)]

    @property
    def ents(self) -> tuple[Span, ...]:
        """The entity spans of this doc (predicted or gold), sorted and non-overlapping."""
        return self._ents

    @ents.setter
    def ents(self, spans: Iterable[Span]) -> None:
        ordered = sorted(spans, key=lambda s: (s.start, s.end))
        for a, b in zip(ordered, ordered[1:]):
            if b.start < a.end:
                raise SpanError(
                    "E103",
                    f"Entities overlap: {a!r} and {b!r}",
                    offset=b.start_char,
                    hint="An entity list must not overlap; keep one of them.",
                )
        self._ents = tuple(
            s if s.doc is self else Span.from_tokens(self, s.start, s.end, s.label) for s in ordered
        )

    def token_at(self, char: int) -> int:
        """Index of the token containing character ``char``, or -1 if it is whitespace."""
        i = int(np.searchsorted(self.ends, char, side="right"))
        if i < len(self) and self.starts[i] <= char:
            return i
        return -1

    def token_offsets(self) -> list[list[int]]:
        """``[[start, end], ...]`` for every token, as plain ints (for JSON)."""
        return np.column_stack((self.starts, self.ends)).tolist()  # type: ignore[no-any-return]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form: text, token offsets and entities."""
        return {
            "text": self.text,
            "tokens": self.token_offsets(),
            "ents": [
                {"start": s.start_char, "end": s.end_char, "label": s.label} for s in self._ents
            ],
        }


class Token:
    """A cheap view of one token of a Doc."""

    __slots__ = ("doc", "i")

    def __init__(self, doc: Doc, i: int) -> None:
        self.doc = doc
        self.i = i

    @property
    def start_char(self) -> int:
        return int(self.doc.starts[self.i])

    @property
    def end_char(self) -> int:
        return int(self.doc.ends[self.i])

    @property
    def idx(self) -> int:
        """Character offset of the token (spaCy's name for ``start_char``)."""
        return self.start_char

    @property
    def text(self) -> str:
        return self.doc.text[self.start_char : self.end_char]

    @property
    def whitespace_(self) -> str:
        nxt = int(self.doc.starts[self.i + 1]) if self.i + 1 < len(self.doc) else len(self.doc.text)
        return self.doc.text[self.end_char : nxt]

    @property
    def text_with_ws(self) -> str:
        return self.text + self.whitespace_

    @property
    def is_space(self) -> bool:
        return self.text.isspace()

    def __len__(self) -> int:
        return self.end_char - self.start_char

    def __repr__(self) -> str:
        return f"Token({self.text!r}, {self.start_char}:{self.end_char})"

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other.doc is self.doc and other.i == self.i

    def __hash__(self) -> int:
        return hash((id(self.doc), self.i))


class Span:
    """A labelled run of tokens: character offsets, token indices ``[start, end)`` and label.

    A Span made with a ``doc`` can give its ``text``; spans compare by offsets and label.
    """

    __slots__ = ("start_char", "end_char", "label", "start", "end", "doc")

    def __init__(
        self,
        start_char: int,
        end_char: int,
        label: str,
        start: int = -1,
        end: int = -1,
        doc: Doc | None = None,
    ) -> None:
        self.start_char = start_char
        self.end_char = end_char
        self.label = label
        self.start = start
        self.end = end
        self.doc = doc

    @classmethod
    def from_tokens(cls, doc: Doc, start: int, end: int, label: str) -> Span:
        """The span of tokens ``[start, end)`` of ``doc``."""
        n = len(doc)
        if not 0 <= start <= end <= n:
            raise SpanError("E104", f"Token span [{start}, {end}) is outside a doc of {n} tokens")
        if start == end:
            pos = int(doc.starts[start]) if start < n else len(doc.text)
            return cls(pos, pos, label, start, end, doc)
        return cls(int(doc.starts[start]), int(doc.ends[end - 1]), label, start, end, doc)

    @property
    def label_(self) -> str:
        """spaCy's name for ``label``."""
        return self.label

    @property
    def text(self) -> str:
        if self.doc is None:
            raise SpanError("E105", "This span is not bound to a doc, so it has no text")
        return self.doc.text[self.start_char : self.end_char]

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator[Token]:
        if self.doc is None:
            raise SpanError("E105", "This span is not bound to a doc, so it has no tokens")
        for i in range(self.start, self.end):
            yield Token(self.doc, i)

    def _key(self) -> tuple[int, int, str]:
        return (self.start_char, self.end_char, self.label)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        text = f" {self.text!r}" if self.doc is not None else ""
        return f"Span({self.start_char}:{self.end_char} {self.label}{text})"


def _check_offsets(text: str, starts: np.ndarray, ends: np.ndarray) -> None:
    if starts.shape != ends.shape or starts.ndim != 1:
        raise SpanError("E106", "Token starts and ends must be 1-D arrays of the same length")
    if len(starts) == 0:
        return
    if starts[0] < 0 or ends[-1] > len(text):
        raise SpanError(
            "E107",
            f"Token offsets run outside the text (0..{len(text)})",
            offset=int(starts[0]) if starts[0] < 0 else int(ends[-1]),
        )
    bad = np.flatnonzero(ends <= starts)
    if bad.size:
        i = int(bad[0])
        raise SpanError("E108", f"Token {i} is empty or reversed", offset=int(starts[i]))
    bad = np.flatnonzero(starts[1:] < ends[:-1])
    if bad.size:
        i = int(bad[0]) + 1
        raise SpanError("E109", f"Token {i} overlaps the token before it", offset=int(starts[i]))
