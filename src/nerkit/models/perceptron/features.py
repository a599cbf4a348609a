"""Hashed features of the perceptron, computed for whole batches by array shifts.

Per token the model uses two kinds of features:

* static ones (word, norm, shape, affixes, a window of two either side, bigrams, sentence
  context) that do not depend on predicted tags: computed once per batch, as a
  ``(n_tokens, n_templates)`` matrix of row indices into the weight table;
* tag-history ones (previous tag, previous two tags, previous tag x word or shape) that the
  greedy decoder adds position by position.

A feature's row is ``mix(template salt, value hashes...) & (n_rows - 1)``: every template and
value lands on one contiguous row of class weights. The lexical values come from
:class:`nerkit.vocab.Vocab` (computed once per vocabulary entry); window values are the same
matrix shifted by -2..+2 inside each sentence, with padding at the edges.

Example:
    >>> from nerkit.vocab import Vocab
    >>> fx = FeatureExtractor(n_rows=2**10)
    >>> batch = fx.batch(Vocab(), [["New", "York"], ["Hi"]])
    >>> batch.static.shape == (3, len(STATIC_TEMPLATES))
    True
    >>> bool((batch.static < 2**10).all())
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...vocab import ATTRS, COL, Vocab
from ...vocab.attrs import FLAG_ALPHA, FLAG_UPPER, string_hash

if TYPE_CHECKING:
    from ...vectors.clusters import WordClusters
    from ..tagset import TagSet

# Per-token context columns appended to the lexical attributes.
CONTEXT_ATTRS: tuple[str, ...] = ("first", "caps_sentence")
ALL_ATTRS: tuple[str, ...] = ATTRS + CONTEXT_ATTRS
_COL: dict[str, int] = {**COL, **{a: len(ATTRS) + i for i, a in enumerate(CONTEXT_ATTRS)}}

Component = tuple[str, int]  # (attribute, offset from the current token)

# Static templates: name -> components. The names salt the hashes, so renaming one changes
# the model; add new templates rather than editing old ones.
STATIC_TEMPLATES: dict[str, tuple[Component, ...]] = {
    "bias": (),
    "orth": (("orth", 0),),
    "norm": (("norm", 0),),
    "shape": (("shape", 0),),
    "short_shape": (("short_shape", 0),),
    **{f"prefix{n}": ((f"prefix{n}", 0),) for n in range(1, 5)},
    **{f"suffix{n}": ((f"suffix{n}", 0),) for n in range(1, 5)},
    "flags": (("flags", 0),),
    "length": (("length", 0),),
    **{f"norm@{k}": (("norm", k),) for k in (-2, -1, 1, 2)},
    **{f"orth@{k}": (("orth", k),) for k in (-1, 1)},
    **{f"shape@{k}": (("shape", k),) for k in (-2, -1, 1, 2)},
    **{f"suffix3@{k}": (("suffix3", k),) for k in (-1, 1)},
    "norm-1|norm": (("norm", -1), ("norm", 0)),
    "norm|norm+1": (("norm", 0), ("norm", 1)),
    "norm-1|norm+1": (("norm", -1), ("norm", 1)),
    "norm-2|norm-1": (("norm", -2), ("norm", -1)),
    "norm+1|norm+2": (("norm", 1), ("norm", 2)),
    "norm-1|shape": (("norm", -1), ("shape", 0)),
    "shape|norm+1": (("shape", 0), ("norm", 1)),
    "shape-1|shape": (("shape", -1), ("shape", 0)),
    "shape|shape+1": (("shape", 0), ("shape", 1)),
    "sshape-1|sshape|sshape+1": (("short_shape", -1), ("short_shape", 0), ("short_shape", 1)),
    "flags-1|flags|flags+1": (("flags", -1), ("flags", 0), ("flags", 1)),
    "first|shape": (("first", 0), ("shape", 0)),
    "first|norm": (("first", 0), ("norm", 0)),
    "caps|norm": (("caps_sentence", 0), ("norm", 0)),
    "caps|shape": (("caps_sentence", 0), ("shape", 0)),
    "caps|norm-1|norm": (("caps_sentence", 0), ("norm", -1), ("norm", 0)),
    "orth@-2": (("orth", -2),),
    "orth@2": (("orth", 2),),
    "prefix3@-1": (("prefix3", -1),),
    "prefix3@1": (("prefix3", 1),),
    "norm-1|norm|norm+1": (("norm", -1), ("norm", 0), ("norm", 1)),
    "shape-1|shape|shape+1": (("shape", -1), ("shape", 0), ("shape", 1)),
    "shape-2|shape-1": (("shape", -2), ("shape", -1)),
    "shape+1|shape+2": (("shape", 1), ("shape", 2)),
    "norm-1|sshape+1": (("norm", -1), ("short_shape", 1)),
    "norm+1|sshape-1": (("norm", 1), ("short_shape", -1)),
}

# Tag-history templates that conjoin the previous tag with a token attribute (offset 0).
TAG_WORD_TEMPLATES: dict[str, Component] = {
    "prev_tag|norm": ("norm", 0),
    "prev_tag|shape": ("shape", 0),
    "prev_tag|norm+1": ("norm", 1),
    "prev_tag|suffix3": ("suffix3", 0),
    "prev_tag|norm-1": ("norm", -1),
    "prev_tag|sshape+1": ("short_shape", 1),
}

# Templates that identify the current word itself. Feature dropout hides them during
# training so the model also learns to tag from context and affixes (unseen words).
IDENTITY_ATTRS = frozenset({("orth", 0), ("norm", 0)})
STATIC_IDENTITY = np.array(
    [any(c in IDENTITY_ATTRS for c in comps) for comps in STATIC_TEMPLATES.values()], dtype=bool
)
TAG_WORD_IDENTITY = np.array([c in IDENTITY_ATTRS for c in TAG_WORD_TEMPLATES.values()], dtype=bool)

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_BEFORE = np.uint64(string_hash("<sentence start>"))
_AFTER = np.uint64(string_hash("<sentence end>"))
_TRUE, _FALSE = np.uint64(string_hash("1")), np.uint64(string_hash("0"))
_NO_CLUSTER = np.uint64(string_hash("<no cluster>"))
# With word clusters (``[vectors] path``): each granularity's cluster id of the token and of
# its neighbours within this distance is a feature.
CLUSTER_OFFSETS: tuple[int, ...] = (-2, -1, 0, 1, 2)


def cluster_templates(sizes: Sequence[int]) -> dict[str, tuple[Component, ...]]:
    """The static templates over cluster attributes ``cluster_k{size}`` (none without clusters)."""
    return {
        f"cluster_k{k}@{off}": ((f"cluster_k{k}", off),) for k in sizes for off in CLUSTER_OFFSETS
    }


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: a vectorised 64-bit hash of each element (wraps, no warnings)."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


def salt(name: str) -> np.uint64:
    """The hash seed of a template."""
    return np.uint64(string_hash("template:" + name))


def positions(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For concatenated sequences: each token's index inside its sequence, and that length."""
    lengths = np.asarray(lengths, dtype=np.int64)
    n = int(lengths.sum())
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(n, dtype=np.int64) - np.repeat(starts, lengths)
    return pos, np.repeat(lengths, lengths)


def shift(matrix: np.ndarray, pos: np.ndarray, seq_len: np.ndarray, k: int) -> np.ndarray:
    """Row ``i`` of the result is row ``i + k`` of ``matrix`` when it lies in the same
    sequence, else the sentence-start (``k < 0``) or sentence-end (``k > 0``) padding."""
    if k == 0:
        return matrix
    n = matrix.shape[0]
    src = np.clip(np.arange(n) + k, 0, max(n - 1, 0))
    out = matrix[src] if n else matrix.copy()
    outside = (pos + k < 0) | (pos + k >= seq_len)
    out[outside] = _BEFORE if k < 0 else _AFTER
    return out


@dataclass
class Batch:
    """Features of a batch of token sequences, concatenated in order."""

    lengths: np.ndarray  # (n_seqs,) tokens per sequence
    static: np.ndarray  # (n_tokens, n_static) int64 row indices
    tag_word: np.ndarray  # (n_tokens, n_tag_word) uint64 value hashes to conjoin with tags


class FeatureExtractor:
    """Maps token sequences to hashed rows of a table of ``n_rows`` (a power of two) rows."""

    def __init__(
        self, n_rows: int, clusters: WordClusters | None = None, tag_keys: TagKeys | None = None
    ) -> None:
        if n_rows <= 0 or n_rows & (n_rows - 1):
            raise ValueError(f"n_rows must be a power of two, got {n_rows}")
        self.n_rows = n_rows
        self.mask = np.uint64(n_rows - 1)
        self.clusters = clusters
        self.tag_keys = tag_keys  # None: the tag ids themselves (see TagKeys)
        sizes = clusters.sizes if clusters is not None else ()
        self.templates = {**STATIC_TEMPLATES, **cluster_templates(sizes)}
        self._col = {**_COL, **{f"cluster_k{k}": len(ALL_ATTRS) + j for j, k in enumerate(sizes)}}
        # Hash of each cluster id per granularity; the last entry is "no cluster".
        self._cluster_values = [
            np.array(
                [string_hash(f"cluster_k{k}:{c}") for c in range(k)] + [int(_NO_CLUSTER)],
                dtype=np.uint64,
            )
            for k in sizes
        ]
        self._static_salts = [salt(name) for name in self.templates]
        self._tag_word_salts = np.array(
            [salt(name) for name in TAG_WORD_TEMPLATES], dtype=np.uint64
        )
        self._offsets = sorted(
            {k for comps in self.templates.values() for _, k in comps}
            | {k for _, k in TAG_WORD_TEMPLATES.values()}
        )

    def attribute_matrix(
        self, vocab: Vocab, words: Sequence[str], lengths: np.ndarray
    ) -> np.ndarray:
        """Lexical attribute hashes plus per-token context columns, ``(n, len(ALL_ATTRS))``."""
        ids = vocab.ids(words)
        lex = vocab.attrs(ids)
        pos, seq_len = positions(lengths)
        first = np.where(pos == 0, _TRUE, _FALSE)
        # A headline sentence (mostly upper-case words) changes what capitals mean.
        flags = vocab.flags(ids)
        alpha = (flags & FLAG_ALPHA) != 0
        upper = alpha & ((flags & FLAG_UPPER) != 0)
        seq_id = np.repeat(np.arange(len(lengths)), lengths)
        n_alpha = np.bincount(seq_id, weights=alpha, minlength=len(lengths))
        n_upper = np.bincount(seq_id, weights=upper, minlength=len(lengths))
        caps_seq = (n_alpha >= 2) & (n_upper >= 0.8 * n_alpha)
        caps = np.where(caps_seq[seq_id], _TRUE, _FALSE) if len(seq_id) else first
        if not len(ids):
            return np.zeros((0, len(self._col)), dtype=np.uint64)
        return np.column_stack([lex, first, caps, *self._cluster_columns(words, ids)])

    def _cluster_columns(self, words: Sequence[str], ids: np.ndarray) -> list[np.ndarray]:
        """One column per cluster granularity: the hashed cluster id of each token."""
        if self.clusters is None:
            return []
        # Look each distinct word up once (lexeme ids are dense within one call).
        uniq, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        found = self.clusters.lookup([words[i] for i in first.tolist()])
        return [
            values[np.where(found[:, j] >= 0, found[:, j], len(values) - 1)][inverse]
            for j, values in enumerate(self._cluster_values)
        ]

    def batch(self, vocab: Vocab, sequences: Sequence[Sequence[str]]) -> Batch:
        """Static feature rows and tag-conjunction values of ``sequences`` (lists of words)."""
        lengths = np.array([len(s) for s in sequences], dtype=np.int64)
        words = [w for s in sequences for w in s]
        return self.batch_from_attrs(self.attribute_matrix(vocab, words, lengths), lengths)

    def batch_from_attrs(self, attrs: np.ndarray, lengths: np.ndarray) -> Batch:
        pos, seq_len = positions(lengths)
        shifted = {k: shift(attrs, pos, seq_len, k) for k in self._offsets}
        n = attrs.shape[0]
        static = np.empty((n, len(self.templates)), dtype=np.int64)
        for j, comps in enumerate(self.templates.values()):
            h = np.full(n, self._static_salts[j], dtype=np.uint64)
            for attr, k in comps:
                h = mix(h ^ shifted[k][:, self._col[attr]])
            static[:, j] = (mix(h) & self.mask).astype(np.int64)
        tag_word = np.empty((n, len(TAG_WORD_TEMPLATES)), dtype=np.uint64)
        for j, (attr, k) in enumerate(TAG_WORD_TEMPLATES.values()):
            tag_word[:, j] = mix(self._tag_word_salts[j] ^ shifted[k][:, _COL[attr]])
        return Batch(lengths, static, tag_word)

    def tag_word_rows(self, tag_word: np.ndarray, prev: np.ndarray) -> np.ndarray:
        """Rows of the previous-tag x attribute features: ``tag_word`` is ``(m, J)``,
        ``prev`` the ``(m,)`` previous tag ids; returns ``(m, J)`` int64."""
        keys = prev.astype(np.uint64) if self.tag_keys is None else self.tag_keys.keys[prev]
        tag_h = mix(keys + np.uint64(1))
        return (mix(tag_word ^ tag_h[:, None]) & self.mask).astype(np.int64)

    def tag_history_rows(self, n_prev: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the previous-tag feature ``(n_prev,)`` and of the previous-two-tags feature
        ``(n_prev, n_prev)`` indexed ``[tag(-2), tag(-1)]``; ``n_prev`` counts the start symbol."""
        keys = self.tag_keys if self.tag_keys is not None else TagKeys.plain(n_prev)
        if len(keys.keys) != n_prev:
            raise ValueError(f"{len(keys.keys)} tag keys for {n_prev} previous tags")
        tags = keys.keys
        p1 = mix(salt("prev_tag") ^ mix(tags)) & self.mask
        p2 = mix(salt("prev_two_tags") ^ mix(keys.pairs())) & self.mask
        return p1.astype(np.int64), p2.astype(np.int64)


@dataclass(frozen=True)
class TagKeys:
    """What the tag-history features hash for each previous tag: ``keys[tag id]`` (the start
    symbol last) and ``pair_base``, the radix of a pair of keys.

    A model trained from scratch hashes the tag ids themselves (:meth:`plain`). A model
    continued from a base with more labels keeps the base's key for each of its tags, matched
    by name, and gives the new tags fresh keys (:meth:`grown`): its tag-history rows are then
    the base's, although the tag ids moved.

    >>> from nerkit.models.tagset import TagSet
    >>> old, new = TagSet(("PER",)), TagSet(("BRAND", "PER"))
    >>> TagKeys.plain(old.n_tags + 1).grown(old, new).keys.tolist()
    [0, 6, 7, 8, 9, 1, 2, 3, 4, 5]
    """

    keys: np.ndarray  # (n_prev,) uint64
    pair_base: int

    @classmethod
    def plain(cls, n_prev: int) -> TagKeys:
        return cls(np.arange(n_prev, dtype=np.uint64), n_prev)

    def grown(self, old: TagSet, new: TagSet) -> TagKeys:
        """The keys of ``new``: each tag of ``old`` keeps its key, the others get unused ones."""
        from ..growth import tag_map

        where = tag_map(old, new)
        keys = np.full(new.n_tags + 1, -1, dtype=np.int64)
        keys[where] = self.keys.astype(np.int64)
        fresh = keys < 0
        nxt = int(self.keys.max()) + 1
        keys[fresh] = np.arange(nxt, nxt + int(fresh.sum()))
        return TagKeys(keys.astype(np.uint64), self.pair_base)

    def pairs(self) -> np.ndarray:
        """``(n_prev, n_prev)`` uint64: one value per ``[key(-2), key(-1)]``, distinct for
        distinct pairs. Keys below ``pair_base`` (every key of a model trained from scratch)
        give ``a * pair_base + b``, as before keys existed; a pair with a newer key lands
        above 2^40."""
        a, b = self.keys[:, None], self.keys[None, :]
        base = np.uint64(self.pair_base)
        old = (a < base) & (b < base)
        return np.where(old, a * base + b, np.uint64(1 << 40) + (a << np.uint64(20)) + b).astype(
            np.uint64
        )
