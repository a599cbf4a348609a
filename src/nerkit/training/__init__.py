"""Typed training configuration and the training loop with dev-based model selection."""

from .config import ResolvedConfig, resolve_config
from .train import TrainResult, train

__all__ = ["ResolvedConfig", "TrainResult", "resolve_config", "train"]
