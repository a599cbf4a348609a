"""What the store hands out: plain frozen records, never live ORM rows (safe across threads).

Also the content hash that identifies an example, and span validation.

Example:
    >>> input_hash("Ann met Bob.")
    '22cdefc955ca5520963a591d8c4ceea5'
    >>> check_spans([(0, 3, "PER")], "Ann met Bob.")
    [{'start': 0, 'end': 3, 'label': 'PER'}]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict, cast

from ..corpus.example import KINDS, Example, Kind, Source
from ..corpus.records import check_bounds
from ..errors import StoreError
from ..tokens import Doc

Answer = Literal["accept", "reject", "ignore"]
ANSWERS: tuple[str, ...] = ("accept", "reject", "ignore")
IMPORT_SESSION = "import"


class SpanDict(TypedDict):
    """A span as the store keeps it: character offsets into the example's text and a label."""

    start: int
    end: int
    label: str


SpanLike = SpanDict | Mapping[str, Any] | tuple[int, int, str] | Sequence[Any]


def input_hash(text: str) -> str:
    """The content hash of an example: BLAKE2b-128 (hex) of its text's UTF-8 bytes.

    Only the text counts, like Prodigy's input hash of a text task: the same text imported
    again, with other meta or other spans, is the same example, and its spans become another
    annotation of it rather than a second copy of the text.
    """
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def check_answer(answer: str) -> str:
    """``answer`` if it is accept, reject or ignore, else a StoreError."""
    if answer not in ANSWERS:
        raise StoreError(
            "E404",
            f"Answer should be 'accept', 'reject' or 'ignore', found {answer!r}",
            hint="Use one of those three.",
        )
    return answer


def check_kind(kind: str) -> Kind:
    """``kind`` if it is complete or binary, else a StoreError.

    A *complete* answer's spans are all the entities of its text (manual, correct, review,
    an annotated file); a *binary* answer is about its spans alone (teach).
    """
    if kind not in KINDS:
        raise StoreError(
            "E404",
            f"Answer kind should be 'complete' or 'binary', found {kind!r}",
            hint="'complete' when the spans are all the text's entities, 'binary' when the "
            "answer is about those spans alone (teach).",
        )
    return cast(Kind, kind)


def check_spans(spans: Sequence[SpanLike], text: str, where: str = "") -> list[SpanDict]:
    """Spans as ``{"start", "end", "label"}`` dicts, each checked against ``text``.

    Raises:
        SpanError: E020 past the end of the text, E021 empty or reversed; StoreError E404 for
            a span of the wrong shape.
    """
    out: list[SpanDict] = []
    for item in spans:
        if isinstance(item, Mapping):
            start, end, label = item.get("start"), item.get("end"), item.get("label")
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 3:
            start, end, label = item
        else:
            start = end = label = None
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str)):
            raise StoreError(
                "E404",
                f"A span should have int 'start', int 'end' and str 'label', found {item!r}",
                record=where or None,
                hint='Pass spans as {"start": 0, "end": 3, "label": "PER"}.',
            )
        if not label:
            raise StoreError(
                "E404", "A span has an empty label", record=where or None, offset=start
            )
        check_bounds(start, end, label, text, record=where or None)
        out.append({"start": start, "end": end, "label": label})
    return out


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC (SQLite gives back naive datetimes; they were written in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset: its name, when it was made, its meta and how much it holds."""

    id: int
    name: str
    created: datetime
    meta: dict[str, Any]
    examples: int = 0
    annotations: int = 0


@dataclass(frozen=True)
class SessionInfo:
    """An annotation session of a dataset (an annotator, or ``import``)."""

    id: int
    dataset: str
    name: str
    started: datetime
    annotations: int = 0


@dataclass(frozen=True)
class StoredExample:
    """An example as stored: the text to annotate, its meta, and its input's spans and tokens.

    ``spans`` are the spans the input came with (pre-annotations); answers are annotations.
    ``tokens`` are ``[start, end]`` character offsets when the input gave tokens, else None.
    """

    id: int
    dataset: str
    hash: str
    text: str
    meta: dict[str, Any]
    extra: dict[str, Any]
    tokens: list[tuple[int, int]] | None
    spans: list[SpanDict]

    def doc(self, tokenizer: Callable[[str], Doc] | None = None) -> Doc:
        """The tokens as a Doc: the stored ones, else ``tokenizer`` (English by default)."""
        if self.tokens is not None:
            return Doc(
                self.text, [s for s, _ in self.tokens], [e for _, e in self.tokens], check=False
            )
        if tokenizer is None:
            from ..corpus.files import default_tokenizer

            tokenizer = default_tokenizer()
        return tokenizer(self.text)

    def to_example(
        self,
        spans: Sequence[SpanDict] | None = None,
        answer: str = "accept",
        tokenizer: Callable[[str], Doc] | None = None,
        kind: Kind = "complete",
    ) -> Example:
        """A corpus Example of this text with ``spans`` (its input spans when None)."""
        chosen = self.spans if spans is None else spans
        return Example(
            self.doc(tokenizer),
            [(s["start"], s["end"], s["label"]) for s in chosen],
            answer=answer,
            meta=dict(self.meta),
            extra=dict(self.extra),
            source=Source(f"db:{self.dataset}", record=self.id),
            kind=kind,
        )


@dataclass(frozen=True)
class StoredAnnotation:
    """One answer to an example: spans, accept/reject/ignore, by which session, when.

    ``suggestion`` and ``score`` are the span a model suggested (teach) and its score;
    ``client_id`` the id the annotation app's page gave the answer (retries are stored once);
    ``kind`` whether the spans are all the text's entities (``complete``) or the answer is
    about them alone (``binary``, teach).
    """

    id: int
    example_id: int
    session: str
    answer: str
    spans: list[SpanDict]
    created: datetime
    meta: dict[str, Any] = field(default_factory=dict)
    suggestion: SpanDict | None = None
    score: float | None = None
    client_id: str | None = None
    kind: Kind = "complete"


@dataclass
class ImportCounts:
    """What an import did: examples added, skipped as duplicates or empty, annotations added."""

    added: int = 0
    duplicates: int = 0
    empty: int = 0
    annotations: int = 0

    def __iadd__(self, other: ImportCounts) -> ImportCounts:
        self.added += other.added
        self.duplicates += other.duplicates
        self.empty += other.empty
        self.annotations += other.annotations
        return self


@dataclass(frozen=True)
class DatasetStats:
    """Counts of a dataset: examples, unanswered ones, annotations per answer/label/session.

    ``labels`` counts the spans of accepted annotations; ``binary`` how many of the
    annotations are binary answers (teach), the rest being complete.
    """

    name: str
    examples: int
    unanswered: int
    annotations: int
    answers: dict[str, int]
    labels: dict[str, int]
    sessions: dict[str, int]
    binary: int = 0
