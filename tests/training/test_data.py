"""Training data as the model meets it: re-tokenized texts, the seeded dev split, leaks."""

from __future__ import annotations

import pytest

from nerkit.corpus import Example
from nerkit.errors import ConfigError
from nerkit.tokenizer import get_tokenizer
from nerkit.tokens import Doc
from nerkit.training.data import leaked, retokenize, split_dev


def _examples(n: int) -> list[Example]:
    return [
        Example(
            Doc.from_words([f"text{i}", "Bonn"]),
            [(len(f"text{i}") + 1, len(f"text{i}") + 5, "LOC")],
        )
        for i in range(n)
    ]


def test_retokenize_keeps_spans_and_uses_the_tokenizers_tokens():
    ex = Example(Doc.from_words(["Boutros-Ghali", "met", "him"]), [(0, 13, "PER")])
    (out,) = retokenize([ex], get_tokenizer("en"))
    assert out.doc.words == ["Boutros", "-", "Ghali", "met", "him"]
    assert out.spans == ex.spans and out.doc.text == ex.doc.text
    same = Example(Doc.from_words(["Ann", "met", "him"]), [(0, 3, "PER")])
    assert retokenize([same], get_tokenizer("en"))[0] is same  # nothing to change


def test_dev_split_is_seeded_and_keeps_a_text_on_one_side():
    data = _examples(20)
    again = Example(data[3].doc, [(0, 5, "LOC")], kind="binary")  # another answer on text 3
    teach_only = Example(Doc.from_words(["Ann", "smiled"]), [(0, 3, "PER")], kind="binary")
    everything = [*data, again, teach_only]
    train, dev = split_dev(everything, 0.25, seed=7)
    dev_texts = {ex.text for ex in dev}
    assert len(dev) == 5 and len(train) == len(everything) - 5 - (data[3].text in dev_texts)
    assert split_dev(everything, 0.25, seed=7) == (train, dev)  # reproducible
    assert [ex.text for ex in split_dev(everything, 0.25, seed=8)[1]] != [ex.text for ex in dev]
    assert not dev_texts & {ex.text for ex in train}  # every answer on a dev text left training
    assert teach_only in train and all(ex.kind == "complete" for ex in dev)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 0.01, 0.99])
def test_dev_split_that_leaves_a_side_empty_is_a_coded_error(fraction: float):
    with pytest.raises(ConfigError) as info:
        split_dev(_examples(10), fraction, seed=0)
    assert info.value.code == "E331" and info.value.hint


def test_leaked_reports_only_a_real_share_of_shared_texts():
    data = _examples(20)
    assert leaked(data, data[:5]) == (5, 5)
    assert leaked(data[:10], data[5:15]) == (5, 10)
    assert leaked(data[:1], data[:1] + data[10:20]) is None  # 1 of 11: natural repetition


def test_dev_split_keeps_the_only_example_of_a_label_in_training():
    data = _examples(9)
    rare = Example(Doc.from_words(["Sold", "to", "oswald"]), [(8, 14, "USERNAME")])
    for seed in range(20):
        train, dev = split_dev([rare, *data], 0.5, seed=seed)
        assert rare in train and rare not in dev
        assert len(dev) == 5  # another text took its place
    with pytest.raises(ConfigError) as info:  # every text holds a label's only example
        split_dev([rare, Example(Doc.from_words(["Bonn"]), [(0, 4, "LOC")])], 0.5, seed=0)
    assert info.value.code == "E331"
