"""App files: round trips, atomic saves, damaged files, deletion."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from associa.errors import AppNotFound, PersistenceError
from associa.model.builder import model_from_rows
from associa.store import AppRecord, AppStore
from associa.store.snapshot import dump_model, load_model

ROWS = {
    "Sales": {"Region": ["North", "South", "North", None], "Amount": [100, 150.5, 20, 7]},
    "Regions": {"Region": ["North", "South", "Åre"], "Manager": ["Ann", "Bob", "Cid"]},
}


@pytest.fixture
def store(tmp_path: Path) -> AppStore:
    return AppStore(tmp_path)


def files(store: AppStore) -> list[str]:
    return sorted(p.name for p in store.root.iterdir())


def test_round_trip(store: AppStore) -> None:
    model = model_from_rows(ROWS)
    meta = {"title": "T", "script": "x", "objects": {"o": {"qInfo": {"qId": "o"}}}}
    store.save(AppRecord("my app", meta, model))
    assert store.exists("my app") and not store.exists("other")
    back = store.load("my app")
    assert back.id == "my app"
    assert back.meta["title"] == "T" and back.meta["objects"] == meta["objects"]
    assert back.model is not None
    assert back.model.data_tables == model.data_tables
    for name, table in model.tables.items():
        other = back.model.tables[name]
        assert other.fields == table.fields and other.nrows == table.nrows
        for f in table.fields:
            assert np.array_equal(other.columns[f], table.columns[f])
    for name, fld in model.fields.items():
        assert [fld.symbols.text(i) for i in range(len(fld.symbols))] == [
            back.model.fields[name].symbols.text(i) for i in range(len(fld.symbols))
        ]


def test_snapshot_round_trip_keeps_numbers_and_hidden_fields() -> None:
    model = model_from_rows(ROWS)
    model.fields["Manager"].hidden = True
    back = load_model(dump_model(model))
    assert back.fields["Manager"].hidden is True
    nums = model.fields["Amount"].symbols.nums[:-1]
    assert np.array_equal(back.fields["Amount"].symbols.nums[:-1], nums)


def test_snapshot_is_not_a_pickle() -> None:
    data = dump_model(model_from_rows(ROWS))
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)


def test_app_without_model(store: AppStore) -> None:
    store.save(AppRecord("empty", {"title": "E"}))
    assert store.load("empty").model is None


def test_ids_are_hashed_into_safe_names(store: AppStore) -> None:
    for app_id in ["../../etc/passwd", "/apps/x.qvf", "a\\b", "Åre ✓", "x" * 500]:
        store.save(AppRecord(app_id, {}))
        assert store.load(app_id).id == app_id
    assert all(name.endswith(".app") and "/" not in name for name in files(store))
    assert len(files(store)) == 5


def test_list(store: AppStore) -> None:
    store.save(AppRecord("a", {"title": "A", "objects": {}}))
    store.save(AppRecord("b", {"title": "B"}))
    (store.root / "junk.app").write_bytes(b"not a zip")
    listed = store.list()
    assert sorted(m["id"] for m in listed) == ["a", "b"]
    assert all(m["_size"] > 0 and m["_mtime"] > 0 for m in listed)


def test_overwrite_is_atomic(store: AppStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.save(AppRecord("a", {"title": "old"}))
    before = files(store)
    path = store.root / before[0]
    old_bytes = path.read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(PersistenceError) as info:
        store.save(AppRecord("a", {"title": "new"}))
    assert info.value.code == 9000 and "No space" in info.value.message
    assert path.read_bytes() == old_bytes
    assert files(store) == before  # no temporary file left behind
    monkeypatch.undo()
    assert store.load("a").meta["title"] == "old"


def test_failure_while_writing(store: AppStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.save(AppRecord("a", {"title": "old"}, model_from_rows(ROWS)))
    before = files(store)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(PersistenceError):
        store.save(AppRecord("a", {"title": "new"}, model_from_rows(ROWS)))
    assert files(store) == before
    monkeypatch.undo()
    assert store.load("a").meta["title"] == "old"


def test_damaged_file(store: AppStore) -> None:
    store.save(AppRecord("a", {"title": "x"}))
    (path,) = store.root.glob("*.app")
    path.write_bytes(b"garbage")
    with pytest.raises(PersistenceError) as info:
        store.load("a")
    assert info.value.code == 9001
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("other.txt", "x")
    with pytest.raises(PersistenceError):
        store.load("a")


def test_missing_and_delete(store: AppStore) -> None:
    with pytest.raises(AppNotFound) as info:
        store.load("nope")
    assert info.value.code == 1003
    store.save(AppRecord("a", {}))
    store.delete("a")
    assert not store.exists("a") and files(store) == []
    with pytest.raises(AppNotFound):
        store.delete("a")
