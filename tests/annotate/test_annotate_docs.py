"""The annotate package stays light to import and ships its page."""

from __future__ import annotations


def test_importing_nerkit_and_its_cli_does_not_import_the_web_stack(imported_by) -> None:
    code = "import nerkit, nerkit.cli, nerkit.annotate, nerkit.annotate.patterns"
    assert imported_by(code, ["fastapi", "uvicorn", "sqlalchemy", "starlette"]) == set()


def test_the_page_is_package_data() -> None:
    from importlib import resources

    static = resources.files("nerkit.annotate").joinpath("static")
    html = static.joinpath("index.html").read_text()
    js = static.joinpath("app.js").read_text()
    assert '<script src="/static/app.js"' in html and "<script>" not in html  # no inline script
    # Data never goes into the page as HTML.
    assert "innerHTML" not in js and "outerHTML" not in js and "insertAdjacentHTML" not in js
