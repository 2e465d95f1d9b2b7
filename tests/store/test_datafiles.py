"""Data files (bytes in the data folder, rows in the database), on SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.app.access import Owner
from associa.store.datafiles import BadName, DataFileStore, NameTaken, check_name
from associa.store.meta import MetaStore
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.store.test_items import meta  # noqa: F401  (SQLite and PostgreSQL)

ANN = Owner("ann", "corp")


def test_files_and_their_rows_agree(meta: MetaStore, tmp_path: Path) -> None:  # noqa: F811
    store = DataFileStore(meta.db, tmp_path)
    a = store.add("dir/a.csv", b"123", ANN)
    assert (tmp_path / "datafiles" / "dir" / "a.csv").read_bytes() == b"123"
    with pytest.raises(NameTaken):
        store.add("dir/a.csv", b"other", ANN)
    assert (tmp_path / "datafiles" / "dir" / "a.csv").read_bytes() == b"123"
    b = store.add("B.csv", b"45", Owner("bob", "corp"))
    assert store.total_size() == 5
    assert [f.name for f in store.find()] == ["B.csv", "dir/a.csv"]
    assert [f.id for f in store.find(name="b.c")] == [b.id]
    assert [f.id for f in store.find(owner=ANN)] == [a.id]
    moved = store.replace(a.id, b"9", "c.csv")
    assert (moved.name, moved.size) == ("c.csv", 1)
    assert not (tmp_path / "datafiles" / "dir" / "a.csv").exists()
    with pytest.raises(NameTaken):
        store.replace(a.id, None, "B.csv")
    assert (tmp_path / "datafiles" / "B.csv").read_bytes() == b"45"
    assert store.delete(b.id) and not store.delete(b.id)
    leftovers = [p.name for p in (tmp_path / "datafiles").rglob("*") if p.is_file()]
    assert leftovers == ["c.csv"]  # no temporary files either


@pytest.mark.parametrize("name", ["", "../x", "/abs", "a\\b", "a//b", "./a", "a/..",
                                  " a", "a ", "c:x", "x\x00y", "x" * 1025])
def test_unsafe_names(name: str) -> None:
    with pytest.raises(BadName):
        check_name(name)
