"""The recognizer contract (``base.py``), the registry of model types (``registry.py``) and
the built-in models: ``perceptron`` and ``neural``."""

from .base import ContinuesFrom, EntityRecognizer, LearnsOnline, ScoredSpan
from .registry import get_model_class, register, registered_models

__all__ = [
    "ContinuesFrom",
    "EntityRecognizer",
    "LearnsOnline",
    "ScoredSpan",
    "get_model_class",
    "register",
    "registered_models",
]
