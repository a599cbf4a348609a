"""teach: one suggested span at a time, where the model is least sure, learning as it goes.

A buffer of up to ``buffer_size`` unanswered examples, tokenized once by the model's
tokenizer, is scored with ``recognizer.predict_with_scores``; each example's candidate is its
predicted span (of the wanted labels) whose score is closest to 0.5, and pattern matches the
model did not predict count as 0.5 (most uncertain: asked first). The next task is the
buffered candidate with the smallest ``|score - 0.5|``. Examples with no candidate are
passed over (they stay unanswered in the dataset for another recipe).

Answers are stored as *binary* (``kind="binary"``): about the suggested span alone. After
each answer the model learns from it when it can, then the whole buffer is scored again, so
the order adapts. Both models learn through one call, ``recognizer.update([Example(doc,
[span], answer=..., kind="binary")], UPDATE_PASSES)``: accept, the span is an entity; reject,
exactly that span with that label is not; the rest of the text is unknown, so nothing else
is taught. The perceptron corrects only the guesses the answer rules out (an online pass per
``UPDATE_PASSES``); a neural model raises or lowers the CRF's probability of exactly that
span, with ``UPDATE_PASSES`` small steps over its recent answers. Updates run on one
background thread, after the answer is committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..corpus.example import Example, Kind
from ..models.base import LearnsOnline
from ..store import Store, StoredExample
from ..tokens import Doc, char_span
from .feed import Leases
from .patterns import PatternMatcher
from .recipes import Task, span_dict, task_dict

if TYPE_CHECKING:
    from ..pipeline import Pipeline

PATTERN_SCORE = 0.5
# How many times a model learns from each answer: the perceptron's online passes over it,
# a neural model's Adam steps (each over its last 32 answers).
UPDATE_PASSES = 2


@dataclass
class _Entry:
    example: StoredExample
    doc: Doc
    predicted: list[tuple[int, int, str, float]] = field(default_factory=list)
    suggestion: tuple[int, int, str, float] | None = None
    done_by: set[str] = field(default_factory=set)

    @property
    def margin(self) -> float:
        return abs(self.suggestion[3] - 0.5) if self.suggestion else 1.0


class TeachTasks:
    """The teach recipe's task stream over ``dataset`` (see the module doc)."""

    answer_kind: Kind = "binary"  # an answer is about the suggested span alone

    def __init__(
        self,
        store: Store,
        dataset: str,
        nlp: Pipeline,
        labels: Sequence[str],
        *,
        matcher: PatternMatcher | None = None,
        overlap: bool = False,
        leases: Leases | None = None,
        buffer_size: int = 64,
    ) -> None:
        self.store, self.dataset, self.nlp = store, dataset, nlp
        self.labels = tuple(labels)
        self.matcher = matcher
        self.overlap = overlap
        self.leases = leases or Leases(store)
        self.buffer_size = buffer_size
        self.updates = 0  # answers the model has learned from
        self._buffer: dict[int, _Entry] = {}
        self._cursor = 0  # examples up to this id were pulled into the buffer
        self._exhausted = False
        self._seen: dict[str, set[int]] = {}  # overlap: examples each session has answered
        self._lock = threading.RLock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nerkit-teach")
        self.learns = isinstance(nlp.recognizer, LearnsOnline)

    def answer_session(self, session: str) -> str:
        return session

    @property
    def lease_scope(self) -> str | None:
        return None if self.overlap else ""

    # -- scoring ---------------------------------------------------------------------------

    def _score(self, entries: Sequence[_Entry]) -> None:
        if not entries:
            return
        # The docs were tokenized once when buffered: rescoring after an answer only predicts.
        recognizer = self.nlp.recognizer
        with self._lock:
            results = (
                recognizer.predict_with_scores([e.doc for e in entries])
                if recognizer is not None
                else [[] for _ in entries]
            )
        for entry, scored in zip(entries, results):
            entry.predicted = [
                (s.span.start_char, s.span.end_char, s.span.label, float(s.score))
                for s in scored
                if s.span.label in self.labels
            ]
            candidates = list(entry.predicted)
            if self.matcher is not None:
                have = {(s, e, lab) for s, e, lab, _ in entry.predicted}
                candidates += [
                    (s, e, lab, PATTERN_SCORE)
                    for s, e, lab in self.matcher(entry.doc)
                    if lab in self.labels and (s, e, lab) not in have
                ]
            entry.suggestion = min(candidates, key=lambda c: abs(c[3] - 0.5), default=None)

    def _source(self) -> Iterator[StoredExample]:
        if self.overlap:
            return (e for e in self.store.examples(self.dataset) if e.id > self._cursor)
        return self.store.unanswered(self.dataset, after=self._cursor)

    def _fill(self) -> None:
        with self._lock:
            if self._exhausted:
                return
            want = self.buffer_size - len(self._buffer)
            while want > 0 and not self._exhausted:
                fresh: list[_Entry] = []
                for ex in self._source():
                    fresh.append(_Entry(ex, self.nlp.make_doc(ex.text)))
                    self._cursor = ex.id
                    if len(fresh) >= want:
                        break
                else:
                    self._exhausted = True
                self._score(fresh)
                for entry in fresh:
                    if entry.suggestion is not None:
                        self._buffer[entry.example.id] = entry
                        want -= 1

    # -- the stream ------------------------------------------------------------------------

    def next(self, session: str, n: int, exclude: Iterable[int] = ()) -> list[Task]:
        skip = set(exclude)
        answered = self._answered_by(session) if self.overlap else set()
        with self._lock:
            self._fill()
            ranked = sorted(self._buffer.values(), key=lambda e: (e.margin, e.example.id))
            wanted = [
                e for e in ranked
                if e.example.id not in skip and session not in e.done_by
                and e.example.id not in answered
            ]  # fmt: skip
            if not self.overlap:
                leased = set(self.leases.take([e.example.id for e in wanted], session, n))
                wanted = [e for e in wanted if e.example.id in leased]
            out: list[Task] = []
            for entry in wanted[:n]:
                assert entry.suggestion is not None
                s, e, label, score = entry.suggestion
                suggestion = span_dict(s, e, label, "model", score)
                out.append(task_dict(entry.example, entry.doc, [suggestion], suggestion=suggestion))
            return out

    def _answered_by(self, session: str) -> set[int]:
        if session not in self._seen:
            self._seen[session] = {
                a.example_id
                for a in self.store.dataset_annotations(self.dataset)
                if a.session == session
            }
        return self._seen[session]

    def answered(self, example_id: int, session: str, answer: str, spans: list[dict]) -> None:
        """Drop the example from the buffer and, in the background, learn from the answer."""
        if self.overlap:
            self._answered_by(session).add(example_id)
        with self._lock:
            entry = self._buffer.get(example_id)
            if entry is None:
                return
            entry.done_by.add(session)
            if not self.overlap:
                del self._buffer[example_id]
        if answer in ("accept", "reject") and spans and self.learns:
            self._worker.submit(self._learn, entry, answer, spans[0])

    def _learn(self, entry: _Entry, answer: str, suggestion: dict[str, Any]) -> None:
        """Teach the model the answer about the suggested span (see the module doc)."""
        key = (suggestion["start"], suggestion["end"], suggestion["label"])
        recognizer = self.nlp.recognizer
        if not isinstance(recognizer, LearnsOnline) or key[2] not in recognizer.labels:
            return  # a pattern's label the model does not have: nothing it can learn
        if char_span(entry.doc, key[0], key[1], mode="expand") is None:
            return  # the answered span covers no token of the text
        example = Example(entry.doc, [key], answer=answer, kind="binary")
        with self._lock:
            recognizer.update([example], UPDATE_PASSES)
            self.updates += 1
            self._score(list(self._buffer.values()))

    def wait(self) -> None:
        """Block until the background updates submitted so far are done (tests)."""
        self._worker.submit(lambda: None).result()

    def progress(self, session: str) -> tuple[int, int]:
        return self.store.progress(self.dataset, session if self.overlap else None)

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


def model_tokenizer(nlp: Pipeline | None) -> Callable[[str], Doc]:
    """The tokenizer of ``nlp``, else English."""
    if nlp is not None:
        return nlp.make_doc
    from ..tokenizer import get_tokenizer

    return get_tokenizer("en")
