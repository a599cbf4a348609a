"""The keys of a vector table, lean in memory: one UTF-8 blob, offsets and a sorted hash index.

A Python ``dict`` of 1M words costs 100+ MB (each ``str`` is ~60 bytes, each dict slot ~30
more) and takes seconds to build. Here a table of ``n`` keys is four flat arrays, ~(16 + 16 +
average key length) bytes a key (~32 MB for 1M words), memory-mapped from disk: the UTF-8
bytes of all keys end to end, ``n + 1`` offsets into them, and the 64-bit hashes of the keys
sorted with their rows. A lookup hashes the word, binary-searches the hashes
(``np.searchsorted``) and checks the key's bytes. The trade-off: ~1-2 us a lookup instead of
~0.1 us for a dict, so callers that look up many tokens should deduplicate first (as the
vocabulary does) or use :meth:`KeyTable.rows` for a whole batch.

Example:
    >>> table = KeyTable.build(["the", "New York", "the"])
    >>> table.row("New York"), table.row("the"), table.row("nope")
    (1, 0, -1)
    >>> list(table), len(table)
    (['the', 'New York', 'the'], 3)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import overload

import numpy as np


def _hash_bytes(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def key_hash(key: str) -> int:
    """A stable 64-bit hash of ``key`` (the same in every process, unlike ``hash``)."""
    return _hash_bytes(key.encode("utf8", "surrogatepass"))


class KeyTable(Sequence[str]):
    """Keys in row order (a read-only sequence of ``str``) with a hash index for lookups."""

    def __init__(
        self, blob: np.ndarray, offsets: np.ndarray, hashes: np.ndarray, rows: np.ndarray
    ) -> None:
        self.blob = blob  # uint8: the UTF-8 bytes of every key, end to end
        self.offsets = offsets  # int64 (n + 1,): key i is blob[offsets[i]:offsets[i + 1]]
        self.hashes = hashes  # uint64 (n,): key hashes, sorted
        self.rows = rows  # int64 (n,): the row of each sorted hash (ties: lower row first)

    @classmethod
    def build(cls, keys: Iterable[str]) -> KeyTable:
        """Index ``keys`` (row order); a repeated key maps to its first row."""
        encoded = [k.encode("utf8", "surrogatepass") for k in keys]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(
            np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded)),
            out=offsets[1:],
        )
        return cls.from_blob(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)

    @classmethod
    def from_blob(cls, blob: np.ndarray, offsets: np.ndarray) -> KeyTable:
        """Index keys given as their UTF-8 bytes end to end and ``n + 1`` offsets."""
        data = blob.tobytes()
        bounds = offsets.tolist()
        hashes = np.fromiter(
            (_hash_bytes(data[a:b]) for a, b in zip(bounds[:-1], bounds[1:])),
            dtype=np.uint64,
            count=len(bounds) - 1,
        )
        order = np.argsort(hashes, kind="stable").astype(np.int64)
        return cls(
            np.array(blob, dtype=np.uint8),
            np.asarray(offsets, dtype=np.int64),
            hashes[order],
            order,
        )

    ARRAY_NAMES = ("key_bytes", "key_offsets", "key_hashes", "key_rows")

    def arrays(self) -> dict[str, np.ndarray]:
        """The four arrays, by the tensor names used on disk (:attr:`ARRAY_NAMES`)."""
        return dict(zip(self.ARRAY_NAMES, (self.blob, self.offsets, self.hashes, self.rows)))

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> KeyTable:
        """The table of the four arrays :meth:`arrays` gave (read back from disk)."""
        return cls(*(arrays[name] for name in cls.ARRAY_NAMES))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"key index {i} out of range for {n} keys")
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return bytes(self.blob[a:b]).decode("utf8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        # A block of keys is copied out of the (maybe memory-mapped) blob at once: indexing
        # key by key costs three numpy scalar reads each, ~3x slower over a whole table.
        n, block = len(self), 1 << 16
        for first in range(0, n, block):
            bounds = self.offsets[first : min(n, first + block) + 1].tolist()
            base = bounds[0]
            data = bytes(self.blob[base : bounds[-1]])
            for a, b in zip(bounds[:-1], bounds[1:]):
                yield data[a - base : b - base].decode("utf8", "surrogatepass")

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.row(key) >= 0

    def _bytes_at(self, row: int) -> bytes:
        return bytes(self.blob[int(self.offsets[row]) : int(self.offsets[row + 1])])

    def _find(self, encoded: bytes, h: int) -> int:
        hashes = self.hashes
        j = int(np.searchsorted(hashes, np.uint64(h), side="left"))
        while j < len(hashes) and int(hashes[j]) == h:
            row = int(self.rows[j])
            if self._bytes_at(row) == encoded:
                return row
            j += 1
        return -1

    def row(self, key: str) -> int:
        """The first row of ``key``, or -1."""
        encoded = key.encode("utf8", "surrogatepass")
        return self._find(encoded, _hash_bytes(encoded))

    def rows_of(self, keys: Sequence[str]) -> np.ndarray:
        """Rows of many keys at once (int64, -1 where missing): one vectorised search."""
        encoded = [k.encode("utf8", "surrogatepass") for k in keys]
        h = np.fromiter(
            (_hash_bytes(b) for b in encoded),
            dtype=np.uint64,
            count=len(encoded),
        )
        j = np.searchsorted(self.hashes, h, side="left")
        out = np.full(len(encoded), -1, dtype=np.int64)
        n = len(self.hashes)
        for i, (b, jj) in enumerate(zip(encoded, j.tolist())):
            if jj < n and self.hashes[jj] == h[i]:
                row = int(self.rows[jj])
                # The usual case: the first candidate is the key; else walk the run of ties.
                out[i] = row if self._bytes_at(row) == b else self._find(b, int(h[i]))
        return out

    def rows_or_lowercase(self, keys: Sequence[str]) -> np.ndarray:
        """:meth:`rows_of`, with the lowercased key tried where the exact one is missing."""
        rows = self.rows_of(keys)
        missing = np.flatnonzero(rows < 0)
        if missing.size:
            rows[missing] = self.rows_of([keys[i].lower() for i in missing.tolist()])
        return rows


class KeyIndex(Mapping[str, int]):
    """``key -> row`` as a read-only mapping over a :class:`KeyTable` (no dict is built)."""

    def __init__(self, table: KeyTable) -> None:
        self._table = table

    def __getitem__(self, key: str) -> int:
        row = self._table.row(key) if isinstance(key, str) else -1
        if row < 0:
            raise KeyError(key)
        return row

    def get(self, key: str, default: int | None = None) -> int | None:  # type: ignore[override]
        row = self._table.row(key)
        return default if row < 0 else row

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for key in self._table:
            if key not in seen:  # a repeated key is one mapping entry
                seen.add(key)
                yield key

    def __len__(self) -> int:
        return len(np.unique(self._table.hashes)) if len(self._table) else 0
