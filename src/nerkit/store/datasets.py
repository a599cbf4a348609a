"""Datasets and annotation sessions of the store: create, list, drop, count."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import StoreError
from .connection import Connection
from .queries import dataset_stats
from .records import (
    DatasetInfo,
    DatasetStats,
    SessionInfo,
    aware,
)
from .rows import (
    dataset_info,
)
from .schema import NAME_LENGTH, AnnotationRow, DatasetRow, ExampleRow, SessionRow


class Datasets(Connection):
    """Datasets and annotation sessions of the store: create, list, drop, count."""

    def create_dataset(
        self, name: str, meta: dict[str, Any] | None = None, *, exist_ok: bool = False
    ) -> DatasetInfo:
        """Make a dataset called ``name`` (letters, digits, ``_ . -``); returns it.

        With ``exist_ok``, a dataset another process creates at the same moment is returned
        rather than an error (the unique name decides which insert wins)."""
        _check_name(name)
        try:
            return self._create_dataset(name, meta, exist_ok)
        except IntegrityError:  # another insert won: the retry finds its row (E402 unless ok)
            return self._create_dataset(name, meta, exist_ok)

    def _create_dataset(
        self, name: str, meta: dict[str, Any] | None, exist_ok: bool
    ) -> DatasetInfo:
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

    # labels

    def record_labels(self, dataset: str, labels: Iterable[str]) -> list[str]:
        """Add ``labels`` not recorded yet to the end of ``dataset``'s label order (its meta's
        ``labels``), in their order; returns the whole order (see :meth:`labels`)."""
        with self._write.begin() as s:
            row = self._dataset_row(s, dataset)
            recorded = [str(x) for x in (row.meta or {}).get("labels", [])]
            added = [x for x in dict.fromkeys(labels) if x not in recorded]
            if added:
                row.meta = {**(row.meta or {}), "labels": recorded + added}
        return self.labels(dataset)

    def labels(self, dataset: str) -> list[str]:
        """``dataset``'s labels in its order: those recorded (:meth:`record_labels`, which
        the annotation app calls with its labels), then any other label of its answers, as
        first answered.

        >>> from nerkit.store import Store
        >>> store = Store("sqlite://")
        >>> _ = store.create_dataset("news")
        >>> store.record_labels("news", ["PER", "ORG"])
        ['PER', 'ORG']
        """
        with self._read() as s:
            row = self._dataset_row(s, dataset)
            order = dict.fromkeys(str(x) for x in (row.meta or {}).get("labels", []))
            spans = s.scalars(
                select(AnnotationRow.spans)
                .join(SessionRow, AnnotationRow.session_id == SessionRow.id)
                .where(SessionRow.dataset_id == row.id)
                .order_by(AnnotationRow.id)
                .execution_options(yield_per=1000)
            )
            for answer in spans:
                order.update(
                    (str(x["label"]), None) for x in answer or () if x["label"] not in order
                )
            return list(order)

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

    def stats(self, dataset: str) -> DatasetStats:
        """Counts of ``dataset``: examples, unanswered, annotations per answer/label/session."""
        with self._read() as s:
            return dataset_stats(s, self._dataset_row(s, dataset).id, dataset)


_DATASET_NAME = re.compile(r"\w[\w.\-]*")


def _check_name(name: str) -> None:
    if not (len(name) <= NAME_LENGTH and _DATASET_NAME.fullmatch(name)):
        raise StoreError(
            "E410",
            f"Dataset name {name!r} is not allowed",
            hint="Use letters, digits, '_', '.' and '-' (starting with a letter, digit or '_').",
        )
