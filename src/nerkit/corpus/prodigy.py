"""Prodigy JSONL: ``text``, ``tokens``, ``spans`` (character and token offsets), ``answer``.

Tokens given by the file are the Doc's tokens (spaCy emits whitespace tokens such as
``"\\n\\n"``; they are kept). A record without ``spans`` is an example with no entities.
Rejected and ignored answers are read with ``answer`` set; ``accepted()`` keeps the rest.
``_view_id`` says the kind of the answer: ``"ner"`` (``ner.teach``: accept or reject the one
highlighted span) is binary, any other view (``ner_manual``, ...) or none complete; a record
without ``_view_id`` may say it with nerkit's ``kind`` field instead. Writing derives
``_view_id`` from the kind: ``"ner"`` for binary, ``"ner_manual"`` for complete.
Unknown record fields (``_input_hash``, ``_session_id``, ...) go to ``extra``, other span and
token keys to ``span_attrs``/``token_attrs``, and all are written back.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text('{"text": "Hi Ann", "tokens": [{"text": "Hi", "start": 0, "end": 2, "id": 0}, '
    ...                  '{"text": "Ann", "start": 3, "end": 6, "id": 1}], "answer": "reject"}')
    >>> ex = next(read_prodigy(p))
    >>> ex.doc.words, ex.spans, ex.answer
    (['Hi', 'Ann'], [], 'reject')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..tokens import Doc
from .answers import read_kind, view_id
from .example import Example, Source
from .files import TokenizerFn, atomic_write_lines, dumps
from .jsonio import iter_json_lines
from .records import (
    check_answer,
    doc_from_offsets,
    need,
    read_span_dicts,
    record_fields,
    split_meta,
    tokens_of,
)

_OWN = ("text", "tokens", "spans", "meta", "answer")
_TOKEN_KEYS = ("text", "start", "end", "id")


def read_prodigy(
    path: Path,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
) -> Iterator[Example]:
    """Read Prodigy JSONL records, tokens as given (tokenized when a record has none)."""
    for lineno, rec in iter_json_lines(path):
        text = need(rec, "text", str, path, lineno)
        token_attrs = None
        if rec.get("tokens") is not None:
            doc, token_attrs = _tokens(rec["tokens"], text, path, lineno)
        else:
            doc = tokens_of(text, tokenizer)
        spans, attrs = read_span_dicts(
            rec.get("spans"), text, path, lineno, strict, derived=("token_start", "token_end")
        )
        kind, said_by = read_kind(rec, path, lineno)
        meta, extra = split_meta(rec, _OWN + said_by)
        yield Example(
            doc,
            spans,
            answer=check_answer(rec.get("answer", "accept"), path, lineno),
            meta=meta,
            extra=extra,
            source=Source(str(path), lineno),
            span_attrs=attrs,
            token_attrs=token_attrs,
            kind=kind,
        )


def _tokens(raw: Any, text: str, path: Path, line: int) -> tuple[Doc, list[dict[str, Any]] | None]:
    if not isinstance(raw, list):
        raise FormatError(
            "E004",
            f"Field 'tokens' should be a list, found {type(raw).__name__}",
            path=path,
            line=line,
            hint="Drop the 'tokens' field to let nerkit tokenize the text.",
        )
    offsets: list[tuple[int, int]] = []
    attrs: list[dict[str, Any]] = []
    for i, tok in enumerate(raw):
        if not isinstance(tok, dict) or "start" not in tok or "end" not in tok:
            raise FormatError(
                "E017",
                f"Token {i} should be an object with 'start' and 'end', found {dumps(tok)}",
                path=path,
                line=line,
                hint="Drop the 'tokens' field to let nerkit tokenize the text.",
            )
        offsets.append((tok["start"], tok["end"]))
        extra = {k: v for k, v in tok.items() if k not in _TOKEN_KEYS}
        if tok.get("id", i) != i:
            extra["id"] = tok["id"]
        attrs.append(extra)
    doc = doc_from_offsets(text, offsets, path, line)
    for i, tok in enumerate(raw):
        if "text" in tok and tok["text"] != text[tok["start"] : tok["end"]]:
            raise FormatError(
                "E010",
                f"Token {i} says {tok['text']!r} but the text at ({tok['start']}, {tok['end']}) "
                f"is {text[tok['start'] : tok['end']]!r}",
                path=path,
                line=line,
                offset=tok["start"],
                hint="The token offsets do not match the text; drop 'tokens' to re-tokenize.",
            )
    return doc, (attrs if any(attrs) else None)


def prodigy_record(ex: Example) -> dict[str, Any]:
    """The Prodigy record of an example: text, meta, other fields, tokens, spans, view, answer."""
    doc = ex.doc
    rec: dict[str, Any] = {"text": doc.text, "meta": ex.meta}
    rec.update(record_fields(ex.extra))
    token_attrs = ex.token_attrs if ex.token_attrs and len(ex.token_attrs) == len(doc) else None
    tokens = []
    for i, (s, e) in enumerate(zip(doc.starts.tolist(), doc.ends.tolist())):
        tok: dict[str, Any] = {"text": doc.text[s:e], "start": s, "end": e, "id": i}
        if token_attrs:
            tok.update(token_attrs[i])
        tokens.append(tok)
    rec["tokens"] = tokens
    aligned = {(sp.start_char, sp.end_char, sp.label): sp for sp in ex.aligned("strict")[0]}
    spans = []
    for key in ex.spans:
        start, end, label = key
        out: dict[str, Any] = {"start": start, "end": end}
        span = aligned.get(key)
        if span is not None:
            out["token_start"] = span.start
            out["token_end"] = span.end - 1  # Prodigy's token_end is inclusive
        out["label"] = label
        attrs = ex.span_attrs.get(key, {})
        out.update(attrs)
        if "text" in attrs:
            out["text"] = doc.text[start:end]
        spans.append(out)
    rec["spans"] = spans
    rec["_view_id"] = view_id(ex.kind)
    rec["answer"] = ex.answer
    return rec


def write_prodigy(examples: Iterable[Example], path: Path, *, scheme: str = "IOB2") -> int:
    """Write Prodigy JSONL (with tokens and token offsets of aligned spans); returns the count."""
    return atomic_write_lines(path, (dumps(prodigy_record(ex)) for ex in examples))
