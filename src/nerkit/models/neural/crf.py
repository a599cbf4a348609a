"""A linear-chain CRF over BILUO tags: loss, constrained Viterbi, forward-backward marginals.

Batched over padded sequences: ``emissions`` is ``(batch, time, tags)`` and ``mask`` is
``(batch, time)`` bool, true on the first ``length`` positions of each row (every length >= 1).
Transitions that BILUO forbids (``I-X`` after ``O``, ``B-X`` at the end, ...) get a fixed
score of ``FORBIDDEN`` on top of the learned one, so Viterbi never takes them and the
partition function gives them no mass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

FORBIDDEN = -10000.0
# Keeps a rejected span's loss finite when the model is sure of it: at most -log(REJECT_EPS).
REJECT_EPS = 1e-4


class CRF(nn.Module):
    """Learned transition, start and end scores with BILUO constraints.

    ``allowed`` is ``(n_tags + 1, n_tags)`` bool, row ``n_tags`` for the start of a sequence
    (as in :class:`nerkit.models.tagset.TagSet`); ``end_allowed`` is ``(n_tags,)``.
    """

    trans_penalty: torch.Tensor
    start_penalty: torch.Tensor
    end_penalty: torch.Tensor

    def __init__(self, allowed: np.ndarray, end_allowed: np.ndarray) -> None:
        super().__init__()
        n = allowed.shape[1]
        self.n_tags = n
        self.transitions = nn.Parameter(torch.zeros(n, n))
        self.start = nn.Parameter(torch.zeros(n))
        self.end = nn.Parameter(torch.zeros(n))
        penalty = torch.from_numpy(np.where(allowed, 0.0, FORBIDDEN).astype(np.float32))
        self.register_buffer("trans_penalty", penalty[:n].clone(), persistent=False)
        self.register_buffer("start_penalty", penalty[n].clone(), persistent=False)
        end = np.where(end_allowed, 0.0, FORBIDDEN).astype(np.float32)
        self.register_buffer("end_penalty", torch.from_numpy(end), persistent=False)

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Constrained (transitions, start, end) scores."""
        return (
            self.transitions + self.trans_penalty,
            self.start + self.start_penalty,
            self.end + self.end_penalty,
        )

    def nll(
        self,
        emissions: torch.Tensor,
        tags: torch.Tensor,
        mask: torch.Tensor,
        rejected: Sequence[tuple[int, int, Sequence[int]]] = (),
    ) -> torch.Tensor:
        """Negative log-likelihood of what is known of each sequence's tags, summed.

        ``tags`` may hold ``-1`` (unknown: any tag): the likelihood is then that of every
        path consistent with the known tags (partial labels; with no ``-1`` in a row, that is
        its one gold path). ``rejected`` holds ``(row, start, tags)``: the row's path must not
        carry ``tags`` from ``start`` on (an entity an annotator rejected); each adds
        ``-log(1 - P(those tags | the known tags) + REJECT_EPS)``.
        """
        known = tags >= 0
        full = (known | ~mask).all(dim=1)
        partial = (~full).nonzero().squeeze(1)
        # All partition functions in one forward pass over a stacked batch: every row
        # unconstrained, then the partial rows constrained, then one row per rejected span.
        allowed = None
        if len(partial) or rejected:
            allowed = torch.ones_like(emissions, dtype=torch.bool)
            fixed = known.nonzero(as_tuple=True)
            allowed[fixed] = False
            allowed[(*fixed, tags[fixed])] = True
        stacks, masks = [emissions], [mask]
        if len(partial):
            assert allowed is not None
            stacks.append(emissions[partial].masked_fill(~allowed[partial], FORBIDDEN))
            masks.append(mask[partial])
        if rejected:
            assert allowed is not None
            rows = torch.tensor([r for r, _, _ in rejected], device=emissions.device)
            forced = allowed[rows].clone()
            for k, (_, start, span) in enumerate(rejected):
                # The rejected tags where the known tags allow them, nothing else there.
                idx = torch.arange(start, start + len(span), device=emissions.device)
                which = torch.as_tensor(list(span), device=emissions.device)
                keep = forced[k, idx, which].clone()
                forced[k, start : start + len(span)] = False
                forced[k, idx, which] = keep
            stacks.append(emissions[rows].masked_fill(~forced, FORBIDDEN))
            masks.append(mask[rows])
        log_z = self._log_partition(torch.cat(stacks), torch.cat(masks))
        n = emissions.shape[0]
        # The log mass of the paths consistent with each row's known tags.
        consistent = self._path_score(emissions, tags.clamp(min=0), mask)
        if len(partial):
            consistent = consistent.index_put((partial,), log_z[n : n + len(partial)])
        total = (log_z[:n] - consistent).sum()
        if rejected:
            prob = (log_z[n + len(partial) :] - consistent[rows]).clamp(max=0.0).exp()
            total = total - torch.log1p(REJECT_EPS - prob).sum()
        return total

    def _path_score(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        trans, start, end = self.scores()
        maskf = mask.to(emissions.dtype)
        emit = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)
        score = start[tags[:, 0]] + (emit * maskf).sum(1)
        score = score + (trans[tags[:, :-1], tags[:, 1:]] * maskf[:, 1:]).sum(1)
        last = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)
        return score + end[last]

    def _log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        trans, start, end = self.scores()
        alpha = start + emissions[:, 0]
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + trans, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t : t + 1], step, alpha)
        return torch.logsumexp(alpha + end, dim=1)

    def viterbi(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The best valid tag sequence of each row, ``(batch, time)`` (padding: last tag)."""
        trans, start, end = self.scores()
        batch, time, n = emissions.shape
        score = start + emissions[:, 0]
        identity = torch.arange(n, device=emissions.device).expand(batch, n)
        pointers = []
        for t in range(1, time):
            best, arg = (score.unsqueeze(2) + trans).max(dim=1)
            keep = mask[:, t : t + 1]
            score = torch.where(keep, best + emissions[:, t], score)
            # Past a row's end its tag carries over unchanged, so backtracking can start at
            # the last column for every row.
            pointers.append(torch.where(keep, arg, identity))
        tag = (score + end).argmax(dim=1)
        out = [tag]
        for ptr in reversed(pointers):
            tag = ptr.gather(1, tag.unsqueeze(1)).squeeze(1)
            out.append(tag)
        out.reverse()
        return torch.stack(out, dim=1)

    def forward_backward(
        self, emissions: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Log forward scores ``alpha`` and backward scores ``beta`` ``(batch, time, tags)``
        and the log partition ``(batch,)``: ``alpha + beta - log_z`` is the log marginal."""
        trans, start, end = self.scores()
        time = emissions.shape[1]
        alpha = start + emissions[:, 0]
        alphas = [alpha]
        for t in range(1, time):
            step = torch.logsumexp(alpha.unsqueeze(2) + trans, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t : t + 1], step, alpha)
            alphas.append(alpha)
        log_z = torch.logsumexp(alpha + end, dim=1)
        beta = end.expand_as(alpha)
        betas = [beta]
        for t in range(time - 2, -1, -1):
            step = torch.logsumexp(trans + (emissions[:, t + 1] + beta).unsqueeze(1), dim=2)
            # Position t + 1 is padding: t is a row's last token, whose beta is the end score.
            beta = torch.where(mask[:, t + 1 : t + 2], step, end.expand_as(step))
            betas.append(beta)
        betas.reverse()
        return torch.stack(alphas, 1), torch.stack(betas, 1), log_z

    def path_parts(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pieces of ``log P(tags[s:e] exactly)`` for any span ``s:e`` of the path ``tags``.

        ``log P = a[s] + (cs[e-1] - cs[s]) + b[e-1] - log_z``, where ``a``/``b`` are the forward
        and backward scores of the path's tags and ``cs`` is the running sum of transition +
        emission scores along it. Float64 ``(batch, time)`` (``log_z``: ``(batch,)``), and
        differentiable, so learning from an answer about one span can use the same quantity.
        Only the tags inside ``s:e`` matter.
        """
        alpha, beta, log_z = self.forward_backward(emissions, mask)
        trans, _, _ = self.scores()
        idx = tags.unsqueeze(2)
        a = alpha.gather(2, idx).squeeze(2).double()
        b = beta.gather(2, idx).squeeze(2).double()
        emit = emissions.gather(2, idx).squeeze(2).double()
        moves = emit[:, 1:] + trans[tags[:, :-1], tags[:, 1:]].double()
        step = torch.cat([torch.zeros_like(emit[:, :1]), moves], dim=1)
        return a, step.cumsum(1), b, log_z.double()
