"""`nerkit db import` reads a .txt of posts that start with "[" as one text per line."""

import pytest

pytest.importorskip("sqlalchemy")

from nerkit.store import Store  # noqa: E402
from nerkit.store.importers import import_files  # noqa: E402


def test_posts_starting_with_a_bracket_import_as_text(tmp_path):
    path = tmp_path / "posts.txt"
    path.write_text("[USA-TX] [H] RTX 3080 [W] PayPal\n\n[USA-CA] [H] 5800X3D [W] Cash\n")
    store = Store(f"sqlite:///{tmp_path / 'n.db'}")
    [(_, fmt, counts)] = import_files(store, "posts", [path])
    texts = [ex.text for ex in store.examples("posts")]
    assert texts == ["[USA-TX] [H] RTX 3080 [W] PayPal", "[USA-CA] [H] 5800X3D [W] Cash"]
    assert (fmt, counts.added) == ("txt", 2)
