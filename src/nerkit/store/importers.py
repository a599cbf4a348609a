"""Getting texts into the store: text, CSV and annotated files, and SQL queries.

Each reader yields ``(Example, annotated)`` pairs: ``annotated`` says whether the record
carries an answer (spans or an answer field), which the store keeps as an annotation of the
``import`` session beside the example.

- ``txt``: one text per line (blank lines skipped).
- ``csv``: a header row; ``text_column`` is the text, the other columns go to ``meta``.
- ``jsonl``/``prodigy``: ``{"text", "meta"?, "spans"?, "answer"?}`` per line; a record with
  ``spans`` or ``answer`` is annotated, one with neither is a text to annotate. The answer
  keeps the kind the record says (Prodigy ``"_view_id": "ner"`` or ``"kind": "binary"``:
  binary, about its spans alone; else complete).
- every other format ``nerkit.corpus`` reads (CoNLL, spaCy, doccano, Label Studio, DocBin):
  annotated.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "texts.txt"
    >>> _ = p.write_text("Ann met Bob.\\n\\nBob left.\\n")
    >>> name, items = read_items(p)
    >>> name, [(ex.text, annotated) for ex, annotated in items]
    ('txt', [('Ann met Bob.', False), ('Bob left.', False)])
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus import Example, Source, get_format, resolve_format
from ..corpus.files import check_readable, iter_lines
from ..corpus.jsonio import iter_json_lines
from ..errors import FormatError, StoreError
from ..tokens import Doc
from .records import ImportCounts
from .store import Store

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Item = tuple[Example, bool]
TEXT_FORMATS = ("txt", "csv")
_JSON_LINES = ("jsonl", "prodigy")


def untokenized(text: str) -> Doc:
    """A Doc of ``text`` with no tokens: the store keeps tokens only where the input gave them."""
    return Doc(text, [], [], check=False)


def read_items(
    path: str | PathLike[str], format: str | None = None, *, text_column: str = "text"
) -> tuple[str, Iterator[Item]]:
    """The format of ``path`` (``txt``, ``csv`` or a corpus format) and its items, streamed."""
    p = Path(path)
    name = _import_format(p, format)
    if name == "txt":
        return name, _read_txt(p)
    if name == "csv":
        return name, _read_csv(p, text_column)
    fmt = get_format(name)
    examples = fmt.read(p, tokenizer=untokenized)
    if fmt.name in _JSON_LINES:
        return fmt.name, _flag_json_lines(p, examples)
    return fmt.name, ((ex, True) for ex in examples)


def import_files(
    store: Store,
    dataset: str,
    paths: Iterable[str | PathLike[str]],
    format: str | None = None,
    *,
    text_column: str = "text",
) -> list[tuple[Path, str, ImportCounts]]:
    """Import each file into ``dataset`` (made if missing): ``(path, format, counts)`` each."""
    done = []
    for path in paths:
        name, items = read_items(path, format, text_column=text_column)
        done.append((Path(path), name, store.add_items(dataset, items)))
    return done


def import_sql(
    store: Store,
    dataset: str,
    url: str,
    query: str,
    *,
    text_column: str = "text",
    batch_size: int = 1000,
) -> ImportCounts:
    """Import the rows of ``query`` run on the database at ``url`` (any SQLAlchemy URL).

    ``text_column`` is the text; the other selected columns go to ``meta``. Rows are
    streamed from the server (``stream_results``), ``batch_size`` at a time.
    """
    return store.add_items(
        dataset, sql_items(url, query, text_column=text_column, batch_size=batch_size)
    )


def sql_items(
    url: str, query: str, *, text_column: str = "text", batch_size: int = 1000
) -> Iterator[Item]:
    """Stream ``(Example, False)`` for each row of ``query`` on the database at ``url``."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from .url import safe_url

    engine = source_engine(url, "import-sql")
    where = safe_url(str(engine.url))
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(
                text(query)
            )
            columns = list(result.keys())
            if text_column not in columns:
                raise StoreError(
                    "E408",
                    f"The query has no column '{text_column}' (it selects {', '.join(columns)})",
                    path=where,
                    hint="Name the text column with --text-column, or alias it: SELECT body AS text.",
                )
            for n, row in enumerate(result.mappings(), 1):
                value = row[text_column]
                text_value = "" if value is None else str(value)
                meta = {k: _jsonable(v) for k, v in row.items() if k != text_column}
                yield (
                    Example(untokenized(text_value), meta=meta, source=Source(where, record=n)),
                    False,
                )
    except SQLAlchemyError as err:
        raise query_failed(err, where) from None
    finally:
        engine.dispose()


def query_failed(err: Exception, where: str) -> StoreError:
    """E412 for a query on someone else's database that failed, with the database's words."""
    return StoreError(
        "E412",
        f"The query failed: {getattr(err, 'orig', None) or err}",
        path=where,
        hint="Check the URL and the SQL (run it in the database's own client first).",
    )


def source_engine(url: str, command: str) -> Engine:
    """A plain engine on someone else's database at ``url`` (not the store's: it must not be
    switched to WAL or otherwise changed); E406 for a SQLite file that does not exist, which
    connecting would create empty."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from .url import resolve_url, safe_url

    resolved = resolve_url(url)
    where = safe_url(resolved)
    try:
        parsed = make_url(resolved)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            if not Path(parsed.database).is_file():
                raise StoreError(
                    "E406",
                    f"Cannot open the database {where}: no such SQLite file",
                    path=parsed.database,
                    hint=f"{command} reads an existing database: check --url.",
                )
        return create_engine(parsed)
    except ArgumentError as err:
        raise StoreError(
            "E406",
            f"Cannot open the database {where}: {err}",
            hint="--url is a SQLite file path or a SQLAlchemy URL such as "
            "postgresql+psycopg://user@host/db.",
        ) from None


def _import_format(path: Path, format: str | None) -> str:
    if format:
        key = format.lower().strip()
        if key in ("txt", "text"):
            return "txt"
        if key == "csv":
            return "csv"
        return get_format(key).name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    try:
        return resolve_format(path).name
    except FormatError as err:
        if err.code == "E007" and suffix in (".txt", ".text", ""):
            return "txt"  # not CoNLL: a text per line
        raise


def _read_txt(path: Path) -> Iterator[Item]:
    check_readable(path)
    for lineno, line in iter_lines(path):
        if line.strip():
            yield Example(untokenized(line), source=Source(str(path), lineno)), False


def _read_csv(path: Path, text_column: str) -> Iterator[Item]:
    check_readable(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
        fh.seek(0)
        # The header decides the delimiter: a comma unless it has none but a tab, ';' or '|'
        # (sniffing the rows instead guesses wrong on texts full of punctuation).
        delimiter = next((d for d in (",", "\t", ";", "|") if d in header), ",")
        reader = csv.DictReader(fh, delimiter=delimiter)
        columns = reader.fieldnames or []
        if text_column not in columns:
            raise StoreError(
                "E408",
                f"The CSV file has no column '{text_column}' (its header: {', '.join(columns)})",
                path=path,
                line=1,
                hint="Name the text column with --text-column.",
            )
        try:
            for row in reader:
                meta = {k: v for k, v in row.items() if k != text_column and k is not None}
                yield (
                    Example(
                        untokenized(row[text_column] or ""),
                        meta=meta,
                        source=Source(str(path), reader.line_num),
                    ),
                    False,
                )
        except UnicodeDecodeError:
            raise FormatError(
                "E006",
                "The file is not UTF-8 text",
                path=path,
                line=reader.line_num + 1,
                hint="Re-save it as UTF-8.",
            ) from None


def _flag_json_lines(path: Path, examples: Iterator[Example]) -> Iterator[Item]:
    # The corpus readers yield one example per non-blank line; the raw records, read in step,
    # say whether each carried spans or an answer (an Example has empty spans either way).
    records = iter_json_lines(path)
    for ex in examples:
        lineno, rec = next(records)
        assert ex.source is None or ex.source.line == lineno, (ex.source, lineno)
        yield ex, ("spans" in rec or "answer" in rec)


def _jsonable(value: Any) -> Any:
    """A JSON value for a database value (dates as ISO text, decimals as numbers)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
