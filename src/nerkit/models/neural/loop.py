"""The training loop: length-bucketed batches, Adam, gradient clipping, dev-based early stopping.

Example (what :meth:`NeuralRecognizer.fit` does with it):
    >>> history = fit_network(net, feats, gold, train_settings, dev_scores, callback)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from ..fitting import improves
from .featurize import Features, select
from .network import Network, to_batch
from .settings import NeuralTrainSettings


def length_batches(lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Sequences in batches of ``size`` with similar lengths (little padding), batches shuffled.

    Ties in length are broken at random, so batches differ from epoch to epoch.
    """
    order = np.lexsort((rng.random(len(lengths)), lengths))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def fit_network(
    net: Network,
    feats: Features,
    gold: np.ndarray,
    settings: NeuralTrainSettings,
    dev_scores: Callable[[], dict[str, float]] | None,
    callback: Callable[[dict[str, Any]], None] | None = None,
    device: torch.device | str = "cpu",
    rejected: Sequence[Sequence[tuple[int, Sequence[int]]]] | None = None,
    transformer_lr: float = 3e-5,
) -> list[dict[str, Any]]:
    """Train ``net`` in place; it ends holding the weights of the best dev evaluation.

    ``gold`` holds the tag id of every token of ``feats`` (``-1``: unknown, any tag will do).
    ``rejected[i]`` lists ``(start, tags)`` that sequence ``i`` must not carry (rejected
    entities; see :meth:`.crf.CRF.nll`). ``dev_scores`` returns the dev
    precision/recall/f1 of the network as it is now (None: no dev set; the last weights win).
    ``callback`` gets one dict per evaluation: ``epoch``, ``step``, ``loss`` (mean negative
    log-likelihood per sentence since the last evaluation), ``dev``, ``best_epoch``,
    ``best_f1``, ``seconds`` (since the last evaluation) and ``elapsed``. A fine-tuned
    transformer's weights take steps of ``transformer_lr``.
    """
    rng = np.random.default_rng(settings.seed)
    sparse = [p for m in net.modules() if getattr(m, "sparse", False) for p in m.parameters()]
    sparse_ids = {id(p) for p in sparse}
    tuned = net.transformer_parameters()
    tuned_ids = {id(p) for p in tuned}
    dense = [
        p
        for p in net.parameters()
        if id(p) not in sparse_ids and id(p) not in tuned_ids and p.requires_grad
    ]
    optimizers: list[torch.optim.Optimizer] = [
        torch.optim.AdamW(dense, lr=settings.learning_rate, weight_decay=settings.weight_decay)
    ]
    if tuned:
        # A pretrained transformer forgets what it knew at the network's step size.
        optimizers.append(torch.optim.AdamW(tuned, lr=transformer_lr, weight_decay=0.01))
    if sparse:
        optimizers.append(torch.optim.SparseAdam(sparse, lr=settings.learning_rate))
    # Small data is cut into smaller batches, so that an epoch still makes ``min_batches``
    # updates: the network needs a few dozen updates before it predicts any entity, and at
    # 32 texts a batch 84 posts gave 3 updates an epoch (dev F1 0 for 8 of 20 epochs).
    size = max(1, min(settings.batch_size, len(feats.lengths) // max(1, settings.min_batches)))
    n_batches = -(-len(feats.lengths) // size)
    keep = max(1, min(settings.evals_per_epoch, n_batches)) if dev_scores is not None else 1
    history: list[dict[str, Any]] = []
    best_f1, best_epoch, best_eval, best_state = -1.0, 0.0, 0, None
    n_evals, step = 0, 0
    # Polyak averaging: a moving average of the weights, which is what gets scored and kept.
    trained: list[torch.Tensor] = [*dense, *tuned, *sparse]
    averaged = [p.detach().clone() for p in trained] if settings.average > 0 else None
    start = last = time.perf_counter()
    loss_sum, loss_n = 0.0, 0
    for epoch in range(1, settings.max_epochs + 1):
        batches = length_batches(feats.lengths, size, rng)
        marks = {round((j + 1) * len(batches) / keep) - 1: j for j in range(keep)}
        for b, seqs in enumerate(batches):
            net.train()
            sub, tok = select(feats, seqs)
            if settings.entity_dropout > 0:
                hide_entity_words(sub, gold[tok] > 0, settings.entity_dropout, rng)
            batch = to_batch(sub, device)
            tags = np.zeros(batch.mask.numel(), dtype=np.int64)
            tags[batch.positions] = gold[tok]
            tags_t = torch.from_numpy(tags.reshape(batch.mask.shape)).to(device)
            rejects = [
                (r, start, span)
                for r, seq in enumerate(seqs.tolist())
                for start, span in (rejected[seq] if rejected else ())
            ]
            loss = net.loss(batch, tags_t, rejects)
            for opt in optimizers:
                opt.zero_grad(set_to_none=True)
            (loss / len(seqs)).backward()
            if settings.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_([*dense, *tuned], settings.grad_clip)
            for opt in optimizers:
                opt.step()
            step += 1
            if averaged is not None:
                with torch.no_grad():
                    # Early on the average follows closely (decay grows to settings.average).
                    decay = min(settings.average, (1 + step) / (10 + step))
                    torch._foreach_lerp_(averaged, trained, 1 - decay)
            loss_sum += float(loss.detach())
            loss_n += len(seqs)
            if b not in marks:
                continue
            n_evals += 1
            at = epoch if keep == 1 else round(epoch - 1 + (marks[b] + 1) / keep, 2)
            info: dict[str, Any] = {
                "epoch": at,
                "step": step,
                "loss": round(loss_sum / max(loss_n, 1), 4),
                "dev": None,
            }
            loss_sum, loss_n = 0.0, 0
            if dev_scores is not None:
                net.eval()
                with _swapped(trained, averaged):
                    info["dev"] = dev_scores()
                    if improves(info["dev"]["f1"], best_f1):
                        best_f1, best_epoch, best_eval = info["dev"]["f1"], at, n_evals
                        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                best_epoch = at
            now = time.perf_counter()
            info.update(
                best_epoch=best_epoch,
                best_f1=best_f1 if dev_scores is not None else None,
                seconds=round(now - last, 2),
                elapsed=round(now - start, 2),
            )
            last = now
            history.append(info)
            if callback is not None:
                callback(info)
        # Patience starts once the model finds something: before that, no progress on dev
        # says only that it has not learned enough yet, not that it has stopped learning.
        waited = n_evals - best_eval
        if dev_scores is not None and best_f1 > 0 and waited >= settings.patience * keep:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    elif averaged is not None:
        with torch.no_grad():
            torch._foreach_copy_([p.data for p in trained], averaged)
    net.eval()
    return history


def hide_entity_words(
    feats: Features, entity: np.ndarray, rate: float, rng: np.random.Generator
) -> None:
    """Send the word identity (lowercase-word row, word vector) of a share ``rate`` of the
    tokens inside gold entities to the unknown row, in place: a name the model never saw has
    only its characters, affixes, shape and context to go by, so training must use those."""
    hide = entity & (rng.random(len(entity)) < rate)
    feats.attrs[hide, 0] = 0
    feats.vec_rows[hide] = feats.n_vectors


@contextmanager
def _swapped(params: list[torch.Tensor], values: list[torch.Tensor] | None) -> Iterator[None]:
    """Inside the block ``params`` hold ``values`` (None: unchanged); afterwards their own."""
    if values is None:
        yield
        return
    with torch.no_grad():
        own = [p.detach().clone() for p in params]
        torch._foreach_copy_([p.data for p in params], values)
    try:
        yield
    finally:
        with torch.no_grad():
            torch._foreach_copy_([p.data for p in params], own)
