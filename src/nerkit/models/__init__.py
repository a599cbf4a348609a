"""The recognizer contract (``base.py``), the registry of model types (``registry.py``) and
the built-in models: ``perceptron`` and ``neural``."""

from .base import EntityRecognizer, LearnsOnline, ScoredSpan
from .registry import get_model_class, register, registered_models

__all__ = [
    "EntityRecognizer",
    "LearnsOnline",
    "ScoredSpan",
    "get_model_class",
    "register",
    "registered_models",
]
