"""neural.v1 ``update``: learning from accepted/rejected spans (and full examples) as they come."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="the neural model needs torch")

from nerkit.corpus import Example, read  # noqa: E402
from nerkit.errors import LabelError, ModelError, SpanError  # noqa: E402
from nerkit.models.neural import online  # noqa: E402
from nerkit.models.neural.online import Answer, SpanAnswer, answers_loss  # noqa: E402
from nerkit.models.neural.recognizer import NeuralRecognizer  # noqa: E402
from nerkit.models.tagset import TagSet  # noqa: E402
from nerkit.tokenizer import get_tokenizer  # noqa: E402
from nerkit.tokens import Doc  # noqa: E402

from .test_neural_contract import TINY  # noqa: E402

RESOURCES = Path(__file__).parents[1] / "resources"
TOKENIZE = get_tokenizer("en")
NEW = TOKENIZE("Zorblat visited Quxville yesterday.")  # words the model never saw
SEEN = TOKENIZE("Alice Smith flew to Berlin on Friday.")  # a training sentence


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BiLSTM-CRF trained on tests/resources/ner_tiny_train.jsonl, on disk."""
    train = read(RESOURCES / "ner_tiny_train.jsonl")
    settings = {**TINY, "max_epochs": 15, "batch_size": 2, "learning_rate": 0.01, "threads": 1}
    model = NeuralRecognizer(**settings).fit(train)
    path = tmp_path_factory.mktemp("neural") / "tiny"
    model.to_disk(path)
    return path


@pytest.fixture
def model(saved: Path) -> NeuralRecognizer:
    return NeuralRecognizer.from_disk(saved)  # a fresh copy: updates change it in place


def prob(model: NeuralRecognizer, doc: Doc, start: int, end: int, label: str) -> float:
    """The model's probability that tokens start:end are exactly one ``label`` entity."""
    assert model._net is not None and model._featurizer is not None
    model._net.eval()
    answer = SpanAnswer(doc, start, end, label, accept=True)
    with torch.no_grad():
        loss = answers_loss(model._net, [answer], model._featurizer, TagSet(model.labels), "cpu")
    return float(torch.exp(-loss))


def weights(model: NeuralRecognizer) -> dict[str, Any]:
    assert model._net is not None
    return {k: v.detach().clone() for k, v in model._net.state_dict().items()}


def test_the_learned_probability_is_the_score_predict_reports(model: NeuralRecognizer) -> None:
    docs = [NEW, SEEN]
    scored = [(d, s) for d, spans in zip(docs, model.predict_with_scores(docs)) for s in spans]
    assert scored  # the fixture model predicts something on these
    for doc, s in scored:
        p = prob(model, doc, s.span.start, s.span.end, s.span.label)
        assert p == pytest.approx(s.score, rel=1e-5)


def test_accepts_raise_a_span_the_model_doubts(model: NeuralRecognizer) -> None:
    before = prob(model, NEW, 0, 1, "PER")
    assert before < 0.5
    model.update([SpanAnswer(NEW, 0, 1, "PER", accept=True)], steps=3)
    mid = prob(model, NEW, 0, 1, "PER")
    model.update([SpanAnswer(NEW, 0, 1, "PER", accept=True)], steps=3)
    assert before < mid < prob(model, NEW, 0, 1, "PER")


def test_rejects_lower_a_span_the_model_is_sure_of(model: NeuralRecognizer) -> None:
    before = prob(model, SEEN, 0, 2, "PER")
    assert before > 0.5
    loss = model.update([SpanAnswer(SEEN, 0, 2, "PER", accept=False)], steps=3)
    assert loss > 0
    mid = prob(model, SEEN, 0, 2, "PER")
    model.update([SpanAnswer(SEEN, 0, 2, "PER", accept=False)], steps=3)
    assert before > mid > prob(model, SEEN, 0, 2, "PER")


def test_accepted_full_examples_are_learned(model: NeuralRecognizer) -> None:
    gold = Example(NEW, [(0, 7, "PER"), (16, 24, "LOC")])
    before = (prob(model, NEW, 0, 1, "PER"), prob(model, NEW, 2, 3, "LOC"))
    model.update([gold], steps=5)
    after = (prob(model, NEW, 0, 1, "PER"), prob(model, NEW, 2, 3, "LOC"))
    assert after[0] > before[0] and after[1] > before[1]


def test_steps_zero_keeps_every_weight(saved: Path) -> None:
    model = NeuralRecognizer.from_disk(saved)
    start = weights(model)
    assert model.update([SpanAnswer(NEW, 0, 1, "PER", accept=True)] * 4, steps=0) == 0.0
    assert all(torch.equal(start[k], v) for k, v in weights(model).items())
    assert model._online is not None and len(model._online.memory) == 4
    # A later step learns from the remembered answers.
    model.update([], steps=1)
    assert any(not torch.equal(start[k], v) for k, v in weights(model).items())


def test_rejected_examples_teach_nothing(model: NeuralRecognizer) -> None:
    start = weights(model)
    rejected = Example(NEW, [(0, 7, "PER")], answer="reject")
    assert model.update([rejected], steps=3) == 0.0
    assert all(torch.equal(start[k], v) for k, v in weights(model).items())


def test_only_dense_weights_move(model: NeuralRecognizer) -> None:
    start = weights(model)
    model.update([SpanAnswer(NEW, 0, 1, "PER", accept=True)], steps=2)
    end = weights(model)
    changed = {k for k in start if not torch.equal(start[k], end[k])}
    assert not any(k.startswith("tables.") or k.startswith("seen") for k in changed)
    assert {"output.weight", "crf.transitions"} <= changed


def test_updates_are_deterministic(saved: Path) -> None:
    answers: list[Answer] = [
        SpanAnswer(NEW, 0, 1, "PER", accept=True),
        SpanAnswer(SEEN, 4, 5, "LOC", accept=False),
        Example(SEEN, [(0, 11, "PER"), (20, 26, "LOC")]),
    ]
    a, b = NeuralRecognizer.from_disk(saved), NeuralRecognizer.from_disk(saved)
    for m in (a, b):
        m.update(answers[:2], steps=2)
        m.update(answers[2:], steps=1)
    wa, wb = weights(a), weights(b)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_memory_keeps_the_last_answers(model: NeuralRecognizer) -> None:
    answers = [SpanAnswer(NEW, 0, 1, "PER", accept=i % 2 == 0) for i in range(online.MEMORY + 5)]
    model.update(answers, steps=0)
    assert model._online is not None
    assert list(model._online.memory) == answers[-online.MEMORY :]


def test_bad_answers_are_clear_errors(model: NeuralRecognizer) -> None:
    with pytest.raises(LabelError) as info:
        model.update([SpanAnswer(NEW, 0, 1, "ANIMAL", accept=True)])
    assert info.value.code == "E202" and "ANIMAL" in info.value.message
    with pytest.raises(SpanError) as span_info:
        model.update([SpanAnswer(NEW, 3, 9, "PER", accept=True)])
    assert span_info.value.code == "E209" and "5 tokens" in span_info.value.message
    with pytest.raises(SpanError):
        SpanAnswer.from_chars(NEW, 7, 8, "PER", accept=True)  # the space between two words
    with pytest.raises(ModelError) as model_info:
        NeuralRecognizer(**TINY).update([SpanAnswer(NEW, 0, 1, "PER", accept=True)])
    assert model_info.value.code == "E206"


def test_from_chars_expands_to_the_tokens_touched() -> None:
    a = SpanAnswer.from_chars(NEW, 2, 20, "LOC", accept=False)
    assert (a.start, a.end, a.label, a.accept) == (0, 3, "LOC", False)


def test_prediction_waits_for_an_update_in_progress(model: NeuralRecognizer) -> None:
    done: list[object] = []
    with model._lock:  # as ``update`` holds it while it changes the weights
        worker = threading.Thread(target=lambda: done.append(model.predict([NEW])))
        worker.start()
        worker.join(0.3)
        assert not done
    worker.join(30)
    assert len(done) == 1
