"""The store's larger read queries, each run inside a session the Store opened.

The Store owns connections and transactions; these functions only ask: which answer decides
each example, what a session last answered, a dataset's counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..corpus.example import Kind
from .records import DatasetStats, SpanDict, check_kind
from .rows import span_key
from .schema import AnnotationRow, ExampleRow, SessionRow

SpanKey = tuple[tuple[int, int, str], ...]


class Decided(NamedTuple):
    """An answer that decides (part of) what an example says: its spans, answer and kind."""

    spans: list[SpanDict]
    answer: str
    kind: Kind


def deciding_answers(
    s: Session, example_ids: Iterable[int], session: str | None
) -> dict[int, list[Decided]]:
    """Each example's deciding answers (see ``Store.merged``), among ``session``'s when given.

    The latest complete answer that is not ``ignore``, alone; else each binary accept or
    reject, oldest first; else the latest ``ignore``.
    """
    query = (
        select(
            AnnotationRow.example_id, AnnotationRow.spans, AnnotationRow.answer, AnnotationRow.kind
        )
        .where(AnnotationRow.example_id.in_(list(example_ids)))
        .order_by(AnnotationRow.id)
    )
    if session is not None:
        query = query.join(SessionRow, AnnotationRow.session_id == SessionRow.id).where(
            SessionRow.name == session
        )
    complete: dict[int, Decided] = {}
    binary: dict[int, list[Decided]] = {}
    ignored: dict[int, Decided] = {}
    for eid, spans, ans, kind in s.execute(query):
        answer = Decided(spans, ans, check_kind(kind))
        if ans == "ignore":
            ignored[eid] = answer
        elif kind == "complete":
            complete[eid] = answer
        else:
            binary.setdefault(eid, []).append(answer)
    decided: dict[int, list[Decided]] = {}
    for eid in {*complete, *binary, *ignored}:
        if eid in complete:
            decided[eid] = [complete[eid]]
        elif eid in binary:
            decided[eid] = binary[eid]
        else:
            decided[eid] = [ignored[eid]]
    return decided


def answer_topic(example_id: int, kind: str, key: SpanKey) -> tuple[object, ...]:
    """What an answer is about: a complete answer is about its whole text, a binary answer
    about its spans only (a text can hold many binary answers, each on other spans)."""
    return (example_id, kind) if kind == "complete" else (example_id, kind, key)


def latest_answers(
    s: Session, session_id: int, example_ids: Iterable[int]
) -> dict[tuple[object, ...], tuple[SpanKey, str]]:
    """The latest ``(sorted span key, answer)`` of session ``session_id`` per topic
    (:func:`answer_topic`) of the examples ``example_ids``."""
    rows = s.execute(
        select(
            AnnotationRow.example_id, AnnotationRow.spans, AnnotationRow.answer, AnnotationRow.kind
        )
        .where(
            AnnotationRow.session_id == session_id,
            AnnotationRow.example_id.in_(set(example_ids)),
        )
        .order_by(AnnotationRow.id)
    )
    latest: dict[tuple[object, ...], tuple[SpanKey, str]] = {}
    for eid, spans, answer, kind in rows:
        key = span_key(spans)
        latest[answer_topic(eid, kind, key)] = (key, answer)
    return latest


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
    n_binary = s.scalar(
        select(func.count())
        .select_from(AnnotationRow)
        .where(AnnotationRow.example_id.in_(in_dataset), AnnotationRow.kind == "binary")
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
        binary=n_binary or 0,
    )
