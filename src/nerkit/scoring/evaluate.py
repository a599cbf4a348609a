"""Run a pipeline over gold examples: scores, speed, and the list of errors."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .scores import Scores, score_spans
from .seen import SeenUnseen, annotated_entities, seen_unseen_recall

if TYPE_CHECKING:
    from ..corpus.example import Example
    from ..models.base import ScoredSpan
    from ..pipeline import Pipeline
    from ..tokens import CharSpan, Doc


@dataclass(frozen=True)
class Mistake:
    """One wrong prediction: a missed gold span (fn) or a spurious predicted one (fp)."""

    kind: str  # "fp" or "fn"
    example: int  # index of the example in the evaluated data
    start: int
    end: int
    label: str
    text: str
    other: str | None = None  # the overlapping span of the other side, e.g. "PER 'John Smith'"
    source: str | None = None  # file:line of the example


Tokens = Literal["raw", "gold"]
TOKENS: tuple[str, ...] = ("raw", "gold")


@dataclass
class Evaluation:
    """What ``evaluate`` measured: scores, speed and errors.

    ``tokens`` says what was predicted from: ``"raw"`` the pipeline's own tokens of each text,
    ``"gold"`` the data's tokens. ``seconds`` is the time of that prediction: tokenization and
    prediction for raw text, prediction alone for gold tokens. ``seen_unseen`` is the recall on
    entities the training data annotated and on the others, when training data was given.
    """

    scores: Scores
    n_examples: int
    n_words: int
    seconds: float
    errors: list[Mistake] = field(default_factory=list)
    tokens: Tokens = "raw"
    seen_unseen: SeenUnseen | None = None
    n_train_entities: int | None = None  # distinct entity texts of the training data
    # What the report analyses (not in to_dict): per example its predicted doc (the tokens
    # predicted on), its gold and predicted character spans, and with ``with_scores`` the
    # model's confidence in each predicted span (same order as ``pred``).
    docs: list[Doc] = field(default_factory=list, repr=False)
    gold: list[list[CharSpan]] = field(default_factory=list, repr=False)
    pred: list[list[CharSpan]] = field(default_factory=list, repr=False)
    pred_scores: list[list[float]] | None = field(default=None, repr=False)
    # With ``with_scores``: every predicted span and its score, the model's thresholds not
    # applied (the report's calibration and precision/recall over the threshold).
    scored_all: list[list[tuple[CharSpan, float]]] | None = field(default=None, repr=False)

    @property
    def words_per_second(self) -> float:
        return self.n_words / self.seconds if self.seconds > 0 else float("inf")

    @property
    def timed(self) -> str:
        """What ``seconds`` (and so words per second) covers."""
        return "tokenization + prediction" if self.tokens == "raw" else "prediction"

    def to_dict(self, max_errors: int = 200) -> dict[str, Any]:
        out = {
            **self.scores.to_dict(),
            "examples": self.n_examples,
            "words": self.n_words,
            "tokens": self.tokens,
            "timed": self.timed,
            "seconds": round(self.seconds, 4),
            "words_per_second": round(self.words_per_second, 1),
        }
        if self.seen_unseen is not None:
            out["seen_unseen"] = {
                **self.seen_unseen.to_dict(),
                "train_entities": self.n_train_entities,
            }
        out["errors"] = [e.__dict__ for e in self.errors[:max_errors]]
        return out


def evaluate(
    nlp: Pipeline,
    examples: Sequence[Example],
    batch_size: int = 256,
    *,
    tokens: Tokens = "raw",
    train: Iterable[Example] | None = None,
    with_scores: bool = False,
) -> Evaluation:
    """Predict the examples and score against their gold character spans (exact match).

    With ``tokens="raw"`` (the default) each example's text goes through the pipeline as a
    user's text would: tokenized by ``nlp``'s tokenizer, then predicted, and both are timed,
    so the score includes any mismatch between our tokens and the data's and words per second
    is a user's throughput (the tokenizer's chunk cache is shared, as in use: chunks it has
    tokenized before are looked up). ``tokens="gold"`` predicts on the examples' own tokens
    (CoNLL's, Prodigy's ``tokens``) and times the prediction alone. A few docs are predicted
    once, untimed, first: a model's first call pays one-time set-up costs (e.g. PyTorch's
    kernels) that say nothing about its throughput.

    Pass complete gold only (:func:`nerkit.corpus.accepted`): every example's spans are taken
    as all its entities. With ``train`` (the training examples), the result also holds the
    recall on gold entities the training data annotated and on the others
    (:mod:`nerkit.scoring.seen`). With ``with_scores`` the model also gives its confidence
    in each entity (``pred_scores``, for the report's calibration), within the timing, and
    ``scored_all``: every entity it found, before its thresholds (``[predict]``) dropped any.

    Raises:
        ConfigError: E329, ``tokens`` is neither "raw" nor "gold".

    >>> from nerkit.corpus import accepted, read  # doctest: +SKIP
    >>> result = evaluate(nerkit.load("model"), accepted(read("test.jsonl")),
    ...                   train=read("train.jsonl"))  # doctest: +SKIP
    >>> result.scores.f1, result.seen_unseen.unseen.recall  # doctest: +SKIP
    """
    from ..tokens import Doc

    if tokens not in TOKENS:
        from ..errors import ConfigError

        raise ConfigError(
            "E329",
            f"Unknown tokens '{tokens}' to evaluate on",
            hint='Use "raw" (tokenize each text, as a user\'s text) or "gold" (the data\'s tokens).',
        )

    def gold_doc(ex: Example) -> Doc:  # a copy: predicting sets ents on the doc
        return Doc(ex.doc.text, ex.doc.starts, ex.doc.ends, check=False)

    nlp.pipe_docs([gold_doc(ex) for ex in examples[:8]])  # warm-up; leaves the tokenizer alone
    every: list[list[ScoredSpan]] = []  # with scores: every entity, thresholds not applied
    if tokens == "raw":
        start = time.perf_counter()
        if with_scores:
            docs = []
            for i in range(0, len(examples), batch_size):
                part = [nlp.make_doc(ex.doc.text) for ex in examples[i : i + batch_size]]
                every.extend(nlp.pipe_docs_scored(part, thresholds=False))
                docs.extend(part)
        else:
            docs = list(nlp.pipe((ex.doc.text for ex in examples), batch_size=batch_size))
    else:
        docs = [gold_doc(ex) for ex in examples]
        start = time.perf_counter()
        for i in range(0, len(docs), batch_size):
            if with_scores:
                every.extend(nlp.pipe_docs_scored(docs[i : i + batch_size], thresholds=False))
            else:
                nlp.pipe_docs(docs[i : i + batch_size])
    seconds = time.perf_counter() - start
    gold: list[list[CharSpan]] = [[tuple(s) for s in ex.spans] for ex in examples]  # type: ignore[misc]
    scored: list[list[ScoredSpan]] = []
    if with_scores:
        thresholds = getattr(nlp, "thresholds", None)
        scored = thresholds.apply(every) if thresholds is not None else every
        for doc, spans in zip(docs, scored):
            doc.ents = [s.span for s in spans]
        pred = [[(s.span.start_char, s.span.end_char, s.span.label) for s in d] for d in scored]
    else:
        pred = [[(e.start_char, e.end_char, e.label) for e in doc.ents] for doc in docs]
    scores = score_spans(gold, pred)
    seen_unseen, n_train_entities = None, None
    if train is not None:
        seen = annotated_entities(train)
        texts = [ex.doc.text for ex in examples]
        seen_unseen = seen_unseen_recall(texts, [ex.spans for ex in examples], pred, seen)
        n_train_entities = len(seen)
    return Evaluation(
        scores=scores,
        n_examples=len(examples),
        n_words=sum(len(d) for d in docs),
        seconds=seconds,
        errors=list_errors(examples, pred),
        tokens=tokens,
        seen_unseen=seen_unseen,
        n_train_entities=n_train_entities,
        docs=docs,
        gold=gold,
        pred=pred,
        pred_scores=[[s.score for s in d] for d in scored] if with_scores else None,
        scored_all=[
            [((s.span.start_char, s.span.end_char, s.span.label), s.score) for s in d]
            for d in every
        ]
        if with_scores
        else None,
    )


def list_errors(
    examples: Sequence[Example], pred: Sequence[Sequence[tuple[int, int, str]]]
) -> list[Mistake]:
    """Every false positive and false negative, with the overlapping span of the other side."""
    out: list[Mistake] = []
    for i, (ex, p_spans) in enumerate(zip(examples, pred)):
        text = ex.doc.text
        gold: set[tuple[int, int, str]] = {(s, e, lab) for s, e, lab in ex.spans}
        predicted: set[tuple[int, int, str]] = set(p_spans)
        src = str(ex.source) if ex.source else None
        for kind, mine, theirs in (("fn", gold, predicted), ("fp", predicted, gold)):
            # Sorted once per side, not per mistake: big evaluations have many of both.
            theirs_sorted = sorted(theirs)
            for s, e, label in sorted(mine - theirs):
                other = next(
                    (f"{ol} {text[os:oe]!r}" for os, oe, ol in theirs_sorted if os < e and s < oe),
                    None,
                )
                out.append(Mistake(kind, i, s, e, label, text[s:e], other, src))
    return out
