"""Plain JSONL: ``{"text": ..., "spans": [{"start", "end", "label"}]}``, one record per line.

The format ``nerkit predict`` writes. Other keys of a span (such as ``"text"``) and other
fields of a record are kept and written back; ``meta`` and ``answer`` go to the Example's
fields. Texts are tokenized with the given tokenizer (English by default).

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text('{"text": "Hi Ann", "spans": [{"start": 3, "end": 6, "label": "PER"}], "id": 7}')
    >>> ex = next(read_jsonl(p))
    >>> ex.spans, ex.extra
    ([(3, 6, 'PER')], {'id': 7})
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ._io import (
    TokenizerFn,
    atomic_write_lines,
    check_answer,
    dumps,
    iter_json_lines,
    need,
    read_span_dicts,
    record_fields,
    split_meta,
    tokens_of,
)
from .example import Example, Source

_OWN = ("text", "spans", "meta", "answer")


def read_jsonl(
    path: Path,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
) -> Iterator[Example]:
    """Read plain JSONL records; a record without ``spans`` has no entities."""
    for lineno, rec in iter_json_lines(path):
        text = need(rec, "text", str, path, lineno)
        spans, attrs = read_span_dicts(rec.get("spans"), text, path, lineno, strict)
        meta, extra = split_meta(rec, _OWN)
        yield Example(
            tokens_of(text, tokenizer),
            spans,
            answer=check_answer(rec.get("answer", "accept"), path, lineno),
            meta=meta,
            extra=extra,
            source=Source(str(path), lineno),
            span_attrs=attrs,
        )


def plain_record(ex: Example) -> dict[str, Any]:
    """The plain JSONL record of an example: text, its other fields, spans, meta, answer."""
    text = ex.text
    rec: dict[str, Any] = {"text": text}
    rec.update(record_fields(ex.extra))
    rec["spans"] = [_span(ex, span) for span in ex.spans]
    if ex.meta:
        rec["meta"] = ex.meta
    if ex.answer != "accept":
        rec["answer"] = ex.answer
    return rec


def _span(ex: Example, span: tuple[int, int, str]) -> dict[str, Any]:
    start, end, label = span
    out: dict[str, Any] = {"start": start, "end": end, "label": label}
    attrs = ex.span_attrs.get(span)
    if attrs is None:
        out["text"] = ex.text[start:end]
    else:
        out.update(attrs)
        if "text" in attrs:
            out["text"] = ex.text[start:end]
    return out


def write_jsonl(examples: Iterable[Example], path: Path, *, scheme: str = "IOB2") -> int:
    """Write plain JSONL; returns the number of examples written."""
    return atomic_write_lines(path, (dumps(plain_record(ex)) for ex in examples))
