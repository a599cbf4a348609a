"""Vocab: string -> lexeme id, with the lexical attributes of each entry computed once.

Tokens repeat far more than new words appear, so per-token work is a dictionary lookup and
an array gather: ``vocab.attrs(vocab.ids(words))`` is a ``(n_tokens, n_attrs)`` matrix of
stable 64-bit hashes, one column per attribute in :data:`ATTRS`.

Example:
    >>> vocab = Vocab()
    >>> ids = vocab.ids(["Hello", "world", "Hello"])
    >>> ids.tolist()
    [0, 1, 0]
    >>> vocab.lexeme("Hello")["shape"]
    'Xxxxx'
    >>> vocab.attrs(ids).shape == (3, len(ATTRS))
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .attrs import short_shape, string_hash, word_flags, word_shape

# Column order of the attribute matrix.
ATTRS: tuple[str, ...] = (
    "orth",
    "norm",
    "shape",
    "short_shape",
    "prefix1",
    "prefix2",
    "prefix3",
    "prefix4",
    "suffix1",
    "suffix2",
    "suffix3",
    "suffix4",
    "flags",
    "length",
)
COL: dict[str, int] = {name: i for i, name in enumerate(ATTRS)}


def lexeme_strings(word: str) -> dict[str, str]:
    """The attribute values of ``word`` as strings, keyed by attribute name."""
    norm = word.lower()
    values = {
        "orth": word,
        "norm": norm,
        "shape": word_shape(word),
        "short_shape": short_shape(word),
        "flags": str(word_flags(word)),
        "length": str(min(len(word), 10)),
    }
    for n in range(1, 5):
        # Affixes of the lowercase form: case is carried by the shape features.
        values[f"prefix{n}"] = norm[:n]
        values[f"suffix{n}"] = norm[-n:]
    return values


class Vocab:
    """A growing lexicon. Entries are never removed; ids are dense from 0 in insertion order."""

    def __init__(self, max_size: int | None = 500_000) -> None:
        # Prediction over an unbounded stream must not grow memory without limit: when a
        # call would pass ``max_size`` entries the cache starts afresh.
        self.max_size = max_size
        self._index: dict[str, int] = {}
        self._attrs = np.zeros((1024, len(ATTRS)), dtype=np.uint64)
        self._flags = np.zeros(1024, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def ids(self, words: Sequence[str]) -> np.ndarray:
        """Lexeme ids of ``words`` (int64), adding unseen words."""
        if self.max_size is not None and len(self._index) + len(words) > self.max_size:
            # Full: start the cache afresh (ids handed out earlier become stale; callers use
            # ids right away, so only ids from one call need to stay consistent).
            self._index.clear()
        index = self._index
        get = index.get
        out = [get(w) for w in words]
        if None in out:
            for i, w in enumerate(words):
                if out[i] is None:
                    out[i] = self._add(w)
        return np.asarray(out, dtype=np.int64)

    def attrs(self, ids: np.ndarray) -> np.ndarray:
        """The ``(len(ids), len(ATTRS))`` uint64 matrix of attribute hashes of ``ids``."""
        return self._attrs[ids]

    def flags(self, ids: np.ndarray) -> np.ndarray:
        """The raw ``FLAG_*`` bit sets of ``ids`` (int64), for sentence-level features."""
        return self._flags[ids]

    def word_attrs(self, words: Sequence[str]) -> np.ndarray:
        """Shortcut for ``attrs(ids(words))``."""
        ids = self.ids(words)  # first: adding words may replace ``self._attrs`` with a larger one
        return self._attrs[ids]

    def lexeme(self, word: str) -> dict[str, str]:
        """The attribute strings of ``word`` (for inspection and debugging)."""
        return lexeme_strings(word)

    def _add(self, word: str) -> int:
        if word in self._index:
            return self._index[word]
        values = lexeme_strings(word)
        # In ATTRS order, not the dict's: each column must hash its own attribute.
        row = np.array([string_hash(values[name]) for name in ATTRS], dtype=np.uint64)
        n = len(self._index)
        self._ensure(n + 1)
        self._attrs[n] = row
        self._flags[n] = int(values["flags"])
        self._index[word] = n
        return n

    def _ensure(self, size: int) -> None:
        if size > self._attrs.shape[0]:
            grown = np.zeros((max(size, 2 * self._attrs.shape[0]), len(ATTRS)), dtype=np.uint64)
            grown[: self._attrs.shape[0]] = self._attrs
            self._attrs = grown
            flags = np.zeros(grown.shape[0], dtype=np.int64)
            flags[: self._flags.shape[0]] = self._flags
            self._flags = flags
