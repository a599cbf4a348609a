"""Scores by entity length and by document length: where in the data a model fails.

A span is scored in a group by adding the group to its label, so exact matching (and so
precision, recall and F1) is :func:`score_spans`' own: a predicted span counts in the group of
its own length, a gold span in its own, and a correct one in both, which are the same.

Example:
    >>> gold = [[(0, 2, "PER"), (5, 6, "LOC")]]
    >>> pred = [[(0, 2, "PER"), (4, 6, "LOC")]]
    >>> by = scores_by_group(gold, pred, lambda doc, span: length_bucket(span[1] - span[0]))
    >>> {group: prf.f1 for group, prf in by.items()}
    {'1': 0.0, '2': 0.6666666666666666}
    >>> bucket_name(30, DOC_EDGES)
    '26-50'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .scores import PRF, SpanTuple, score_spans

ENTITY_EDGES = (1, 2, 3, 4)  # 1, 2, 3, 4 and 5+ tokens
DOC_EDGES = (10, 25, 50, 100, 250, 500)  # tokens: 1-10, 11-25, ..., 501+


def bucket_name(n: int, edges: Sequence[int]) -> str:
    """The name of the group of ``n`` among groups ending at ``edges`` (inclusive), e.g.
    ``"1"``, ``"11-25"``, or ``"501+"`` past the last edge."""
    low = 1
    for edge in edges:
        if n <= edge:
            return str(edge) if low == edge else f"{low}-{edge}"
        low = edge + 1
    return f"{low}+"


def length_bucket(n_tokens: int) -> str:
    """The entity length group of a span of ``n_tokens`` tokens: 1, 2, 3, 4 or 5+."""
    return bucket_name(n_tokens, ENTITY_EDGES)


def bucket_order(edges: Sequence[int]) -> list[str]:
    """Every group's name for ``edges``, shortest first."""
    return [bucket_name(e, edges) for e in edges] + [bucket_name(edges[-1] + 1, edges)]


def scores_by_group(
    gold: Sequence[Iterable[SpanTuple]],
    pred: Sequence[Iterable[SpanTuple]],
    group: Callable[[int, SpanTuple], str],
) -> dict[str, PRF]:
    """Micro P/R/F per group, ``group(document index, span)`` naming a span's group."""
    tagged_gold = [[(*s, group(i, tuple(s))) for s in spans] for i, spans in enumerate(gold)]
    tagged_pred = [[(*s, group(i, tuple(s))) for s in spans] for i, spans in enumerate(pred)]
    return score_spans(tagged_gold, tagged_pred).per_label
