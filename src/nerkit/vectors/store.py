"""Vectors: a table of word vectors in our own directory format, loaded without copies.

A vectors directory holds:

* ``vectors.safetensors``: the float32 tensor ``vectors`` ``[n, dim]`` (and, for fastText with
  subwords, ``ngrams`` ``[bucket, dim]``);
* ``keys.json``: a JSON list of the keys in row order, one per line (JSON escapes any
  character, so keys with spaces, newlines or any unicode survive);
* ``keys.index.safetensors``: the same keys as flat arrays with a hash index (see
  :mod:`nerkit.vectors.keys`), so loading needs no dict and no parsing; rebuilt from
  ``keys.json`` when missing or out of date;
* ``meta.json``: ``dim``, ``n``, ``source``, ``format``, ``algorithm``, ``training_data``,
  ``date``, ``lowercase`` (and ``min_n``/``max_n``/``bucket`` with n-grams).

Loading with ``mmap=True`` maps the files: memory is used only for pages touched, and the page
cache is shared between processes. ``mmap=False`` reads the table into one array.

Example:
    >>> import tempfile
    >>> vecs = Vectors(["the", "Paris"], np.eye(2, 3, dtype=np.float32))
    >>> path = tempfile.mkdtemp()
    >>> vecs.to_disk(path)
    >>> loaded = Vectors.from_disk(path)
    >>> loaded.get_row("Paris"), loaded.get_row("THE"), loaded.get_row("Lyon"), loaded.dim
    (1, 0, -1, 3)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError
from .keys import KeyIndex, KeyTable
from .ngrams import ngram_buckets
from .tensorfile import read_header, read_tensors, save_tensors

VECTORS_FILE = "vectors.safetensors"
KEYS_FILE = "keys.json"
INDEX_FILE = "keys.index.safetensors"
META_FILE = "meta.json"


class Vectors:
    """A word -> vector table: ``keys`` (row order), ``key2row``, ``data`` ``(n, dim)`` float32.

    ``get_row`` looks a word up exactly, then lowercased. With fastText n-grams
    (``ngrams`` and ``meta`` ``min_n``/``max_n``), :meth:`subword_vectors` composes vectors for
    unknown words (``get_vector`` of an unknown word does, and the OOV report and the neural
    recognizer use it), as fastText does: the mean of the word's n-gram rows.
    """

    def __init__(
        self,
        keys: Sequence[str] | KeyTable,
        data: np.ndarray,
        meta: dict[str, Any] | None = None,
        ngrams: np.ndarray | None = None,
    ) -> None:
        table = keys if isinstance(keys, KeyTable) else KeyTable.build(keys)
        if data.ndim != 2 or data.shape[0] != len(table):
            raise ValueError(
                f"data must be (n_keys, dim) = ({len(table)}, dim), got {tuple(data.shape)}"
            )
        if data.dtype != np.float32:
            data = data.astype(np.float32)
        self.keys: KeyTable = table
        self.key2row: KeyIndex = KeyIndex(table)
        self.data: np.ndarray = data
        self.ngrams: np.ndarray | None = ngrams
        self.meta: dict[str, Any] = dict(meta or {})
        self.meta.update(dim=self.dim, n=len(table))

    @property
    def dim(self) -> int:
        return int(self.data.shape[1])

    @property
    def lowercase(self) -> bool:
        """Whether the keys were lowercased when the table was made."""
        return bool(self.meta.get("lowercase", False))

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get_row(word) >= 0

    def __repr__(self) -> str:
        return f"Vectors(n={len(self)}, dim={self.dim}, source={self.meta.get('source')!r})"

    def get_row(self, word: str) -> int:
        """Row of ``word`` (exact, else lowercased), or -1."""
        row = self.keys.row(word)
        if row < 0:
            lower = word.lower()
            if lower != word:
                row = self.keys.row(lower)
        return row

    def get_rows(self, words: Sequence[str]) -> np.ndarray:
        """``get_row`` of many words (int64, -1 where missing), searched as one batch."""
        return self.keys.rows_or_lowercase(words)

    def get_vector(self, word: str) -> np.ndarray:
        """The vector of ``word``; for an unknown word, composed from its n-grams if stored.

        Raises:
            KeyError: the word is unknown and there are no n-grams (or it has none).
        """
        row = self.get_row(word)
        if row >= 0:
            return np.asarray(self.data[row])
        found, vecs = self.subword_vectors([word])
        if found.size:
            return vecs[0]
        raise KeyError(word)

    @property
    def has_subwords(self) -> bool:
        """Whether the table composes vectors for unknown words from character n-grams."""
        return self.ngrams is not None

    def subword_buckets(self, word: str) -> np.ndarray:
        """The rows of ``ngrams`` that make up ``word`` (empty without n-grams)."""
        if self.ngrams is None:
            return np.zeros(0, dtype=np.int64)
        min_n, max_n = int(self.meta["min_n"]), int(self.meta["max_n"])
        return ngram_buckets(word, min_n, max_n, int(self.ngrams.shape[0]))

    def subword_vectors(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors composed from the n-grams of ``words`` (meant for unknown ones): the
        positions in ``words`` of those that have n-grams, and their vectors ``(k, dim)``.

        Whether a word is in the table is not looked at: callers pass the unknown words.
        """
        buckets = [self.subword_buckets(w) for w in words]
        found = np.flatnonzero(np.fromiter((b.size > 0 for b in buckets), bool, len(buckets)))
        if self.ngrams is None or not found.size:
            return found, np.zeros((0, self.dim), dtype=np.float32)
        counts = np.fromiter((buckets[i].size for i in found), np.int64, found.size)
        # One gather over the (maybe memory-mapped) table for every n-gram of every word.
        rows = np.asarray(self.ngrams[np.concatenate([buckets[i] for i in found])], np.float32)
        sums = np.add.reduceat(rows, np.cumsum(counts) - counts, axis=0)
        return found, (sums / counts[:, None]).astype(np.float32)

    # -- disk -----------------------------------------------------------------------------

    def to_disk(self, path: str | PathLike[str]) -> None:
        """Write the directory (see the module docstring)."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        tensors = {"vectors": self.data}
        if self.ngrams is not None:
            tensors["ngrams"] = self.ngrams
        save_tensors(out / VECTORS_FILE, tensors, {"format": "nerkit.vectors"})
        write_keys(out, self.keys)
        write_meta(out, self.meta)

    @classmethod
    def from_disk(cls, path: str | PathLike[str], mmap: bool = True) -> Vectors:
        """Load a directory written by :meth:`to_disk` or ``nerkit vectors import``/``train``."""
        p = Path(path)
        meta_path = p / META_FILE
        if not (p / VECTORS_FILE).is_file() or not meta_path.is_file():
            raise FormatError(
                "E054",
                f"Not a vectors directory (needs {VECTORS_FILE} and {META_FILE})",
                path=p,
                hint="Make one with `nerkit vectors import` or `nerkit vectors train`.",
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf8"))
        except (OSError, ValueError) as err:
            raise FormatError("E055", f"Cannot read {META_FILE}: {err}", path=meta_path) from err
        if not isinstance(meta, dict):
            raise FormatError(
                "E055",
                f"Cannot read {META_FILE}: it holds a JSON {type(meta).__name__}, not an object",
                path=meta_path,
                hint="The file was changed by hand or cut short: import the vectors again.",
            )
        tensors, _ = read_tensors(p / VECTORS_FILE, ["vectors"], optional=["ngrams"], mmap=mmap)
        data, ngrams = tensors["vectors"], tensors.get("ngrams")
        table = read_keys(p, mmap=mmap)
        if len(table) != data.shape[0]:
            raise FormatError(
                "E056",
                f"{KEYS_FILE} has {len(table)} keys but the table has {data.shape[0]} rows",
                path=p,
                hint="The directory is mixed up from two tables: import the vectors again.",
            )
        return cls(table, data, meta, ngrams)


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    """Write ``meta.json`` (adding the date when absent)."""
    meta = {"date": datetime.now(UTC).isoformat(timespec="seconds"), **meta}
    (path / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf8")


def write_keys(path: Path, keys: Iterable[str] | KeyTable) -> None:
    """Write ``keys.json`` (streamed, one key a line) and its index, tied by the file's hash."""
    table = keys if isinstance(keys, KeyTable) else KeyTable.build(keys)
    digest = hashlib.sha256()
    # Written aside and moved into place: a table memory-mapped from this directory (for
    # instance the one being saved) keeps reading the old files.
    tmp = path / (KEYS_FILE + ".partial")
    with open(tmp, "w", encoding="utf8", newline="\n") as fh:
        for i, key in enumerate(table):
            line = ("[" if i == 0 else ",\n") + json.dumps(key, ensure_ascii=False)
            fh.write(line)
            digest.update(line.encode("utf8"))
        tail = "]\n" if len(table) else "[]\n"
        fh.write(tail)
        digest.update(tail.encode("utf8"))
    os.replace(tmp, path / KEYS_FILE)
    save_tensors(path / INDEX_FILE, table.arrays(), {"keys_sha256": digest.hexdigest()})


def read_keys(path: Path, mmap: bool = True) -> KeyTable:
    """The keys of a directory: the index when it matches ``keys.json``, else ``keys.json``."""
    keys_path = path / KEYS_FILE
    if not keys_path.is_file():
        raise FormatError(
            "E054",
            f"Not a vectors directory (no {KEYS_FILE})",
            path=path,
            hint="Make one with `nerkit vectors import`.",
        )
    index_path = path / INDEX_FILE
    if index_path.is_file():
        _, meta, _ = read_header(index_path)
        with open(keys_path, "rb") as fh:
            keys_sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
        if meta.get("keys_sha256") == keys_sha256:
            arrays, _ = read_tensors(index_path, KeyTable.ARRAY_NAMES, mmap=mmap)
            return KeyTable.from_arrays(arrays)
    try:
        keys = json.loads(keys_path.read_text(encoding="utf8"))
    except (OSError, ValueError) as err:
        raise FormatError(
            "E055",
            f"Cannot read {KEYS_FILE}: {err}",
            path=keys_path,
            hint="It must be a JSON list of strings, one per row of the table.",
        ) from err
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise FormatError(
            "E055",
            f"{KEYS_FILE} must be a JSON list of strings",
            path=keys_path,
        )
    return KeyTable.build(keys)
