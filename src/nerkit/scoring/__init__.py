"""Span-level scores (micro, macro, per label), evaluation of a pipeline, error listing, and
recall on entities the training data did and did not annotate."""

from .evaluate import TOKENS, Evaluation, Mistake, evaluate, list_errors
from .scores import PRF, Scores, score_spans
from .seen import Recall, SeenUnseen, annotated_entities, entity_key, seen_unseen_recall
from .train_data import recorded_train_data

__all__ = [
    "PRF",
    "TOKENS",
    "Evaluation",
    "Mistake",
    "Recall",
    "Scores",
    "SeenUnseen",
    "annotated_entities",
    "entity_key",
    "evaluate",
    "list_errors",
    "recorded_train_data",
    "score_spans",
    "seen_unseen_recall",
]
