"""ORM rows to the store's plain records, and examples to the values of new rows.

The Store hands out only records (``records.py``), never live rows; these make them.

Example:
    >>> from nerkit.corpus import Example
    >>> from nerkit.tokens import Doc
    >>> span_dicts(Example(Doc("Ann met Bob.", [0, 4, 8, 11], [3, 7, 11, 12]), [(0, 3, "PER")]))
    [{'start': 0, 'end': 3, 'label': 'PER'}]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..corpus.example import Example
from .records import (
    DatasetInfo,
    SpanDict,
    StoredAnnotation,
    StoredExample,
    aware,
    check_kind,
)
from .schema import AnnotationRow, DatasetRow, ExampleRow


def dataset_info(row: DatasetRow, examples: int = 0, annotations: int = 0) -> DatasetInfo:
    return DatasetInfo(row.id, row.name, aware(row.created), dict(row.meta), examples, annotations)


def span_dicts(ex: Example) -> list[SpanDict]:
    return [{"start": s, "end": e, "label": label} for s, e, label in ex.spans]


def span_key(spans: Iterable[SpanDict]) -> tuple[tuple[int, int, str], ...]:
    return tuple(sorted((s["start"], s["end"], s["label"]) for s in spans))


def example_values(ds_id: int, hash_: str, ex: Example) -> dict[str, Any]:
    from ..corpus.records import record_fields

    tokens = None
    if len(ex.doc):
        tokens = ex.doc.token_offsets()
    return {
        "dataset_id": ds_id,
        "hash": hash_,
        "text": ex.text,
        "meta": ex.meta,
        "extra": record_fields(ex.extra),
        "tokens": tokens,
        "spans": span_dicts(ex),
    }


def stored_example(row: ExampleRow, dataset: str) -> StoredExample:
    tokens = None if row.tokens is None else [(int(s), int(e)) for s, e in row.tokens]
    return StoredExample(
        row.id,
        dataset,
        row.hash,
        row.text,
        dict(row.meta),
        dict(row.extra),
        tokens,
        [SpanDict(start=s["start"], end=s["end"], label=s["label"]) for s in row.spans],
    )


def stored_annotation(row: AnnotationRow, session: str) -> StoredAnnotation:
    return StoredAnnotation(
        id=row.id,
        example_id=row.example_id,
        session=session,
        answer=row.answer,
        spans=list(row.spans),
        created=aware(row.created),
        meta=dict(row.meta or {}),
        suggestion=row.suggestion,  # type: ignore[arg-type]
        score=row.score,
        client_id=row.client_id,
        kind=check_kind(row.kind),
    )
