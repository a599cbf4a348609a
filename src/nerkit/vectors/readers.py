"""Import word2vec (binary and text), GloVe and fastText ``.vec`` files into our format, and
dispatch fastText ``.bin`` models and spaCy pipelines to their readers.

Rows are parsed one at a time straight into the output file (a memory-mapped, preallocated
float32 tensor), so importing a table of any size holds one row and the keys' bytes in memory,
never a list of lists. Every malformed input raises :class:`nerkit.errors.FormatError` with
the file, the line (or byte offset for binary files) and what to do.

Formats:

* ``word2vec-bin``: header ``n dim``, then per row the key, a space, ``dim`` little-endian
  float32 (optionally a newline, as the original C tool writes);
* ``word2vec-text`` and ``fasttext-vec``: header ``n dim``, then ``key v1 ... vdim`` lines;
* ``glove``: the same lines without a header;
* ``fasttext-bin``: a fastText model, with its subword n-grams (:mod:`.fasttext_bin`, gensim);
* ``spacy``: a spaCy pipeline directory or installed package (:mod:`.spacy_pipeline`).

Example:
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "v.txt").write_text("the 0.1 0.2\\ncat 0.3 0.4\\n")
    >>> detect_vectors_format(d / "v.txt")
    'glove'
    >>> vecs = import_vectors(d / "v.txt", d / "out")
    >>> vecs.get_row("cat"), vecs.data[1].tolist() == [np.float32(0.3), np.float32(0.4)]
    (1, True)
"""

from __future__ import annotations

import codecs
import re
from array import array
from collections import Counter
from collections.abc import Callable
from os import PathLike
from pathlib import Path

import numpy as np

from ..errors import FormatError
from .fasttext_bin import import_fasttext_bin, is_fasttext_bin
from .keys import KeyTable
from .spacy_pipeline import could_be_package, import_spacy_vectors
from .store import VECTORS_FILE, Vectors, write_keys, write_meta
from .tensorfile import TensorWriter

FORMATS: tuple[str, ...] = (
    "word2vec-bin",
    "word2vec-text",
    "glove",
    "fasttext-vec",
    "fasttext-bin",
    "spacy",
)
_HEADER = re.compile(rb"\s*(\d+)[ \t]+(\d+)\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
Progress = Callable[[int, int], None]  # (rows done, rows expected)


def detect_vectors_format(path: str | PathLike[str]) -> str:
    """``word2vec-bin``, ``word2vec-text``, ``fasttext-vec`` (``.vec`` text), ``glove``,
    ``fasttext-bin`` (fastText's magic number), or ``spacy`` (a directory, or a name that is no
    path and could be an installed package)."""
    p = Path(path)
    if p.is_dir() or could_be_package(str(path)):
        return "spacy"
    head = _head(p)
    if is_fasttext_bin(head):
        return "fasttext-bin"
    first = head.split(b"\n", 1)[0]
    if _HEADER.fullmatch(first):
        rest = head[len(first) + 1 :]
        if _looks_like_text(rest):
            return "fasttext-vec" if p.suffix.lower() == ".vec" else "word2vec-text"
        return "word2vec-bin"
    if not _looks_like_text(head):
        raise FormatError(
            "E057",
            "A binary file without a word2vec header ('<rows> <dim>' on the first line)",
            path=p,
            hint="Pass --format if it is a vectors file; gzip files must be decompressed first.",
        )
    return "glove"


def import_vectors(
    path: str | PathLike[str],
    output: str | PathLike[str],
    format: str | None = None,
    *,
    progress: Progress | None = None,
) -> Vectors:
    """Read a vectors file (format detected when None) and write our directory to ``output``.

    ``path`` may also be a spaCy pipeline directory or the name of an installed spaCy
    pipeline package (format ``spacy``). Returns the written table, memory-mapped from
    ``output``.
    """
    p = Path(path)
    fmt = format or detect_vectors_format(p)
    if fmt not in FORMATS:
        raise FormatError(
            "E058",
            f"Unknown vectors format '{fmt}'",
            hint=f"Use one of: {', '.join(FORMATS)}.",
        )
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "spacy":
        return import_spacy_vectors(str(path), out, progress)
    if fmt == "fasttext-bin":
        return import_fasttext_bin(p, out, progress)
    if fmt == "word2vec-bin":
        n, dim, keys = _read_binary(p, out, progress)
    else:
        n, dim, keys = _read_text(p, out, fmt != "glove", progress)
    write_keys(out, keys)
    lower = all(k == k.lower() for k in keys)
    write_meta(
        out,
        {
            "dim": dim,
            "n": n,
            "source": str(p),
            "format": fmt,
            "algorithm": None,
            "training_data": None,
            "lowercase": lower,
        },
    )
    return Vectors.from_disk(out)


# -- text ---------------------------------------------------------------------------------


def _read_text(
    path: Path, out: Path, has_header: bool, progress: Progress | None
) -> tuple[int, int, KeyTable]:
    if has_header:
        n_expected, dim = _parse_header(path)
        _check_header_fits(path, n_expected, dim, 2 * dim + 2, "E062")  # "k 0 0 ...\n"
        capacity = n_expected
    else:
        n_expected, dim = -1, _guess_dim(path)
        capacity = _count_lines(path)
    writer = TensorWriter(out / VECTORS_FILE, "vectors", capacity, dim)
    table = writer.array
    blob, offsets = bytearray(), array("q", [0])
    row = 0
    with open(path, "rb") as fh:
        if has_header:
            fh.readline()
        for lineno, raw in enumerate(fh, start=2 if has_header else 1):
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError as err:
                _close_failed(writer)
                raise FormatError(
                    "E059",
                    f"Not valid UTF-8 at byte {err.start} of the line",
                    path=path,
                    line=lineno,
                    hint="Convert the file to UTF-8 (e.g. iconv -t utf-8).",
                ) from err
            line = line.rstrip()  # fastText ends rows with a space
            if not line:
                continue
            if row >= capacity:
                _close_failed(writer)
                raise FormatError(
                    "E060",
                    f"More rows than the header's {n_expected}",
                    path=path,
                    line=lineno,
                    hint="Fix the first line ('<rows> <dim>') or remove the extra rows.",
                )
            key, values = _split_row(line, dim, path, lineno, writer)
            try:
                table[row] = values
            except ValueError as err:
                _close_failed(writer)
                bad = next((v for v in values if not _is_number(v)), "?")
                raise FormatError(
                    "E061",
                    f"Not a number: {bad!r} in the row of {key!r}",
                    path=path,
                    line=lineno,
                    hint="Every value after the word must be a decimal number; fix or delete the line.",
                ) from err
            if not np.isfinite(table[row]).all():
                _close_failed(writer)
                raise _not_finite(path, key, line=lineno)
            blob += key.encode("utf8")
            offsets.append(len(blob))
            row += 1
            if progress is not None and row % 10000 == 0:
                progress(row, capacity)
    if has_header and row != n_expected:
        _close_failed(writer)
        raise FormatError(
            "E062",
            f"The header says {n_expected} rows but the file has {row}",
            path=path,
            hint="The file is probably truncated: copy or download it again, or fix the header.",
        )
    return row, dim, _finish(writer, row, blob, offsets, progress)


def _split_row(
    line: str, dim: int, path: Path, lineno: int, writer: TensorWriter
) -> tuple[str, list[str]]:
    parts = line.split(" ")
    extra = len(parts) - 1 - dim
    if extra == 0:
        return parts[0], parts[1:]
    # Keys may contain spaces (GloVe 840B has some): the last `dim` fields are the values,
    # unless the extra fields are numbers too, which means the row has too many values.
    if extra > 0 and not any(_is_number(v) for v in parts[1 : 1 + extra]):
        return " ".join(parts[: 1 + extra]), parts[1 + extra :]
    _close_failed(writer)
    raise FormatError(
        "E063",
        f"The row of {parts[0]!r} has {len(parts) - 1} values, expected {dim}",
        path=path,
        line=lineno,
        hint="Every row must be a word and the same number of values, separated by single "
        "spaces; fix or delete this line (or the header's dimension).",
    )


def _parse_header(path: Path) -> tuple[int, int]:
    with open(path, "rb") as fh:
        first = fh.readline()
    m = _HEADER.fullmatch(first)
    if not m:
        raise FormatError(
            "E064",
            "The first line is not a '<rows> <dim>' header",
            path=path,
            line=1,
            hint="Use --format glove for a text file without a header.",
        )
    n, dim = int(m.group(1)), int(m.group(2))
    if dim <= 0:
        raise FormatError("E064", f"The header's dimension is {dim}", path=path, line=1)
    return n, dim


def _guess_dim(path: Path) -> int:
    """The most common number of values among the first 100 rows (keys may hold spaces)."""
    counts: Counter[int] = Counter()
    with open(path, "rb") as fh:
        for raw in fh:
            fields = raw.rstrip().split(b" ")
            if fields != [b""]:
                counts[len(fields) - 1] += 1
            if sum(counts.values()) >= 100:
                break
    if not counts:
        raise FormatError("E065", "The file has no rows", path=path, hint="Check the path.")
    dim = counts.most_common(1)[0][0]
    if dim <= 0:
        raise FormatError(
            "E063",
            "The rows have no values after the word",
            path=path,
            line=1,
            hint="Every row must be a word followed by its numbers, separated by spaces.",
        )
    return dim


def _count_lines(path: Path) -> int:
    n, last = 0, b"\n"
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- binary -------------------------------------------------------------------------------


def _not_finite(
    path: Path, key: str, line: int | None = None, offset: int | None = None
) -> FormatError:
    return FormatError(
        "E061",
        f"The row of {key!r} holds NaN or an infinite value",
        path=path,
        line=line,
        offset=offset,
        hint="Vectors must be finite numbers: fix or delete the row, or re-export the vectors.",
    )


def _check_header_fits(path: Path, n: int, dim: int, row_bytes: int, code: str) -> None:
    """Refuse a header that promises more rows than the file can hold (each row at least
    ``row_bytes``) before a table of that size (over 64 MiB) is allocated; smaller mismatches
    are found row by row, with the line they are on."""
    size = path.stat().st_size
    if n * row_bytes > size and n * dim * 4 > 1 << 26:
        raise FormatError(
            code,
            f"The header says {n:,} rows of {dim} values, which need at least "
            f"{n * row_bytes:,} bytes, but the file has {size:,}",
            path=path,
            line=1,
            hint="The header or the file is wrong: fix the header, or copy the file again.",
        )


def _read_binary(path: Path, out: Path, progress: Progress | None) -> tuple[int, int, KeyTable]:
    n, dim = _parse_header(path)
    _check_header_fits(path, n, dim, 4 * dim + 2, "E066")  # a key, a space, dim float32s
    writer = TensorWriter(out / VECTORS_FILE, "vectors", n, dim)
    table = writer.array
    row_bytes = 4 * dim
    blob, offsets = bytearray(), array("q", [0])
    with open(path, "rb") as fh:
        consumed = len(fh.readline())  # bytes before buf[0]
        buf, pos = b"", 0

        def refill() -> bool:
            nonlocal buf, pos, consumed
            more = fh.read(1 << 20)
            if not more:
                return False
            consumed += pos
            buf, pos = buf[pos:] + more, 0
            return True

        def truncated(row: int) -> FormatError:
            _close_failed(writer)
            return FormatError(
                "E066",
                f"The file ends inside row {row + 1} of {n} (header '{n} {dim}')",
                path=path,
                offset=consumed + len(buf),
                hint="The file is truncated: copy or download it again.",
            )

        for row in range(n):
            while (space := buf.find(b" ", pos)) < 0:
                if not refill():
                    raise truncated(row)
            raw_key = buf[pos:space].lstrip(b"\n")  # the C tool ends each row with "\n"
            try:
                key = raw_key.decode("utf8")
            except UnicodeDecodeError as err:
                _close_failed(writer)
                raise FormatError(
                    "E059",
                    f"The key of row {row + 1} is not valid UTF-8",
                    path=path,
                    offset=consumed + pos,
                    hint="Convert the keys to UTF-8, or export the vectors as text.",
                ) from err
            pos = space + 1
            while len(buf) - pos < row_bytes:
                if not refill():
                    raise truncated(row)
            table[row] = np.frombuffer(buf, dtype="<f4", count=dim, offset=pos)
            if not np.isfinite(table[row]).all():
                _close_failed(writer)
                raise _not_finite(path, raw_key.decode("utf8", "replace"), offset=consumed + pos)
            pos += row_bytes
            blob += key.encode("utf8")
            offsets.append(len(blob))
            if progress is not None and (row + 1) % 10000 == 0:
                progress(row + 1, n)
        rest = buf[pos:] + fh.read(1 << 16)
        if rest.strip():
            _close_failed(writer)
            raise FormatError(
                "E060",
                f"More data after the header's {n} rows",
                path=path,
                offset=consumed + pos,
                hint="Fix the header ('<rows> <dim>') or pass --format if the file is text.",
            )
    return n, dim, _finish(writer, n, blob, offsets, progress)


# -- helpers ------------------------------------------------------------------------------


def _finish(
    writer: TensorWriter,
    rows: int,
    blob: bytearray,
    offsets: array[int],
    progress: Progress | None,
) -> KeyTable:
    """Close the table at ``rows`` rows and index the keys gathered as bytes + offsets."""
    writer.close(rows, {"format": "nerkit.vectors"})
    if progress is not None:
        progress(rows, rows)
    return KeyTable.from_blob(np.frombuffer(bytes(blob), dtype=np.uint8), np.asarray(offsets))


def _head(path: Path, size: int = 1 << 16) -> bytes:
    try:
        with open(path, "rb") as fh:
            head = fh.read(size)
    except OSError as err:
        raise FormatError("E065", f"Cannot read the file: {err}", path=path) from err
    if not head.strip():
        raise FormatError("E065", "The file is empty", path=path, hint="Check the path.")
    return head


def _looks_like_text(data: bytes) -> bool:
    try:
        text = codecs.getincrementaldecoder("utf8")().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return not _CONTROL.search(text)


def _close_failed(writer: TensorWriter) -> None:
    """Drop the half-written output so a failed import leaves no table that looks valid."""
    path = writer.path
    if hasattr(writer, "array"):
        del writer.array
    path.unlink(missing_ok=True)
