"""The dataset store: datasets of examples and their annotations in SQL (SQLAlchemy 2).

SQLite (WAL mode) in ``./nerkit.db`` by default; any SQLAlchemy URL through ``--db`` or
``NERKIT_DB`` (``postgresql+psycopg://user@host/db`` for a team). Needs the ``store`` extra.

Example:
    >>> from nerkit.store import Store
    >>> with Store("sqlite://") as store:
    ...     store.create_dataset("news").name
    'news'
"""

from ..errors import missing_extra

try:
    import sqlalchemy  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    raise missing_extra("sqlalchemy", "store", "The dataset store") from None

from ..corpus.sources import register_source  # noqa: E402
from .dbpath import SOURCE  # noqa: E402
from .exporters import ExportCounts, export_dataset
from .importers import import_files, import_sql, read_items  # noqa: E402
from .records import (  # noqa: E402
    ANSWERS,
    IMPORT_SESSION,
    DatasetInfo,
    DatasetStats,
    ImportCounts,
    SessionInfo,
    SpanDict,
    StoredAnnotation,
    StoredExample,
    input_hash,
)
from .store import Store  # noqa: E402
from .url import resolve_url  # noqa: E402

register_source(SOURCE)  # db:NAME data paths read datasets of the store

__all__ = [
    "ExportCounts",
    "export_dataset",
    "ANSWERS",
    "IMPORT_SESSION",
    "DatasetInfo",
    "DatasetStats",
    "ImportCounts",
    "SessionInfo",
    "SpanDict",
    "Store",
    "StoredAnnotation",
    "StoredExample",
    "import_files",
    "import_sql",
    "input_hash",
    "read_items",
    "resolve_url",
]
