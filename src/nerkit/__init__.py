"""nerkit: build custom named-entity recognizers end to end.

>>> import nerkit
>>> nlp = nerkit.blank("en")
>>> doc = nlp("[USA-TX] [H] RTX 3080")
>>> doc.text
'[USA-TX] [H] RTX 3080'
"""

__version__ = "0.1.0"

from .errors import NerkitError  # noqa: E402
from .pipeline import Pipeline, blank, load  # noqa: E402
from .tokenizer import Tokenizer  # noqa: E402
from .tokens import Doc, Span, Token  # noqa: E402

__all__ = [
    "Doc",
    "NerkitError",
    "Pipeline",
    "Span",
    "Token",
    "Tokenizer",
    "__version__",
    "blank",
    "evaluate",
    "load",
    "train",
]


def train(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Train a model; see :func:`nerkit.training.train`."""
    from .training import train as _train

    return _train(*args, **kwargs)


def evaluate(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Score a model on data; see :func:`nerkit.scoring.evaluate`."""
    from .scoring import evaluate as _evaluate

    return _evaluate(*args, **kwargs)
