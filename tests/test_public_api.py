"""The public API is small, complete and cheap to import."""

import re

import nerkit


def test_all_is_complete_and_importable():
    public = {n for n in dir(nerkit) if not n.startswith("_")}
    # submodules are importable but not promised
    modules = {n for n in public if type(getattr(nerkit, n)).__name__ == "module"}
    assert set(nerkit.__all__) - {"__version__"} == public - modules
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", nerkit.__version__)
    for name in set(nerkit.__all__) - {"__version__"}:
        obj = getattr(nerkit, name)
        # a documented class or function of nerkit's own, not a re-exported foreign object
        assert callable(obj) and obj.__module__.startswith("nerkit"), name
        assert obj.__doc__ and obj.__doc__.strip(), f"{name} has no docstring"


def test_import_does_not_pull_heavy_optional_packages(imported_by):
    heavy = ["spacy", "torch", "seqeval", "gensim", "sqlalchemy", "fastapi", "matplotlib"]
    assert imported_by("import nerkit", heavy) == set()


def test_blank_pipeline_tokenizes_without_a_model():
    nlp = nerkit.blank("en")
    doc = nlp("Selling my GPU for $650 shipped.")
    assert doc.text == "Selling my GPU for $650 shipped."
    assert doc.ents == ()
    assert "GPU" in [t.text for t in doc]
