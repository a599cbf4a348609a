"""doccano JSONL for sequence labelling, in both of its shapes.

``{"text": ..., "label": [[start, end, "LABEL"], ...]}`` (doccano 1.x, and its import format)
and ``{"text": ..., "entities": [{"id", "start_offset", "end_offset", "label"}], "relations":
[]}`` (newer exports). Other fields (``id``, ``Comments``, ...) are kept. A record is written
back in the entities shape when it was read in it, in the ``label`` shape otherwise.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text('{"id": 1, "text": "Hi Ann", "label": [[3, 6, "PER"]]}')
    >>> ex = next(read_doccano(p))
    >>> ex.spans, ex.extra
    ([(3, 6, 'PER')], {'id': 1})
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import FormatError
from .example import Example, Source
from .files import TokenizerFn, atomic_write_lines, dumps
from .jsonio import iter_json_lines
from .records import make_span, need, record_fields, tokens_of

_ENTITY_KEYS = ("start_offset", "end_offset", "label")


def read_doccano(
    path: Path,
    *,
    tokenizer: TokenizerFn | None = None,
    scheme: str | None = None,
    strict: bool = True,
) -> Iterator[Example]:
    """Read doccano JSONL (``label`` lists or ``entities`` objects)."""
    for lineno, rec in iter_json_lines(path):
        key = "text" if "text" in rec or not isinstance(rec.get("data"), str) else "data"
        text = need(rec, key, str, path, lineno)
        spans = []
        attrs: dict[tuple[int, int, str], dict[str, Any]] = {}
        if isinstance(rec.get("entities"), list):
            for ent in rec["entities"]:
                if not isinstance(ent, dict) or any(k not in ent for k in _ENTITY_KEYS):
                    raise FormatError(
                        "E015",
                        f"An entity should have start_offset, end_offset and label: {dumps(ent)}",
                        path=path,
                        line=lineno,
                        hint="Export the project again from doccano, or fix the entity.",
                    )
                span = make_span(
                    ent["start_offset"], ent["end_offset"], ent["label"], text, path, lineno, strict
                )
                spans.append(span)
                attrs[span] = {k: v for k, v in ent.items() if k not in _ENTITY_KEYS}
            own = (key, "entities", "meta")
        else:
            for item in rec.get("label") or []:
                if not (isinstance(item, list) and len(item) == 3):
                    raise FormatError(
                        "E015",
                        f"A label should be [start, end, label], found {dumps(item)}",
                        path=path,
                        line=lineno,
                        hint="Text-classification exports (a list of label names) hold no spans.",
                    )
                spans.append(make_span(item[0], item[1], item[2], text, path, lineno, strict))
            own = (key, "label", "meta")
        meta = rec.get("meta") if isinstance(rec.get("meta"), dict) else None
        extra = {k: v for k, v in rec.items() if k not in own or (k == "meta" and meta is None)}
        if key == "data":
            extra["doccano_text_key"] = "data"
        yield Example(
            tokens_of(text, tokenizer),
            spans,
            meta=meta or {},
            extra=extra,
            source=Source(str(path), lineno),
            span_attrs=attrs,
        )


def doccano_record(ex: Example) -> dict[str, Any]:
    """The doccano record of an example (entities shape if it was read in it)."""
    fields = record_fields(ex.extra)
    text_key = ex.extra.get("doccano_text_key", "text")
    rec: dict[str, Any] = {}
    if "id" in fields:
        rec["id"] = fields.pop("id")
    rec[text_key] = ex.text
    if "relations" in fields or any(ex.span_attrs.get(s) for s in ex.spans):
        rec["entities"] = [
            {**ex.span_attrs.get(s, {}), "start_offset": s[0], "end_offset": s[1], "label": s[2]}
            for s in ex.spans
        ]
    else:
        rec["label"] = [[s, e, label] for s, e, label in ex.spans]
    rec.update(fields)
    if ex.meta:
        rec["meta"] = ex.meta
    return rec


def write_doccano(examples: Iterable[Example], path: Path, *, scheme: str = "IOB2") -> int:
    """Write doccano JSONL; returns the count."""
    return atomic_write_lines(path, (dumps(doccano_record(ex)) for ex in examples))
