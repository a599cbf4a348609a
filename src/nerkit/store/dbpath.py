"""``db:NAME`` as a data path: every command that reads data reads a store dataset this way.

``nerkit.corpus.iter_read`` hands paths starting with ``db:`` here (unless a file of that
name exists). The database is ``$NERKIT_DB``, else ``./nerkit.db``; ``nerkit train --db URL``
sets it for one run. What is read is the merged, accepted examples (``Store.merged``).

The prefix test itself lives in ``nerkit.corpus.readwrite.db_dataset`` so that reading a
file never imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..corpus.example import Example
from ..tokens import Doc


def iter_dataset(
    name: str, *, tokenizer: Callable[[str], Doc] | None = None, url: str | None = None
) -> Iterator[Example]:
    """The accepted examples of dataset ``name``, merged per example (latest answer wins)."""
    from .store import Store

    with Store(url) as store:
        store.dataset(name)  # a missing dataset fails here, before the first example is asked
        yield from store.merged(name, answer="accept", tokenizer=tokenizer)
