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
    nerkit.errors.ConfigError: [E350] /nonexistent/minilm: The transformer directory ... does not exist. ...
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...corpus.files import file_sha256
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


def describe(path: Path) -> tuple[str, str]:
    """``(name, checksum)`` of the transformer at ``path``: what a trained model records."""
    import json

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError("E351", f"Cannot read config.json: {err}", path=path) from err
    name = str(config.get("_name_or_path") or path.name) if isinstance(config, dict) else path.name
    return name, file_sha256(check_weights(path))


@dataclass
class Plan:
    """How the word pieces of some sequences go through the transformer and back to tokens.

    Windows are ``[CLS] pieces [SEP]`` rows sorted by width (so that consecutive rows batch
    with little padding); every piece is read from one window, at one column.
    """

    input_ids: np.ndarray  # (n_windows, width) int64, padded
    mask: np.ndarray  # (n_windows, width) int64 attention mask
    piece_window: np.ndarray  # (n_pieces,) the window row each piece is read from
    piece_column: np.ndarray  # (n_pieces,) its column in that row
    piece_token: np.ndarray  # (n_pieces,) the token, counted over all the sequences, it is of
    n_tokens: int


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
            seqs = [sequences[i] for i in todo]
            with self._lock, self._torch.inference_mode():
                was_training = self.model.training
                self.model.eval()
                states = self.token_states(self.plan(seqs)).float().numpy()
                self.model.train(was_training)
            at = 0
            for i, seq in zip(todo, seqs):
                out[i] = states[at : at + len(seq)]
                at += len(seq)
                if cache is not None:
                    cache[tuple(seq)] = out[i].astype(np.float16)  # type: ignore[union-attr]
        parts = [np.asarray(o, dtype=np.float32) for o in out if o is not None]
        return np.concatenate(parts) if parts else np.zeros((0, self.dim), np.float32)

    def plan(self, sequences: Sequence[Sequence[str]]) -> Plan:
        """Tokenize ``sequences`` into word pieces and cut them into windows (see :class:`Plan`)."""
        tok = self.tokenizer
        # Words the tokenizer would split on whitespace are joined with "_" so that one
        # word of ours stays one word of its.
        words = [[w.strip().replace(" ", "_") or "_" for w in seq] for seq in sequences]
        encoded = tok(words, is_split_into_words=True, add_special_tokens=False)
        cls_id, sep_id = tok.cls_token_id, tok.sep_token_id
        if cls_id is None or sep_id is None:
            cls_id = sep_id = tok.bos_token_id if tok.bos_token_id is not None else 0
        span = self.window - 2
        windows: list[tuple[int, int, int]] = []  # (sequence, first piece, end piece)
        pieces: list[tuple[int, int, int]] = []  # (window, column, token)
        first_token = 0
        for s, seq in enumerate(sequences):
            ids = encoded["input_ids"][s]
            word_ids = encoded.word_ids(s)
            n = len(ids)
            starts = [0] if n <= span else list(range(0, n - span // 2, span // 2))
            bounds = [(a, min(a + span, n)) for a in starts]
            for p in range(n):
                if word_ids[p] is None:
                    continue
                # The window where the piece has the most context on its narrower side.
                best = max(
                    (k for k, (a, b) in enumerate(bounds) if a <= p < b),
                    key=lambda k: min(p - bounds[k][0], bounds[k][1] - 1 - p),
                )
                a = bounds[best][0]
                pieces.append((len(windows) + best, p - a + 1, first_token + word_ids[p]))
            windows.extend((s, a, b) for a, b in bounds)
            first_token += len(seq)
        order = sorted(range(len(windows)), key=lambda w: windows[w][2] - windows[w][1])
        row_of = np.empty(len(windows), dtype=np.int64)
        row_of[order] = np.arange(len(windows))
        width = max([b - a for _, a, b in windows] + [0]) + 2
        input_ids = np.full((len(windows), width), tok.pad_token_id or 0, dtype=np.int64)
        mask = np.zeros((len(windows), width), dtype=np.int64)
        for w, (s, a, b) in enumerate(windows):
            row = [cls_id, *encoded["input_ids"][s][a:b], sep_id]
            input_ids[row_of[w], : len(row)] = row
            mask[row_of[w], : len(row)] = 1
        table = np.array(pieces, dtype=np.int64).reshape(-1, 3)
        return Plan(
            input_ids=input_ids,
            mask=mask,
            piece_window=row_of[table[:, 0]],
            piece_column=table[:, 1],
            piece_token=table[:, 2],
            n_tokens=first_token,
        )

    def token_states(self, plan: Plan) -> Any:
        """``(plan.n_tokens, dim)`` torch tensor: the mean of the chosen layers, averaged over
        each token's pieces (zeros for a token without pieces). Gradients flow when the caller
        is not in inference mode (fine-tuning)."""
        torch = self._torch
        device = next(self.model.parameters()).device
        widths = plan.mask.sum(axis=1)
        window = torch.from_numpy(plan.piece_window).to(device)
        column = torch.from_numpy(plan.piece_column).to(device)
        picked_idx: list[Any] = []
        picked: list[Any] = []
        start = 0
        while start < len(widths):
            end = start + 1  # rows are sorted by width: widths[end - 1] is a batch's widest
            while end < len(widths) and (end + 1 - start) * widths[end] <= BATCH_PIECES:
                end += 1
            w = int(widths[end - 1])
            hidden = self.model(
                input_ids=torch.from_numpy(plan.input_ids[start:end, :w]).to(device),
                attention_mask=torch.from_numpy(plan.mask[start:end, :w]).to(device),
                output_hidden_states=True,
            ).hidden_states
            mixed = torch.stack([hidden[k] for k in self.layers]).mean(0)
            sel = torch.nonzero((window >= start) & (window < end)).squeeze(1)
            picked_idx.append(sel)
            picked.append(mixed[window[sel] - start, column[sel]])
            start = end
        n_pieces = len(plan.piece_window)
        if picked:
            pieces = torch.zeros((n_pieces, self.dim), device=device).index_copy(
                0, torch.cat(picked_idx), torch.cat(picked).float()
            )
        else:
            pieces = torch.zeros((0, self.dim), device=device)
        token = torch.from_numpy(plan.piece_token).to(device)
        summed = torch.zeros((plan.n_tokens, self.dim), device=device).index_add(0, token, pieces)
        counts = np.bincount(plan.piece_token, minlength=plan.n_tokens).astype(np.float32)
        return summed / torch.from_numpy(np.maximum(counts, 1.0)).to(device).unsqueeze(1)
