"""A failed import leaves no empty dataset behind and keeps an existing one as it was; an
import-sql URL naming a missing SQLite file creates nothing; two processes creating one
dataset at once both get it (issue #10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the store needs the 'store' extra (SQLAlchemy)")

from nerkit.errors import FormatError, StoreError  # noqa: E402
from nerkit.store import Store, import_files, import_sql  # noqa: E402


def test_a_failed_import_leaves_no_new_dataset(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{broken\n')
    with pytest.raises(FormatError):
        import_files(store, "fresh", [bad])
    assert "fresh" not in [d.name for d in store.datasets()]


def test_a_failed_import_keeps_an_existing_dataset(store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("one\ntwo\n")
    import_files(store, "kept", [good])
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{broken\n")
    with pytest.raises(FormatError):
        import_files(store, "kept", [bad])
    assert store.dataset("kept").examples == 2


def test_import_sql_from_a_missing_sqlite_file_creates_nothing(store: Store, tmp_path: Path):
    missing = tmp_path / "nope.db"
    with pytest.raises(StoreError) as err:
        import_sql(store, "posts", f"sqlite:///{missing}", "SELECT 1 AS text")
    assert err.value.code == "E406" and not missing.exists()
    assert "posts" not in [d.name for d in store.datasets()]


def test_processes_creating_one_dataset_at_once_all_get_it(db_url: str) -> None:
    Store(db_url).close()  # migrate once first, so that the race is the insert's
    code = (
        "import sys\nfrom nerkit.store import Store\n"
        "with Store(sys.argv[1]) as s:\n    print(s.create_dataset('race', exist_ok=True).id)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, db_url], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    assert len({out.strip() for out, _ in outs}) == 1
