"""Suggestions of the store: what a model predicted for examples (``nerkit predict --to-db``).

A suggestion is one model version's spans (with scores) for one example, unique per (example,
model, version): writing them again replaces them. Suggestions are not answers: training,
exports and the feed read annotations only. ``annotate correct`` pre-fills an example with its
latest suggestion, ``review`` shows it next to the annotators' answers.

Example:
    >>> from nerkit.tokens import Doc
    >>> from nerkit.corpus import Example
    >>> from nerkit.store import Store
    >>> store = Store("sqlite://")
    >>> _ = store.add_examples("news", [Example(Doc("Ann met Bob.", [0, 4, 8, 11], [3, 7, 11, 12]))])
    >>> eid = next(store.examples("news")).id
    >>> store.add_suggestions("news", [(eid, [{"start": 0, "end": 3, "label": "PER", "score": 0.9}])],
    ...                       model="posts", version="3f2a")
    1
    >>> store.suggested_ids("news", "posts", "3f2a") == {eid}, store.suggestions([eid])[eid].model
    (True, 'posts')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from ..errors import StoreError
from .leases import Leasing
from .records import aware, check_spans
from .schema import MODEL_VERSION_LENGTH, NAME_LENGTH, ExampleRow, SuggestionRow


@dataclass(frozen=True)
class StoredSuggestion:
    """A model's spans for an example: ``{start, end, label, score?}`` dicts."""

    example_id: int
    model: str
    version: str
    spans: list[dict[str, Any]]
    created: datetime


def _check_model(model: str, version: str) -> None:
    if not (0 < len(model) <= NAME_LENGTH) or not (0 < len(version) <= MODEL_VERSION_LENGTH):
        raise StoreError(
            "E411",
            f"Model name {model!r} / version {version!r}: 1-{NAME_LENGTH} and "
            f"1-{MODEL_VERSION_LENGTH} characters",
        )


class Suggestions(Leasing):
    """Suggestions of the store (see the module doc)."""

    def add_suggestions(
        self,
        dataset: str,
        items: Iterable[tuple[int, Sequence[dict[str, Any]]]],
        *,
        model: str,
        version: str,
    ) -> int:
        """Store ``(example_id, spans)`` pairs of ``dataset`` as ``model``/``version``'s
        suggestions, in one transaction (replacing that version's earlier ones); returns how
        many. Spans are checked against the example's text (E020/E021)."""
        _check_model(model, version)
        n = 0
        with self._write.begin() as s:
            ds_id = self._dataset_row(s, dataset).id
            for example_id, spans in items:
                example = s.get(ExampleRow, example_id)
                if example is None or example.dataset_id != ds_id:
                    raise StoreError(
                        "E403",
                        f"No example with id {example_id} in {dataset}",
                        hint="Ids come from the store.",
                    )
                where = f"example {example_id}"
                clean: list[dict[str, Any]] = []
                for span, checked in zip(spans, check_spans(spans, example.text, where)):
                    score = span.get("score")
                    clean.append(
                        {**checked, **({"score": float(score)} if score is not None else {})}
                    )
                s.execute(
                    delete(SuggestionRow).where(
                        SuggestionRow.example_id == example_id,
                        SuggestionRow.model == model,
                        SuggestionRow.version == version,
                    )
                )
                s.add(
                    SuggestionRow(example_id=example_id, model=model, version=version, spans=clean)
                )
                n += 1
        return n

    def suggested_ids(self, dataset: str, model: str, version: str) -> set[int]:
        """Ids of the examples of ``dataset`` with a suggestion of ``model``/``version``."""
        with self._read() as s:
            ds_id = self._dataset_row(s, dataset).id
            rows = s.scalars(
                select(SuggestionRow.example_id)
                .join(ExampleRow, SuggestionRow.example_id == ExampleRow.id)
                .where(
                    ExampleRow.dataset_id == ds_id,
                    SuggestionRow.model == model,
                    SuggestionRow.version == version,
                )
            )
            return set(rows)

    def suggestion_count(self, dataset: str) -> int:
        """How many suggestions (any model, any version) the examples of ``dataset`` have."""
        from sqlalchemy import func

        with self._read() as s:
            ds_id = self._dataset_row(s, dataset).id
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(SuggestionRow)
                    .join(ExampleRow, SuggestionRow.example_id == ExampleRow.id)
                    .where(ExampleRow.dataset_id == ds_id)
                )
                or 0
            )

    def drop_suggestions(self, dataset: str, model: str, version: str | None = None) -> int:
        """Delete ``model``'s suggestions in ``dataset`` (of ``version`` when given)."""
        with self._write.begin() as s:
            ds_id = self._dataset_row(s, dataset).id
            ids = select(ExampleRow.id).where(ExampleRow.dataset_id == ds_id)
            query = delete(SuggestionRow).where(
                SuggestionRow.example_id.in_(ids), SuggestionRow.model == model
            )
            if version is not None:
                query = query.where(SuggestionRow.version == version)
            return int(s.execute(query).rowcount or 0)  # type: ignore[attr-defined]

    def suggestions(self, example_ids: Iterable[int]) -> dict[int, StoredSuggestion]:
        """The latest suggestion (any model) of each of ``example_ids`` that has one."""
        ids = list(example_ids)
        out: dict[int, StoredSuggestion] = {}
        with self._read() as s:
            for start in range(0, len(ids), 500):
                rows = s.scalars(
                    select(SuggestionRow)
                    .where(SuggestionRow.example_id.in_(ids[start : start + 500]))
                    .order_by(SuggestionRow.id)
                )
                for row in rows:  # later rows replace earlier ones
                    out[row.example_id] = StoredSuggestion(
                        row.example_id, row.model, row.version, list(row.spans), aware(row.created)
                    )
        return out
