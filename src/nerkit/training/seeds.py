"""Several seeds per configuration: which seeds, the mean and spread of their scores, and
the paired test of two configurations with their seeds pooled.

One run's test F1 mixes two kinds of luck: the seed's (initial weights, the order examples
are seen in, for a learning curve the subset drawn) and the test documents'. ``--seeds N``
trains each configuration N times and reports the mean and the sample standard deviation of
test F1 over the seeds (the first kind); the paired bootstrap over the test documents
(:func:`nerkit.scoring.bootstrap.paired_bootstrap`, what ``nerkit compare`` runs) says
whether a difference would hold on another test set like this one (the second).

How the seeds are pooled for the test: per test document, each configuration's true
positives, false positives and false negatives are summed over its seeds, and the pooled
counts of two configurations go through one paired bootstrap. Pooled counts are what the
seeds together do on each document, so the test is of the seed-averaged difference, and one
verdict comes out. Testing seed by seed would give N verdicts to reconcile (and N chances of
a "supported" by luck), and pairing seed k of one configuration with seed k of another pairs
nothing real: the two share no initialization. What pooling does not do is resample the
seeds: with few seeds, read the standard deviation beside the mark, since a configuration
whose seeds disagree widely can still be "supported" on the strength of the seeds drawn.

Example:
    >>> run_seeds(None, 1, 0)
    [None]
    >>> run_seeds(5, 3, 0), run_seeds(None, 3, 2), run_seeds(0, 3, 0, step=3)
    ([5, 6, 7], [2, 3, 4], [0, 3, 6])
    >>> mean_sd([0.5, 0.75, 1.0])  # the sample sd (n - 1), as statistics.stdev
    (0.75, 0.25)
    >>> same = [doc_micro_counts([[(0, 3, "PER")], []], [[(0, 3, "PER")], [(0, 2, "PER")]])]
    >>> same[0].tolist()
    [[1, 0, 0], [0, 1, 0]]
    >>> pooled_test(same, same).supported
    False
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError
from ..scoring.bootstrap import PairedTest, doc_counts, paired_bootstrap
from ..scoring.scores import SpanTuple

RESAMPLES = 1000  # bootstrap resamples of the test documents, as `nerkit compare`'s default
BOOTSTRAP_SEED = 0  # the test's own seed: a table is reproducible
NOT_SUPPORTED = "≈"  # a difference the paired test does not support


def check_seeds(seeds: int) -> None:
    """Raise E360 unless ``seeds`` is a whole number of runs, at least 1."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ConfigError(
            "E360",
            f"seeds={seeds!r} is not a number of runs",
            hint="Give --seeds 1 or more (e.g. --seeds 3: each config trained with 3 seeds).",
        )


def run_seeds(first: int | None, n: int, own: int, step: int = 1) -> list[int | None]:
    """The training seeds of ``n`` runs: ``first`` (else the config's ``own`` train.seed),
    then ``step`` apart. One run without ``first`` is ``[None]``: the config keeps its seed.

    ``step`` is more than 1 for a model that seeds its parts with consecutive seeds (the
    perceptron's ensemble members: seed, seed + 1, ...), so that two runs share none.
    """
    check_seeds(n)
    if n == 1 and first is None:
        return [None]
    base = own if first is None else first
    return [base + k * max(1, step) for k in range(n)]


def seed_step(train_settings: object) -> int:
    """How far apart run seeds must be so runs share no seeded part: a perceptron's
    ``train.ensemble`` (its members take seeds seed, seed + 1, ...), else 1."""
    return max(1, int(getattr(train_settings, "ensemble", 1) or 1))


def mean_sd(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (None for the sd of fewer than two values)."""
    if not values:
        return None, None
    sd = statistics.stdev(values) if len(values) > 1 else None
    return statistics.fmean(values), sd


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def doc_micro_counts(
    gold: Sequence[Sequence[SpanTuple]], pred: Sequence[Sequence[SpanTuple]]
) -> np.ndarray:
    """Per document the micro tp, fp and fn of one run's predictions: ``(documents, 3)``."""
    _, counts = doc_counts(gold, pred)
    if counts.shape[1] == 0:  # neither gold nor predicted entities anywhere
        return np.zeros((counts.shape[0], 3), dtype=np.int64)
    return counts.sum(axis=1)


def pooled_test(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> PairedTest:
    """The paired bootstrap of B's micro F1 against A's over the test documents, each side's
    per-document counts (:func:`doc_micro_counts`) summed over its seeds."""
    pooled_a = np.sum(np.stack(list(a)), axis=0)[:, None, :]  # (documents, 1 label, 3)
    pooled_b = np.sum(np.stack(list(b)), axis=0)[:, None, :]
    return paired_bootstrap(pooled_a, pooled_b, n=RESAMPLES, seed=BOOTSTRAP_SEED)


def mark(test: PairedTest) -> str:
    """The difference B - A in F1 points, followed by ≈ where the test does not support it."""
    text = f"{100 * test.difference.value:+.2f}"
    return text if test.supported else f"{text} {NOT_SUPPORTED}"


def mean_pm_sd(mean: float | None, sd: float | None) -> str:
    """``91.20 ± 0.45`` in %, ``91.20`` without an sd, ``-`` without a mean."""
    if mean is None:
        return "-"
    return f"{100 * mean:.2f}" + ("" if sd is None else f" ± {100 * sd:.2f}")
