"""Play an annotator from gold data: what each way of annotating costs, and what it buys.

Given texts whose entities are known (the *pool*), ``simulate`` runs an annotation strategy
as a person would, with the gold spans standing in for the annotator's answers, and records
its cost in decisions (:mod:`nerkit.scoring.edits`: spans added, removed, resized,
relabelled; texts accepted; binary answers) and the F1 on a test set of the model trained
on the answers so far, as the cost grows. Every strategy starts with ``start`` texts
annotated from scratch in a seeded random order (a model needs some data), then goes on
``step`` texts at a time, retraining from scratch after each step, until ``budget`` texts
have an answer:

- ``manual``: the next texts of the random order, annotated from scratch: one decision per
  gold span, one per text accepted.
- ``uncertain``: from scratch too, but the ``step`` texts the current model is least sure of
  (:func:`nerkit.models.uncertainty.text_uncertainty`: the most wrong tags it expects), out
  of all texts not annotated yet.
- ``correct``: the next texts of the random order, pre-filled with the current model's
  predictions; the annotator removes, adds, resizes or relabels spans until the text is its
  gold, and accepts it.
- ``correct-uncertain``: the texts of ``uncertain``, pre-filled and corrected as in
  ``correct`` (``nerkit annotate correct --order uncertain``).
- ``teach``: binary answers, as ``nerkit annotate teach`` asks them: a buffer of
  :data:`TEACH_BUFFER` unanswered texts in the random order, each text's candidate the
  predicted span whose score is closest to 0.5 (texts with none are passed over), the text
  with the smallest margin asked next; the answer is accept when the span (start, end and
  label) is a gold span, else reject; the model learns from it at once
  (``update([Example(doc, [span], answer, kind="binary")], 2)``) and the buffer is scored
  again. One answer per text. After ``step`` answers the model is trained from scratch on
  the ``start`` texts and every answer (binary answers are constraints, see
  :mod:`nerkit.corpus.answers`), and teach starts again over the unanswered texts.

``texts`` counts the texts with an answer (teach: the texts asked about). The models are
trained with ``config`` (default: the packaged ``perceptron``, which trains in seconds),
``overrides`` and ``train.seed`` set to the run's seed; ``dev`` picks their best epoch.

Example:
    >>> result = simulate("gold.jsonl", "test.jsonl", ["manual", "correct"], step=50)  # doctest: +SKIP
    >>> [(p.texts, p.decisions, round(p.f1, 2)) for p in result.runs[0].points]  # doctest: +SKIP
    [(50, 121, 0.41), (100, 240, 0.55), ...]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..corpus.answers import accepted
from ..corpus.example import Example
from ..errors import ConfigError, NerkitWarning
from ..models.base import LearnsOnline, ScoredSpan
from ..models.uncertainty import uncertainties
from ..scoring.edits import BINARY_ANSWER, Decisions, correction, from_scratch
from ..tokens import CharSpan, Doc
from .data import read_data, retokenize
from .simreport import write_simulation

if TYPE_CHECKING:
    from ..pipeline import Pipeline

STRATEGIES = ("manual", "uncertain", "correct", "correct-uncertain", "teach")
TEACH_BUFFER = 64  # unanswered texts teach keeps scored (annotate/teach.py's buffer_size)
TEACH_PASSES = 2  # the model's passes over each teach answer (annotate/teach.py)
Data = str | PathLike[str] | Sequence[Example]


@dataclass
class SimPoint:
    """One point of a strategy's curve: the cost so far and the test scores it bought."""

    strategy: str
    seed: int
    texts: int  # texts with an answer (teach: texts asked about)
    cost: Decisions
    scratch: int  # gold spans of those texts: the span edits annotating them from scratch takes
    f1: float
    precision: float
    recall: float

    @property
    def decisions(self) -> int:
        return self.cost.total

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "decisions": self.decisions, "span_edits": self.cost.span_edits}


@dataclass
class SimRun:
    """One strategy with one seed: its points, cheapest first."""

    strategy: str
    seed: int
    points: list[SimPoint] = field(default_factory=list)


@dataclass
class SimulationResult:
    """Every run of a simulation, what it ran on, and the files it wrote."""

    runs: list[SimRun]
    data: dict[str, Any]
    output: Path | None = None
    plot: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "runs": [
                {"strategy": r.strategy, "seed": r.seed, "points": [p.to_dict() for p in r.points]}
                for r in self.runs
            ],
        }


def simulate(
    data: Data,
    test: Data,
    strategies: Sequence[str] = STRATEGIES,
    *,
    dev: Data | None = None,
    config: str | Path = "perceptron",
    overrides: Sequence[str] = (),
    seeds: Sequence[int] = (0,),
    start: int | None = None,
    step: int = 100,
    budget: int | None = None,
    pool: int | None = None,
    output: str | Path | None = None,
    format: str | None = None,
    lang: str = "en",
    db: str | None = None,
    progress: Callable[[SimPoint], None] | None = None,
) -> SimulationResult:
    """Run each of ``strategies`` once per seed on the gold ``data`` (see the module doc).

    ``start`` (default ``step``): texts annotated from scratch before the first model;
    ``step``: texts (teach: answers) between retrainings; ``budget`` (default: every text):
    texts with an answer when a run stops; ``pool``: use a seeded sample of this many texts
    of ``data`` (the same sample for every seed). ``db``: the store of ``db:NAME`` data
    (None: the default). Writes ``simulation.md``,
    ``simulation.json`` and ``simulation.svg`` (test F1 against decisions) into ``output``
    after every point, when given; ``progress`` gets each point.

    Raises:
        ConfigError: an unknown strategy (E370); data with too few annotated texts, or no
            entity (E371); ``start``, ``step``, ``budget`` or ``pool`` out of range (E372);
            test data without annotated texts (E373).
    """
    from ..tokenizer import get_tokenizer
    from .config import resolve_config

    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown or not strategies:
        raise ConfigError(
            "E370",
            f"Unknown strategy {', '.join(map(repr, unknown))}" if unknown else "No strategy",
            hint=f"Choose from {', '.join(STRATEGIES)}.",
        )
    resolve_config("perceptron", config, overrides)  # a bad config fails before any training
    tokenizer = get_tokenizer(lang)
    gold = _gold(data, tokenizer, format, db, "gold data")
    test_ex = _gold(test, tokenizer, format, db, "test data")
    dev_ex = _gold(dev, tokenizer, format, db, "dev data") if dev is not None else []
    gold = _distinct(gold)
    n_read = len(gold)
    gold = _sample(gold, pool)
    start = step if start is None else start
    budget = len(gold) if budget is None else budget
    _check_sizes(start, step, budget, len(gold))
    if not any(ex.spans for ex in gold):
        raise ConfigError(
            "E371",
            f"None of the {len(gold):,} gold texts has an entity: there is nothing to annotate",
            hint="Pass annotated data (nerkit data check FILE shows what was read).",
        )
    settings = {
        "data": _name(data), "test": _name(test), "dev": _name(dev) if dev is not None else None,
        "config": str(config), "overrides": list(overrides), "seeds": list(seeds),
        "start": start, "step": step, "budget": budget, "pool": len(gold),
        "pool_sampled_from": n_read if len(gold) < n_read else None,
        "pool_entities": sum(len(ex.spans) for ex in gold), "test_texts": len(test_ex),
    }  # fmt: skip
    out = Path(output) if output is not None else None
    result = SimulationResult([], settings, out)
    for strategy in strategies:
        for seed in seeds:
            run = SimRun(strategy, seed)
            result.runs.append(run)
            sim = _Simulator(
                gold, dev_ex, test_ex, str(config), [*overrides, f"train.seed={seed}"],
                seed, start, step, budget, tokenizer,
            )  # fmt: skip
            for point in RUNNERS[strategy](sim):
                run.points.append(point)
                if out is not None:
                    write_simulation(result)
                if progress is not None:
                    progress(point)
    return result


def teach_candidate(scored: Sequence[ScoredSpan]) -> tuple[CharSpan, float] | None:
    """What teach asks about in a text: its predicted span whose score is closest to 0.5, with
    that score (None when the model predicts nothing there)."""
    best = min(scored, key=lambda s: abs(s.score - 0.5), default=None)
    if best is None:
        return None
    span = best.span
    return (span.start_char, span.end_char, span.label), float(best.score)


# -- the strategies -----------------------------------------------------------------------


@dataclass
class _Simulator:
    """What every strategy of one seed shares: the data, how to train and score."""

    gold: list[Example]
    dev: list[Example]
    test: list[Example]
    config: str
    overrides: list[str]
    seed: int
    start: int
    step: int
    budget: int
    tokenizer: Callable[[str], Doc]
    order: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.order = np.random.default_rng(self.seed).permutation(len(self.gold)).tolist()

    def train(self, examples: Sequence[Example]) -> Pipeline:
        from .train import train

        with _quiet():
            return train(
                examples, self.dev or None, None, config=self.config, overrides=self.overrides
            ).nlp

    def point(
        self, nlp: Pipeline, strategy: str, texts: int, cost: Decisions, scratch: int
    ) -> SimPoint:
        from ..scoring import evaluate

        scores = evaluate(nlp, self.test).scores
        return SimPoint(
            strategy, self.seed, texts, cost, scratch, scores.f1, scores.precision, scores.recall
        )

    def checkpoints(self) -> list[int]:
        """Texts at which a model is trained and scored: start, start + step, ..., budget."""
        return sorted({*range(self.start, self.budget, self.step), self.budget})


def _manual(sim: _Simulator) -> Iterator[SimPoint]:
    done: list[Example] = []
    cost, scratch = Decisions(), 0
    marks = set(sim.checkpoints())
    for i in sim.order[: sim.budget]:
        ex = sim.gold[i]
        done.append(ex)
        cost += from_scratch(ex.spans)
        scratch += len(set(ex.spans))
        if len(done) in marks:
            yield sim.point(sim.train(done), "manual", len(done), cost, scratch)


def _uncertain(sim: _Simulator, prefill: bool = False) -> Iterator[SimPoint]:
    """``uncertain``; with ``prefill``, ``correct-uncertain``: the same texts, pre-filled."""
    strategy = "correct-uncertain" if prefill else "uncertain"
    chosen = sim.order[: sim.start]
    left = sim.order[sim.start :]  # in the random order: ties go to the earlier text
    done = [sim.gold[i] for i in chosen]
    cost = sum((from_scratch(ex.spans) for ex in done), Decisions())
    scratch = sum(len(set(ex.spans)) for ex in done)
    while True:
        nlp = sim.train(done)
        yield sim.point(nlp, strategy, len(done), cost, scratch)
        n = min(sim.step, sim.budget - len(done), len(left))
        if n <= 0:
            return
        assert nlp.recognizer is not None
        uncertainty = uncertainties(nlp.recognizer, [sim.gold[i].doc for i in left])
        # Most uncertain first; among equals the random order.
        ranked = sorted(range(len(left)), key=lambda k: (-uncertainty[k], k))
        pick = sorted(ranked[:n])
        batch = [sim.gold[left[k]] for k in pick]
        predicted = (
            nlp.recognizer.predict([ex.doc for ex in batch]) if prefill else [[] for _ in batch]
        )
        for ex, spans in zip(batch, predicted):
            done.append(ex)
            cost += correction([(s.start_char, s.end_char, s.label) for s in spans], ex.spans)
            scratch += len(set(ex.spans))
        picked = set(pick)
        left = [i for k, i in enumerate(left) if k not in picked]


def _correct(sim: _Simulator) -> Iterator[SimPoint]:
    done = [sim.gold[i] for i in sim.order[: sim.start]]
    cost = sum((from_scratch(ex.spans) for ex in done), Decisions())
    scratch = sum(len(set(ex.spans)) for ex in done)
    marks = sim.checkpoints()
    for mark, following in zip(marks, [*marks[1:], None]):
        nlp = sim.train(done)
        yield sim.point(nlp, "correct", len(done), cost, scratch)
        if following is None:
            return
        batch = [sim.gold[i] for i in sim.order[mark:following]]
        assert nlp.recognizer is not None
        predicted = nlp.recognizer.predict([ex.doc for ex in batch])
        for ex, spans in zip(batch, predicted):
            cost += correction([(s.start_char, s.end_char, s.label) for s in spans], ex.spans)
            scratch += len(set(ex.spans))
            done.append(ex)


def _teach(sim: _Simulator) -> Iterator[SimPoint]:
    first = [sim.gold[i] for i in sim.order[: sim.start]]
    cost = sum((from_scratch(ex.spans) for ex in first), Decisions())
    scratch = sum(len(set(ex.spans)) for ex in first)
    answers: list[Example] = []
    unanswered = sim.order[sim.start :]
    nlp = sim.train(first)
    yield sim.point(nlp, "teach", len(first), cost, scratch)
    while len(first) + len(answers) < sim.budget:
        want = min(sim.step, sim.budget - len(first) - len(answers))
        session = _teach_session(sim, nlp, unanswered, want)
        for i, span, answer in session:
            ex = sim.gold[i]
            answers.append(Example(ex.doc, [span], answer=answer, kind="binary"))
            cost += BINARY_ANSWER
            scratch += len(set(ex.spans))
        if not session:
            return  # the model predicts nothing in any text left: nothing to ask
        asked = {i for i, _, _ in session}
        unanswered = [i for i in unanswered if i not in asked]
        nlp = sim.train([*first, *answers])
        yield sim.point(nlp, "teach", len(first) + len(answers), cost, scratch)


def _teach_session(
    sim: _Simulator, nlp: Pipeline, unanswered: list[int], n: int
) -> list[tuple[int, CharSpan, str]]:
    """Up to ``n`` teach answers ``(text index, span, accept|reject)`` over the ``unanswered``
    texts (in order), the model learning from each (see the module doc)."""
    recognizer = nlp.recognizer
    assert recognizer is not None
    buffer: dict[int, tuple[CharSpan, float] | None] = {}
    cursor = 0
    out: list[tuple[int, CharSpan, str]] = []

    def rescore(indices: list[int]) -> None:
        scored = recognizer.predict_with_scores([sim.gold[i].doc for i in indices])
        buffer.update({i: teach_candidate(s) for i, s in zip(indices, scored)})

    while len(out) < n:
        while cursor < len(unanswered) and sum(v is not None for v in buffer.values()) < (
            TEACH_BUFFER
        ):
            fresh = unanswered[cursor : cursor + TEACH_BUFFER]
            cursor += len(fresh)
            rescore(fresh)
            for i in fresh:  # passed over: no candidate in it
                if buffer[i] is None:
                    del buffer[i]
        asked = [(abs(c[1] - 0.5), i) for i, c in buffer.items() if c is not None]
        if not asked:
            break
        _, i = min(asked)
        candidate = buffer.pop(i)
        assert candidate is not None
        span = candidate[0]
        answer = "accept" if span in set(sim.gold[i].spans) else "reject"
        out.append((i, span, answer))
        if isinstance(recognizer, LearnsOnline) and span[2] in recognizer.labels:
            recognizer.update(
                [Example(sim.gold[i].doc, [span], answer, kind="binary")], TEACH_PASSES
            )
            rescore(list(buffer))
    return out


RUNNERS: dict[str, Callable[[_Simulator], Iterator[SimPoint]]] = {
    "manual": _manual,
    "uncertain": _uncertain,
    "correct": _correct,
    "correct-uncertain": lambda sim: _uncertain(sim, prefill=True),
    "teach": _teach,
}


# -- reading and checking -----------------------------------------------------------------


def _gold(
    data: Data, tokenizer: Callable[[str], Doc], format: str | None, db: str | None, what: str
) -> list[Example]:
    """The complete accepted examples of ``data``, on ``tokenizer``'s tokens (E371 for the
    gold data without any, E373 for the test or dev data)."""
    examples = (
        read_data(data, format=format, tokenizer=tokenizer, db=db)
        if isinstance(data, str | PathLike)
        else list(data)
    )
    gold = accepted(examples)
    if gold:
        return retokenize(gold, tokenizer)
    message = f"The {what} has no complete accepted annotation ({len(examples):,} examples read)"
    where = data if isinstance(data, str | PathLike) else None
    hint = (
        "Simulation needs texts whose entities are all annotated (manual, correct, review or "
        "annotated files); a binary teach answer does not say what else its text holds."
    )
    if what == "gold data":
        raise ConfigError("E371", message, path=where, hint=hint)
    raise ConfigError("E373", message, path=where, hint=hint)


def _distinct(gold: list[Example]) -> list[Example]:
    """The first example of each text: a text the pool repeats (CoNLL-2003 repeats short
    lines such as "SOCCER -") is annotated once, as importing texts into the store keeps one."""
    seen: set[str] = set()
    out = []
    for ex in gold:
        if ex.text not in seen:
            seen.add(ex.text)
            out.append(ex)
    return out


def _sample(gold: list[Example], pool: int | None) -> list[Example]:
    """A seeded sample of ``pool`` texts of ``gold``, in their order (all: None or more)."""
    if pool is not None and pool < 1:
        raise ConfigError("E372", f"pool is {pool}: it counts texts", hint="Give pool 1 or more.")
    if pool is None or pool >= len(gold):
        return gold
    keep = np.sort(np.random.default_rng(0).permutation(len(gold))[:pool])
    return [gold[i] for i in keep.tolist()]


def _check_sizes(start: int, step: int, budget: int, n: int) -> None:
    for name, value in (("start", start), ("step", step), ("budget", budget)):
        if value < 1:
            raise ConfigError(
                "E372", f"{name} is {value}: it counts texts", hint=f"Give {name} 1 or more."
            )
    if start > n:
        raise ConfigError(
            "E371",
            f"The gold data has {n:,} annotated texts, fewer than the {start:,} to start with",
            hint="Pass more annotated texts, or a smaller start (--start).",
        )
    if not start <= budget <= n:
        raise ConfigError(
            "E372",
            f"budget {budget:,} is not between start ({start:,}) and the {n:,} gold texts",
            hint="The budget is the texts with an answer when a run stops.",
        )


def _name(data: Data) -> str:
    return str(data) if isinstance(data, str | PathLike) else f"<{len(data)} examples>"


@contextmanager
def _quiet() -> Iterator[None]:
    """The retrainings of a simulation say nothing: a first model trained on a handful of
    texts finding no dev entity (W202) is expected, and the run's table shows it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NerkitWarning)
        yield
