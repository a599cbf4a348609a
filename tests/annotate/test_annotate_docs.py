"""Docstring examples of the annotate modules run as shown; nerkit stays light to import."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

MODULES = ["__init__", "patterns", "agreement", "feed", "launch", "server"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module("nerkit.annotate" + ("" if name == "__init__" else f".{name}"))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 1 and result.failed == 0


def test_importing_nerkit_and_its_cli_does_not_import_the_web_stack() -> None:
    code = (
        "import sys, nerkit, nerkit.cli, nerkit.annotate, nerkit.annotate.patterns; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'sqlalchemy', 'starlette') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_page_is_package_data() -> None:
    from importlib import resources

    static = resources.files("nerkit.annotate").joinpath("static")
    html = static.joinpath("index.html").read_text()
    js = static.joinpath("app.js").read_text()
    assert '<script src="/static/app.js"' in html and "<script>" not in html  # no inline script
    # Data never goes into the page as HTML.
    assert "innerHTML" not in js and "outerHTML" not in js and "insertAdjacentHTML" not in js
