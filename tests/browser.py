"""Debian's chromium driven by Playwright, started the way every browser test starts it.

A test module calls ``sync_api = require_browser()`` when it is imported: the module is
skipped, with the reason, when /usr/bin/chromium or Playwright (the ``browser`` extra) is
missing. Browsers are never downloaded.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def require_browser() -> Any:
    """Playwright's ``sync_api`` module; skips the calling test module without a browser."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}", allow_module_level=True)
    return pytest.importorskip(
        "playwright.sync_api", reason="browser tests need playwright (the 'browser' extra)"
    )


@contextmanager
def open_page(playwright: Any, profile: Path, width: int, height: int) -> Iterator[Any]:
    """A page of headless chromium with a fresh user-data dir ``profile`` (removed after)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=ARGS,
        viewport={"width": width, "height": height},
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
