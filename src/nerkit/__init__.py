"""nerkit: build custom named-entity recognizers end to end.

>>> import nerkit
>>> nlp = nerkit.blank("en")
>>> doc = nlp("[USA-TX] [H] RTX 3080")
>>> doc.text
'[USA-TX] [H] RTX 3080'
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from .errors import NerkitError
from .pipeline import Pipeline, blank, load
from .tokenizer import Tokenizer
from .tokens import Doc, Span, Token
from .version import __version__

if _TYPE_CHECKING:  # the real signatures for type checkers; imported on first use at run time
    from .scoring.evaluate import evaluate
    from .training.train import train

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


# Training and evaluation load on first use, so that ``import nerkit`` stays light.
_LAZY = {
    "train": ("nerkit.training.train", "train"),
    "evaluate": ("nerkit.scoring.evaluate", "evaluate"),
}


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nerkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
