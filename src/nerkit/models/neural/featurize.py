"""Words -> the integer arrays the network reads: hashed attribute rows, characters, vector rows.

Pure numpy (no torch), so it is cheap to test. Row 0 of every hashed table is the "unknown"
row: attribute values never seen in training are sent there at prediction time (see
``Network.seen_*``), and training hides some words' identities there (word dropout) so that it
learns something useful.

Vectors with fastText subwords: a word not in the table gets the vector composed from its
character n-grams (:meth:`nerkit.vectors.Vectors.subword_vectors`), carried in
``Features.subword_vectors``; its ``vec_rows`` entry is ``n_vectors + 1 + j`` for row ``j``
of those. Tables without subwords take none of this path.

Example:
    >>> fz = Featurizer(hash_rows=1024, affix_rows=256, affix_length=3, max_word_chars=8)
    >>> feats = fz([["Hello", "world"], ["Hello"]])
    >>> feats.attrs.shape, feats.lengths.tolist(), feats.chars.shape[0]
    ((3, 4), [2, 1], 2)
    >>> bool((feats.attrs[0] == feats.attrs[2]).all())
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...vocab import COL, Vocab

# Characters are hashed by code point into this many rows (row 0 pads).
CHAR_ROWS = 4096
ATTR_NAMES = ("norm", "prefix", "suffix", "shape")


@dataclass
class Features:
    """The features of a list of sequences, token-concatenated."""

    attrs: np.ndarray  # (n_tokens, 4) int64 table rows of norm, prefix, suffix, shape
    word_ix: np.ndarray  # (n_tokens,) int64 row of each token's word in ``chars``
    chars: np.ndarray  # (n_words, max_chars) int64 character rows of each distinct word, 0-padded
    vec_rows: np.ndarray  # (n_tokens,) int64 row in the vector table (n_vectors: not in it)
    lengths: np.ndarray  # (n_seqs,) tokens per sequence
    n_vectors: int = 0  # rows of the vector table: ``vec_rows`` of a word not in it
    # (k, dim) float32 vectors composed from subwords: row j is ``vec_rows`` n_vectors + 1 + j
    subword_vectors: np.ndarray | None = None
    states: np.ndarray | None = None  # (n_tokens, dim) transformer states (None: no transformer)
    words: list[tuple[str, ...]] | None = (
        None  # each sequence's words, for a fine-tuned transformer
    )

    @property
    def offsets(self) -> np.ndarray:
        return np.cumsum(self.lengths) - self.lengths


class Featurizer:
    """Turns word lists into :class:`Features`; keeps a lexicon cache across calls."""

    def __init__(
        self,
        hash_rows: int,
        affix_rows: int,
        affix_length: int,
        max_word_chars: int,
        vectors: Any | None = None,
        transformer: Any | None = None,
        keep_words: bool = False,
    ) -> None:
        self.hash_rows = hash_rows
        self.affix_rows = affix_rows
        self.max_word_chars = max_word_chars
        self.vectors = vectors
        # A callable: word lists -> (n_tokens, dim) states (see .transformer.TransformerStates).
        self.transformer = transformer
        # A fine-tuned transformer runs inside the network, on each batch's words.
        self.keep_words = keep_words
        self.n_vectors = int(vectors.data.shape[0]) if vectors is not None else 0
        self.subwords = vectors is not None and bool(vectors.has_subwords)
        self._vocab = Vocab()
        self._cols = [
            COL["norm"],
            COL[f"prefix{affix_length}"],
            COL[f"suffix{affix_length}"],
            COL["shape"],
        ]
        self._rows = np.array([hash_rows, affix_rows, affix_rows, affix_rows], dtype=np.uint64)

    def __call__(self, sequences: Sequence[Sequence[str]]) -> Features:
        words = [w for seq in sequences for w in seq]
        lengths = np.array([len(seq) for seq in sequences], dtype=np.int64)
        hashes = (
            self._vocab.word_attrs(words)[:, self._cols] if words else np.zeros((0, 4), np.uint64)
        )
        # Row 0 is reserved for "unknown": hash into rows 1 .. n-1.
        attrs = (hashes % (self._rows - np.uint64(1)) + np.uint64(1)).astype(np.int64)
        index: dict[str, int] = {}
        word_ix = np.fromiter(
            (index.setdefault(w, len(index)) for w in words), dtype=np.int64, count=len(words)
        )
        distinct = list(index)
        chars = self.char_rows(distinct)
        subword_vectors = None
        if self.vectors is not None:
            rows = np.array(self.vectors.get_rows(distinct), dtype=np.int64)
            missing = np.flatnonzero(rows < 0)
            rows[missing] = self.n_vectors
            if self.subwords and missing.size:
                found, subword_vectors = self.vectors.subword_vectors(
                    [distinct[i] for i in missing.tolist()]
                )
                rows[missing[found]] = self.n_vectors + 1 + np.arange(found.size)
                if not found.size:
                    subword_vectors = None
            vec_rows = rows[word_ix]
        else:
            vec_rows = np.zeros(len(words), dtype=np.int64)
        states = self.transformer(sequences) if self.transformer is not None else None
        kept = [tuple(seq) for seq in sequences] if self.keep_words else None
        return Features(
            attrs, word_ix, chars, vec_rows, lengths, self.n_vectors, subword_vectors, states, kept
        )

    def char_rows(self, words: Sequence[str]) -> np.ndarray:
        """``(len(words), width)`` character rows; a long word keeps its start and its end."""
        cap = self.max_word_chars
        width = max([min(len(w), cap) for w in words] + [1])
        out = np.zeros((len(words), width), dtype=np.int64)
        head = (cap + 1) // 2
        for i, w in enumerate(words):
            if len(w) > cap:
                w = w[:head] + w[len(w) - (cap - head) :]
            out[i, : len(w)] = [1 + ord(c) % (CHAR_ROWS - 1) for c in w]
        return out


def select(feats: Features, seqs: Sequence[int] | np.ndarray) -> tuple[Features, np.ndarray]:
    """The features of sequences ``seqs`` only, plus their token positions in ``feats``.

    Distinct words are renumbered so ``chars`` holds only the words of these sequences.
    """
    offsets = feats.offsets
    lengths = feats.lengths[np.asarray(seqs, dtype=np.int64)]
    starts = offsets[np.asarray(seqs, dtype=np.int64)]
    if lengths.sum():
        tok = np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths)])
    else:
        tok = np.zeros(0, dtype=np.int64)
    used, word_ix = np.unique(feats.word_ix[tok], return_inverse=True)
    vec_rows, subword_vectors = feats.vec_rows[tok], feats.subword_vectors
    if subword_vectors is not None:
        # Keep the composed vectors these tokens use, renumbered.
        composed = vec_rows > feats.n_vectors
        kept, new = np.unique(vec_rows[composed] - feats.n_vectors - 1, return_inverse=True)
        vec_rows[composed] = feats.n_vectors + 1 + new
        subword_vectors = subword_vectors[kept] if kept.size else None
    sub = Features(
        attrs=feats.attrs[tok],
        word_ix=word_ix.astype(np.int64),
        chars=feats.chars[used] if used.size else feats.chars[:0],
        vec_rows=vec_rows,
        lengths=lengths,
        n_vectors=feats.n_vectors,
        subword_vectors=subword_vectors,
        states=None if feats.states is None else feats.states[tok],
        words=None if feats.words is None else [feats.words[i] for i in np.asarray(seqs)],
    )
    return sub, tok
