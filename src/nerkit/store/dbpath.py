"""``db:NAME`` as a data path: every command that reads data reads a store dataset this way.

Importing ``nerkit.store`` registers this module's reader as the ``db`` source of
``nerkit.corpus`` (see :mod:`nerkit.corpus.sources`), which then hands paths starting with
``db:`` here (unless a file of that name exists), with the database as the explicit ``db``
argument (``read(path, db=URL)``, ``nerkit.train(..., db=URL)``, ``--db URL``); without one,
``$NERKIT_DB``, else ``./nerkit.db``. What is read is what training can learn from, merged per example
(``Store.merged``): each example's deciding complete answer when it is accepted, and the
binary accept *and* reject answers (teach) of the examples with no complete answer. Readers
pick as they do from a file: ``accepted()`` keeps the complete gold (evaluation),
``trainable()`` adds the binary answers (training).

The prefix test itself lives in ``nerkit.corpus.sources`` so that reading a file never
imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..corpus.answers import trainable
from ..corpus.example import Example
from ..corpus.sources import Source
from ..tokens import Doc


def iter_dataset(
    name: str, *, tokenizer: Callable[[str], Doc] | None = None, db: str | None = None
) -> Iterator[Example]:
    """The complete accepted examples and the binary accept/reject answers of ``name`` in
    database ``db`` (None: ``$NERKIT_DB``, else ``./nerkit.db``)."""
    from .store import Store

    with Store(db) as store:
        store.dataset(name)  # a missing dataset fails here, before the first example is asked
        for ex in store.merged(name, answer=None, tokenizer=tokenizer):
            if trainable([ex]):
                yield ex


SOURCE = Source("db", iter_dataset, "a dataset of the nerkit store (db:NAME)")
