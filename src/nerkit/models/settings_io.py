"""A model directory's settings files: ``config.toml`` (one table per settings dataclass)
and ``labels.json``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ModelError


def settings_config(name: str, labels: Sequence[str], sections: dict[str, Any]) -> dict[str, Any]:
    """A model's resolved config (what ``config.toml`` holds): one table per settings
    dataclass in ``sections``, ``[model]`` led by ``name`` and holding the learned ``labels``."""
    from dataclasses import asdict

    out = {key: asdict(value) for key, value in sections.items()}
    out["model"] = {"name": name, **out["model"], "labels": list(labels)}
    return out


def settings_kwargs(
    config: dict[str, Any], labels: Sequence[str], sections: Iterable[str]
) -> dict[str, Any]:
    """Undo :func:`settings_config`: the constructor keywords of a saved model."""
    kwargs: dict[str, Any] = {}
    for section in sections:
        kwargs.update(config.get(section, {}))
    kwargs.pop("name", None)
    kwargs["labels"] = list(labels)
    return kwargs


def write_settings(path: str | Path, config: dict[str, Any], labels: Sequence[str]) -> Path:
    """Create the model directory and write its ``config.toml`` and ``labels.json``."""
    import json

    import tomli_w

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.toml").write_text(tomli_w.dumps(config), encoding="utf8")
    (path / "labels.json").write_text(json.dumps(list(labels)) + "\n", encoding="utf8")
    return path


def read_settings(path: str | Path, what: str) -> tuple[dict[str, Any], list[str]]:
    """Read a model directory's ``config.toml`` and ``labels.json``.

    Raises:
        ModelError: either file is missing or unreadable (E207), naming ``what`` was loaded.
    """
    import json
    import tomllib

    path = Path(path)
    try:
        config = tomllib.loads((path / "config.toml").read_text(encoding="utf8"))
        labels = json.loads((path / "labels.json").read_text(encoding="utf8"))
    except (OSError, ValueError) as err:
        raise ModelError(
            "E207",
            f"Cannot read the {what}: {err}",
            path=path,
            hint="Load the whole directory that `nerkit train` wrote.",
        ) from err
    return config, labels


def check_counts(section: str, settings: Any, at_least_one: Iterable[str] = ()) -> None:
    """E309 for an integer setting of the dataclass ``settings`` below 0, or below 1 for the
    names in ``at_least_one`` (epochs, batch sizes, widths): values a run would otherwise
    accept and then fail on, or train nothing with.

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Train:
    ...     max_epochs: int = 0
    >>> check_counts("train", Train(), ["max_epochs"])
    Traceback (most recent call last):
    ...
    nerkit.errors.ConfigError: [E309] train.max_epochs must be 1 or more, got 0. e.g. --set train.max_epochs=10
    """
    from dataclasses import fields

    from ..errors import ConfigError

    required = set(at_least_one)
    for f in fields(settings):
        value = getattr(settings, f.name)
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        least = 1 if f.name in required else 0
        if value < least:
            raise ConfigError(
                "E309",
                f"{section}.{f.name} must be {least} or more, got {value}",
                hint=f"e.g. --set {section}.{f.name}={f.default if f.default else 10}",
            )
