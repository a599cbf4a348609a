"""Examples of the store: add them (deduplicated by input hash), read them, page through the
unanswered ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from ..corpus.example import Example
from ..errors import StoreError
from .datasets import Datasets
from .queries import answer_topic, latest_answers
from .records import (
    IMPORT_SESSION,
    ImportCounts,
    StoredExample,
    check_answer,
    check_kind,
    input_hash,
)
from .rows import (
    example_values,
    span_dicts,
    span_key,
    stored_example,
)
from .schema import AnnotationRow, DatasetRow, ExampleRow, SessionRow


class Examples(Datasets):
    """Examples of the store: add them (deduplicated by input hash), read them, page through the"""

    def add_examples(
        self,
        dataset: str,
        examples: Iterable[Example],
        *,
        annotated: bool = False,
        session: str = IMPORT_SESSION,
        batch_size: int = 500,
    ) -> ImportCounts:
        """Add examples to ``dataset`` (made if missing), skipping texts it holds already.

        With ``annotated``, each example's spans, answer and kind are also stored as an
        annotation of ``session``, unless that session's latest annotation of the text (for a
        binary answer: its latest binary answer about the same spans) says the same.
        """
        return self.add_items(
            dataset, ((ex, annotated) for ex in examples), session=session, batch_size=batch_size
        )

    def add_items(
        self,
        dataset: str,
        items: Iterable[tuple[Example, bool]],
        *,
        session: str = IMPORT_SESSION,
        batch_size: int = 500,
    ) -> ImportCounts:
        """Like ``add_examples``, with a flag per example: whether it carries an answer.

        Each batch of ``batch_size`` is one transaction.
        """
        total = ImportCounts()
        with self._read() as s:
            new = s.scalar(select(DatasetRow.id).where(DatasetRow.name == dataset)) is None
        ds_id = self.create_dataset(dataset, exist_ok=True).id
        iterator = iter(items)
        committed = False
        try:
            while batch := list(islice(iterator, batch_size)):
                with self._write.begin() as s:
                    total += self._add_batch(s, ds_id, batch, session)
                committed = True
        except BaseException:
            if new and not committed:  # a failed import leaves no empty dataset behind
                self.drop_dataset(dataset)
            raise
        return total

    def _add_batch(
        self, s: Session, ds_id: int, batch: list[tuple[Example, bool]], session: str
    ) -> ImportCounts:
        counts = ImportCounts()
        kept: list[tuple[str, Example, bool]] = []
        for ex, flag in batch:
            if not ex.text.strip():
                counts.empty += 1
                continue
            kept.append((input_hash(ex.text), ex, flag))
        hashes = list({h for h, _, _ in kept})
        ids: dict[str, int] = dict(
            s.execute(
                select(ExampleRow.hash, ExampleRow.id).where(
                    ExampleRow.dataset_id == ds_id, ExampleRow.hash.in_(hashes)
                )
            ).all()
        )
        new_rows: dict[str, dict[str, Any]] = {}
        for h, ex, _ in kept:
            if h in ids or h in new_rows:
                counts.duplicates += 1
                continue
            new_rows[h] = example_values(ds_id, h, ex)
        if new_rows:
            inserted = s.execute(
                insert(ExampleRow).returning(ExampleRow.hash, ExampleRow.id),
                list(new_rows.values()),
            )
            ids.update(inserted.all())
            counts.added = len(new_rows)

        answered = [(ids[h], ex) for h, ex, flag in kept if flag]
        if answered:
            sid = self._session_id(s, ds_id, session)
            latest = latest_answers(s, sid, [eid for eid, _ in answered])
            rows = []
            for eid, ex in answered:
                spans = span_dicts(ex)
                said = (span_key(spans), check_answer(ex.answer))
                topic = answer_topic(eid, check_kind(ex.kind), said[0])
                if latest.get(topic) == said:
                    continue  # the same answer imported again
                latest[topic] = said
                rows.append(
                    {
                        "example_id": eid,
                        "session_id": sid,
                        "answer": ex.answer,
                        "spans": spans,
                        "meta": {},
                        "kind": ex.kind,
                    }
                )
            if rows:
                s.execute(insert(AnnotationRow), rows)
            counts.annotations = len(rows)
        return counts

    def get_example(self, example_id: int) -> StoredExample:
        """The example with id ``example_id``."""
        with self._read() as s:
            row = s.get(ExampleRow, example_id)
            if row is None:
                raise StoreError(
                    "E403", f"No example with id {example_id}", hint="Ids come from the store."
                )
            name = s.scalar(select(DatasetRow.name).where(DatasetRow.id == row.dataset_id))
            return stored_example(row, name or "")

    def examples(
        self,
        dataset: str,
        *,
        batch_size: int = 500,
        after: int | None = None,
        upto: int | None = None,
    ) -> Iterator[StoredExample]:
        """Every example of ``dataset`` in the order they were added (one query per batch);
        with ``after``/``upto``, those with ``after < id <= upto`` (a partition)."""
        for ex in self._pages(dataset, after, batch_size, answered=None):
            if upto is not None and ex.id > upto:
                return
            yield ex

    def id_range(self, dataset: str) -> tuple[int, int] | None:
        """The smallest and largest example id of ``dataset`` (None when it is empty)."""
        from sqlalchemy import func

        with self._read() as s:
            ds_id = self._dataset_row(s, dataset).id
            lo, hi = s.execute(
                select(func.min(ExampleRow.id), func.max(ExampleRow.id)).where(
                    ExampleRow.dataset_id == ds_id
                )
            ).one()
            return None if lo is None else (int(lo), int(hi))

    def unanswered(
        self,
        dataset: str,
        *,
        session: str | None = None,
        batch_size: int = 100,
        after: int = 0,
    ) -> Iterator[StoredExample]:
        """Examples with no annotation yet (with ``session``: none from that session).

        Read one batch at a time, each in its own transaction, so an example answered while
        the iteration runs is left out of the later batches. ``after`` skips ids up to it.
        """
        yield from self._pages(dataset, after, batch_size, answered=False, session=session)

    def _pages(
        self,
        dataset: str,
        after: int | None,
        batch_size: int,
        answered: bool | None,
        session: str | None = None,
    ) -> Iterator[StoredExample]:
        # answered: None all examples; True those with an annotation (of ``session`` when
        # given); False those without. Keyset pages: each one query in its own transaction.
        last = after or 0
        while True:
            with self._read() as s:
                ds_id = self._dataset_row(s, dataset).id
                query = select(ExampleRow).where(
                    ExampleRow.dataset_id == ds_id, ExampleRow.id > last
                )
                if answered is not None:
                    answers = select(AnnotationRow.id).where(
                        AnnotationRow.example_id == ExampleRow.id
                    )
                    if session:
                        answers = answers.join(
                            SessionRow, AnnotationRow.session_id == SessionRow.id
                        ).where(SessionRow.name == session)
                    query = query.where(exists(answers) if answered else ~exists(answers))
                rows = s.scalars(query.order_by(ExampleRow.id).limit(batch_size)).all()
                page = [stored_example(r, dataset) for r in rows]
            yield from page
            if len(page) < batch_size:
                return
            last = page[-1].id
