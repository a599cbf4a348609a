"""Reading and writing data files safely: the readable-file checks (E005 empty, E006 binary or
not UTF-8, E008 missing, E009 a directory), lines with their numbers, and atomic writes (a
file is replaced only once it is complete)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import INTERRUPTED, FormatError
from ..tokens import Doc

TokenizerFn = Callable[[str], Doc]  # text -> its tokens

_SNIFF_BYTES = 8192


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's bytes, read in blocks: what meta.json records of model
    files and training data, and a transformer's checksum."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@lru_cache(maxsize=1)
def default_tokenizer() -> TokenizerFn:
    """The English tokenizer, built once (formats without tokens need one)."""
    from ..tokenizer import get_tokenizer

    return get_tokenizer("en")


def check_readable(path: Path, *, binary_ok: bool = False) -> None:
    """Raise a FormatError when ``path`` is missing, a directory, empty, or binary."""
    if not path.exists():
        raise FormatError(
            "E008",
            "No such file",
            path=path,
            hint="Check the path; it is relative to the current directory.",
        )
    if path.is_dir():
        raise FormatError(
            "E009",
            "This is a directory, not a data file",
            path=path,
            hint="Pass the file(s) inside it.",
        )
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise FormatError(
            "E005",
            "The file is empty" if not head else "The file holds only whitespace",
            path=path,
            hint="Point to a file with at least one record.",
        )
    if not binary_ok and b"\x00" in head:
        raise FormatError(
            "E006",
            "This is a binary file, not text",
            path=path,
            hint="Pass a text format (JSONL, JSON, CoNLL), or --from spacy for a .spacy DocBin.",
        )


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` (1-based, line ending stripped); non-UTF-8 raises E006.

    Lines are decoded one by one so that a bad byte is reported on its own line.
    """
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise FormatError(
                    "E006",
                    f"The file is not UTF-8 text (byte 0x{raw[err.start]:02x} at column "
                    f"{err.start + 1})",
                    path=path,
                    line=lineno,
                    hint="Re-save it as UTF-8 (e.g. iconv -f latin1 -t utf-8).",
                ) from None
            if lineno == 1 and line.startswith("\ufeff"):
                line = line[1:]  # a byte-order mark is not text
            yield lineno, line.rstrip("\r\n")


def read_text(path: Path) -> str:
    """The whole file as text; non-UTF-8 bytes raise E006 with the line."""
    return "\n".join(line for _, line in iter_lines(path))


def check_not_input(output: str | Path, *inputs: str | Path) -> None:
    """E019 when ``output`` is one of ``inputs`` (the same file, through any path): writing
    it would destroy the data being read."""
    out = Path(output)
    for given in inputs:
        path = Path(given)
        if out.exists() and path.exists() and out.resolve() == path.resolve():
            raise FormatError(
                "E019",
                "The output is the input file: writing it would overwrite the data being read",
                path=out,
                hint="Write to another file; the input is left as it was.",
            )


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; moved onto ``path`` when the block ends.

    A reader never sees a half-written file; on an error the temporary file is removed and
    ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_lines(path: Path, lines: Iterable[str]) -> int:
    """Write ``lines`` (each given its own newline) to ``path`` via a temporary file.

    Returns the number of lines written. A reader never sees a half-written file.
    """
    n = 0
    with atomic_target(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            if INTERRUPTED.is_set():  # the KeyboardInterrupt may have been swallowed
                raise KeyboardInterrupt
            fh.write(line)
            fh.write("\n")
            n += 1
    return n


def atomic_write_json_array(path: Path, records: Iterable[Any]) -> int:
    """Write a JSON array with one record per line (so each record has a line); returns the count."""
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        pending = None
        yield "["
        for record in records:
            if pending is not None:
                yield pending + ","
            pending = "  " + dumps(record)
            count += 1
        if pending is not None:
            yield pending
        yield "]"

    atomic_write_lines(path, lines())
    return count


def dumps(value: Any) -> str:
    """Compact JSON on one line, keeping non-ASCII characters readable."""
    return json.dumps(value, ensure_ascii=False)
