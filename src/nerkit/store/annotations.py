"""Annotations of the store: add an answer (idempotent by client id), read them, merge them
per example."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..corpus.example import Example
from ..errors import StoreError
from ..tokens import Doc
from .connection import chunks
from .leases import check_scope, finish_lease
from .queries import deciding_answers
from .records import (
    SpanLike,
    StoredAnnotation,
    check_answer,
    check_kind,
    check_spans,
)
from .rows import (
    stored_annotation,
)
from .schema import CLIENT_ID_LENGTH, AnnotationRow, ExampleRow, SessionRow
from .suggestions import Suggestions


class Annotations(Suggestions):
    """Annotations of the store: add an answer (idempotent by client id), read them, merge them"""

    def add_annotation(
        self,
        example_id: int,
        spans: Sequence[SpanLike],
        answer: str = "accept",
        *,
        session: str,
        suggestion: SpanLike | None = None,
        score: float | None = None,
        meta: dict[str, Any] | None = None,
        client_id: str | None = None,
        kind: str = "complete",
        lease: str | None = None,
    ) -> StoredAnnotation:
        """Record an answer to an example; returns once it is committed.

        ``spans`` are character offsets into the example's text (checked); ``session`` names
        the annotator; ``suggestion``/``score`` record what a model proposed (teach).
        ``kind`` is ``complete`` when ``spans`` are all the text's entities, ``binary`` when
        the answer is about those spans alone (teach: accept, they are entities; reject,
        they are not). ``client_id`` (up to 64 characters, unique) makes the call
        idempotent: an answer whose ``client_id`` is stored already is not stored again, the
        stored one is returned. ``lease`` (a lease scope, ``""`` for annotating) marks the
        example's lease of that scope done in the same transaction, so that no session is
        handed the example again (see ``leases.py``).
        """
        check_answer(answer)
        check_kind(kind)
        if lease is not None:
            check_scope(lease)
        if client_id is not None and not (0 < len(client_id) <= CLIENT_ID_LENGTH):
            raise StoreError(
                "E411",
                f"client_id should be 1-{CLIENT_ID_LENGTH} characters, found {len(client_id)}",
                hint="Use a UUID.",
            )
        if client_id is not None and (found := self.annotation_by_client_id(client_id)) is not None:
            return found
        try:
            with self._write.begin() as s:
                example = s.get(ExampleRow, example_id)
                if example is None:
                    raise StoreError(
                        "E403", f"No example with id {example_id}", hint="Ids come from the store."
                    )
                where = f"example {example_id}"
                clean = check_spans(spans, example.text, where)
                suggested = (
                    check_spans([suggestion], example.text, where)[0] if suggestion else None
                )
                sid = self._session_id(s, example.dataset_id, session)
                row = AnnotationRow(
                    example_id=example_id,
                    session_id=sid,
                    answer=answer,
                    spans=clean,
                    meta=meta or {},
                    suggestion=suggested,
                    score=None if score is None else float(score),
                    client_id=client_id,
                    kind=kind,
                )
                s.add(row)
                s.flush()
                if lease is not None:
                    finish_lease(s, example_id, lease, session)
                record = stored_annotation(row, session)
        except IntegrityError:
            # The same client_id committed by another request meanwhile: that one stands.
            if client_id is None or (found := self.annotation_by_client_id(client_id)) is None:
                raise
            return found
        return record  # after the commit above: the caller may tell the user it is saved

    def annotation_by_client_id(self, client_id: str) -> StoredAnnotation | None:
        """The annotation stored with ``client_id``, or None."""
        with self._read() as s:
            hit = s.execute(
                select(AnnotationRow, SessionRow.name)
                .join(SessionRow, AnnotationRow.session_id == SessionRow.id)
                .where(AnnotationRow.client_id == client_id)
            ).first()
            return None if hit is None else stored_annotation(hit[0], hit[1])

    def progress(self, dataset: str, session: str | None = None) -> tuple[int, int]:
        """``(answered, total)`` examples of ``dataset``; answered by ``session`` when given."""
        with self._read() as s:
            ds_id = self._dataset_row(s, dataset).id
            total = s.scalar(
                select(func.count()).select_from(ExampleRow).where(ExampleRow.dataset_id == ds_id)
            )
            answers = (
                select(AnnotationRow.example_id)
                .join(ExampleRow, AnnotationRow.example_id == ExampleRow.id)
                .where(ExampleRow.dataset_id == ds_id)
            )
            if session is not None:
                answers = answers.join(SessionRow, AnnotationRow.session_id == SessionRow.id).where(
                    SessionRow.name == session
                )
            done = s.scalar(select(func.count()).select_from(answers.distinct().subquery()))
            return int(done or 0), int(total or 0)

    def annotations(self, example_id: int) -> list[StoredAnnotation]:
        """Every annotation of an example, oldest first."""
        with self._read() as s:
            rows = s.execute(
                select(AnnotationRow, SessionRow.name)
                .join(SessionRow, AnnotationRow.session_id == SessionRow.id)
                .where(AnnotationRow.example_id == example_id)
                .order_by(AnnotationRow.id)
            ).all()
            return [stored_annotation(row, name) for row, name in rows]

    def dataset_annotations(
        self, dataset: str, *, batch_size: int = 1000
    ) -> Iterator[StoredAnnotation]:
        """Every annotation of ``dataset``, oldest first (streamed, for agreement and review)."""
        with self._read() as s:
            ds_id = self._dataset_row(s, dataset).id
            rows = s.execute(
                select(AnnotationRow, SessionRow.name)
                .join(SessionRow, AnnotationRow.session_id == SessionRow.id)
                .where(SessionRow.dataset_id == ds_id)
                .order_by(AnnotationRow.id)
                .execution_options(yield_per=batch_size)
            )
            for row, name in rows:
                yield stored_annotation(row, name)

    def merged(
        self,
        dataset: str,
        *,
        answer: str | None = "accept",
        session: str | None = None,
        tokenizer: Callable[[str], Doc] | None = None,
        batch_size: int = 500,
    ) -> Iterator[Example]:
        """What the answers of each answered example of ``dataset`` say, as corpus Examples.

        Per example (among ``session``'s annotations when given): its latest *complete*
        answer that is not ``ignore``, as one Example; where it has none, each of its *binary*
        accept/reject answers (teach), oldest first, as one Example each (``kind="binary"``,
        about its spans alone); where it has neither, its latest ``ignore``. ``answer`` then
        keeps the Examples with that answer (None: all), so the default gives the complete
        accepted examples and the binary accepted answers. Unanswered examples are left out.
        Tokens are the stored ones, else ``tokenizer``'s (English by default).
        """
        if answer is not None:
            check_answer(answer)
        answered = self._pages(dataset, None, batch_size, answered=True, session=session)
        for page in chunks(answered, batch_size):
            with self._read() as s:
                decided = deciding_answers(s, [e.id for e in page], session)
            for stored in page:
                for spans, said, kind in decided.get(stored.id, []):
                    if answer is None or said == answer:
                        yield stored.to_example(spans, said, tokenizer, kind)
