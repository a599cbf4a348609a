"""The registry of model types: a versioned name (``perceptron.v1``) -> its class."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from ..errors import ModelError

if TYPE_CHECKING:
    from .base import EntityRecognizer

R = TypeVar("R")
_REGISTRY: dict[str, type[EntityRecognizer]] = {}


def register(name: str) -> Callable[[type[R]], type[R]]:
    """Class decorator: make a model type loadable by its versioned ``name``."""

    def deco(cls: type[R]) -> type[R]:
        _REGISTRY[name] = cast("type[EntityRecognizer]", cls)
        return cls

    return deco


def get_model_class(name: str) -> type[EntityRecognizer]:
    """The model class registered as ``name`` (``perceptron`` means its newest version)."""
    _import_builtin_models()
    if name in _REGISTRY:
        return _REGISTRY[name]
    versions = sorted(k for k in _REGISTRY if k.split(".v")[0] == name)
    if versions:
        return _REGISTRY[versions[-1]]
    raise ModelError(
        "E201",
        f"Unknown model type '{name}'",
        hint=f"Known types: {', '.join(sorted(_REGISTRY))}.",
    )


def registered_models() -> list[str]:
    _import_builtin_models()
    return sorted(_REGISTRY)


def _import_builtin_models() -> None:
    # Each registers itself; ``neural`` imports torch only when a model is trained or loaded.
    from . import neural, perceptron  # noqa: F401
