"""Data files (bytes in the data folder, rows in the database), on SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.app.access import Owner
from associa.app.connections import personal_files_folder
from associa.identity import ANONYMOUS
from associa.store.datafiles import BadName, DataFileStore, NameTaken, check_name
from associa.store.meta import MetaStore
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.store.test_items import meta  # noqa: F401  (SQLite and PostgreSQL)

ANN, BOB = Owner("ann", "corp"), Owner("bob", "corp")


def test_files_and_their_rows_agree(meta: MetaStore, tmp_path: Path) -> None:  # noqa: F811
    store = DataFileStore(meta.db, tmp_path)
    ann_dir = personal_files_folder(tmp_path, ANN.user_id, ANN.user_directory)
    a = store.add("dir/a.csv", b"123", ANN)
    assert (ann_dir / "dir" / "a.csv").read_bytes() == b"123"
    with pytest.raises(NameTaken):
        store.add("dir/a.csv", b"other", ANN)
    assert (ann_dir / "dir" / "a.csv").read_bytes() == b"123"
    b = store.add("B.csv", b"45", BOB)
    assert store.total_size() == 5
    assert [f.name for f in store.find()] == ["B.csv", "dir/a.csv"]
    assert [f.id for f in store.find(name="b.c")] == [b.id]
    assert [f.id for f in store.find(owner=ANN)] == [a.id]
    moved = store.replace(a.id, b"9", "c.csv")
    assert (moved.name, moved.size) == ("c.csv", 1)
    assert not (ann_dir / "dir" / "a.csv").exists()
    store.add("B.csv", b"678", ANN)  # a name of Bob's: Ann's own file
    with pytest.raises(NameTaken):
        store.replace(a.id, None, "B.csv")
    assert store.path("B.csv", owner=BOB).read_bytes() == b"45"
    assert (ann_dir / "B.csv").read_bytes() == b"678"
    assert store.delete(b.id) and not store.delete(b.id)
    assert (ann_dir / "B.csv").read_bytes() == b"678"  # Bob's B.csv was deleted, not hers
    leftovers = sorted(p.relative_to(ann_dir).as_posix() for p in ann_dir.rglob("*")
                       if p.is_file())
    assert leftovers == ["B.csv", "c.csv"]  # no temporary files either
    assert not [p for p in (tmp_path / "userfiles").rglob("*")
                if p.is_file() and not p.is_relative_to(ann_dir)]


def test_each_user_has_a_folder_and_the_anonymous_one_the_old(tmp_path: Path) -> None:
    folders = {personal_files_folder(tmp_path, *who) for who in (
        ("ann", "corp"), ("ann", "other"), ("corp", "ann"), ("a\\nn", ""), ("../..", "/"))}
    assert len(folders) == 5 and all(f.parent == (tmp_path / "userfiles").resolve()
                                     for f in folders)
    assert personal_files_folder(tmp_path) == (tmp_path / "datafiles").resolve()


def test_personal_files_of_an_earlier_version_move_to_their_owners(
        meta: MetaStore, tmp_path: Path) -> None:  # noqa: F811
    """A data folder where every user's personal files were in ``datafiles/``: each
    moves into its owner's folder; the anonymous user's stay."""
    store = DataFileStore(meta.db, tmp_path)
    made = [store.add("x/a.csv", b"1", ANN), store.add("b.csv", b"22", BOB),
            store.add("c.csv", b"333", Owner(ANONYMOUS.user_id, ANONYMOUS.user_directory))]
    legacy = tmp_path / "datafiles"
    for f in made[:2]:  # as the earlier version kept them
        (legacy / f.name).parent.mkdir(parents=True, exist_ok=True)
        store.path(f.name, owner=f.owner).replace(legacy / f.name)
    # Ann's c.csv, its file gone: the anonymous user's c.csv is not taken for it
    lost = store.add("c.csv", b"4444", ANN)
    store.path("c.csv", owner=lost.owner).unlink()
    assert store.relocate() == 2
    assert [store.path(f.name, owner=f.owner).read_bytes() for f in made] == [
        b"1", b"22", b"333"]
    assert sorted(p.name for p in legacy.rglob("*") if p.is_file()) == ["c.csv"]
    assert not store.path("c.csv", owner=lost.owner).exists()
    assert store.relocate() == 0


@pytest.mark.parametrize("name", ["", "../x", "/abs", "a\\b", "a//b", "./a", "a/..",
                                  " a", "a ", "c:x", "x\x00y", "x" * 1025])
def test_unsafe_names(name: str) -> None:
    with pytest.raises(BadName):
        check_name(name)
