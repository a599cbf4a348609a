"""Sources split into partitions that another process can read on its own (an engine's unit of
work): plain JSON-ready dicts, never data or objects.

- A plain text file (a document per line) or a JSONL file: ranges of records, each the byte
  offset where it starts and the number of its first record (one pass over the file).
- A SQL query with an id column: ranges of that column (``WHERE id > lo AND id <= hi``).
- A store dataset (``db:NAME``): ranges of example ids.
- Anything else (other formats, ``--split blank|file``, a query without an id column): one
  partition, the whole source.

Reading the partitions of a source in order gives exactly the records of ``read_source`` /
``sql_records`` (a test checks).

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "posts.txt"
    >>> _ = p.write_text("".join(f"post {i}\\n" for i in range(1, 8)))
    >>> parts = plan_partitions(p, rows=3)
    >>> [[r["id"] for r in read_partition(part)] for part in parts]
    [[1, 2, 3], [4, 5, 6], [7]]
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..corpus.files import check_readable
from ..corpus.formats import looks_like_conll
from ..corpus.readwrite import db_dataset
from .sources import Split, read_source, sql_records

Partition = dict[str, Any]


def plan_partitions(
    source: str | Path | None,
    *,
    rows: int = 10_000,
    parts: int | None = None,
    format: str | None = None,
    split: Split = "line",
    db: str | None = None,
    url: str | None = None,
    query: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
) -> list[Partition]:
    """The partitions of a source: about ``rows`` records each (files), or ``parts`` id ranges
    (SQL, the store; default: the id span divided by ``rows``)."""
    if query is not None:
        assert url is not None
        return _sql_partitions(url, query, id_column, text_column, rows, parts)
    assert source is not None
    name = db_dataset(source)
    if name is not None:
        return _store_partitions(name, db, rows, parts)
    path = Path(source)
    check_readable(path)
    kind = _line_kind(path, format, split)
    if kind is None:
        whole = {"kind": "source", "source": str(path), "format": format, "split": split}
        return [whole]
    return _file_partitions(path, kind, rows)


def _line_kind(path: Path, format: str | None, split: str) -> str | None:
    """``text`` or ``jsonl`` when the file is read a record per line, else None."""
    key = (format or "").lower()
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        first = next((line for line in fh if line.strip()), b"").lstrip()
    if key == "jsonl" or (not key and (suffix in (".jsonl", ".ndjson") or first[:1] == b"{")):
        return "jsonl"
    plain = key in ("txt", "text") or (
        not key and suffix in (".txt", ".text", "") and not looks_like_conll(path)
    )
    return "text" if plain and split == "line" else None


def _file_partitions(path: Path, kind: str, rows: int) -> list[Partition]:
    out: list[Partition] = []
    n = 0
    offset = 0
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                if n % rows == 0:
                    out.append({"kind": kind, "path": str(path), "offset": offset,
                                "first": n + 1, "count": 0})  # fmt: skip
                out[-1]["count"] += 1
                n += 1
            offset += len(line)
    return out


def _sql_partitions(
    url: str,
    query: str,
    id_column: str | None,
    text_column: str | None,
    rows: int,
    parts: int | None,
) -> list[Partition]:
    from sqlalchemy import text

    from ..store.importers import source_engine

    whole: Partition = {"kind": "sql", "url": url, "query": query, "id_column": id_column,
                        "text_column": text_column, "lo": None, "hi": None}  # fmt: skip
    engine = source_engine(url, "predict")
    inner = query.strip().rstrip(";").strip()
    try:
        with engine.connect() as conn:
            columns = list(conn.execute(text(f"SELECT * FROM ({inner}) AS q LIMIT 0")).keys())
            id_col = id_column or ("id" if "id" in columns else None)
            if id_col is None or id_col not in columns:
                return [whole]  # no id to range over: one partition (sql_records says why)
            quoted = engine.dialect.identifier_preparer.quote(id_col)
            lo, hi, count = conn.execute(
                text(f"SELECT min(q.{quoted}), max(q.{quoted}), count(*) FROM ({inner}) AS q")
            ).one()
    finally:
        engine.dispose()
    if lo is None or not isinstance(lo, int) or not isinstance(hi, int):
        return [whole]
    n = parts or max(1, -(-int(count) // rows))
    return [{**whole, "id_column": id_col, "lo": a, "hi": b} for a, b in _ranges(lo, hi, n)]


def _store_partitions(name: str, db: str | None, rows: int, parts: int | None) -> list[Partition]:
    from ..store import Store

    with Store(db) as store:
        span = store.id_range(name)
        count = store.dataset(name).examples
    if span is None:
        return []
    n = parts or max(1, -(-count // rows))
    return [{"kind": "db", "dataset": name, "db": db, "lo": a, "hi": b}
            for a, b in _ranges(*span, n)]  # fmt: skip


def _ranges(lo: int, hi: int, n: int) -> list[tuple[int, int]]:
    """``n`` half-open ranges ``(a, b]`` covering ``lo..hi``: the first starts at ``lo - 1``.

    >>> _ranges(1, 10, 3)
    [(0, 3), (3, 7), (7, 10)]
    """
    n = max(1, min(n, hi - lo + 1))
    edges = [lo - 1 + round(i * (hi - lo + 1) / n) for i in range(n + 1)]
    return list(zip(edges, edges[1:]))


def read_partition(part: Partition) -> Iterator[dict[str, Any]]:
    """The records of one partition (see the module doc)."""
    kind = part["kind"]
    if kind in ("text", "jsonl"):
        yield from _read_lines(part)
    elif kind == "sql":
        yield from sql_records(
            part["url"], part["query"], id_column=part["id_column"],
            text_column=part["text_column"], id_range=(part["lo"], part["hi"]),
        )  # fmt: skip
    elif kind == "db":
        from ..store import Store

        with Store(part["db"]) as store:
            for ex in store.examples(part["dataset"], after=part["lo"], upto=part["hi"]):
                yield {"id": ex.id, "text": ex.text}
    else:
        yield from read_source(part["source"], format=part["format"], split=part["split"])


def _read_lines(part: Partition) -> Iterator[dict[str, Any]]:
    from ..errors import FormatError

    n = part["first"]
    left = part["count"]
    path = Path(part["path"])
    with open(path, "rb") as fh:
        fh.seek(part["offset"])
        for raw in fh:
            if left == 0:
                return
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise FormatError("E006", "The file is not UTF-8 text", path=path) from None
            if part["kind"] == "text":
                yield {"id": n, "text": line}
            else:
                try:
                    record = json.loads(line)
                except ValueError as err:
                    raise FormatError("E001", f"Invalid JSON: {err}", path=path) from None
                if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                    raise FormatError(
                        "E003", 'The record has no "text" string', path=path,
                        hint='Each JSONL line must be an object with a "text" field.',
                    )  # fmt: skip
                yield {"id": n, **record}
            n += 1
            left -= 1
