"""perceptron.v1 passes the recognizer contract."""

from __future__ import annotations

from .contract import RecognizerContract


class TestPerceptronContract(RecognizerContract):
    model_name = "perceptron.v1"
    settings = {"hash_rows": 2**14, "max_epochs": 20}
