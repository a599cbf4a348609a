"""Unit tests of the perceptron's pieces: vocab attributes, shifts, hashing, tag set."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nerkit.models.perceptron.features import (
    STATIC_TEMPLATES,
    FeatureExtractor,
    mix,
    positions,
    shift,
)
from nerkit.models.perceptron.learn import AveragedWeights
from nerkit.models.tagset import TagSet
from nerkit.vocab import ATTRS, COL, Vocab, lexeme_strings, short_shape, string_hash, word_shape


def test_shapes() -> None:
    assert word_shape("Hello") == "Xxxxx"
    assert word_shape("Mississippi") == "Xxxxx"
    assert word_shape("1996-08-22") == "dddd-dd-dd"
    assert word_shape("U.S.") == "X.X."
    assert short_shape("Hello") == "Xx"
    assert short_shape("iPhone12") == "xXxd"


def test_vocab_computes_each_entry_once_and_is_stable() -> None:
    vocab = Vocab()
    ids = vocab.ids(["Paris", "paris", "Paris"])
    assert ids.tolist() == [0, 1, 0]
    attrs = vocab.attrs(ids)
    assert (attrs[0] == attrs[2]).all()
    assert attrs[0, COL["norm"]] == attrs[1, COL["norm"]]  # same lowercase form
    assert attrs[0, COL["orth"]] != attrs[1, COL["orth"]]
    # Hashes do not depend on the process (Python's hash() would).
    again = Vocab().word_attrs(["Paris"])
    assert (again[0] == attrs[0]).all()


@given(st.text(min_size=1, max_size=12))
def test_each_column_hashes_its_own_attribute(word: str) -> None:
    # The models read columns by name (COL["suffix3"], ...): a column holding another
    # attribute's hash silently drops a feature.
    row = Vocab().word_attrs([word])[0]
    strings = lexeme_strings(word)
    for name in ATTRS:
        assert row[COL[name]] == string_hash(strings[name]), name


def test_affix_columns_tell_words_apart_by_their_ends() -> None:
    attrs = Vocab().word_attrs(["walking", "talking", "walked"])
    assert attrs[0, COL["suffix3"]] == attrs[1, COL["suffix3"]]  # -ing
    assert attrs[0, COL["suffix3"]] != attrs[2, COL["suffix3"]]
    assert attrs[0, COL["prefix3"]] == attrs[2, COL["prefix3"]]  # wal-
    assert attrs[0, COL["prefix3"]] != attrs[1, COL["prefix3"]]


def test_positions() -> None:
    pos, seq_len = positions(np.array([3, 0, 2]))
    assert pos.tolist() == [0, 1, 2, 0, 1]
    assert seq_len.tolist() == [3, 3, 3, 2, 2]


@given(st.lists(st.integers(0, 6), min_size=1, max_size=6), st.integers(-2, 2))
def test_shift_stays_inside_each_sequence(lengths: list[int], k: int) -> None:
    n = sum(lengths)
    matrix = np.arange(1, n + 1, dtype=np.uint64)[:, None] * np.uint64(1000)
    pos, seq_len = positions(np.array(lengths))
    shifted = shift(matrix, pos, seq_len, k)
    i = 0
    for length in lengths:
        for j in range(length):
            if 0 <= j + k < length:
                assert shifted[i + j, 0] == matrix[i + j + k, 0]
            else:
                assert shifted[i + j, 0] % np.uint64(1000) != 0  # a padding value, not a token
        i += length


def test_window_features_see_neighbours_not_other_sentences() -> None:
    fx = FeatureExtractor(2**20)
    vocab = Vocab()
    a = fx.batch(vocab, [["x", "New", "York"]])
    b = fx.batch(vocab, [["y", "New", "York"]])
    ab = fx.batch(vocab, [["x", "New", "York"], ["y", "New", "York"]])
    col = list(STATIC_TEMPLATES).index("norm@-1")
    own = list(STATIC_TEMPLATES).index("norm")
    assert a.static[1, col] != b.static[1, col]  # previous word differs
    assert a.static[1, own] == b.static[1, own]
    assert a.static[2, col] == b.static[2, col]
    # Batching does not leak a neighbour across the sequence boundary.
    assert (ab.static[:3] == a.static).all() and (ab.static[3:] == b.static).all()


def test_rows_are_in_range_and_spread() -> None:
    x = np.arange(100_000, dtype=np.uint64)
    rows = mix(x) & np.uint64(2**16 - 1)
    counts = np.bincount(rows.astype(np.int64), minlength=2**16)
    assert counts.max() < 15  # ~1.5 per row on average; a bad mix piles them up


def test_tagset_transitions() -> None:
    ts = TagSet(("LOC", "PER"))
    b_loc, i_loc, l_loc, u_loc = 1, 2, 3, 4
    assert ts.allowed[ts.start].tolist() == [
        True,
        True,
        False,
        False,
        True,
        True,
        False,
        False,
        True,
    ]
    assert ts.allowed[b_loc].nonzero()[0].tolist() == [i_loc, l_loc]
    assert ts.allowed[u_loc, 0] and ts.allowed[l_loc, 5]
    assert ts.last_penalty[b_loc] < 0 and ts.last_penalty[l_loc] == 0
    spans = [(0, 2, "LOC"), (3, 4, "PER"), (4, 7, "LOC")]
    assert ts.spans(ts.tag_ids(spans, 8)) == spans


def test_averaging_trick_equals_the_mean_of_the_weights() -> None:
    w = AveragedWeights(4, 2)
    history = []
    for row, tag, d in [(0, 1, 1), (2, 0, -1), (0, 1, 1), (3, 1, 2)]:
        w.update(np.array([row]), np.array([tag]), np.array([d]))
        history.append(w.W.astype(np.float64).copy())
        w.step += 1
    assert np.allclose(w.averaged(), np.mean(history, axis=0))
