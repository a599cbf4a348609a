"""Import a fastText ``.bin`` model: its word vectors and its subword n-gram table.

gensim reads the file (``load_facebook_vectors``); we keep ``wv.vectors`` (the full-word
vectors, each already the mean of the word's own row and its n-gram rows, as fastText gives
them) and ``wv.vectors_ngrams`` (the ``bucket`` hashed n-gram rows), so that
:meth:`~nerkit.vectors.Vectors.get_vector` composes a vector for an unknown word the way
fastText does (see :mod:`nerkit.vectors.ngrams`).

gensim's parser trusts the file: on a file cut short inside the vocabulary it loops forever,
and a damaged size field makes it allocate whatever the field says. So the layout is checked
first (:func:`check_fasttext_bin`: header, vocabulary, matrix sizes against the file's size),
reading only the header and the words, and a damaged file is a coded error naming the byte.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cut.bin"
    >>> _ = p.write_bytes(MAGIC.to_bytes(4, "little") + bytes(20))
    >>> is_fasttext_bin(p.read_bytes())
    True
    >>> try:
    ...     check_fasttext_bin(p)
    ... except FormatError as err:
    ...     print(err.code, err.message)
    E081 The fastText model ends inside its header (byte 24 of 64)
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, missing_extra
from .store import Vectors

MAGIC = 793712314  # fastText's file format magic (int32), version 12 files and later
# magic, version, then args: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn
# lrUpdateRate (int32 each) and t (double); fastText writes native byte order (little-endian).
_ARGS = struct.Struct("<2i12id")
_DICT = struct.Struct("<3iqq")  # size, nwords, nlabels, ntokens, pruneidx_size
_MATRIX = struct.Struct("<?qq")  # quantized flag, rows, columns
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FastTextBinInfo:
    """What the header of a fastText ``.bin`` says."""

    dim: int
    nwords: int
    bucket: int
    min_n: int
    max_n: int


def is_fasttext_bin(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file) starts with fastText's magic number."""
    return len(head) >= 4 and int.from_bytes(head[:4], "little", signed=True) == MAGIC


def _damaged(path: Path, what: str, offset: int) -> FormatError:
    return FormatError(
        "E081",
        f"The fastText model {what}",
        path=path,
        offset=offset,
        hint="The file is truncated or damaged: copy or download it again.",
    )


def check_fasttext_bin(path: str | Path) -> FastTextBinInfo:
    """Check the layout of a fastText ``.bin`` against its size, reading only header and words.

    Raises:
        FormatError: E080 not a fastText model, E081 truncated or damaged, E082 a supervised
            or quantized model (they hold no word vectors to import).
    """
    p = Path(path)
    size = p.stat().st_size
    with open(p, "rb") as fh:
        head = fh.read(_ARGS.size)
        if not is_fasttext_bin(head):
            raise FormatError(
                "E080",
                "Not a fastText .bin model (no fastText magic number at its start)",
                path=p,
                hint="fastText's .vec text files import as --format fasttext-vec; models from "
                "fastText releases before 2017 must be saved again with a recent fastText.",
            )
        if len(head) < _ARGS.size:
            raise _damaged(p, f"ends inside its header (byte {len(head)} of {_ARGS.size})", size)
        args = _ARGS.unpack(head)
        dim, bucket, min_n, max_n = args[2], args[10], args[11], args[12]
        if dim <= 0 or bucket < 0 or min_n < 0 or max_n < 0:
            raise _damaged(p, f"header is implausible (dim {dim}, bucket {bucket})", 8)
        raw = fh.read(_DICT.size)
        if len(raw) < _DICT.size:
            raise _damaged(p, "ends inside its dictionary header", size)
        n_entries, nwords, nlabels, _, prune_size = _DICT.unpack(raw)
        if nlabels > 0:
            raise FormatError(
                "E082",
                f"This is a supervised fastText model ({nlabels} labels): it has no word "
                "vectors to import",
                path=p,
                hint="Import an unsupervised model (fasttext skipgram or cbow), or its .vec file.",
            )
        if nwords < 0 or n_entries != nwords:
            raise _damaged(p, f"dictionary header is implausible ({nwords} words)", _ARGS.size)
        pos = _skip_words(fh, p, nwords, _ARGS.size + _DICT.size, size)
        pos += 8 * max(prune_size, 0)
        end = _check_matrix(p, fh, pos, size, nwords + bucket, dim, "input")
        final = _check_matrix(p, fh, end, size, -1, dim, "output")
        if final != size:
            raise _damaged(p, f"has {size - final:,} bytes after its last matrix", final)
    return FastTextBinInfo(dim, nwords, bucket, min_n, max_n)


def _skip_words(fh: Any, path: Path, nwords: int, pos: int, size: int) -> int:
    """Read past ``nwords`` dictionary entries (word, NUL, int64 count, int8 type)."""
    fh.seek(pos)
    buf, at = b"", 0  # buf[at] is byte ``pos`` of the file
    for i in range(nwords):
        while (nul := buf.find(b"\0", at)) < 0 or len(buf) - nul < 10:
            more = fh.read(1 << 20)
            if not more:
                raise _damaged(path, f"ends inside word {i + 1} of {nwords}", size)
            buf, at = buf[at:] + more, 0
        if buf[nul + 9] != 0:  # entry type: 0 word, 1 label
            raise _damaged(path, f"has a bad entry type in word {i + 1}", pos + nul + 9 - at)
        pos += nul + 10 - at
        at = nul + 10
    return pos


def _check_matrix(path: Path, fh: Any, pos: int, size: int, rows: int, dim: int, which: str) -> int:
    """Check the matrix header at ``pos`` (``rows`` -1: any) fits the file; return its end."""
    fh.seek(pos)
    raw = fh.read(_MATRIX.size)
    if len(raw) < _MATRIX.size:
        raise _damaged(path, f"ends before its {which} matrix", size)
    quantized, m, n = _MATRIX.unpack(raw)
    if quantized:
        raise FormatError(
            "E082",
            "This is a quantized fastText model (.ftz): its vectors are compressed",
            path=path,
            hint="Import the model's .bin (not quantized) or its .vec file.",
        )
    if m < 0 or n <= 0 or (rows >= 0 and (m != rows or n != dim)):
        raise _damaged(path, f"{which} matrix is {m} x {n}, expected {rows} x {dim}", pos)
    end = pos + _MATRIX.size + 4 * m * n
    if end > size:
        raise _damaged(path, f"ends inside its {which} matrix ({end:,} bytes needed)", size)
    return end


def import_fasttext_bin(path: Path, out: Path, progress: Progress | None = None) -> Vectors:
    """Write the word vectors and n-gram table of the fastText model at ``path`` to ``out``."""
    info = check_fasttext_bin(path)
    try:
        from gensim.models.fasttext import load_facebook_vectors
    except ImportError as err:
        raise missing_extra("gensim", "vectors", "Importing a fastText .bin model") from err
    try:
        wv = load_facebook_vectors(str(path))
    except Exception as err:  # a damaged file can fail anywhere in gensim's parser
        raise _damaged(path, f"cannot be read by gensim: {err!r}", 0) from err
    data = np.asarray(wv.vectors, dtype=np.float32)
    subwords = info.bucket > 0 and info.max_n >= info.min_n > 0
    ngrams = np.asarray(wv.vectors_ngrams, dtype=np.float32) if subwords else None
    for table in (data, ngrams):
        if table is not None and not all(
            np.isfinite(table[i : i + 65536]).all() for i in range(0, len(table), 65536)
        ):
            raise FormatError(
                "E061",
                "The fastText model holds NaN or an infinite value",
                path=path,
                hint="Vectors must be finite numbers: train or download the model again.",
            )
    keys = list(wv.index_to_key)
    meta: dict[str, Any] = {
        "source": str(path),
        "format": "fasttext-bin",
        "algorithm": "fasttext",
        "training_data": None,
        "lowercase": all(k == k.lower() for k in keys),
    }
    if ngrams is not None:
        meta.update(min_n=info.min_n, max_n=info.max_n, bucket=info.bucket)
    Vectors(keys, data, meta, ngrams).to_disk(out)
    if progress is not None:
        progress(len(keys), len(keys))
    return Vectors.from_disk(out)
