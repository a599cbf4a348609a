"""A long prediction run uses bounded memory (issue #10): the tokenizer's chunk cache and the
vocabulary start afresh when full, so resident memory levels off over a stream of lines
whose tokens are all new. The measurement is benchmarks/memory_predict.py (its figure, with
the default bounds over 400,000 lines, is in benchmarks/results/memory_predict.md); here the
bounds are small so that the curve levels off within a few seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))

from memory_predict import measure  # noqa: E402


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_memory_levels_off_over_new_tokens() -> None:
    points = measure(lines=40_000, step=5_000, chunks=5_000, words=10_000)
    rss = [mb for _, mb in points]
    assert len(rss) == 8
    late = max(rss[4:]) - min(rss[4:])  # the second half of the run
    assert late < 8, f"memory still grows over new tokens: {points}"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_memory_levels_off_with_the_default_bounds() -> None:
    points = measure(lines=400_000, step=50_000)
    rss = [mb for _, mb in points]
    assert max(rss[4:]) - min(rss[4:]) < 16, f"memory still grows over new tokens: {points}"
