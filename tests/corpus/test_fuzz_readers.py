"""Readers never fail with anything but a coded nerkit error, whatever the bytes (issue #10):
mutated copies of a sample file of every format, and random bytes under every extension."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzing import mutate
from nerkit.corpus import read
from nerkit.errors import NerkitError

RESOURCES = Path(__file__).parents[1] / "resources"
SAMPLES = {
    "conll": "conll_iob2.txt",
    "jsonl": "jsonl_plain.jsonl",
    "prodigy": "prodigy_brands.jsonl",
    "doccano": "doccano_entities.jsonl",
    "labelstudio": "labelstudio_export.json",
    "spacy-json": "spacy_tuples.json",
}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_files(fmt: str, data: st.DataObject) -> None:
    raw = (RESOURCES / SAMPLES[fmt]).read_bytes()
    mutated = mutate(raw, data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("x" + Path(SAMPLES[fmt]).suffix)
        path.write_bytes(mutated)
        for given_fmt in (fmt, None):
            try:
                read(path, given_fmt)
            except NerkitError:
                pass


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".conll", ".txt"])
@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=300))
def test_random_bytes(suffix: str, raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("x" + suffix)
        path.write_bytes(raw)
        try:
            read(path)
        except NerkitError:
            pass
