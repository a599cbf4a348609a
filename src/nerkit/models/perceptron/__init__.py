"""Greedy averaged-perceptron BILUO tagger (``perceptron.v1``); importing it registers it."""

from .model import PerceptronRecognizer, PerceptronSettings, PerceptronTrainSettings

__all__ = ["PerceptronRecognizer", "PerceptronSettings", "PerceptronTrainSettings"]
