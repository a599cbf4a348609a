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

The ranking also follows the answers at once, before any update (``phrases.py``): a
candidate's score is the model's moved towards the answers given about its phrase (its text
and label) in any text, and a phrase answered always the same way is asked only after every
other candidate. A span answered in a text is never suggested in that text again (with
overlap, to no session: each is asked about a span nobody has answered there; a text with
none left is passed over). A complete answer (the page's ``e``: the whole text edited) ends
the text for everyone and is learned as a complete Example.

``use_model`` puts another model in (the retrained one, ``retrain.py``): the buffer is
tokenized and scored again by it; tasks already handed out are not changed.
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
from .phrases import PhraseMemory, adjusted, settled
from .recipes import Task, span_dict, task_dict

if TYPE_CHECKING:
    from ..pipeline import Pipeline

PATTERN_SCORE = 0.5
# How many times a model learns from each answer: the perceptron's online passes over it,
# a neural model's Adam steps (each over its last 32 answers).
UPDATE_PASSES = 2


Key = tuple[int, int, str]


@dataclass(frozen=True)
class _Candidate:
    """A span teach may ask about: the model's score, and the teach score that ranks it."""

    start: int
    end: int
    label: str
    model_score: float
    score: float
    accepts: int = 0
    rejects: int = 0

    @property
    def key(self) -> Key:
        return (self.start, self.end, self.label)

    @property
    def rank(self) -> tuple[bool, float]:
        """Unsettled phrases first, then the least sure."""
        return (settled(self.accepts, self.rejects), abs(self.score - 0.5))

    def to_dict(self) -> dict[str, Any]:
        out = span_dict(self.start, self.end, self.label, "model", self.score)
        if self.accepts or self.rejects:  # what moved the score from the model's
            out["model_score"] = round(self.model_score, 4)
            out["answered"] = {"accept": self.accepts, "reject": self.rejects}
        return out


@dataclass
class _Entry:
    example: StoredExample
    doc: Doc
    predicted: list[tuple[int, int, str, float]] = field(default_factory=list)
    matches: list[Key] | None = None  # pattern matches, found once
    candidates: list[_Candidate] = field(default_factory=list)  # ranked, best first
    answered: set[Key] = field(default_factory=set)  # spans answered in this text
    done_by: set[str] = field(default_factory=set)

    @property
    def suggestion(self) -> _Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def rank(self) -> tuple[bool, float]:
        return self.candidates[0].rank if self.candidates else (True, 1.0)


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
        self._answered_spans: dict[int, set[Key]] | None = None  # overlap: per example
        self.phrases = PhraseMemory()
        self._history_loaded = False
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
        with self._lock:
            recognizer = self.nlp.recognizer
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
                if entry.matches is None:
                    entry.matches = (
                        [m for m in self.matcher(entry.doc) if m[2] in self.labels]
                        if self.matcher is not None
                        else []
                    )
            self._rank(entries)

    def _rank(self, entries: Iterable[_Entry]) -> None:
        """Each entry's candidates with their teach scores (``phrases.py``), best first;
        spans answered in the text left out."""
        for entry in entries:
            have = {(s, e, lab) for s, e, lab, _ in entry.predicted}
            found = [*entry.predicted, *((s, e, lab, PATTERN_SCORE)
                     for s, e, lab in entry.matches or () if (s, e, lab) not in have)]  # fmt: skip
            candidates = []
            for s, e, label, score in found:
                if (s, e, label) in entry.answered:
                    continue
                accepts, rejects = self.phrases.tally(entry.doc.text, s, e, label)
                teach_score = adjusted(score, accepts, rejects)
                candidates.append(_Candidate(s, e, label, score, teach_score, accepts, rejects))
            entry.candidates = sorted(candidates, key=lambda c: (c.rank, c.start, c.end))

    def _source(self) -> Iterator[StoredExample]:
        if self.overlap:
            return (e for e in self.store.examples(self.dataset) if e.id > self._cursor)
        return self.store.unanswered(self.dataset, after=self._cursor)

    def _fill(self) -> None:
        with self._lock:
            self._load_history()
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
                    entry.answered = set(self._spans_answered(entry.example.id))
                self._rank(fresh)
                for entry in fresh:
                    if entry.suggestion is not None:
                        self._buffer[entry.example.id] = entry
                        want -= 1

    # -- the stream ------------------------------------------------------------------------

    def next(self, session: str, n: int, exclude: Iterable[int] = ()) -> list[Task]:
        skip = set(exclude)
        with self._lock:
            answered = self._answered_by(session) if self.overlap else set()
            self._fill()
            ranked = sorted(
                (e for e in self._buffer.values() if e.suggestion is not None),
                key=lambda e: (e.rank, e.example.id),
            )
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
                suggestion = entry.suggestion.to_dict()
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

    def _load_history(self) -> None:
        """Once: the phrase counts of the answers stored before this run (binary answers, and
        the spans of complete accepted ones as accepts)."""
        if self._history_loaded:
            return
        self._history_loaded = True
        for ex in self.store.merged(self.dataset, answer=None, tokenizer=_untokenized):
            if ex.kind == "binary" or ex.answer == "accept":
                for start, end, label in ex.spans:
                    self.phrases.add(ex.text, start, end, label, ex.answer)

    def _spans_answered(self, example_id: int) -> set[Key]:
        """With overlap, the spans any session has answered in the example (before this run
        or since); without, none (an answered example never comes back)."""
        if not self.overlap:
            return set()
        if self._answered_spans is None:
            self._answered_spans = {}
            for a in self.store.dataset_annotations(self.dataset):
                self._answered_spans.setdefault(a.example_id, set()).update(
                    (int(s["start"]), int(s["end"]), str(s["label"])) for s in a.spans
                )
        return self._answered_spans.get(example_id, set())

    def answered(
        self,
        example_id: int,
        session: str,
        answer: str,
        spans: list[dict],
        kind: Kind = "binary",
    ) -> None:
        """Drop the example from the buffer (with overlap: the answered span from its
        candidates), count the answer for its phrases, and learn from it in the background."""
        keys = [(int(s["start"]), int(s["end"]), str(s["label"])) for s in spans]
        with self._lock:
            if self.overlap:
                self._answered_by(session).add(example_id)
                self._spans_answered(example_id).update(keys)
            entry = self._buffer.get(example_id)
            text = entry.doc.text if entry else self.store.get_example(example_id).text
            for start, end, label in keys:
                # A complete answer accepts its spans; rejecting it says nothing about them.
                if kind == "binary" or answer == "accept":
                    self.phrases.add(text, start, end, label, answer)
            if entry is not None:
                entry.done_by.add(session)
                entry.answered.update(keys)
                if not self.overlap or kind == "complete":
                    del self._buffer[example_id]
            self._rank(self._buffer.values())
            if self.overlap and entry is not None and entry.suggestion is None:
                self._buffer.pop(example_id, None)  # nothing left to ask anyone here
        if entry is None or not self.learns or not keys:
            return
        if kind == "complete" and answer == "accept":
            self._worker.submit(self._learn_complete, entry, keys)
        elif kind == "binary" and answer in ("accept", "reject"):
            self._worker.submit(self._learn, entry, answer, spans[0])

    def _learn(self, entry: _Entry, answer: str, suggestion: dict[str, Any]) -> None:
        """Teach the model the answer about the suggested span (see the module doc)."""
        key = (suggestion["start"], suggestion["end"], suggestion["label"])
        with self._lock:
            recognizer = self.nlp.recognizer
            if not isinstance(recognizer, LearnsOnline) or key[2] not in recognizer.labels:
                return  # a pattern's label the model does not have: nothing it can learn
            if char_span(entry.doc, key[0], key[1], mode="expand") is None:
                return  # the answered span covers no token of the text
            example = Example(entry.doc, [key], answer=answer, kind="binary")
            recognizer.update([example], UPDATE_PASSES)
            self.updates += 1
            self._score(list(self._buffer.values()))

    def _learn_complete(self, entry: _Entry, keys: list[Key]) -> None:
        """Teach the model a complete answer: these are all the entities of the text."""
        with self._lock:
            recognizer = self.nlp.recognizer
            if not isinstance(recognizer, LearnsOnline):
                return
            known = [k for k in keys if k[2] in recognizer.labels]
            if len(known) < len(keys):  # a label it lacks: the rest would teach it wrongly
                return
            recognizer.update([Example(entry.doc, known, kind="complete")], UPDATE_PASSES)
            self.updates += 1
            self._score(list(self._buffer.values()))

    def use_model(self, nlp: Pipeline) -> None:
        """Ask with ``nlp`` from now on (see the module doc); updates queued before it apply
        to it."""
        with self._lock:
            self.nlp = nlp
            self.learns = isinstance(nlp.recognizer, LearnsOnline)
            for entry in self._buffer.values():
                entry.doc = nlp.make_doc(entry.example.text)
                entry.matches = None
            self._score(list(self._buffer.values()))

    def wait(self) -> None:
        """Block until the background updates submitted so far are done (tests)."""
        self._worker.submit(lambda: None).result()

    def progress(self, session: str) -> tuple[int, int]:
        return self.store.progress(self.dataset, session if self.overlap else None)

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


def _untokenized(text: str) -> Doc:
    return Doc(text, [], [], check=False)  # phrase counts need the text alone


def model_tokenizer(nlp: Pipeline | None) -> Callable[[str], Doc]:
    """The tokenizer of ``nlp``, else English."""
    if nlp is not None:
        return nlp.make_doc
    from ..tokenizer import get_tokenizer

    return get_tokenizer("en")
