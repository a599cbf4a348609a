"""Typed training configuration: defaults of the model type, a TOML file, ``--set`` overrides.

A config has one section per dataclass the model type declares in ``config_sections``:
``[model]`` (``name`` plus what the model is, e.g. ``hash_rows``), ``[train]`` (how it is
trained, e.g. ``max_epochs``, ``seed``) and ``[vectors]``. There is no interpolation: what you
read is what runs. A config is a TOML file or the name of a packaged one (``nerkit/configs``:
``blank``, ``word2vec-static``, ...); an ``[experiment]`` section (how ``nerkit experiment``
names the config and which vectors it gives it, see :mod:`nerkit.training.specs`) is set aside,
so every config an experiment compares also trains on its own.

Example:
    >>> cfg = resolve_config("perceptron", overrides=["train.max_epochs=3", "model.hash_rows=1024"])
    >>> cfg.name, cfg.sections["train"].max_epochs, cfg.sections["model"].hash_rows
    ('perceptron.v1', 3, 1024)
    >>> sorted(cfg.to_dict())
    ['model', 'predict', 'train', 'vectors']
    >>> resolve_config(path="word2vec-static").sections["vectors"].mode
    'static'
"""

from __future__ import annotations

import tomllib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..models.registry import get_model_class


@dataclass
class ResolvedConfig:
    """The model type's registry name and one settings dataclass per section."""

    name: str
    sections: dict[str, Any]

    def to_dict(self) -> dict[str, dict[str, Any]]:
        out = {key: asdict(value) for key, value in self.sections.items()}
        out.setdefault("model", {})
        out["model"] = {"name": self.name, **out["model"]}
        return out

    def settings(self) -> dict[str, Any]:
        """All settings as keyword arguments of the model's constructor."""
        kwargs: dict[str, Any] = {}
        for value in self.sections.values():
            kwargs.update(asdict(value))
        return kwargs


@dataclass
class ConfigFile:
    """A config as written: where it came from and its TOML tables."""

    source: str  # the file, or "packaged:NAME"
    name: str  # the file name without .toml, or the packaged name
    data: dict[str, dict[str, Any]]  # the tables except [experiment]
    experiment: dict[str, Any] = field(default_factory=dict)  # [experiment], as written


def packaged_configs() -> dict[str, str]:
    """Name -> TOML text of the configs shipped in ``nerkit/configs``."""
    folder = resources.files("nerkit") / "configs"
    return {
        entry.name.removesuffix(".toml"): entry.read_text(encoding="utf8")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def read_config(config: str | Path) -> ConfigFile:
    """Read the TOML file ``config``, or the packaged config of that name (a file wins).

    Raises:
        ConfigError: no such file or packaged config (E320); the file is not TOML (E304).
    """
    path = Path(config)
    if path.is_file():
        source, name = str(path), path.stem
        try:
            data = tomllib.loads(path.read_text(encoding="utf8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise ConfigError("E304", f"Cannot read the config: {err}", path=path) from err
    else:
        packaged = packaged_configs()
        if str(config) not in packaged:
            named = bool(path.suffix) or len(path.parts) > 1
            raise ConfigError(
                "E320",
                f"No {'config file' if named else 'config file or packaged config'} '{config}'",
                path=config if named else None,
                hint="Give a TOML file (`nerkit init-config FILE` writes one) or a packaged "
                f"config: {', '.join(sorted(packaged))}.",
            )
        source, name = f"packaged:{config}", str(config)
        data = tomllib.loads(packaged[str(config)])
    experiment = data.pop("experiment", {})
    if not isinstance(experiment, dict):
        raise ConfigError(
            "E304",
            "Cannot read the config: 'experiment' must be a table",
            path=source,
            hint='Write it as a section: [experiment] then name = "...".',
        )
    return ConfigFile(source, name, data, experiment)


def resolve_config(
    model: str = "perceptron",
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
) -> ResolvedConfig:
    """Defaults of ``model``, updated by the config at ``path`` (a TOML file or a packaged
    name; its ``[model] name`` wins over ``model``), then by ``overrides`` (``section.key=value``,
    the value in TOML syntax; a bare word is read as a string)."""
    if path is None:
        return build_config(model, {}, overrides)
    file = read_config(path)
    name = file.data.get("model", {}).get("name", model)
    return build_config(name, file.data, overrides, where=file.source)


def build_config(
    model: str,
    data: Mapping[str, Mapping[str, Any]],
    overrides: Sequence[str] = (),
    where: str = "",
) -> ResolvedConfig:
    """Defaults of ``model``, updated by the TOML tables ``data`` (read from ``where``, named in
    errors), then by ``overrides``; ``[model] name`` in ``data`` is not a setting."""
    cls = get_model_class(model)
    section_types: Mapping[str, type] = cls.config_sections
    values: dict[str, dict[str, Any]] = {key: {} for key in section_types}
    for section, entries in data.items():
        for key, value in dict(entries).items():
            if section == "model" and key == "name":
                continue
            _set(values, section_types, section, key, value, where=where)
    for item in overrides:
        section, key, value = _parse_override(item)
        _set(values, section_types, section, key, value, where=f"--set {item}")
    sections = {key: typ(**values[key]) for key, typ in section_types.items()}
    return ResolvedConfig(name=cls.name, sections=sections)


def _parse_override(item: str) -> tuple[str, str, Any]:
    if "=" not in item or "." not in item.split("=", 1)[0]:
        raise ConfigError(
            "E305",
            f"Cannot read the override '{item}'",
            hint="Write it as section.key=value, e.g. --set train.max_epochs=20.",
        )
    dotted, raw = item.split("=", 1)
    section, key = dotted.strip().split(".", 1)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # a bare word: a string
    return section, key, value


def _set(
    values: dict[str, dict[str, Any]],
    section_types: Mapping[str, type],
    section: str,
    key: str,
    value: Any,
    where: str,
) -> None:
    if section not in section_types:
        raise ConfigError(
            "E306",
            f"Unknown config section '[{section}]' ({where})",
            hint=f"Known sections: {', '.join(section_types)}.",
        )
    typ = section_types[section]
    assert is_dataclass(typ)
    hints = typing.get_type_hints(typ)
    known = {f.name for f in fields(typ)}
    head, _, sub = key.partition(".")
    if sub and head in known and typing.get_origin(hints[head]) is dict:
        # --set predict.thresholds.PRODUCT=0.7: one entry of a table
        merged = {**values[section].get(head, {}), sub: value}
        values[section][head] = _coerce(merged, hints[head], f"{section}.{head}", where)
        return
    if key not in known:
        raise ConfigError(
            "E307",
            f"Unknown setting '{section}.{key}' ({where})",
            hint=f"Known in [{section}]: {', '.join(sorted(known))}.",
        )
    values[section][key] = _coerce(value, hints[key], f"{section}.{key}", where)


def _coerce(value: Any, typ: Any, name: str, where: str) -> Any:
    origin = typing.get_origin(typ)
    ok: bool
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if typ in (int, float, str, bool):
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
    elif origin is list:
        (inner,) = typing.get_args(typ) or (Any,)
        ok = isinstance(value, list) and (inner is Any or all(isinstance(v, inner) for v in value))
    elif origin is dict:
        _, inner = typing.get_args(typ) or (str, Any)
        ok = isinstance(value, dict) and all(isinstance(k, str) for k in value)
        if ok:
            return {k: _coerce(v, inner, f"{name}.{k}", where) for k, v in value.items()}
    elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = typing.get_args(typ)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, name, where)
            except ConfigError:
                continue
        ok = False
    else:
        ok = True
    if not ok:
        raise ConfigError(
            "E308",
            f"'{name}' must be {getattr(typ, '__name__', str(typ))}, got {value!r} ({where})",
            hint='Numbers and booleans are written as in TOML (20, 0.5, true); lists as ["A", "B"].',
        )
    return value
