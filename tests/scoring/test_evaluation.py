"""evaluate(): raw text through the pipeline's tokenizer by default, the data's tokens on
request, and recall on seen and unseen entities given the training data."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import nerkit
from nerkit.corpus import Example
from nerkit.errors import ConfigError
from nerkit.pipeline import Pipeline
from nerkit.scoring import evaluate
from nerkit.tokenizer import get_tokenizer
from nerkit.tokens import Doc, Span


class CapitalizedTokens:
    """A stand-in recognizer: every capitalized token is a PER; it records what it was given."""

    labels = ("PER",)

    def __init__(self) -> None:
        self.calls: list[list[list[str]]] = []

    def predict(self, docs: Sequence[Doc]) -> list[list[Span]]:
        self.calls.append([[t.text for t in doc] for doc in docs])
        return [
            [Span.from_tokens(doc, t.i, t.i + 1, "PER") for t in doc if t.text[:1].isupper()]
            for doc in docs
        ]


def conll_example() -> Example:
    # CoNLL keeps "Boutros-Ghali" one token; our tokenizer splits it at the hyphens.
    doc = Doc.from_words(["Boutros-Ghali", "met", "Annan", "on", "1996-12-06"])
    return Example(doc, [(0, 13, "PER"), (18, 23, "PER")])


@pytest.fixture
def nlp() -> Pipeline:
    return Pipeline(get_tokenizer("en"), CapitalizedTokens())  # type: ignore[arg-type]


def test_raw_is_the_default_and_uses_the_pipelines_tokens(nlp: Pipeline) -> None:
    ex = conll_example()
    result = evaluate(nlp, [ex])
    received = nlp.recognizer.calls[-1]  # type: ignore[union-attr]
    assert received == [
        ["Boutros", "-", "Ghali", "met", "Annan", "on", "1996", "-", "12", "-", "06"]
    ]
    assert result.tokens == "raw" and result.timed == "tokenization + prediction"
    assert result.n_words == 11
    # "Boutros" and "Ghali" are two PERs now: Annan found, Boutros-Ghali missed.
    assert (result.scores.micro.tp, result.scores.micro.fp, result.scores.micro.fn) == (1, 2, 1)
    missed = [(m.kind, m.text) for m in result.errors]
    assert ("fn", "Boutros-Ghali") in missed and ("fp", "Ghali") in missed
    # The example's own doc is left as it was: no entities set on it.
    assert ex.doc.ents == ()


def test_gold_tokens_predict_on_the_datas_tokens(nlp: Pipeline) -> None:
    result = evaluate(nlp, [conll_example()], tokens="gold")
    assert nlp.recognizer.calls[-1] == [["Boutros-Ghali", "met", "Annan", "on", "1996-12-06"]]  # type: ignore[union-attr]
    assert result.tokens == "gold" and result.timed == "prediction"
    assert result.n_words == 5
    assert result.scores.f1 == 1.0
    d = result.to_dict()
    assert d["tokens"] == "gold" and d["timed"] == "prediction" and "seen_unseen" not in d


def test_warm_up_does_not_tokenize(nlp: Pipeline) -> None:
    evaluate(nlp, [conll_example()])
    first, timed = nlp.recognizer.calls  # type: ignore[union-attr]
    assert first == [["Boutros-Ghali", "met", "Annan", "on", "1996-12-06"]]
    assert timed[0][:3] == ["Boutros", "-", "Ghali"]


def test_raw_batches_cover_every_example(nlp: Pipeline) -> None:
    examples = [Example(nlp.make_doc(t), [(0, 3, "PER")]) for t in ("Ann ran", "Bob sat", "Cy")]
    result = evaluate(nlp, examples, batch_size=2)
    assert [len(batch) for batch in nlp.recognizer.calls[1:]] == [2, 1]  # type: ignore[union-attr]
    assert result.scores.micro.tp == 2 and result.n_examples == 3  # "Cy" is 2 characters


def test_unknown_tokens_value_is_a_coded_error(nlp: Pipeline) -> None:
    with pytest.raises(ConfigError) as err:
        evaluate(nlp, [conll_example()], tokens="words")  # type: ignore[arg-type]
    assert err.value.code == "E329"


def test_seen_and_unseen_recall_with_training_data(nlp: Pipeline) -> None:
    train = [
        Example(Doc.from_words(["annan", "spoke"]), [(0, 5, "PER")]),  # seen, any case
        Example(Doc.from_words(["Boutros-Ghali", "left"]), [(0, 13, "PER")], answer="reject"),
    ]
    result = nerkit.evaluate(nlp, [conll_example()], train=train)  # the public shim
    split = result.seen_unseen
    assert split is not None and result.n_train_entities == 1
    assert (split.seen.found, split.seen.total) == (1, 1)  # Annan
    assert (split.unseen.found, split.unseen.total) == (0, 1)  # Boutros-Ghali: rejected only
    d = result.to_dict()["seen_unseen"]
    assert d["unseen"] == {"recall": 0.0, "found": 0, "total": 1}
    assert d["per_label"]["PER"]["seen"]["found"] == 1 and d["train_entities"] == 1


def test_without_training_data_there_is_no_split(nlp: Pipeline) -> None:
    assert evaluate(nlp, [conll_example()]).seen_unseen is None
