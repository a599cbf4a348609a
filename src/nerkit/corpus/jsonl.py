"""Plain JSONL: ``{"text": ..., "spans": [{"start", "end", "label"}]}``, one record per line.

The format ``nerkit predict`` writes. Other keys of a span (such as ``"text"``) and other
fields of a record are kept and written back; ``meta``, ``answer`` and ``kind`` go to the
Example's fields. ``"kind": "binary"`` marks an answer about its spans alone (teach): it is
written for binary examples only, so a record without it is complete. Texts are tokenized
with the given tokenizer (English by default).

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

from .answers import read_kind
from .example import Example, Source
from .files import TokenizerFn, atomic_write_lines, dumps
from .jsonio import iter_json_lines
from .records import check_answer, need, read_span_dicts, record_fields, split_meta, tokens_of

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
        kind, said_by = read_kind(rec, path, lineno)
        meta, extra = split_meta(rec, _OWN + said_by)
        yield Example(
            tokens_of(text, tokenizer),
            spans,
            answer=check_answer(rec.get("answer", "accept"), path, lineno),
            meta=meta,
            extra=extra,
            source=Source(str(path), lineno),
            span_attrs=attrs,
            kind=kind,
        )


def plain_record(ex: Example) -> dict[str, Any]:
    """The plain JSONL record of an example: text, its other fields, spans, meta, answer, kind."""
    text = ex.text
    rec: dict[str, Any] = {"text": text}
    rec.update(record_fields(ex.extra))
    # A "kind" kept from the input (another tool's field) would contradict ours on reading.
    rec.pop("kind", None)
    rec["spans"] = [_span(ex, span) for span in ex.spans]
    if ex.meta:
        rec["meta"] = ex.meta
    if ex.answer != "accept":
        rec["answer"] = ex.answer
    if ex.kind == "binary":
        rec["kind"] = ex.kind
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
