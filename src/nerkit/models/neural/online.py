"""Learning from answers as they come (``nerkit annotate teach``): a few small steps at a time.

An answer is either a :class:`SpanAnswer` (one suggested span, accepted or rejected), a
binary :class:`~nerkit.corpus.Example` (its spans become span answers) or a complete accepted
one (full gold). For a span answer the model's
probability that the span's tokens carry exactly its BILUO tags (``U-X``, or ``B-X I-X ..
L-X``; the score ``predict_with_scores`` reports) is ``P``; an accept minimizes ``-log P``, a
reject ``-log(1 - P + eps)`` (``eps`` keeps the loss finite and its gradient bounded when the
model is sure). A full example minimizes the CRF negative log-likelihood of its tags.

Each step runs Adam on the last :data:`MEMORY` answers together, not only the newest, so that
one answer does not drag the model away from the ones before it. Dropout is off (the steps
are few and small, and the same answers give the same update). Only the dense weights move:
the hashed embedding tables send rows training never reached to the shared unknown row, and
moving that row for a handful of answers would shift every unknown word at once.

Importing this module does not import torch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ...corpus.example import Example
from ...errors import LabelError, SpanError
from ...tokens import Doc

if TYPE_CHECKING:
    import torch

    from ..tagset import TagSet
    from .featurize import Featurizer
    from .network import Network

MEMORY = 32  # recent answers each step learns from
LEARNING_RATE = 1e-3  # Adam step size of the updates (training's default is 2e-3)
EPS = 1e-4  # added to 1 - P in a reject's loss


@dataclass(frozen=True)
class SpanAnswer:
    """An answer about one span: tokens ``start:end`` of ``doc`` are a ``label`` entity (accept)
    or are not (reject).

    Example:
        >>> doc = Doc.from_words(["Ada", "Lovelace", "wrote", "code"])
        >>> a = SpanAnswer.from_chars(doc, 0, 12, "PER", accept=True)
        >>> a.start, a.end, a.label, a.accept
        (0, 2, 'PER', True)
    """

    doc: Doc
    start: int
    end: int
    label: str
    accept: bool

    @classmethod
    def from_chars(
        cls, doc: Doc, start_char: int, end_char: int, label: str, accept: bool
    ) -> SpanAnswer:
        """The answer about the tokens that characters ``start_char:end_char`` touch."""
        start = int(np.searchsorted(doc.ends, start_char, side="right"))
        end = int(np.searchsorted(doc.starts, end_char, side="left"))
        if start >= end:
            raise SpanError(
                "E209",
                f"The answered span {start_char}-{end_char} covers no token",
                offset=start_char,
                hint="Answer a span of the text's tokens.",
            )
        return cls(doc, start, end, label, accept)


Answer = SpanAnswer | Example


def check_answers(answers: Sequence[Answer], labels: Sequence[str]) -> list[Answer]:
    """The answers a step can learn from (span answers, accepted non-empty examples), checked."""
    from ..fitting import check_labels

    known = set(labels)
    out: list[Answer] = []
    for ans in answers:
        if isinstance(ans, Example) and ans.kind == "binary":
            if ans.answer in ("accept", "reject"):
                check_labels([ans], labels)
                out.extend(_span_answers(ans))
            continue
        if isinstance(ans, Example):
            if ans.answer == "accept" and len(ans.doc):
                check_labels([ans], labels)
                out.append(ans)
            continue
        if ans.label not in known:
            raise LabelError(
                "E202",
                f"Label '{ans.label}' (tokens {ans.start}-{ans.end}) is not one the model knows",
                hint=f"The model knows {', '.join(sorted(known)) or 'no labels'}.",
            )
        if not 0 <= ans.start < ans.end <= len(ans.doc):
            raise SpanError(
                "E209",
                f"The answered span (tokens {ans.start}-{ans.end}) is outside its text of "
                f"{len(ans.doc)} tokens",
                hint="Give token indices of the answer's own doc.",
            )
        out.append(ans)
    return out


def _span_answers(example: Example) -> list[SpanAnswer]:
    """A binary answer's spans as span answers (spans off the tokens cannot be learned)."""
    out = []
    for start, end, label in example.spans:
        try:
            out.append(
                SpanAnswer.from_chars(example.doc, start, end, label, example.answer == "accept")
            )
        except SpanError:
            continue
    return out


class OnlineLearner:
    """The recent answers and the optimizer state behind ``NeuralRecognizer.update``."""

    def __init__(self, net: Network, grad_clip: float, learning_rate: float = LEARNING_RATE):
        import torch

        self.net = net
        self.grad_clip = grad_clip
        self.memory: deque[Answer] = deque(maxlen=MEMORY)
        sparse = {
            id(p) for m in net.modules() if getattr(m, "sparse", False) for p in m.parameters()
        }
        # A fine-tuned transformer stays as trained: a few answers would only unsettle it.
        sparse |= {id(p) for p in net.transformer_parameters()}
        self.params = [p for p in net.parameters() if p.requires_grad and id(p) not in sparse]
        self.optimizer = torch.optim.Adam(self.params, lr=learning_rate)

    def learn(
        self,
        answers: Sequence[Answer],
        steps: int,
        featurizer: Featurizer,
        tagset: TagSet,
        device: str,
    ) -> float:
        """Remember ``answers``, then take ``steps`` steps; the mean loss before the last one."""
        self.memory.extend(answers)
        if not self.memory or steps < 1:
            return 0.0
        was_training = self.net.training
        self.net.eval()  # no dropout: few small steps, and the same answers give the same update
        loss = 0.0
        try:
            with no_cudnn():
                for _ in range(steps):
                    loss = self.step(featurizer, tagset, device)
        finally:
            self.net.train(was_training)
        return loss

    def step(self, featurizer: Featurizer, tagset: TagSet, device: str) -> float:
        """One Adam step on the answers in memory; returns their mean loss before it."""
        import torch

        loss = answers_loss(self.net, list(self.memory), featurizer, tagset, device)
        grads = torch.autograd.grad(loss, self.params, allow_unused=True)
        for p, g in zip(self.params, grads):
            p.grad = g
        if self.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.params, self.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())


def answers_loss(
    net: Network, answers: Sequence[Answer], featurizer: Featurizer, tagset: TagSet, device: str
) -> torch.Tensor:
    """Mean loss of ``answers`` (see the module docstring), differentiable."""
    import torch

    from ..fitting import gold_token_spans
    from .network import to_batch

    feats = featurizer([a.doc.words for a in answers])
    batch = to_batch(feats, device)
    tags = np.zeros(batch.mask.numel(), dtype=np.int64)
    spans = [
        [(a.start, a.end, a.label)] if isinstance(a, SpanAnswer) else gold_token_spans(a)
        for a in answers
    ]
    tags[batch.positions] = np.concatenate(
        [tagset.tag_ids(s, len(a.doc)) for s, a in zip(spans, answers)]
    )
    tags_t = torch.from_numpy(tags.reshape(batch.mask.shape)).to(device)
    em = net.emissions(batch)
    total = em.new_zeros((), dtype=torch.float64)
    full = [i for i, a in enumerate(answers) if isinstance(a, Example)]
    if full:
        rows = torch.tensor(full, device=device)
        total = total + net.crf.nll(em[rows], tags_t[rows], batch.mask[rows]).double()
    span_rows = [i for i, a in enumerate(answers) if isinstance(a, SpanAnswer)]
    if span_rows:
        rows = torch.tensor(span_rows, device=device)
        a, cs, b, log_z = net.crf.path_parts(em[rows], tags_t[rows], batch.mask[rows])
        r = torch.arange(len(span_rows), device=device)
        sa = [answers[i] for i in span_rows]
        s = torch.tensor([x.start for x in sa], device=device)  # type: ignore[union-attr]
        e = torch.tensor([x.end - 1 for x in sa], device=device)  # type: ignore[union-attr]
        logp = (a[r, s] + cs[r, e] - cs[r, s] + b[r, e] - log_z).clamp(max=0.0)
        accept = torch.tensor([x.accept for x in sa], device=device)  # type: ignore[union-attr]
        reject_loss = -torch.log1p(EPS - logp.exp())
        total = total + torch.where(accept, -logp, reject_loss).sum()
    return total / len(answers)


def no_cudnn() -> Any:
    """A context without cuDNN: its LSTM cannot run backward in eval mode (no dropout)."""
    import torch

    return torch.backends.cudnn.flags(enabled=False)
