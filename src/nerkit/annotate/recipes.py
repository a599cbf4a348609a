"""Recipes: what each annotation view asks, as task streams over the store.

- ``manual``: the text with its input spans and pattern matches pre-filled.
- ``correct``: the same, pre-filled with a model's predictions (and pattern matches); with
  ``order="uncertain"`` the texts the model expects the most wrong tags in come first
  (:meth:`Prefill.uncertainty`, ranked by the feed over a window: ``feed.py``).
- ``teach``: one suggested span at a time, where the model is least sure (``teach.py``); its
  answers are binary, about that span alone (the others' are complete).
- ``review``: examples answered by annotator sessions, each session's spans side by side.

A task is a JSON-ready dict: ``id`` (the example id), ``text``, ``tokens`` (``[start, end]``
character offsets), ``spans`` (``{start, end, label, source, score?}``, source one of
``input``, ``pattern``, ``model``), ``meta``, and per recipe ``suggestion`` or ``versions``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..corpus.example import Kind
from ..errors import ConfigError
from ..models.uncertainty import uncertainties
from ..store import Store, StoredExample
from ..tokens import Doc
from .agreement import REVIEW_PREFIX, is_annotator
from .feed import REVIEW_SCOPE, Feed, Leases
from .patterns import PatternMatcher

if TYPE_CHECKING:
    from ..pipeline import Pipeline

RECIPES = ("manual", "correct", "teach", "review")
ORDERS = ("stored", "uncertain")  # the order the correct recipe hands texts out in
Task = dict[str, Any]


class TaskSource(Protocol):
    """What the server asks of a recipe.

    ``answer_kind``: how the recipe's answers are stored, ``complete`` (the spans are all the
    text's entities: manual, correct, review) or ``binary`` (about the spans alone: teach).
    ``lease_scope``: the lease an answer ends (``feed.py``), None when sessions overlap.
    ``answered`` hears of each answer stored (not of a retry stored before), with the kind it
    was stored as.
    """

    answer_kind: Kind

    @property
    def lease_scope(self) -> str | None: ...

    def next(self, session: str, n: int, exclude: Iterable[int] = ()) -> list[Task]: ...

    def answered(
        self, example_id: int, session: str, answer: str, spans: list[dict], kind: Kind = ...
    ) -> None: ...

    def progress(self, session: str) -> tuple[int, int]: ...

    def answer_session(self, session: str) -> str: ...


def span_dict(start: int, end: int, label: str, source: str, score: float | None = None) -> dict:
    out: dict[str, Any] = {"start": int(start), "end": int(end), "label": label, "source": source}
    if score is not None:
        out["score"] = round(float(score), 4)
    return out


def non_overlapping(spans: Iterable[dict]) -> list[dict]:
    """The spans in order, dropping any that overlaps one kept earlier in ``spans``."""
    kept: list[dict] = []
    for span in spans:
        if all(span["end"] <= k["start"] or span["start"] >= k["end"] for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: (s["start"], s["end"]))


def task_dict(ex: StoredExample, doc: Doc, spans: Sequence[dict], **extra: Any) -> Task:
    return {
        "id": ex.id,
        "text": ex.text,
        "tokens": doc.token_offsets(),
        "spans": list(spans),
        "meta": ex.meta,
        **extra,
    }


@dataclass
class Prefill:
    """Makes the pre-filled spans of a task: input spans, model predictions, pattern matches.

    With ``store`` (the correct recipe), an example's latest stored suggestion (``nerkit
    predict --to-db``) stands for the model's predictions; ``nlp`` predicts the others.
    ``nlp`` also scores texts for ``--order uncertain`` (:meth:`uncertainty`: stored
    suggestions carry no token confidences).
    """

    labels: Sequence[str]
    tokenizer: Callable[[str], Doc]
    nlp: Pipeline | None = None
    matcher: PatternMatcher | None = None
    store: Store | None = None

    def __post_init__(self) -> None:
        self._model_lock = threading.Lock()  # one call into the model at a time
        self._uncertainty: dict[int, float] = {}  # example id -> score under self.nlp

    def uncertainty(self, examples: Sequence[StoredExample]) -> list[float]:
        """Each example's expected wrong tags under the model in use
        (:func:`~nerkit.models.uncertainty.text_uncertainty`), scored once per model."""
        with self._model_lock:
            todo = [ex for ex in examples if ex.id not in self._uncertainty]
        docs = [ex.doc(self.tokenizer) for ex in todo]  # outside the lock: no model here
        with self._model_lock:
            # Scored and cached under the lock, so a model swapped in meanwhile (use_model,
            # which empties the cache under it) never finds an old model's scores there.
            missing = [i for i, ex in enumerate(todo) if ex.id not in self._uncertainty]
            if missing:
                recognizer = self.nlp.recognizer if self.nlp is not None else None
                assert recognizer is not None, "--order uncertain needs a model"
                scores = uncertainties(recognizer, [docs[i] for i in missing])
                for i, score in zip(missing, scores):
                    self._uncertainty[todo[i].id] = score
            return [self._uncertainty[ex.id] for ex in examples]

    def use_model(self, nlp: Pipeline) -> None:
        """Pre-fill and score with ``nlp`` from now on; the stored suggestions and the scores
        of the model before are dropped."""
        with self._model_lock:
            self.nlp = nlp
            self.store = None
            self._uncertainty.clear()

    def __call__(self, examples: Sequence[StoredExample]) -> list[Task]:
        docs = [ex.doc(self.tokenizer) for ex in examples]
        predicted: list[list[dict]] = [[] for _ in examples]
        stored = self.store.suggestions(ex.id for ex in examples) if self.store else {}
        for i, ex in enumerate(examples):
            if ex.id in stored:
                predicted[i] = [
                    span_dict(s["start"], s["end"], s["label"], "model", s.get("score"))
                    for s in stored[ex.id].spans
                ]
        live = [i for i, ex in enumerate(examples) if ex.id not in stored]
        if live and self.nlp is not None and self.nlp.recognizer is not None:
            with self._model_lock:
                scored = self.nlp.recognizer.predict_with_scores([docs[i] for i in live])
            for i, found in zip(live, scored):
                predicted[i] = [
                    span_dict(s.span.start_char, s.span.end_char, s.span.label, "model", s.score)
                    for s in found
                ]
        tasks = []
        for ex, doc, model_spans in zip(examples, docs, predicted):
            spans = [span_dict(s["start"], s["end"], s["label"], "input") for s in ex.spans]
            spans += model_spans
            if self.matcher is not None:
                spans += [span_dict(s, e, lab, "pattern") for s, e, lab in self.matcher(doc)]
            wanted = [s for s in spans if s["label"] in self.labels]
            tasks.append(task_dict(ex, doc, non_overlapping(wanted)))
        return tasks


class StreamTasks:
    """manual and correct: the feed's examples with pre-filled spans."""

    answer_kind: Kind = "complete"

    def __init__(self, store: Store, dataset: str, feed: Feed, prefill: Prefill) -> None:
        self.store, self.dataset, self.feed, self.prefill = store, dataset, feed, prefill

    def next(self, session: str, n: int, exclude: Iterable[int] = ()) -> list[Task]:
        return self.prefill(self.feed.next(session, n, exclude))

    @property
    def lease_scope(self) -> str | None:
        return self.feed.lease_scope

    def answered(
        self,
        example_id: int,
        session: str,
        answer: str,
        spans: list[dict],
        kind: Kind = "complete",
    ) -> None:
        pass  # the answer's transaction ended the lease

    def progress(self, session: str) -> tuple[int, int]:
        return self.store.progress(self.dataset, session if self.feed.overlap else None)

    def answer_session(self, session: str) -> str:
        return session

    def use_model(self, nlp: Pipeline) -> None:
        """Pre-fill with ``nlp`` from now on (a retrained model); its predictions replace the
        stored suggestions too, which an older model made, and with ``--order uncertain`` its
        scores reorder the texts not handed out yet. Tasks handed out stay as they are."""
        self.prefill.use_model(nlp)


class ReviewTasks:
    """review: examples with annotator answers, each session's latest answer side by side.

    Stored answers go to the session ``review:<name>``. Without overlap an example reviewed
    by any reviewer is done; with overlap, each reviewer reviews every example. Only complete
    answers are compared: a binary (teach) answer says nothing about the rest of its text.
    """

    answer_kind: Kind = "complete"

    def __init__(
        self,
        store: Store,
        dataset: str,
        tokenizer: Callable[[str], Doc],
        *,
        overlap: bool = False,
        leases: Leases | None = None,
    ) -> None:
        self.store, self.dataset, self.tokenizer = store, dataset, tokenizer
        self.overlap = overlap
        self.feed = Feed(store, dataset, overlap=overlap, leases=leases, scope=REVIEW_SCOPE)

    @property
    def lease_scope(self) -> str | None:
        return self.feed.lease_scope

    def answer_session(self, session: str) -> str:
        return REVIEW_PREFIX + session

    def _versions(self) -> tuple[dict[int, dict[str, dict]], dict[int, set[str]]]:
        versions: dict[int, dict[str, dict]] = {}
        reviewed: dict[int, set[str]] = {}
        for ann in self.store.dataset_annotations(self.dataset):
            if ann.session.startswith(REVIEW_PREFIX):
                reviewed.setdefault(ann.example_id, set()).add(ann.session)
            elif is_annotator(ann.session) and ann.kind == "complete":
                versions.setdefault(ann.example_id, {})[ann.session] = {
                    "session": ann.session,
                    "answer": ann.answer,
                    "spans": [dict(s) for s in ann.spans],
                }
        return versions, reviewed

    def _todo(
        self, session: str, versions: dict[int, dict[str, dict]], reviewed: dict[int, set[str]]
    ) -> Iterator[StoredExample]:
        mine = self.answer_session(session)
        for eid in sorted(versions):
            done = reviewed.get(eid, set())
            if (mine in done) if self.overlap else bool(done):
                continue
            yield self.store.get_example(eid)

    def next(self, session: str, n: int, exclude: Iterable[int] = ()) -> list[Task]:
        # One scan of the dataset's annotations picks the examples and fills their versions.
        versions, reviewed = self._versions()
        todo = self._todo(session, versions, reviewed)
        examples = self.feed.next(session, n, exclude, candidates=todo)
        tasks = []
        suggested = self.store.suggestions(ex.id for ex in examples)
        for ex in examples:
            vs = sorted(versions.get(ex.id, {}).values(), key=lambda v: v["session"])
            first = next((v for v in vs if v["answer"] == "accept"), vs[0] if vs else None)
            if ex.id in suggested:  # what the model predicted, shown last, never pre-filled
                hint = suggested[ex.id]
                vs.append({"session": f"model:{hint.model}", "answer": "accept",
                           "spans": [{k: s[k] for k in ("start", "end", "label")}
                                     for s in hint.spans]})  # fmt: skip
            spans = [span_dict(s["start"], s["end"], s["label"], "review") for s in
                     (first["spans"] if first else [])]  # fmt: skip
            tasks.append(task_dict(ex, ex.doc(self.tokenizer), spans, versions=vs))
        return tasks

    def answered(
        self,
        example_id: int,
        session: str,
        answer: str,
        spans: list[dict],
        kind: Kind = "complete",
    ) -> None:
        pass  # the answer's transaction ended the lease

    def progress(self, session: str) -> tuple[int, int]:
        versions, reviewed = self._versions()
        mine = self.answer_session(session)
        done = sum(
            1 for eid in versions if (mine in reviewed.get(eid, ())) or (
                not self.overlap and reviewed.get(eid))
        )  # fmt: skip
        return done, len(versions)


def check_order(order: str, recipe: str, has_model: bool) -> str:
    """``order`` if the recipe can hand texts out in it: ``uncertain`` needs correct with a
    model (E514); an unknown order is E503."""
    if order not in ORDERS:
        raise ConfigError(
            "E503", f"Unknown --order {order!r}", hint=f"Use one of: {', '.join(ORDERS)}."
        )
    if order == "uncertain" and (recipe != "correct" or not has_model):
        raise ConfigError(
            "E514",
            "--order uncertain needs the correct recipe with --model"
            f" (got {recipe}{'' if has_model else ' without --model'})",
            hint="The model ranks the texts by the wrong tags it expects in them (stored "
            "suggestions cannot): nerkit annotate correct DATASET SOURCE --model DIR --order "
            "uncertain. teach picks its own questions; manual has no model.",
        )
    return order


def check_recipe(recipe: str) -> str:
    if recipe not in RECIPES:
        raise ConfigError(
            "E502", f"Unknown recipe {recipe!r}", hint=f"Use one of: {', '.join(RECIPES)}."
        )
    return recipe
