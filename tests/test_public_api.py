"""The public API is small, complete and cheap to import."""

import subprocess
import sys

import nerkit


def test_all_is_complete_and_importable():
    public = {n for n in dir(nerkit) if not n.startswith("_")}
    # submodules are importable but not promised
    modules = {n for n in public if type(getattr(nerkit, n)).__name__ == "module"}
    assert set(nerkit.__all__) - {"__version__"} == public - modules
    for name in nerkit.__all__:
        assert getattr(nerkit, name) is not None


def test_import_does_not_pull_heavy_optional_packages():
    code = "import sys, nerkit; print(' '.join(m for m in ('spacy', 'torch', 'seqeval') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_blank_pipeline_tokenizes_without_a_model():
    nlp = nerkit.blank("en")
    doc = nlp("Selling my GPU for $650 shipped.")
    assert doc.text == "Selling my GPU for $650 shipped."
    assert doc.ents == ()
    assert "GPU" in [t.text for t in doc]
