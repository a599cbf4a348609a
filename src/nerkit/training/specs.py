"""The configs an experiment or a learning curve runs: TOML files or packaged defaults.

A config is what ``nerkit init-config`` writes (``[model] name = ...`` plus the model type's
sections), optionally with an ``[experiment]`` section saying how a comparison names it and
which word vectors it is given. Packaged configs (``blank``, ``word2vec-static``,
``word2vec-fine-tune``, ``fasttext-fine-tune``, ``perceptron``, ``perceptron-word2vec``) live
in ``nerkit/configs``.

``--set`` overrides apply to every config whose model type has the setting; prefix one with a
config or model name to aim it (``perceptron:train.ensemble=1``). An override no config knows
is an error, so a typo is not silently ignored.

Example:
    >>> blank, perc = load_specs(["blank", "perceptron"], ["train.max_epochs=2", "model.hidden=8"])
    >>> perc.name, perc.model, perc.resolve().sections["train"].max_epochs
    ('perceptron', 'perceptron.v1', 2)
    >>> blank.resolve().sections["model"].hidden, blank.experiment.vectors
    (8, '')
    >>> sorted(packaged_configs())[:2]
    ['blank', 'fasttext-fine-tune']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..models.registry import get_model_class
from .config import (
    ConfigFile,
    ResolvedConfig,
    _parse_override,
    _set,
    build_config,
    read_config,
)
from .config import packaged_configs as packaged_configs  # where callers have found it

VECTOR_KINDS = ("word2vec", "fasttext")


@dataclass
class ExperimentSettings:
    """The ``[experiment]`` section: how a comparison names a config and which vectors it gets."""

    name: str = ""  # the config's row in the table; empty: the file name
    description: str = ""  # one line shown under the table
    # "word2vec" or "fasttext": this config is given vectors of that kind (trained by
    # `nerkit experiment --vectors-raw`, or --vectors-w2v/--vectors-ft); "": its own vectors.path
    vectors: str = ""
    vectors_dim: int = 100  # width of the vectors trained for it
    vectors_epochs: int = 5  # passes over the text when training them
    vectors_min_count: int = 3  # words seen fewer times get no vector
    vectors_window: int = 5  # context window either side
    vectors_bucket: int = 2**18  # fastText: hashed subword vectors (bucket * dim * 4 bytes)


@dataclass
class Override:
    """One ``--set [scope:]section.key=value``."""

    text: str  # as given
    scope: str  # "" or a config/model name
    section: str
    key: str
    setting: str  # "section.key=value", as resolve_config reads it


@dataclass
class RunSpec:
    """One config to run: its name, model type, file contents and the overrides that apply."""

    name: str
    source: str  # the file, or "packaged:NAME"
    model: str  # registry name, e.g. "neural.v1"
    data: dict[str, dict[str, Any]]  # the TOML sections except [experiment]
    experiment: ExperimentSettings
    overrides: list[str] = field(default_factory=list)

    def resolve(self, extra: Sequence[str] = ()) -> ResolvedConfig:
        """The typed config: model defaults, then the file, then the overrides, then ``extra``."""
        return build_config(self.model, self.data, [*self.overrides, *extra], where=self.source)

    def needs_vectors(self, resolved: ResolvedConfig | None = None) -> bool:
        """Whether the config asks for vectors it has no path for."""
        vec = (resolved or self.resolve()).sections.get("vectors")
        path: str = getattr(vec, "path", "")
        if vec is None or path:
            return False
        mode: str = getattr(vec, "mode", "none")
        return bool(self.experiment.vectors) or mode != "none"


def parse_overrides(items: Sequence[str]) -> list[Override]:
    """Split ``[scope:]section.key=value`` items (checked like ``--set`` of ``nerkit train``)."""
    out = []
    for item in items:
        head, _, rest = item.partition("=")
        scope = ""
        if ":" in head:
            scope, head = head.split(":", 1)
        setting = f"{head}={rest}" if _ else item
        section, key, _value = _parse_override(setting)
        out.append(Override(item, scope.strip(), section, key, setting))
    return out


def load_specs(configs: Sequence[str | Path], overrides: Sequence[str] = ()) -> list[RunSpec]:
    """Read every config and give each the overrides that apply; check them all before training.

    Raises ConfigError for a missing file, an unknown packaged name, a bad setting, two configs
    with one name, or an override that no config knows.
    """
    parsed = parse_overrides(overrides)
    specs = [_read(config) for config in configs]
    used: set[int] = set()
    for spec in specs:
        cls = get_model_class(spec.model)
        sections = {**cls.config_sections, "experiment": ExperimentSettings}
        scopes = {spec.name, spec.model, spec.model.split(".v")[0]}
        for i, o in enumerate(parsed):
            if o.scope and o.scope not in scopes:
                continue
            known = o.section in sections and o.key in {f.name for f in fields(sections[o.section])}
            if not known and not o.scope:
                continue  # e.g. model.hidden for the perceptron: meant for the others
            used.add(i)
            if o.section == "experiment":
                _set_experiment(spec.experiment, o.setting, where=f"--set {o.text}")
            else:
                spec.overrides.append(o.setting)
        _check_experiment(spec)
        spec.resolve()  # a bad value fails now, not after the others trained
    for i, o in enumerate(parsed):
        if i not in used:
            names = ", ".join(s.name for s in specs)
            raise ConfigError(
                "E321",
                f"No config has the setting in '--set {o.text}'",
                hint=f"Check the spelling; the configs are {names} "
                "(`nerkit config show FILE` lists their settings).",
            )
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ConfigError(
                "E322",
                f"Two configs are named '{spec.name}'",
                path=spec.source,
                hint="Give one of them another file name or [experiment] name.",
            )
        seen.add(spec.name)
    return specs


def load_spec(config: str | Path, overrides: Sequence[str] = ()) -> RunSpec:
    """One config (file or packaged name) with the overrides that apply to it."""
    return load_specs([config], overrides)[0]


def _read(config: str | Path) -> RunSpec:
    file = read_config(config)
    model = file.data.get("model", {}).get("name")
    if not isinstance(model, str) or not model:
        raise ConfigError(
            "E323",
            "The config has no [model] name",
            path=file.source,
            hint='Add [model] name = "neural.v1" (or "perceptron.v1"), as `nerkit init-config` writes.',
        )
    registered: str = get_model_class(model).name
    experiment = read_experiment(file)
    return RunSpec(experiment.name or file.name, file.source, registered, file.data, experiment)


def read_experiment(file: ConfigFile) -> ExperimentSettings:
    """The typed ``[experiment]`` section of ``file`` (defaults where it has none)."""
    experiment = ExperimentSettings()
    for key, value in file.experiment.items():
        _set_experiment(
            experiment, f"{key}={_toml_value(value)}", where=file.source, check_section=False
        )
    return experiment


def check_vectors_given(resolved: ResolvedConfig, config: str | Path | None = None) -> None:
    """Stop before training when ``resolved`` asks for vectors but has no ``vectors.path``:
    training alone does not make vectors (``nerkit experiment`` does, from the config's
    ``[experiment]`` settings; ``nerkit vectors train`` does for ``nerkit train``).

    Raises:
        ConfigError: E326, naming the command that makes the vectors and the setting to pass.
    """
    vec = resolved.sections.get("vectors")
    mode: str = getattr(vec, "mode", "none")
    path: str = getattr(vec, "path", "")
    if vec is None or path:
        return
    file = read_config(config) if config is not None else None
    wanted = read_experiment(file) if file is not None else ExperimentSettings()
    if mode == "none" and not wanted.vectors:
        return
    kind = wanted.vectors or "word2vec"
    folder = f"vectors/{kind}"
    name = f"Config '{file.name}'" if file is not None else "The config"
    why = f'vectors.mode = "{mode}"' if mode != "none" else f"its [experiment] vectors = {kind!r}"
    without = "--set vectors.mode=none" if mode != "none" else "another config"
    raise ConfigError(
        "E326",
        f"{name} needs word vectors ({why}) but vectors.path is empty",
        path=file.source if file is not None else None,
        hint=f"Make them with `nerkit vectors train RAW.txt TRAIN --algo {kind} "
        f"--dim {wanted.vectors_dim} --output {folder}` (text from your domain plus your "
        f"training data), then pass --set vectors.path={folder}; or use {without} "
        "to train without vectors.",
    )


def check_transformer_given(resolved: ResolvedConfig) -> None:
    """Stop before training when ``[transformer] source`` names no local model with
    safetensors weights (E350-E352), instead of after the progress display has begun."""
    source: str = getattr(resolved.sections.get("transformer"), "source", "")
    if source:
        from ..models.neural.transformer import check_weights, resolve_source

        check_weights(resolve_source(source))


def _check_experiment(spec: RunSpec) -> None:
    if spec.experiment.vectors not in ("", *VECTOR_KINDS):
        raise ConfigError(
            "E309",
            "experiment.vectors must be word2vec, fasttext or empty, "
            f"got {spec.experiment.vectors!r}",
            path=spec.source,
            hint='e.g. vectors = "word2vec"',
        )


def _set_experiment(
    settings: ExperimentSettings, setting: str, where: str, check_section: bool = True
) -> None:
    if not check_section:
        setting = f"experiment.{setting}"
    section, key, value = _parse_override(setting)
    values: dict[str, dict[str, Any]] = {"experiment": {}}
    _set(values, {"experiment": ExperimentSettings}, section, key, value, where=where)
    for k, v in values["experiment"].items():
        setattr(settings, k, v)


def _toml_value(value: Any) -> str:
    import tomli_w

    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()
