"""The bundled hardwareswap sample (examples/hardwareswap): well-formed, split cleanly, reproducible."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SAMPLE = Path(__file__).parents[1] / "examples" / "hardwareswap"
LABELS = {"PRODUCT", "PRICE", "LOCATION", "CONDITION", "URL", "USERNAME"}
SPLITS = ("train", "dev", "test")


def load_build() -> ModuleType:
    # build.py is a script beside the data, not part of the nerkit package.
    spec = importlib.util.spec_from_file_location("hardwareswap_build", SAMPLE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class is being made.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def records(split: str) -> list[dict]:
    lines = (SAMPLE / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def unseen() -> list[str]:
    return (SAMPLE / "unseen.txt").read_text(encoding="utf-8").splitlines()


def test_enough_posts() -> None:
    train, dev, test = records("train"), records("dev"), records("test")
    assert len(train) + len(dev) + len(test) >= 80
    assert len(dev) >= 10
    assert len(test) >= 20
    assert len(unseen()) == 3


@pytest.mark.parametrize("split", SPLITS)
def test_every_label_in_each_split(split: str) -> None:
    found = {span["label"] for rec in records(split) for span in rec["spans"]}
    assert found == LABELS


@pytest.mark.parametrize("split", SPLITS)
def test_record_shape_and_ids(split: str) -> None:
    for rec in records(split):
        assert set(rec) == {"text", "spans", "meta"}
        assert isinstance(rec["text"], str) and rec["text"].strip()
        assert rec["meta"]["id"].startswith("hws-")
        for span in rec["spans"]:
            assert set(span) == {"start", "end", "label"}
            assert span["label"] in LABELS


@pytest.mark.parametrize("split", SPLITS)
def test_spans_valid_and_disjoint(split: str) -> None:
    for rec in records(split):
        text, where = rec["text"], rec["meta"]["id"]
        last_end = 0
        for span in sorted(rec["spans"], key=lambda s: (s["start"], s["end"])):
            start, end = span["start"], span["end"]
            assert 0 <= start < end <= len(text), (where, span)
            surface = text[start:end]
            assert surface == surface.strip(), (where, surface)
            assert start >= last_end, f"{where}: {surface!r} overlaps the span before it"
            last_end = end


def test_splits_disjoint() -> None:
    train = {rec["text"] for rec in records("train")} | {rec["text"] for rec in records("dev")}
    test = {rec["text"] for rec in records("test")}
    ids = [rec["meta"]["id"] for split in SPLITS for rec in records(split)]
    assert len(ids) == len(set(ids))
    assert not train & test
    # unseen.txt holds posts on one line each; compare them in the same shape.
    flat = {" ".join(text.split()) for text in train | test}
    for line in unseen():
        assert " ".join(line.split()) not in flat


def test_build_reproduces_committed_files(tmp_path: Path) -> None:
    build = load_build()
    written = build.build(tmp_path)
    assert set(written) == {"train", "dev", "test", "unseen"}
    for path in written.values():
        committed = SAMPLE / path.name
        assert path.read_bytes() == committed.read_bytes(), (
            f"{committed} differs from what build.py makes; run python examples/hardwareswap/build.py"
        )


def test_build_rejects_bad_markup(tmp_path: Path) -> None:
    build = load_build()
    source = tmp_path / "posts.md"
    source.write_text(
        "### hws-001\n[{{USA-TX|LOCATION}}] {{RTX 3080 |PRODUCT}} and {{$5|COST}}\n"
        "### hws-002\nA USA-TX post\n",
        encoding="utf-8",
    )
    with pytest.raises(build.BuildError, match="unknown label 'COST'"):
        build.build(tmp_path / "out", source)
    source.write_text(
        "### hws-001\n[{{USA-TX|LOCATION}}] {{RTX 3080 |PRODUCT}}\n### hws-002\nA USA-TX post\n",
        encoding="utf-8",
    )
    with pytest.raises(build.BuildError) as err:
        build.build(tmp_path / "out", source)
    assert "trailing whitespace" in str(err.value)
    assert "'USA-TX' at 2 is not marked here" in str(err.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("split", SPLITS)
def test_read_through_nerkit_corpus(split: str) -> None:
    from nerkit.corpus import read

    examples = read(SAMPLE / f"{split}.jsonl")
    expected = records(split)
    assert [ex.text for ex in examples] == [rec["text"] for rec in expected]
    for ex, rec in zip(examples, expected, strict=True):
        assert sorted(ex.spans) == sorted((s["start"], s["end"], s["label"]) for s in rec["spans"])
        assert ex.meta.get("id") == rec["meta"]["id"]
        # The quickstart trains on these: every gold span must sit on token boundaries.
        _, misaligned = ex.aligned("strict")
        assert not misaligned, (rec["meta"]["id"], misaligned)
