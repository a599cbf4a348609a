"""``db:NAME`` as a data path: every command that reads data reads a store dataset this way.

``nerkit.corpus.iter_read`` hands paths starting with ``db:`` here (unless a file of that
name exists). The database is ``$NERKIT_DB``, else ``./nerkit.db``; ``nerkit train --db URL``
sets it for one run. What is read is what training can learn from, merged per example
(``Store.merged``): each example's deciding complete answer when it is accepted, and the
binary accept *and* reject answers (teach) of the examples with no complete answer. Readers
pick as they do from a file: ``accepted()`` keeps the complete gold (evaluation),
``trainable()`` adds the binary answers (training).

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
    """The complete accepted examples and the binary accept/reject answers of ``name``."""
    from .store import Store

    with Store(url) as store:
        store.dataset(name)  # a missing dataset fails here, before the first example is asked
        for ex in store.merged(name, answer=None, tokenizer=tokenizer):
            if ex.answer == "accept" or (ex.kind == "binary" and ex.answer == "reject"):
                yield ex
