"""The network: embed (hashed attributes + character CNN + optional vectors and transformer
states) -> encode (BiLSTM or CNN) -> per-tag emission scores, with a CRF on top (see ``crf.py``).

``Batch`` holds padded tensors built from :class:`~.featurize.Features` by :func:`to_batch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .crf import CRF
from .featurize import CHAR_ROWS, Features
from .settings import NeuralSettings


@dataclass
class Batch:
    """Padded tensors of ``n`` sequences of at most ``time`` tokens."""

    attrs: torch.Tensor  # (n, time, 4) table rows
    word_ix: torch.Tensor  # (n, time) row in ``chars``
    chars: torch.Tensor  # (n_words, max_chars)
    vec_rows: torch.Tensor  # (n, time)
    mask: torch.Tensor  # (n, time) bool
    lengths: torch.Tensor  # (n,) on the CPU (for packing)
    positions: np.ndarray  # (n_tokens,) flat index of each real token in the (n, time) grid
    states: torch.Tensor | None = None  # (n, time, dim) transformer states
    words: list[tuple[str, ...]] | None = None  # each sequence's words (a fine-tuned transformer)
    subword_vectors: torch.Tensor | None = None  # (k, dim): vec_rows past the table's unknown row


def to_batch(feats: Features, device: torch.device | str = "cpu") -> Batch:
    """Pad the token-concatenated ``feats`` into ``(n, time)`` tensors."""
    lengths = feats.lengths
    n, time = len(lengths), max(int(lengths.max()), 1)
    offsets = np.cumsum(lengths) - lengths
    row = np.repeat(np.arange(n), lengths)
    col = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths)
    positions = row * time + col
    attrs = np.zeros((n * time, feats.attrs.shape[1]), dtype=np.int64)
    attrs[positions] = feats.attrs
    word_ix = np.zeros(n * time, dtype=np.int64)
    word_ix[positions] = feats.word_ix
    vec_rows = np.zeros(n * time, dtype=np.int64)
    vec_rows[positions] = feats.vec_rows
    mask = np.zeros(n * time, dtype=bool)
    mask[positions] = True
    states = None
    if feats.states is not None:
        grid = np.zeros((n * time, feats.states.shape[1]), dtype=np.float32)
        grid[positions] = feats.states
        states = torch.from_numpy(grid.reshape(n, time, -1)).to(device)

    def t(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a).to(device)

    return Batch(
        attrs=t(attrs.reshape(n, time, -1)),
        word_ix=t(word_ix.reshape(n, time)),
        chars=t(feats.chars),
        vec_rows=t(vec_rows.reshape(n, time)),
        mask=t(mask.reshape(n, time)),
        lengths=torch.from_numpy(lengths.copy()),
        positions=positions,
        states=states,
        subword_vectors=None if feats.subword_vectors is None else t(feats.subword_vectors),
        words=feats.words,
    )


class Network(nn.Module):
    """Embed, encode, score tags. ``vectors`` is the pretrained table (or None)."""

    def __init__(
        self,
        settings: NeuralSettings,
        crf: CRF,
        vectors: np.ndarray | None = None,
        fine_tune_vectors: bool = False,
        states_dim: int = 0,
        tuned: Any = None,
    ) -> None:
        super().__init__()
        s = settings
        self.dropout = nn.Dropout(s.dropout)
        self.word_dropout = s.word_dropout
        rows = (s.hash_rows, s.affix_rows, s.affix_rows, s.affix_rows)
        dims = (s.word_dim, s.affix_dim, s.affix_dim, s.affix_dim)
        # Sparse gradients: one step touches a few thousand rows of a 2^18-row table.
        self.tables = nn.ModuleList(nn.Embedding(r, d, sparse=True) for r, d in zip(rows, dims))
        for emb in self.tables:
            nn.init.normal_(emb.weight, std=0.1)  # type: ignore[arg-type]
        # Which rows training data reached; the others go to row 0 (unknown) when predicting.
        for i, r in enumerate(rows):
            self.register_buffer(f"seen{i}", torch.ones(r, dtype=torch.uint8))
        width = sum(dims)
        self.char_dim = s.char_dim
        if s.char_dim > 0:
            self.char_emb = nn.Embedding(CHAR_ROWS, s.char_dim, padding_idx=0)
            self.char_cnn = nn.Conv1d(s.char_dim, s.char_filters, kernel_size=3, padding=1)
            width += s.char_filters
        self.vec_mode = "none"
        if vectors is not None:
            vecs = torch.from_numpy(np.array(vectors, dtype=np.float32))  # a copy: may be mmapped
            if fine_tune_vectors:
                self.vec_mode = "fine-tune"
                # The last row is the learned unknown-word vector.
                full = torch.cat([vecs, torch.zeros(1, vecs.shape[1])])
                self.vectors = nn.Embedding.from_pretrained(full, freeze=False, sparse=True)
            else:
                self.vec_mode = "static"
                self.register_buffer("static_vectors", vecs, persistent=False)
                self.unknown_vector = nn.Parameter(torch.zeros(vecs.shape[1]))
            width += int(vecs.shape[1])
        self.states_dim = states_dim
        # A fine-tuned transformer (.transformer.TransformerStates): its model is a part of
        # this network (trained, saved with the weights); the rest of it makes the plans.
        self.tuned = tuned
        if tuned is not None:
            self.transformer = tuned.model
        if states_dim:
            # Transformer states vary in scale from layer to layer and model to model.
            self.states_norm = nn.LayerNorm(states_dim)
            width += states_dim
        self.encoder_kind = s.encoder
        out_width = 2 * s.hidden
        if s.encoder == "bilstm":
            self.lstm = nn.LSTM(width, s.hidden, batch_first=True, bidirectional=True)
        else:
            self.project = nn.Linear(width, out_width)
            self.convs = nn.ModuleList(
                nn.Conv1d(out_width, out_width, kernel_size=3, padding=1)
                for _ in range(s.cnn_layers)
            )
            self.norms = nn.ModuleList(nn.LayerNorm(out_width) for _ in range(s.cnn_layers))
        self.output = nn.Linear(out_width, crf.n_tags)
        self.crf = crf

    def transformer_parameters(self) -> list[nn.Parameter]:
        """The weights of a fine-tuned transformer (trained with their own step size)."""
        return list(self.transformer.parameters()) if self.tuned is not None else []

    def mark_seen(self, attrs: np.ndarray, keep: bool = False) -> None:
        """Remember which table rows the training data uses (``attrs``: ``(n_tokens, 4)``);
        with ``keep``, on top of the rows seen before (continuing from a base model)."""
        for i in range(attrs.shape[1]):
            before = getattr(self, f"seen{i}")
            seen = before.clone() if keep else torch.zeros_like(before)
            seen[torch.from_numpy(attrs[:, i])] = 1
            seen[0] = 1  # the unknown row (trained by word dropout)
            getattr(self, f"seen{i}").copy_(seen)

    def embed(self, batch: Batch) -> torch.Tensor:
        parts = []
        for i, table in enumerate(self.tables):
            ids = batch.attrs[:, :, i]
            ids = torch.where(getattr(self, f"seen{i}")[ids].bool(), ids, torch.zeros_like(ids))
            if i == 0 and self.training and self.word_dropout > 0:
                hide = torch.rand(ids.shape, device=ids.device) < self.word_dropout
                ids = ids.masked_fill(hide, 0)
            parts.append(table(ids))
        if self.char_dim > 0:
            chars = batch.chars
            x = self.char_emb(chars).transpose(1, 2)  # (words, dim, chars)
            x = self.char_cnn(x)
            x = x.masked_fill((chars == 0).unsqueeze(1), -1e4).max(dim=2).values
            parts.append(x[batch.word_ix])
        if self.vec_mode != "none":
            parts.append(self.word_vectors(batch))
        if self.states_dim:
            states = batch.states
            if self.tuned is not None and batch.words is not None:
                flat = self.tuned.token_states(self.tuned.plan(batch.words))
                grid = torch.zeros((batch.mask.numel(), self.states_dim), device=flat.device)
                index = torch.from_numpy(batch.positions).to(flat.device)
                states = grid.index_copy(0, index, flat).view(*batch.mask.shape, -1)
            if states is None:
                raise ValueError("this network reads transformer states; the batch has none")
            parts.append(self.states_norm(states))
        return self.dropout(torch.cat(parts, dim=2))

    def word_vectors(self, batch: Batch) -> torch.Tensor:
        """``(n, time, dim)``: each token's row of the table, the unknown-word vector, or the
        vector composed from its subwords (``batch.subword_vectors``, never fine-tuned)."""
        rows = batch.vec_rows
        if self.vec_mode == "fine-tune":
            n = self.vectors.num_embeddings - 1  # the last row: the learned unknown vector
            vec = self.vectors(rows.clamp(max=n))
        else:
            static: torch.Tensor = self.static_vectors  # type: ignore[assignment]
            n = static.shape[0]
            found = rows < n
            vec = F.embedding(rows.clamp(max=n - 1), static)
            vec = torch.where(found.unsqueeze(2), vec, self.unknown_vector)
        if batch.subword_vectors is not None:
            composed = F.embedding((rows - n - 1).clamp(min=0), batch.subword_vectors)
            vec = torch.where((rows > n).unsqueeze(2), composed, vec)
        return vec

    def emissions(self, batch: Batch) -> torch.Tensor:
        """Tag scores ``(n, time, n_tags)``."""
        x = self.embed(batch)
        if self.encoder_kind == "bilstm":
            packed = nn.utils.rnn.pack_padded_sequence(
                x, batch.lengths, batch_first=True, enforce_sorted=False
            )
            out, _ = self.lstm(packed)
            x, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        else:
            keep = batch.mask.unsqueeze(2).to(x.dtype)
            x = self.project(x) * keep
            for conv, norm in zip(self.convs, self.norms):
                h = F.relu(conv(x.transpose(1, 2)).transpose(1, 2))
                x = norm(x + self.dropout(h)) * keep
        return self.output(self.dropout(x))

    def loss(
        self,
        batch: Batch,
        tags: torch.Tensor,
        rejected: Sequence[tuple[int, int, Sequence[int]]] = (),
    ) -> torch.Tensor:
        """Summed CRF negative log-likelihood of the gold ``tags`` ``(n, time)`` (``-1``:
        unknown) and of the ``rejected`` spans not being there (see :meth:`.crf.CRF.nll`)."""
        return self.crf.nll(self.emissions(batch), tags, batch.mask, rejected)


def compact_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Keep only the rows of the hashed tables that training reached (the others are never
    read: prediction sends them to row 0), with their indices: a fraction of the full size."""
    out = dict(state)
    i = 0
    while f"seen{i}" in state:
        rows = state[f"seen{i}"].nonzero().squeeze(1)
        out[f"tables.{i}.weight"] = state[f"tables.{i}.weight"][rows].contiguous()
        out[f"tables.{i}.rows"] = rows
        i += 1
    return out


def expand_state(
    state: dict[str, torch.Tensor], like: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Undo :func:`compact_state`: unstored rows are zero."""
    out = dict(state)
    i = 0
    while f"tables.{i}.rows" in state:
        full = torch.zeros_like(like[f"tables.{i}.weight"])
        full[out.pop(f"tables.{i}.rows")] = state[f"tables.{i}.weight"]
        out[f"tables.{i}.weight"] = full
        i += 1
    return out


# The parameters with one entry (or row) per tag; ``crf.transitions`` has both dimensions.
TAG_ROWS = ("output.weight", "output.bias", "crf.start", "crf.end")


def grown_state(
    base: dict[str, torch.Tensor], fresh: dict[str, torch.Tensor], where: np.ndarray
) -> dict[str, torch.Tensor]:
    """A trained network's ``base`` state moved into a network with more tags, whose freshly
    initialized state is ``fresh``: ``where[i]`` is the new id of the base's tag ``i`` (see
    :func:`nerkit.models.growth.tag_map`; its last entry, the start symbol, is not used).
    Every other weight, and the ``seen`` rows, are the base's; the new tags keep their fresh
    output rows and zero CRF scores.

    Raises:
        KeyError, RuntimeError: the networks differ in more than their tags.
    """
    idx = torch.from_numpy(np.asarray(where[:-1], dtype=np.int64))
    out: dict[str, torch.Tensor] = {}
    for key, value in fresh.items():
        old = base[key]
        if key in TAG_ROWS:
            grown = value.clone()
            grown[idx] = old
        elif key == "crf.transitions":
            grown = torch.zeros_like(value)
            grown[idx[:, None], idx[None, :]] = old
        else:
            if old.shape != value.shape:
                raise RuntimeError(
                    f"{key}: {tuple(old.shape)} in the base, {tuple(value.shape)} now"
                )
            grown = old.clone()
        out[key] = grown
    return out
