"""The store's larger read queries, each run inside a session the Store opened.

The Store owns connections and transactions; these functions only ask: which answer decides
each example, what a session last answered, a dataset's counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from .records import DatasetStats, SpanDict
from .rows import span_key
from .schema import AnnotationRow, ExampleRow, SessionRow

SpanKey = tuple[tuple[int, int, str], ...]


def deciding_answers(
    s: Session, example_ids: Iterable[int], session: str | None
) -> dict[int, tuple[list[SpanDict], str]]:
    """Each example's deciding ``(spans, answer)`` (see ``Store.merged``).

    The latest answer that is not ``ignore`` (the latest ``ignore`` when there is nothing
    else), among ``session``'s when given.
    """
    query = (
        select(AnnotationRow.example_id, AnnotationRow.spans, AnnotationRow.answer)
        .where(AnnotationRow.example_id.in_(list(example_ids)))
        .order_by(AnnotationRow.id)
    )
    if session is not None:
        query = query.join(SessionRow, AnnotationRow.session_id == SessionRow.id).where(
            SessionRow.name == session
        )
    decided: dict[int, tuple[list[SpanDict], str]] = {}
    for eid, spans, ans in s.execute(query):
        if ans != "ignore" or decided.get(eid, (None, "ignore"))[1] == "ignore":
            decided[eid] = (spans, ans)
    return decided


def latest_answers(
    s: Session, session_id: int, example_ids: Iterable[int]
) -> dict[int, tuple[SpanKey, str]]:
    """The latest ``(sorted span key, answer)`` of session ``session_id`` per example."""
    rows = s.execute(
        select(AnnotationRow.example_id, AnnotationRow.spans, AnnotationRow.answer)
        .where(
            AnnotationRow.session_id == session_id,
            AnnotationRow.example_id.in_(set(example_ids)),
        )
        .order_by(AnnotationRow.id)
    )
    return {eid: (span_key(spans), answer) for eid, spans, answer in rows}


def dataset_stats(s: Session, ds_id: int, name: str) -> DatasetStats:
    """Counts of the dataset with id ``ds_id`` (see ``Store.stats``)."""
    n_examples = s.scalar(
        select(func.count()).select_from(ExampleRow).where(ExampleRow.dataset_id == ds_id)
    )
    in_dataset = select(ExampleRow.id).where(ExampleRow.dataset_id == ds_id)
    n_unanswered = s.scalar(
        select(func.count())
        .select_from(ExampleRow)
        .where(
            ExampleRow.dataset_id == ds_id,
            ~exists(select(AnnotationRow.id).where(AnnotationRow.example_id == ExampleRow.id)),
        )
    )
    answers = dict(
        s.execute(
            select(AnnotationRow.answer, func.count())
            .where(AnnotationRow.example_id.in_(in_dataset))
            .group_by(AnnotationRow.answer)
        ).all()
    )
    sessions = dict(
        s.execute(
            select(SessionRow.name, func.count(AnnotationRow.id))
            .join(AnnotationRow, AnnotationRow.session_id == SessionRow.id)
            .where(SessionRow.dataset_id == ds_id)
            .group_by(SessionRow.name)
        ).all()
    )
    labels: Counter[str] = Counter()
    accepted = s.execute(
        select(AnnotationRow.spans)
        .where(AnnotationRow.example_id.in_(in_dataset), AnnotationRow.answer == "accept")
        .execution_options(yield_per=1000)
    ).scalars()
    for spans in accepted:
        labels.update(span["label"] for span in spans)
    return DatasetStats(
        name=name,
        examples=n_examples or 0,
        unanswered=n_unanswered or 0,
        annotations=sum(answers.values()),
        answers=dict(sorted(answers.items())),
        labels=dict(labels.most_common()),
        sessions=dict(sorted(sessions.items())),
    )
