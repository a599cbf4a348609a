"""The BILUO CRF against brute force: partition, Viterbi, marginals, span probabilities."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the neural model needs torch")

from nerkit.models.neural.crf import CRF  # noqa: E402
from nerkit.models.tagset import TagSet  # noqa: E402

TAGSET = TagSet(("PER", "LOC"))  # 9 tags


def make_crf(seed: int = 0) -> CRF:
    crf = CRF(TAGSET.allowed, TAGSET.last_penalty == 0)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        crf.transitions.copy_(torch.randn(crf.n_tags, crf.n_tags, generator=gen))
        crf.start.copy_(torch.randn(crf.n_tags, generator=gen))
        crf.end.copy_(torch.randn(crf.n_tags, generator=gen))
    return crf


def valid(tags: tuple[int, ...]) -> bool:
    prev = TAGSET.start
    for t in tags:
        if not TAGSET.allowed[prev, t]:
            return False
        prev = t
    return bool(TAGSET.last_penalty[tags[-1]] == 0)


def path_score(crf: CRF, em: torch.Tensor, tags: tuple[int, ...]) -> float:
    score = crf.start[tags[0]] + em[0, tags[0]] + crf.end[tags[-1]]
    for a, b, t in zip(tags, tags[1:], range(1, len(tags))):
        score = score + crf.transitions[a, b] + em[t, b]
    return float(score.detach())


def brute_force(crf: CRF, em: torch.Tensor) -> dict[tuple[int, ...], float]:
    """log-score of every valid tag sequence of the emissions ``em`` (time, tags)."""
    n = crf.n_tags
    return {
        tags: path_score(crf, em, tags)
        for tags in itertools.product(range(n), repeat=em.shape[0])
        if valid(tags)
    }


@pytest.mark.parametrize("length", [1, 2, 3])
def test_partition_viterbi_and_marginals_match_brute_force(length: int) -> None:
    crf = make_crf(length)
    em = torch.randn(1, length, crf.n_tags, generator=torch.Generator().manual_seed(7))
    mask = torch.ones(1, length, dtype=torch.bool)
    scores = brute_force(crf, em[0])
    log_z = float(torch.logsumexp(torch.tensor(list(scores.values())), 0))
    with torch.no_grad():
        assert float(crf._log_partition(em, mask)[0]) == pytest.approx(log_z, abs=1e-4)
        best = max(scores, key=scores.__getitem__)
        assert tuple(crf.viterbi(em, mask)[0].tolist()) == best
        alpha, beta, lz = crf.forward_backward(em, mask)
        marginals = torch.exp(alpha + beta - lz[:, None, None])[0]
    expected = np.zeros((length, crf.n_tags))
    for tags, s in scores.items():
        for t, tag in enumerate(tags):
            expected[t, tag] += np.exp(s - log_z)
    np.testing.assert_allclose(marginals.numpy(), expected, atol=1e-4)
    np.testing.assert_allclose(marginals.sum(1).numpy(), 1.0, atol=1e-4)


def test_nll_is_minus_log_probability_of_the_gold_path() -> None:
    crf = make_crf(3)
    em = torch.randn(1, 3, crf.n_tags, generator=torch.Generator().manual_seed(1))
    gold = (1, 3, 0)  # B-PER L-PER O
    scores = brute_force(crf, em[0])
    log_z = float(torch.logsumexp(torch.tensor(list(scores.values())), 0))
    nll = crf.nll(em, torch.tensor([gold]), torch.ones(1, 3, dtype=torch.bool))
    assert float(nll) == pytest.approx(log_z - scores[gold], abs=1e-4)


def test_padded_batch_equals_each_sequence_alone() -> None:
    crf = make_crf(5)
    gen = torch.Generator().manual_seed(2)
    lengths = [4, 1, 3]
    em = torch.randn(3, 4, crf.n_tags, generator=gen)
    mask = torch.arange(4)[None, :] < torch.tensor(lengths)[:, None]
    with torch.no_grad():
        together = crf.viterbi(em, mask)
        z = crf._log_partition(em, mask)
        alpha, beta, lz = crf.forward_backward(em, mask)
        for i, n in enumerate(lengths):
            one = em[i : i + 1, :n]
            ones = torch.ones(1, n, dtype=torch.bool)
            assert together[i, :n].tolist() == crf.viterbi(one, ones)[0].tolist()
            assert float(z[i]) == pytest.approx(float(crf._log_partition(one, ones)[0]), abs=1e-4)
            a1, b1, z1 = crf.forward_backward(one, ones)
            m_batch = torch.exp(alpha[i, :n] + beta[i, :n] - lz[i])
            m_alone = torch.exp(a1[0] + b1[0] - z1[0])
            torch.testing.assert_close(m_batch, m_alone, atol=1e-4, rtol=1e-4)


def test_viterbi_never_breaks_biluo_even_when_emissions_ask_for_it() -> None:
    crf = make_crf(0)
    with torch.no_grad():
        crf.transitions.zero_()
    em = torch.full((1, 3, crf.n_tags), -5.0)
    em[0, :, TAGSET.index["I-PER"]] = 10.0  # an I- run with no B-: invalid
    tags = tuple(crf.viterbi(em, torch.ones(1, 3, dtype=torch.bool))[0].tolist())
    assert valid(tags)
    gen = torch.Generator().manual_seed(4)
    em = torch.randn(16, 12, crf.n_tags, generator=gen) * 5
    for row in crf.viterbi(em, torch.ones(16, 12, dtype=torch.bool)).tolist():
        assert valid(tuple(row))


def test_span_probability_is_the_exact_marginal_of_the_entity() -> None:
    from nerkit.models.neural.recognizer import _span_logprob_parts

    crf = make_crf(9)
    em = torch.randn(1, 3, crf.n_tags, generator=torch.Generator().manual_seed(3))
    mask = torch.ones(1, 3, dtype=torch.bool)

    class Net:
        pass

    net = Net()
    net.crf = crf  # type: ignore[attr-defined]
    with torch.no_grad():
        tags = torch.tensor([[1, 3, 0]])  # B-PER L-PER O: the span (0, 2)
        a, cs, b, log_z = _span_logprob_parts(net, em, tags, mask)  # type: ignore[arg-type]
    prob = np.exp(a[0, 0] + cs[0, 1] - cs[0, 0] + b[0, 1] - log_z[0])
    scores = brute_force(crf, em[0])
    z = sum(np.exp(s) for s in scores.values())
    expected = sum(np.exp(s) for t, s in scores.items() if t[:2] == (1, 3)) / z
    assert prob == pytest.approx(expected, rel=1e-4)


def _log_sum(scores: dict[tuple[int, ...], float], keep) -> float:
    return float(torch.logsumexp(torch.tensor([s for t, s in scores.items() if keep(t)]), 0))


def test_partial_label_nll_equals_full_label_nll_when_every_token_is_known() -> None:
    from nerkit.models.neural.crf import FORBIDDEN

    crf = make_crf(4)
    em = torch.randn(2, 3, crf.n_tags, generator=torch.Generator().manual_seed(3))
    tags = torch.tensor([[1, 3, 0], [4, 0, 8]])  # B-PER L-PER O; U-PER O U-LOC
    mask = torch.ones(2, 3, dtype=torch.bool)
    # What the partial-label branch computes: the partition of the paths the known tags allow.
    allowed = torch.nn.functional.one_hot(tags, crf.n_tags).bool()
    constrained = crf._log_partition(em.masked_fill(~allowed, FORBIDDEN), mask)
    torch.testing.assert_close(constrained, crf._path_score(em, tags, mask))
    # A rejected span that the known tags already rule out costs only -log(1 + eps).
    full = float(crf.nll(em, tags, mask))
    ruled_out = float(crf.nll(em, tags, mask, rejected=[(1, 1, [4])]))  # U-PER at 1: it is O
    assert ruled_out == pytest.approx(full - np.log1p(1e-4), abs=1e-5)


def test_partial_label_nll_is_minus_log_probability_of_the_consistent_paths() -> None:
    crf = make_crf(6)
    em = torch.randn(1, 3, crf.n_tags, generator=torch.Generator().manual_seed(4))
    scores = brute_force(crf, em[0])
    log_z = _log_sum(scores, lambda t: True)
    mask = torch.ones(1, 3, dtype=torch.bool)
    # Token 1 is U-PER, the others unknown.
    nll = crf.nll(em, torch.tensor([[-1, 4, -1]]), mask)
    assert float(nll) == pytest.approx(log_z - _log_sum(scores, lambda t: t[1] == 4), abs=1e-4)
    # Nothing known: every path is consistent, the loss is 0.
    assert float(crf.nll(em, torch.tensor([[-1, -1, -1]]), mask)) == pytest.approx(0.0, abs=1e-4)


def test_a_rejected_span_adds_minus_log_of_its_absence() -> None:
    crf = make_crf(8)
    em = torch.randn(1, 3, crf.n_tags, generator=torch.Generator().manual_seed(5))
    scores = brute_force(crf, em[0])
    mask = torch.ones(1, 3, dtype=torch.bool)
    known = torch.tensor([[-1, -1, 0]])  # the last token is O
    consistent = _log_sum(scores, lambda t: t[2] == 0)
    with_span = _log_sum(scores, lambda t: t[2] == 0 and t[:2] == (1, 3))  # B-PER L-PER
    p = np.exp(with_span - consistent)
    expected = _log_sum(scores, lambda t: True) - consistent - np.log1p(1e-4 - p)
    nll = crf.nll(em, known, mask, rejected=[(0, 0, [1, 3])])
    assert float(nll) == pytest.approx(expected, abs=1e-3)
    # Its gradient lowers the rejected path's emissions.
    em_grad = em.clone().requires_grad_(True)
    crf.nll(em_grad, known, mask, rejected=[(0, 0, [1, 3])]).backward()
    assert float(em_grad.grad[0, 0, 1]) > 0 and float(em_grad.grad[0, 1, 3]) > 0
