"""Read and write annotated data in any registered format.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.conll"
    >>> _ = p.write_text("Ann B-PER\\nsmiled O\\n")
    >>> examples = read(p)
    >>> examples[0].spans, str(examples[0].source).endswith("a.conll:1")
    ([(0, 3, 'PER')], True)
    >>> write(examples, p.with_suffix(".jsonl"), "jsonl")
    1
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path
from typing import Any

from ..errors import FormatError
from .answers import accepted as accepted  # re-exported: the gold filter lives with the answers
from .example import Example
from .files import TokenizerFn, check_readable
from .formats import FORMATS, Format, detect_format, get_format
from .sources import iter_source, source_of


def resolve_format(path: str | PathLike[str], format: str | Format | None = None) -> Format:
    """The format to read ``path`` with: the one named, or the one detected."""
    if isinstance(format, Format):
        return format
    if source_of(path) is not None:
        return DB_FORMAT
    if format:
        return get_format(format)
    return detect_format(Path(path))


def iter_read(
    path: str | PathLike[str],
    format: str | Format | None = None,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
    db: str | None = None,
) -> Iterator[Example]:
    """Stream the examples of a file (format detected when None), one at a time.

    ``db:NAME`` reads dataset NAME of the store in database ``db`` (a URL or SQLite file;
    None: the store's default), once ``nerkit.store`` is imported (it registers the source,
    see :mod:`nerkit.corpus.sources`): its complete accepted examples and its binary
    accept/reject answers (see ``nerkit.store.dbpath``).

    ``tokenizer`` (``text -> Doc``) tokenizes formats without tokens; English by default.
    ``scheme`` forces the tag scheme of CoNLL files. ``strict=False`` keeps spans past the
    end of their text or empty ones instead of raising, for ``nerkit data check`` to list.

    Raises:
        FormatError: missing, empty, binary or malformed file (with file and line).
        SpanError: a span past the end of its text, or empty (strict only).
        TagError: unknown tags or mixed schemes in a CoNLL file.
    """
    if source_of(path) is not None:  # db:NAME reads a dataset of the store
        yield from iter_source(path, tokenizer=tokenizer, db=db)
        return
    p = Path(path)
    fmt = resolve_format(p, format)
    check_readable(p, binary_ok=fmt.binary)
    yield from fmt.read(p, tokenizer=tokenizer, scheme=scheme, strict=strict)


def db_dataset(path: str | PathLike[str]) -> str | None:
    """The store dataset a ``db:NAME`` path names (when no such file exists), else None.

    >>> db_dataset("db:news"), db_dataset("news.jsonl")
    ('news', None)
    """
    found = source_of(path)
    return found[1] if found is not None and found[0] == "db" else None


def _no_source_write(examples: Iterable[Example], path: Path, **_: object) -> int:
    raise FormatError(
        "E018",
        "Cannot write to a store dataset (db:NAME) here",
        path=path,
        hint="Write a file, then: nerkit db import NAME FILE.",
    )


def _read_source(path: Path, **options: Any) -> Iterator[Example]:
    yield from iter_source(path, tokenizer=options.get("tokenizer"), db=options.get("db"))


# The format of a db:NAME path: a dataset of the store, read as what training learns from.
# Not in the registry (it is not a file format); iter_read and resolve_format know it.
DB_FORMAT = Format(
    "db",
    _read_source,
    _no_source_write,
    (),
    "a dataset of the nerkit store (db:NAME): complete accepted examples, binary answers",
    answers=True,
    kinds=True,
)


def read(
    path: str | PathLike[str],
    format: str | Format | None = None,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
    db: str | None = None,
) -> list[Example]:
    """All examples of a file; see ``iter_read``."""
    return list(iter_read(path, format, tokenizer=tokenizer, scheme=scheme, strict=strict, db=db))


def write(
    examples: Iterable[Example],
    path: str | PathLike[str],
    format: str | None = None,
    *,
    scheme: str = "IOB2",
    left_out: Counter[str] | None = None,
) -> int:
    """Write examples to ``path`` in ``format`` (by extension when None); returns the count.

    ``scheme`` is the tag scheme of CoNLL output. Formats that cannot record an answer
    (CoNLL, spaCy tuples, doccano) get only the accepted examples: a rejected span written
    there would read as gold. Likewise only Prodigy and plain JSONL can say that an answer
    is binary (about its spans alone); the other formats get the complete examples only.
    ``left_out``, when given, counts what was left out (see :func:`writable`). The file is
    replaced atomically.
    """
    p = Path(path)
    fmt = get_format(format) if format else format_for_output(p)
    return fmt.write(writable(examples, fmt, left_out), p, scheme=scheme)


def writable(
    examples: Iterable[Example], fmt: Format, left_out: Counter[str] | None = None
) -> Iterator[Example]:
    """The examples ``fmt`` can record, streamed; ``left_out`` counts the others by reason:
    ``"binary"`` (a binary answer, in a format without ``kinds``), else their answer
    (``"reject"``, ``"ignore"``, in a format without ``answers``).

    >>> from nerkit.tokens import Doc
    >>> doc = Doc.from_words(["Ann"])
    >>> exs = [Example(doc), Example(doc, answer="reject"), Example(doc, kind="binary")]
    >>> counts = Counter()
    >>> [e.answer for e in writable(exs, get_format("conll"), counts)], dict(counts)
    (['accept'], {'reject': 1, 'binary': 1})
    """
    for ex in examples:
        reason = None
        if ex.kind == "binary" and not fmt.kinds:
            reason = "binary"
        elif ex.answer != "accept" and not fmt.answers:
            reason = ex.answer
        if reason is None:
            yield ex
        elif left_out is not None:
            left_out[reason] += 1


def format_for_output(path: Path) -> Format:
    """The format an output path's extension implies (``.jsonl`` -> plain JSONL)."""
    suffix = path.suffix.lower()
    preferred = {".jsonl": "jsonl", ".json": "spacy-json"}
    if suffix in preferred and preferred[suffix] in FORMATS:
        return FORMATS[preferred[suffix]]
    for fmt in FORMATS.values():
        if suffix in fmt.extensions:
            return fmt
    raise FormatError(
        "E007",
        f"Cannot tell which format to write from the extension '{suffix or '(none)'}'",
        path=path,
        hint=f"Pass the format (--to), one of: {', '.join(sorted(FORMATS))}.",
    )
