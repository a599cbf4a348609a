"""Span-level scores (micro, macro, per label), evaluation of a pipeline, error listing."""

from .evaluate import Evaluation, Mistake, evaluate, list_errors
from .scores import PRF, Scores, score_spans

__all__ = ["PRF", "Evaluation", "Scores", "Mistake", "evaluate", "list_errors", "score_spans"]
