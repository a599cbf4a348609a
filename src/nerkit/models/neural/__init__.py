"""The neural recognizer (``neural.v1``): PyTorch BiLSTM/CNN with a BILUO CRF.

Importing this package registers the model type without importing torch.
"""

from .recognizer import NeuralRecognizer
from .settings import NeuralSettings, NeuralTrainSettings, VectorSettings

__all__ = ["NeuralRecognizer", "NeuralSettings", "NeuralTrainSettings", "VectorSettings"]
