"""Recognizer contract and implementations (perceptron; neural in a later step)."""

from .base import EntityRecognizer, ScoredSpan, get_model_class, register, registered_models

__all__ = ["EntityRecognizer", "ScoredSpan", "get_model_class", "register", "registered_models"]
