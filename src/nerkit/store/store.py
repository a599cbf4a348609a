"""Store: datasets of examples and their annotations in any SQL database SQLAlchemy speaks.

Every method runs in its own short transaction and returns plain records, so one Store can
be shared by the threads of a web app. Writes return only after their transaction has
committed.

Example:
    >>> from nerkit.tokens import Doc
    >>> from nerkit.corpus import Example
    >>> store = Store("sqlite://")  # in memory; by default ./nerkit.db or $NERKIT_DB
    >>> store.add_examples("news", [Example(Doc("Ann met Bob.", [0, 4, 8, 11], [3, 7, 11, 12]))])
    ImportCounts(added=1, duplicates=0, empty=0, annotations=0)
    >>> ex = next(store.unanswered("news"))
    >>> ann = store.add_annotation(ex.id, [(0, 3, "PER")], "accept", session="alice")
    >>> [e.spans for e in store.merged("news")]
    [[(0, 3, 'PER')]]
"""

from __future__ import annotations

from .annotations import Annotations


class Store(Annotations):
    """Datasets, examples, sessions and annotations in the database at ``url``.

    ``url`` is any SQLAlchemy URL (``postgresql+psycopg://user@host/db``) or a SQLite file
    path; None means ``$NERKIT_DB``, else ``./nerkit.db``. Opening applies pending schema
    migrations. Assembled from modules by concern: the connection is ``connection.py``, the
    methods are in ``datasets.py``, ``examples.py``, ``leases.py``, ``suggestions.py`` and ``annotations.py``.
    """
