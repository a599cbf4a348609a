"""`nerkit simulate`: each strategy plays an annotator end to end on tiny data, its cost only
grows, the files are written, and bad input stops with a coded error."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.corpus import Example, read
from nerkit.errors import ConfigError
from nerkit.models.base import ScoredSpan
from nerkit.models.uncertainty import span_uncertainty, text_uncertainty
from nerkit.scoring.edits import from_scratch
from nerkit.tokens import Doc, Span
from nerkit.training.simulate import STRATEGIES, simulate, teach_candidate

DATA = Path(__file__).parents[2] / "examples" / "hardwareswap"
TRAIN, TEST = DATA / "train.jsonl", DATA / "test.jsonl"
FAST = ["train.max_epochs=2", "model.hash_rows=4096", "train.ensemble=1"]
SIZES = {"start": 10, "step": 10, "budget": 20}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("sim")
    seen = []
    res = simulate(
        TRAIN, TEST, STRATEGIES, overrides=FAST, seeds=[0, 1], output=out, progress=seen.append,
        **SIZES,
    )  # fmt: skip
    return res, seen


def test_every_strategy_and_seed_runs_with_growing_cost(result) -> None:
    res, seen = result
    assert [(r.strategy, r.seed) for r in res.runs] == [(s, k) for s in STRATEGIES for k in (0, 1)]
    assert seen == [p for r in res.runs for p in r.points]  # progress got every point
    for run in res.runs:
        points = run.points
        assert points, run.strategy
        assert points[0].texts == 10 and points[-1].texts <= 20
        texts = [p.texts for p in points]
        decisions = [p.decisions for p in points]
        assert texts == sorted(set(texts)), (run.strategy, texts)  # strictly growing
        assert all(a < b for a, b in zip(decisions, decisions[1:])), (run.strategy, decisions)
        assert all(0.0 <= p.f1 <= 1.0 for p in points)


def test_manual_costs_one_decision_per_gold_span_and_text(result) -> None:
    res, _ = result
    gold = [ex for ex in read(TRAIN) if ex.answer == "accept"]
    by_text = {ex.text: ex for ex in gold}
    for run in res.runs:
        if run.strategy not in ("manual", "uncertain"):
            continue
        for p in run.points:
            assert p.cost.removed == p.cost.resized == p.cost.relabelled == p.cost.answered == 0
            assert p.cost.accepted == p.texts
            assert p.cost.added == p.scratch
    # Every strategy starts from the same first texts of its seed's order, from scratch.
    first = {(r.seed, r.points[0].decisions) for r in res.runs}
    assert len(first) == 2
    assert all(d > 10 for _, d in first)
    assert len(by_text) > 30


def test_correct_edits_what_the_model_got_wrong(result) -> None:
    res, _ = result
    for run in (r for r in res.runs if r.strategy == "correct"):
        last = run.points[-1]
        assert last.cost.accepted == last.texts and last.cost.answered == 0
        # Corrected texts: fewer span edits than their gold spans once the model finds some.
        assert last.cost.span_edits <= last.scratch + last.cost.removed


def test_correct_uncertain_corrects_the_texts_uncertain_picks(result) -> None:
    res, _ = result
    runs = {(r.strategy, r.seed): r for r in res.runs}
    for seed in (0, 1):
        plain, fixed = runs["uncertain", seed], runs["correct-uncertain", seed]
        # The same texts in the same order, so the same models and scores...
        assert [(p.texts, p.scratch, p.f1) for p in plain.points] == [
            (p.texts, p.scratch, p.f1) for p in fixed.points
        ]
        # ...pre-filled: the model's spans are removed, resized or relabelled and fewer are
        # added. (Not fewer edits in all: this 2-epoch model's pre-fill costs more than it
        # saves, which is what the cost counts are for.)
        last_plain, last_fixed = plain.points[-1], fixed.points[-1]
        assert last_fixed.cost.accepted == last_plain.cost.accepted == last_fixed.texts
        assert last_plain.cost.span_edits == last_plain.cost.added == last_plain.scratch
        assert last_fixed.cost.added < last_plain.cost.added
        assert last_fixed.cost.removed + last_fixed.cost.resized + last_fixed.cost.relabelled > 0


def test_teach_pays_one_decision_per_answer(result) -> None:
    res, _ = result
    for run in (r for r in res.runs if r.strategy == "teach"):
        start, last = run.points[0], run.points[-1]
        assert start.cost.answered == 0
        assert last.cost.answered == last.texts - 10  # one answer per text asked about
        assert last.decisions == start.decisions + last.cost.answered
        assert last.cost.span_edits == start.cost.span_edits  # no span drawn after the start


def test_the_files_hold_every_point(result) -> None:
    res, _ = result
    out = res.output
    data = json.loads((out / "simulation.json").read_text())
    assert len(data["runs"]) == 2 * len(STRATEGIES)
    assert sum(len(r["points"]) for r in data["runs"]) == sum(len(r.points) for r in res.runs)
    first = data["runs"][0]["points"][0]
    assert first["decisions"] == first["cost"]["added"] + first["cost"]["accepted"]
    md = (out / "simulation.md").read_text()
    assert "| strategy | seed | texts | decisions |" in md
    assert md.count("| teach |") == len(res.runs[-1].points) + len(res.runs[-2].points)
    svg = ET.fromstring((out / "simulation.svg").read_text())  # well-formed
    assert svg.tag.endswith("svg")
    assert len(svg.findall(".//{*}polyline")) == 2 * len(STRATEGIES)


def test_text_uncertainty_and_teach_candidate() -> None:
    # The wrong tags a model expects: a sure long text can rank below an unsure short one.
    assert text_uncertainty(np.array([0.99] * 10)) == pytest.approx(0.1)
    assert text_uncertainty(np.array([1.0, 0.6])) == pytest.approx(0.4)
    assert text_uncertainty(np.array([0.5] * 4)) > text_uncertainty(np.array([0.6]))
    assert text_uncertainty(np.array([])) == 0.0
    doc = Doc.from_words(["Ada", "met", "Bob", "Lee"])
    sure = ScoredSpan(Span.from_tokens(doc, 0, 1, "PER"), 0.95)
    unsure = ScoredSpan(Span.from_tokens(doc, 2, 4, "PER"), 0.55)
    assert span_uncertainty([sure]) < span_uncertainty([sure, unsure])
    assert span_uncertainty([sure, unsure]) == pytest.approx(0.45)
    assert span_uncertainty([]) == 0.0
    assert teach_candidate([sure, unsure]) == ((8, 15, "PER"), pytest.approx(0.55))
    assert teach_candidate([]) is None


def _examples(texts: list[tuple[str, list]]) -> list[Example]:
    from nerkit.tokenizer import get_tokenizer

    nlp = get_tokenizer("en")
    return [Example(nlp(t), spans) for t, spans in texts]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"strategies": ["manual", "random"]}, "E370"),
        ({"strategies": []}, "E370"),
        ({"step": 0, "start": 10}, "E372"),
        ({"start": 0}, "E372"),
        ({"budget": 5, "start": 10}, "E372"),
        ({"budget": 500, "start": 10}, "E372"),
        ({"pool": 0}, "E372"),
        ({"start": 85}, "E371"),
        ({"pool": 5, "start": 10}, "E371"),
    ],
)
def test_bad_settings_are_coded_errors(kwargs, code) -> None:
    with pytest.raises(ConfigError) as err:
        simulate(TRAIN, TEST, **{"strategies": ["manual"], **kwargs}, overrides=FAST)
    assert err.value.code == code


def test_data_without_gold_is_a_coded_error() -> None:
    no_entities = _examples([("Nothing here.", []), ("Nor here.", [])])
    binary = [Example(ex.doc, [(0, 7, "X")], kind="binary") for ex in no_entities]
    gold = _examples([("Ada met Bob.", [(0, 3, "PER"), (8, 11, "PER")])])
    for data, test, code in (
        (no_entities, gold, "E371"),
        (binary, gold, "E371"),
        (gold, binary, "E373"),
    ):
        with pytest.raises(ConfigError) as err:
            simulate(data, test, ["manual"], start=1, step=1, overrides=FAST)
        assert err.value.code == code, (data, test)
    with pytest.raises(ConfigError) as err:
        simulate(gold, gold, ["manual"], dev=binary, start=1, step=1, overrides=FAST)
    assert err.value.code == "E373"


def test_the_command_writes_the_table(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    args = ["simulate", str(TRAIN), "--test", str(TEST), "--strategy", "manual,correct",
            "--start", "10", "--step", "10", "--budget", "20", "-o", str(out)]  # fmt: skip
    for item in FAST:
        args += ["--set", item]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "correct" in res.output and "decisions" in res.output
    md = (out / "simulation.md").read_text()
    assert md.count("| manual |") == 2 and md.count("| correct |") == 2
    assert (out / "simulation.svg").exists() and (out / "simulation.json").exists()


def test_the_command_names_a_bad_strategy(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "nerkit", "simulate", str(TRAIN), "--test", str(TEST),
         "--strategy", "manual,guess", "-o", str(tmp_path / "o")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "E370" in proc.stderr and "'guess'" in proc.stderr and "Traceback" not in proc.stderr


def test_from_scratch_matches_the_gold_counts() -> None:
    ex = _examples([("Ada met Bob.", [(0, 3, "PER"), (8, 11, "PER")])])[0]
    assert from_scratch(ex.spans).total == 3


class _Stub:
    """A model whose score of a text's one predicted span is written in the text."""

    labels = ("X",)

    def predict_with_scores(self, docs):
        out = []
        for doc in docs:
            word = doc.text.split()[0]
            out.append(
                []
                if word == "none"
                else [ScoredSpan(Span.from_tokens(doc, 0, 1, "X"), float(word))]
            )
        return out


def _uncertain_batches(
    monkeypatch: pytest.MonkeyPatch, model: object, gold: list[Example], start: int
) -> tuple[set[str], list[set[str]]]:
    """The texts ``uncertain`` starts with and the batches it adds, 2 at a time, when every
    model it trains is ``model``."""
    import nerkit.training.simulate as sim

    chosen: list[list[str]] = []

    def train(self, examples):
        chosen.append([ex.text for ex in examples])
        return type("Nlp", (), {"recognizer": model})()

    monkeypatch.setattr(sim._Simulator, "train", train)
    monkeypatch.setattr(sim._Simulator, "point", lambda self, nlp, *a: a)
    list(sim._uncertain(sim._Simulator(gold, [], [], "perceptron", [], 0, start, 2, 8, None)))
    return set(chosen[0]), [set(b) - set(a) for a, b in zip(chosen, chosen[1:])]


def test_uncertain_without_token_confidences_asks_for_the_least_sure_span_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scores = ["0.99", "0.6", "none", "0.95", "0.51", "none", "0.7", "0.999"]
    texts = [f"{s} text {i}" for i, s in enumerate(scores)]
    gold = _examples([(t, [(0, len(t.split()[0]), "X")]) for t in texts])
    first, batches = _uncertain_batches(monkeypatch, _Stub(), gold, start=2)
    # After the random start: the lowest scores first, texts without a prediction last.
    order = sorted(
        (t for t in texts if t not in first),
        key=lambda t: (t.startswith("none"), float(t.split()[0]) if t[0] != "n" else 0),
    )
    assert len(first) == 2
    assert batches == [set(order[k : k + 2]) for k in range(0, len(order), 2)]


class _TokenStub(_Stub):
    """A model whose confidence in each token's tag is the token, when it is a number."""

    def token_confidences(self, docs):
        return [np.array([float(w) if w[0].isdigit() else 1.0 for w in doc.words]) for doc in docs]


def test_uncertain_asks_for_the_texts_with_the_most_expected_wrong_tags(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [
        "0.5 a", "0.9 0.9 0.9 0.9 0.9 0.9 b", "0.99 c", "0.8 0.8 d", "0.3 e",
        "0.95 0.95 0.95 f", "g", "0.6 0.6 0.6 h",
    ]  # fmt: skip
    gold = _examples([(t, [(len(t) - 1, len(t), "X")]) for t in texts])
    first, batches = _uncertain_batches(monkeypatch, _TokenStub(), gold, start=2)
    # The sum of 1 - p over a text's tokens, largest first: a long text of fairly sure tokens
    # (b: 0.6) before a short one of one unsure token (a: 0.5).
    order = sorted(
        (t for t in texts if t not in first),
        key=lambda t: -sum(1 - float(w) for w in t.split() if w[0].isdigit()),
    )
    assert batches == [set(order[k : k + 2]) for k in range(0, len(order), 2)]


def test_a_repeated_text_is_annotated_once() -> None:
    gold = _examples([("Ada met Bob.", [(0, 3, "PER"), (8, 11, "PER")])] * 3)
    gold += _examples([("Cy saw Dee.", [(0, 2, "PER"), (7, 10, "PER")])])
    res = simulate(gold, gold[:1], ["manual"], start=1, step=1, overrides=FAST)
    assert res.data["pool"] == 2
    assert [p.texts for p in res.runs[0].points] == [1, 2]
