"""neural.v1 passes the recognizer contract (tiny network, one thread: fast and repeatable)."""

from __future__ import annotations

import pytest

from .contract import RecognizerContract

pytest.importorskip("torch", reason="the neural model needs torch (pip install 'nerkit[neural]')")

TINY = {
    "hash_rows": 2**12,
    "affix_rows": 2**10,
    "word_dim": 32,
    "affix_dim": 8,
    "char_dim": 16,
    "char_filters": 16,
    "hidden": 32,
    "dropout": 0.1,
    "word_dropout": 0.0,
    "learning_rate": 0.02,
    "max_epochs": 30,
    "threads": 1,
}


class TestNeuralContract(RecognizerContract):
    model_name = "neural.v1"
    settings = TINY


class TestNeuralCnnContract(RecognizerContract):
    model_name = "neural.v1"
    settings = {**TINY, "encoder": "cnn", "cnn_layers": 2}
