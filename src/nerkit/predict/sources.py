"""Where texts to predict come from: files of any format nerkit reads, a dataset of the store
(``db:NAME``), or a SQL query on any database SQLAlchemy speaks.

Every source yields records, dicts with an ``"id"`` (kept with the predictions: the example
id, the query's id column, a JSONL record's own ``id``, else the record's number from 1) and a
``"text"``; JSONL records keep their other fields.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "posts.txt"
    >>> _ = p.write_text("first post\\nstill the first\\n\\nsecond post\\n")
    >>> [r["text"] for r in read_source(p, split="blank")]
    ['first post\\nstill the first', 'second post']
    >>> [r["id"] for r in read_source(p)]
    [1, 2, 3]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from ..corpus.files import check_readable, iter_lines
from ..corpus.formats import looks_like_conll
from ..corpus.jsonio import iter_json_lines
from ..corpus.readwrite import db_dataset, iter_read
from ..errors import ConfigError, FormatError

Split = Literal["line", "blank", "file"]
SPLITS = ("line", "blank", "file")
_PLAIN = (".txt", ".text", "")


def read_source(
    source: str | Path,
    *,
    format: str | None = None,
    split: Split = "line",
    db: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Records of ``source``: ``db:NAME`` (the dataset's examples, answered or not, in database
    ``db``), a plain text file (``split``: a document per ``line``, per ``blank``-line-separated
    block, or the whole ``file``; a ``.txt`` file of token-and-tag lines is CoNLL), JSONL with ``"text"`` (``.jsonl``, or a first line that
    opens an object), or any other format nerkit reads (``format``, else detected)."""
    name = db_dataset(source)
    if name is not None:
        yield from read_dataset(name, db)
        return
    path = Path(source)
    if split not in SPLITS:
        raise ConfigError("E309", f"--split {split!r}", hint=f"Use one of: {', '.join(SPLITS)}.")
    check_readable(path)
    key = (format or "").lower()
    first = next((line for _, line in iter_lines(path) if line.strip()), "")
    if key in ("txt", "text") or (
        not key
        and path.suffix.lower() in _PLAIN
        and not first.lstrip().startswith("{")
        and not looks_like_conll(path)
    ):
        yield from _plain(path, split)
    elif key == "jsonl" or (
        not key and (path.suffix.lower() in (".jsonl", ".ndjson") or first.lstrip()[:1] == "{")
    ):
        yield from _jsonl(path)
    else:
        for n, ex in enumerate(iter_read(path, format), 1):
            yield {"id": n, "text": ex.text}


def _plain(path: Path, split: Split) -> Iterator[dict[str, Any]]:
    if split == "file":
        yield {"id": 1, "text": path.read_text(encoding="utf8")}
        return
    n = 0
    block: list[str] = []
    for _, line in iter_lines(path):
        if split == "line":
            if line.strip():
                n += 1
                yield {"id": n, "text": line}
        elif line.strip():
            block.append(line)
        elif block:
            n += 1
            yield {"id": n, "text": "\n".join(block)}
            block = []
    if block:
        yield {"id": n + 1, "text": "\n".join(block)}


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    for n, (lineno, record) in enumerate(iter_json_lines(path), 1):
        if not isinstance(record.get("text"), str):
            raise FormatError(
                "E003",
                'The record has no "text" string',
                path=path,
                line=lineno,
                hint='Each JSONL line must be an object with a "text" field.',
            )
        yield {"id": n, **record}


def read_dataset(name: str, db: str | None = None) -> Iterator[dict[str, Any]]:
    """Records of the store dataset ``name`` (``db:NAME``) in database ``db``, answered or
    not: ``{"id": example id, "text": ...}`` in id order."""
    from ..store import Store

    with Store(db) as store:
        store.dataset(name)  # a missing dataset fails before the output is touched
        for ex in store.examples(name):
            yield {"id": ex.id, "text": ex.text}


def sql_records(
    url: str,
    query: str,
    *,
    id_column: str | None = None,
    text_column: str | None = None,
    batch_size: int = 1000,
    id_range: tuple[int | None, int | None] = (None, None),
) -> Iterator[dict[str, Any]]:
    """The rows of ``query`` on the database at ``url``, streamed, as ``{"id", "text"}``;
    with ``id_range`` ``(lo, hi)``, those with ``lo < id <= hi`` in id order (a partition).

    ``text_column`` defaults to ``text``, else the only column that is not the id;
    ``id_column`` to ``id`` when the query selects one, else the row number (from 1).
    PostgreSQL and other servers stream the rows from one query. SQLite is read a page at a
    time, each in its own short transaction (by id when there is one, else by offset), since
    a reader that stays open would lock out every writer of the file, the predictions
    written back into it among them.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from ..store.importers import query_failed, source_engine
    from ..store.url import safe_url

    engine = source_engine(url, "predict")
    where = safe_url(str(engine.url))
    inner = query.strip().rstrip(";").strip()
    try:
        with engine.connect() as conn:
            columns = list(conn.execute(text(f"SELECT * FROM ({inner}) AS q LIMIT 0")).keys())
        id_col = id_column or ("id" if "id" in columns else None)
        if id_col is not None and id_col not in columns:
            raise _missing("id", id_col, columns, where)
        others = [c for c in columns if c != id_col]
        text_col = text_column or ("text" if "text" in columns else None)
        if text_col is None and len(others) == 1:
            text_col = others[0]
        if text_col is None or text_col not in columns:
            raise _missing("text", text_col, columns, where)
        lo, hi = id_range
        if lo is not None and hi is not None and id_col is not None:
            quoted = engine.dialect.identifier_preparer.quote(id_col)
            inner = (
                f"SELECT * FROM ({inner}) AS r WHERE r.{quoted} > {int(lo)} "
                f"AND r.{quoted} <= {int(hi)} ORDER BY r.{quoted}"
            )
        n = 0
        for row in _rows(engine, inner, id_col, batch_size):
            n += 1
            value = row[text_col]
            yield {"id": row[id_col] if id_col else n, "text": "" if value is None else str(value)}
    except SQLAlchemyError as err:
        raise query_failed(err, where) from None
    finally:
        engine.dispose()


def _rows(engine: Any, inner: str, id_col: str | None, batch_size: int) -> Iterator[Any]:
    from sqlalchemy import text

    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(
                text(inner)
            )
            yield from result.mappings()
        return
    last: Any = None
    offset = 0
    while True:
        with engine.connect() as conn:  # one short read transaction per page
            if id_col is not None:
                quoted = engine.dialect.identifier_preparer.quote(id_col)
                cond = "" if last is None else f"WHERE q.{quoted} > :last "
                page = (
                    conn.execute(
                        text(f"SELECT * FROM ({inner}) AS q {cond}ORDER BY q.{quoted} LIMIT :n"),
                        {"last": last, "n": batch_size},
                    )
                    .mappings()
                    .all()
                )
            else:
                page = (
                    conn.execute(
                        text(f"SELECT * FROM ({inner}) AS q LIMIT :n OFFSET :k"),
                        {"n": batch_size, "k": offset},
                    )
                    .mappings()
                    .all()
                )
        yield from page
        if len(page) < batch_size:
            return
        offset += len(page)
        if id_col is not None:
            last = page[-1][id_col]


def _missing(what: str, name: str | None, columns: list[str], where: str) -> Exception:
    from ..errors import StoreError

    found = ", ".join(columns)
    message = (
        f"The query has no column '{name}' (it selects {found})"
        if name
        else f"Cannot tell which column is the text (the query selects {found})"
    )
    return StoreError(
        "E408",
        message,
        path=where,
        hint=f"Name it with --{what}-column, or alias it: SELECT body AS {what}.",
    )


def count_source(
    source: str | Path | None,
    *,
    split: Split = "line",
    db: str | None = None,
    url: str | None = None,
    query: str | None = None,
) -> int | None:
    """How many records the source holds, cheaply, for a progress bar (None: unknown)."""
    try:
        if query is not None and url is not None:
            from sqlalchemy import text

            from ..store.importers import source_engine

            engine = source_engine(url, "predict")
            try:
                with engine.connect() as conn:
                    inner = query.strip().rstrip(";")
                    return int(
                        conn.execute(text(f"SELECT count(*) FROM ({inner}) AS q")).scalar_one()
                    )
            finally:
                engine.dispose()
        if source is None:
            return None
        name = db_dataset(source)
        if name is not None:
            from ..store import Store

            with Store(db) as store:
                return store.dataset(name).examples
        path = Path(source)
        if split == "file":
            return 1
        if split == "blank":
            return None
        if path.suffix.lower() in (*_PLAIN, ".jsonl", ".ndjson"):
            return sum(1 for _, line in iter_lines(path) if line.strip())
    except Exception:  # a count is only for the progress bar; reading reports real errors
        return None
    return None


_TABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
