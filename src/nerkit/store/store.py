"""Store: datasets of examples and their annotations in any SQL database SQLAlchemy speaks.

Every method runs in its own short transaction and returns plain records, so one Store can
be shared by the threads of a web app. Writes return only after their transaction has
committed.

Example:
    >>> from nerkit.tokens import Doc
    >>> from nerkit.corpus import Example
    >>> store = Store("sqlite://")  # in memory; by default ./nerkit.db or $NERKIT_DB
    >>> store.add_examples("news", [Example(Doc("Ann met Bob.", [0, 4, 8, 11], [3, 7, 11, 12]))])
    ImportCounts(added=1, duplicates=0, empty=0, annotations=0)
    >>> ex = next(store.unanswered("news"))
    >>> ann = store.add_annotation(ex.id, [(0, 3, "PER")], "accept", session="alice")
    >>> [e.spans for e in store.merged("news")]
    [[(0, 3, 'PER')]]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..corpus.example import Example
from ..errors import StoreError
from ..tokens import Doc
from .migrations import current_version, migrate
from .queries import answer_topic, dataset_stats, deciding_answers, latest_answers
from .records import (
    IMPORT_SESSION,
    DatasetInfo,
    DatasetStats,
    ImportCounts,
    SessionInfo,
    SpanLike,
    StoredAnnotation,
    StoredExample,
    aware,
    check_answer,
    check_kind,
    check_spans,
    input_hash,
)
from .rows import (
    dataset_info,
    example_values,
    span_dicts,
    span_key,
    stored_annotation,
    stored_example,
)
from .schema import CLIENT_ID_LENGTH, NAME_LENGTH, AnnotationRow, DatasetRow, ExampleRow, SessionRow
from .url import WRITE_OPTION, make_engine, resolve_url, safe_url

_DATASET_NAME = re.compile(r"\w[\w.\-]*")


class Store:
    """Datasets, examples, sessions and annotations in the database at ``url``.

    ``url`` is any SQLAlchemy URL (``postgresql+psycopg://user@host/db``) or a SQLite file
    path; None means ``$NERKIT_DB``, else ``./nerkit.db``. Opening applies pending schema
    migrations.
    """

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = resolve_url(url)
        self._engine = make_engine(self.url, echo=echo)
        writer = self._engine.execution_options(**{WRITE_OPTION: True})
        self._read = sessionmaker(self._engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)
        try:
            migrate(self._engine)
        except OperationalError as err:
            self._engine.dispose()
            raise StoreError(
                "E406",
                f"Cannot open the database {safe_url(self.url)}: {err.orig}",
                hint="Check --db / NERKIT_DB: the server must be running and reachable, a "
                "SQLite file's folder writable.",
            ) from None

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (and migrate) the store at ``url``; same as ``Store(url)``."""
        return cls(url)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({safe_url(self.url)!r})"

    @property
    def schema_version(self) -> int:
        """The schema version of the database (``migrations.LATEST`` once open)."""
        with self._engine.connect() as conn:
            return current_version(conn)

    @property
    def dialect(self) -> str:
        """The database kind: ``sqlite``, ``postgresql``, ..."""
        return self._engine.dialect.name

    # datasets

    def create_dataset(
        self, name: str, meta: dict[str, Any] | None = None, *, exist_ok: bool = False
    ) -> DatasetInfo:
        """Make a dataset called ``name`` (letters, digits, ``_ . -``); returns it."""
        _check_name(name)
        with self._write.begin() as s:
            row = s.scalar(select(DatasetRow).where(DatasetRow.name == name))
            if row is not None and not exist_ok:
                raise StoreError(
                    "E402",
                    f"Dataset '{name}' exists already",
                    hint="Pick another name, or drop it first (nerkit db drop).",
                )
            if row is None:
                row = DatasetRow(name=name, meta=meta or {})
                s.add(row)
                s.flush()
            return dataset_info(row)

    def dataset(self, name: str) -> DatasetInfo:
        """The dataset called ``name``, with its counts of examples and annotations."""
        with self._read() as s:
            row = self._dataset_row(s, name)
            n_examples = s.scalar(
                select(func.count()).select_from(ExampleRow).where(ExampleRow.dataset_id == row.id)
            )
            n_annotations = s.scalar(
                select(func.count())
                .select_from(AnnotationRow)
                .join(ExampleRow, AnnotationRow.example_id == ExampleRow.id)
                .where(ExampleRow.dataset_id == row.id)
            )
            return dataset_info(row, n_examples or 0, n_annotations or 0)

    def datasets(self) -> list[DatasetInfo]:
        """Every dataset, by name, with its counts."""
        with self._read() as s:
            n_examples = dict(
                s.execute(
                    select(ExampleRow.dataset_id, func.count()).group_by(ExampleRow.dataset_id)
                ).all()
            )
            n_annotations = dict(
                s.execute(
                    select(ExampleRow.dataset_id, func.count())
                    .join(AnnotationRow, AnnotationRow.example_id == ExampleRow.id)
                    .group_by(ExampleRow.dataset_id)
                ).all()
            )
            rows = s.scalars(select(DatasetRow).order_by(DatasetRow.name)).all()
            return [
                dataset_info(r, n_examples.get(r.id, 0), n_annotations.get(r.id, 0)) for r in rows
            ]

    def drop_dataset(self, name: str) -> DatasetInfo:
        """Delete a dataset with its examples, sessions and annotations; returns what it held."""
        info = self.dataset(name)
        with self._write.begin() as s:
            # Children first: correct even where the database ignores ON DELETE CASCADE.
            example_ids = select(ExampleRow.id).where(ExampleRow.dataset_id == info.id)
            s.execute(delete(AnnotationRow).where(AnnotationRow.example_id.in_(example_ids)))
            s.execute(delete(ExampleRow).where(ExampleRow.dataset_id == info.id))
            s.execute(delete(SessionRow).where(SessionRow.dataset_id == info.id))
            s.execute(delete(DatasetRow).where(DatasetRow.id == info.id))
        return info

    # sessions

    def start_session(self, dataset: str, name: str) -> SessionInfo:
        """The session ``name`` of ``dataset``, made if new (an annotator's answers)."""
        with self._write.begin() as s:
            ds = self._dataset_row(s, dataset)
            sid = self._session_id(s, ds.id, name)
            row = s.get_one(SessionRow, sid)
            return SessionInfo(row.id, dataset, row.name, aware(row.started))

    def sessions(self, dataset: str) -> list[SessionInfo]:
        """The sessions of ``dataset`` with their numbers of annotations, by name."""
        with self._read() as s:
            ds = self._dataset_row(s, dataset)
            counts = dict(
                s.execute(
                    select(AnnotationRow.session_id, func.count())
                    .join(SessionRow, AnnotationRow.session_id == SessionRow.id)
                    .where(SessionRow.dataset_id == ds.id)
                    .group_by(AnnotationRow.session_id)
                ).all()
            )
            rows = s.scalars(
                select(SessionRow).where(SessionRow.dataset_id == ds.id).order_by(SessionRow.name)
            )
            return [
                SessionInfo(r.id, dataset, r.name, aware(r.started), counts.get(r.id, 0))
                for r in rows
            ]

    # examples

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
        ds_id = self.create_dataset(dataset, exist_ok=True).id
        iterator = iter(items)
        while batch := list(islice(iterator, batch_size)):
            with self._write.begin() as s:
                total += self._add_batch(s, ds_id, batch, session)
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

    def examples(self, dataset: str, *, batch_size: int = 500) -> Iterator[StoredExample]:
        """Every example of ``dataset`` in the order they were added (one query per batch)."""
        yield from self._pages(dataset, None, batch_size, answered=None)

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

    # annotations

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
    ) -> StoredAnnotation:
        """Record an answer to an example; returns once it is committed.

        ``spans`` are character offsets into the example's text (checked); ``session`` names
        the annotator; ``suggestion``/``score`` record what a model proposed (teach).
        ``kind`` is ``complete`` when ``spans`` are all the text's entities, ``binary`` when
        the answer is about those spans alone (teach: accept, they are entities; reject,
        they are not). ``client_id`` (up to 64 characters, unique) makes the call
        idempotent: an answer whose ``client_id`` is stored already is not stored again, the
        stored one is returned.
        """
        check_answer(answer)
        check_kind(kind)
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
        for page in _chunks(answered, batch_size):
            with self._read() as s:
                decided = deciding_answers(s, [e.id for e in page], session)
            for stored in page:
                for spans, said, kind in decided.get(stored.id, []):
                    if answer is None or said == answer:
                        yield stored.to_example(spans, said, tokenizer, kind)

    def stats(self, dataset: str) -> DatasetStats:
        """Counts of ``dataset``: examples, unanswered, annotations per answer/label/session."""
        with self._read() as s:
            return dataset_stats(s, self._dataset_row(s, dataset).id, dataset)

    # helpers

    def _dataset_row(self, s: Session, name: str) -> DatasetRow:
        row = s.scalar(select(DatasetRow).where(DatasetRow.name == name))
        if row is None:
            known = s.scalars(select(DatasetRow.name).order_by(DatasetRow.name).limit(20)).all()
            raise StoreError(
                "E401",
                f"No dataset '{name}' in {safe_url(self.url)}",
                hint=f"Known datasets: {', '.join(known)}."
                if known
                else "The database has no datasets yet: nerkit db import NAME FILE makes one.",
            )
        return row

    def _session_id(self, s: Session, dataset_id: int, name: str) -> int:
        if not name or len(name) > NAME_LENGTH or not name.isprintable():
            raise StoreError(
                "E411",
                f"Session name {name!r} should be 1-{NAME_LENGTH} printable characters",
                hint="Use the annotator's name, e.g. 'alice'.",
            )
        query = select(SessionRow.id).where(
            SessionRow.dataset_id == dataset_id, SessionRow.name == name
        )
        sid = s.scalar(query)
        if sid is not None:
            return sid
        try:
            with s.begin_nested():  # another process may make the same session meanwhile
                row = SessionRow(dataset_id=dataset_id, name=name)
                s.add(row)
            return row.id
        except IntegrityError:
            found = s.scalar(query)
            if found is None:
                raise
            return found


def _check_name(name: str) -> None:
    if not (len(name) <= NAME_LENGTH and _DATASET_NAME.fullmatch(name)):
        raise StoreError(
            "E410",
            f"Dataset name {name!r} is not allowed",
            hint="Use letters, digits, '_', '.' and '-' (starting with a letter, digit or '_').",
        )


def _chunks(items: Iterable[StoredExample], size: int) -> Iterator[list[StoredExample]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
