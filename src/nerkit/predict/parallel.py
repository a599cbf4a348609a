"""Prediction on several processes of one machine: each loads the model once (from its
directory: a model is never sent between processes) and tags batches of texts; results come
back in input order, with at most two batches per process in flight (bounded memory).

Processes are started with ``spawn`` (a forked copy of a process that has run PyTorch can
hang), and each uses one CPU thread, so ``processes`` is the number of cores used.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..models.calibration import Thresholds
    from ..pipeline import Pipeline

_NLP: Pipeline | None = None


def tag(
    nlp: Pipeline, texts: list[str], thresholds: Thresholds | None = None
) -> list[list[dict[str, Any]]]:
    """The scored entities of each text: ``{start, end, label, text, score}`` dicts, those
    scored below ``thresholds`` (default: the pipeline's) left out."""
    out = []
    docs = [nlp.make_doc(t) for t in texts]
    every = nlp.pipe_docs_scored(docs, thresholds=False)
    kept = (thresholds if thresholds is not None else nlp.thresholds).apply(every)
    for doc, scored in zip(docs, kept):
        out.append(
            [
                {
                    "start": s.span.start_char,
                    "end": s.span.end_char,
                    "label": s.span.label,
                    "text": doc.text[s.span.start_char : s.span.end_char],
                    "score": round(float(s.score), 4),
                }
                for s in scored
            ]
        )
    return out


def one_thread() -> None:
    """Make torch in this worker process use one CPU thread. Called after loading a model,
    which sets the threads it was configured with: several workers each using every core
    make each of them many times slower."""
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - a perceptron-only install
        pass


def _init(model: str, thresholds: Thresholds | None = None) -> None:
    global _NLP
    from ..pipeline import load

    _NLP = load(model)
    if thresholds is not None:
        _NLP.thresholds = thresholds
    one_thread()


def _tag(texts: list[str]) -> list[list[dict[str, Any]]]:
    assert _NLP is not None, "the worker was not initialised"
    return tag(_NLP, texts)


def tag_in_processes(
    model: str | Path,
    batches: Iterable[list[str]],
    processes: int,
    thresholds: Thresholds | None = None,
) -> Iterator[list[list[dict[str, Any]]]]:
    """``tag`` of each batch, computed on ``processes`` worker processes, in order (with
    ``thresholds`` instead of the model's own, when given)."""
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        processes, mp_context=context, initializer=_init, initargs=(str(model), thresholds)
    ) as pool:
        pending: deque[Future[list[list[dict[str, Any]]]]] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(_tag, batch))
                if len(pending) >= 2 * processes:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
