"""Hidden states of a local Hugging Face transformer, pooled per token of ours.

The neural recognizer can read, beside its hashed and character features, what a pretrained
transformer makes of each token: the text's words go through the transformer's own tokenizer
(``is_split_into_words``), the word pieces' hidden states (the mean of the chosen layers) are
averaged per word, and a word the tokenizer drops (a lone control character) gets zeros.
Texts longer than the transformer's window are read in overlapping windows; each piece keeps
the state of the window where it has the most context on both sides.

Only local files are read: a directory, or ``package:NAME`` for an installed Python package
that carries one (resolved without importing it, so no code of it runs). Loading passes
``local_files_only`` and ``use_safetensors`` and never ``trust_remote_code``; a hub name, a
missing directory or a model with pickle weights only is a coded error.

Example (a missing directory):
    >>> resolve_source("/nonexistent/minilm")
    Traceback (most recent call last):
    ...
    nerkit.errors.ConfigError: [E350] The transformer directory '/nonexistent/minilm' does not exist. ...
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...errors import ConfigError, missing_extra

WEIGHTS = "model.safetensors"
# Pieces per forward pass (padded), so that long texts do not make one huge batch.
BATCH_PIECES = 8192


def resolve_source(source: str) -> Path:
    """The directory named by ``source``: a path, or ``package:NAME`` (an installed package
    holding a transformer directory, itself or in its ``model/`` folder)."""
    if source.startswith("package:"):
        name = source.split(":", 1)[1]
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError(
                "E350",
                f"The transformer package '{name}' is not installed",
                hint=f"Install it (pip install {name.replace('_', '-')}) or set "
                "transformer.source to a local model directory.",
            )
        root = Path(next(iter(spec.submodule_search_locations)))
        for candidate in (root / "model", root):
            if (candidate / "config.json").is_file():
                return candidate
        raise ConfigError(
            "E351",
            f"The package '{name}' holds no transformer directory (no config.json)",
            path=root,
            hint="Point transformer.source at the model directory itself.",
        )
    path = Path(source).expanduser()
    if not path.exists():
        looks_like_hub = "/" in source and not source.startswith((".", "/", "~"))
        raise ConfigError(
            "E350",
            f"The transformer directory '{source}' does not exist",
            path=path,
            hint=(
                "nerkit never downloads models: download it once elsewhere "
                "(e.g. huggingface-cli download NAME --local-dir DIR), copy DIR here and set "
                "transformer.source to it."
                if looks_like_hub
                else "Set transformer.source to a local Hugging Face model directory, or "
                "package:NAME for an installed package that ships one."
            ),
        )
    if not (path / "config.json").is_file():
        raise ConfigError(
            "E351",
            "Not a Hugging Face model directory (no config.json)",
            path=path,
            hint="Point transformer.source at the folder holding config.json and the weights.",
        )
    return path


def check_weights(path: Path) -> Path:
    """The directory's safetensors weights; a model with pickle weights only is refused."""
    weights = path / WEIGHTS
    if weights.is_file():
        return weights
    pickles = [p.name for p in path.glob("*.bin")] + [p.name for p in path.glob("*.pt*")]
    raise ConfigError(
        "E352",
        f"The transformer has no {WEIGHTS}"
        + (
            f" (only {', '.join(sorted(pickles))}, pickle files nerkit never loads)"
            if pickles
            else ""
        ),
        path=path,
        hint="Convert it to safetensors where you trust it (model.save_pretrained(DIR, "
        "safe_serialization=True)) and point transformer.source at DIR.",
    )


def file_checksum(path: Path) -> str:
    """sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe(path: Path) -> tuple[str, str]:
    """``(name, checksum)`` of the transformer at ``path``: what a trained model records."""
    import json

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError("E351", f"Cannot read config.json: {err}", path=path) from err
    name = str(config.get("_name_or_path") or path.name) if isinstance(config, dict) else path.name
    return name, file_checksum(check_weights(path))


class TransformerStates:
    """Per-token hidden states of a local transformer (frozen), with an optional cache.

    ``layers`` index ``hidden_states`` (0: the embeddings, -1: the last layer); their mean is
    kept. ``window`` caps the pieces one forward pass reads (including the two special ones).
    """

    def __init__(self, path: Path, layers: Sequence[int], window: int = 256) -> None:
        try:
            import torch
            import transformers
        except ImportError as err:
            raise missing_extra("transformers", "transformer", "A transformer base") from err
        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        check_weights(path)
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(
                str(path), local_files_only=True, trust_remote_code=False
            )
            self.model = transformers.AutoModel.from_pretrained(
                str(path), local_files_only=True, use_safetensors=True, trust_remote_code=False
            )
        except (OSError, ValueError, KeyError) as err:
            raise ConfigError(
                "E353",
                f"transformers cannot load the model directory: {err}",
                path=path,
                hint="Check that the directory is complete (config.json, tokenizer files, "
                f"{WEIGHTS}) and that its model type is one transformers knows.",
            ) from err
        if not getattr(self.tokenizer, "is_fast", False):
            raise ConfigError(
                "E353",
                "The transformer's tokenizer has no fast (tokenizers) version, which nerkit "
                "needs to map word pieces to words",
                path=path,
                hint="Add a tokenizer.json to the directory (tokenizer.save_pretrained(DIR)).",
            )
        self.model.eval()
        self._torch = torch
        self.dim = int(self.model.config.hidden_size)
        n_layers = int(self.model.config.num_hidden_layers) + 1
        for layer in layers:
            if not -n_layers <= layer < n_layers:
                raise ConfigError(
                    "E354",
                    f"transformer.layers has {layer}, but the model has hidden states 0-"
                    f"{n_layers - 1} (or -1 to -{n_layers})",
                    path=path,
                    hint="e.g. transformer.layers = [-4, -3, -2, -1]",
                )
        self.layers = [layer % n_layers for layer in layers]
        limit = min(
            int(getattr(self.tokenizer, "model_max_length", 512) or 512),
            int(getattr(self.model.config, "max_position_embeddings", 512) or 512),
        )
        self.window = max(8, min(window, limit, 4096))
        self.cache: dict[tuple[str, ...], np.ndarray] | None = None
        self._lock = threading.Lock()

    def __call__(self, sequences: Sequence[Sequence[str]]) -> np.ndarray:
        """``(sum of lengths, dim)`` float32 states of every token of ``sequences``."""
        out: list[np.ndarray | None] = [None] * len(sequences)
        todo: list[int] = []
        cache = self.cache
        for i, seq in enumerate(sequences):
            hit = cache.get(tuple(seq)) if cache is not None else None
            if hit is not None:
                out[i] = hit
            else:
                todo.append(i)
        if todo:
            with self._lock:
                computed = self._compute([list(sequences[i]) for i in todo])
            for i, states in zip(todo, computed):
                out[i] = states
                if cache is not None:
                    cache[tuple(sequences[i])] = states.astype(np.float16)
        parts = [np.asarray(o, dtype=np.float32) for o in out if o is not None]
        return np.concatenate(parts) if parts else np.zeros((0, self.dim), np.float32)

    def _compute(self, sequences: list[list[str]]) -> list[np.ndarray]:
        torch = self._torch
        tok = self.tokenizer
        # Words the tokenizer would split on whitespace are joined with "_" so that one
        # word of ours stays one word of its.
        words = [[w.strip().replace(" ", "_") or "_" for w in seq] for seq in sequences]
        encoded = tok(words, is_split_into_words=True, add_special_tokens=False)
        cls_id, sep_id = tok.cls_token_id, tok.sep_token_id
        if cls_id is None or sep_id is None:
            cls_id = sep_id = tok.bos_token_id if tok.bos_token_id is not None else 0
        windows: list[tuple[int, int, int]] = []  # (sequence, first piece, end piece)
        owner: list[np.ndarray] = []  # per sequence: the window each piece is taken from
        span = self.window - 2
        for s in range(len(sequences)):
            n = len(encoded["input_ids"][s])
            starts = [0] if n <= span else list(range(0, n - span // 2, span // 2))
            bounds = [(a, min(a + span, n)) for a in starts]
            pieces = np.arange(n)
            room = np.stack([np.minimum(pieces - a, b - 1 - pieces) for a, b in bounds])
            room[:, :] = np.where(
                (pieces >= np.array([a for a, _ in bounds])[:, None])
                & (pieces < np.array([b for _, b in bounds])[:, None]),
                room,
                -1,
            )
            owner.append(len(windows) + room.argmax(axis=0))
            windows.extend((s, a, b) for a, b in bounds)
        states: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(windows)
        order = sorted(range(len(windows)), key=lambda w: windows[w][2] - windows[w][1])
        batch: list[int] = []

        def run(ids: list[int]) -> None:
            width = max(windows[w][2] - windows[w][1] for w in ids) + 2
            input_ids = torch.zeros((len(ids), width), dtype=torch.long)
            input_ids.fill_(tok.pad_token_id or 0)
            mask = torch.zeros((len(ids), width), dtype=torch.long)
            for r, w in enumerate(ids):
                s, a, b = windows[w]
                row = [cls_id, *encoded["input_ids"][s][a:b], sep_id]
                input_ids[r, : len(row)] = torch.tensor(row)
                mask[r, : len(row)] = 1
            with torch.inference_mode():
                hidden = self.model(
                    input_ids=input_ids, attention_mask=mask, output_hidden_states=True
                ).hidden_states
                mixed = torch.stack([hidden[k] for k in self.layers]).mean(0).float().numpy()
            for r, w in enumerate(ids):
                _, a, b = windows[w]
                states[w] = mixed[r, 1 : 1 + b - a]

        for w in order:
            width = windows[w][2] - windows[w][1] + 2
            if batch and (len(batch) + 1) * width > BATCH_PIECES:
                run(batch)
                batch = []
            batch.append(w)
        if batch:
            run(batch)
        result: list[np.ndarray] = []
        for s, seq in enumerate(sequences):
            word_ids = np.array(
                [-1 if w is None else w for w in encoded.word_ids(s)], dtype=np.int64
            )
            n = len(word_ids)
            piece_states = np.zeros((n, self.dim), np.float32)
            for w in np.unique(owner[s]):
                at = np.flatnonzero(owner[s] == w)
                piece_states[at] = states[w][at - windows[w][1]]
            summed = np.zeros((len(seq), self.dim), np.float32)
            counts = np.zeros(len(seq), np.float32)
            keep = word_ids >= 0
            np.add.at(summed, word_ids[keep], piece_states[keep])
            np.add.at(counts, word_ids[keep], 1.0)
            result.append(summed / np.maximum(counts, 1.0)[:, None])
        return result
