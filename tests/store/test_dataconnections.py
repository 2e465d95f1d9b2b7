"""Data connections in the metadata database, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from associa.app.access import Owner
from associa.app.connections import Connection
from associa.store.dataconnections import DataConnectionStore, NameTaken
from associa.store.meta import MetaStore
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.store.test_items import meta  # noqa: F401  (SQLite and PostgreSQL)

ANN, BOB = Owner("ann", "corp"), Owner("bob", "corp")


def test_connections(meta: MetaStore) -> None:  # noqa: F811
    store = DataConnectionStore(meta.db)
    made = store.add(Connection("c1", "Shop", "shop.db", "sqlite", "", "sealed"), ANN)
    assert made.owner == ANN and made.connection.credentials == "sealed"
    found = store.personal("Shop", ANN)
    assert found is not None and (found.id, found.type) == ("c1", "sqlite")
    assert store.personal("shop", ANN) is None
    assert store.personal("Shop", BOB) is None  # a personal connection is its owner's
    assert store.by_name("Shop", "") is not None and store.by_name("Shop", "sp") is None
    with pytest.raises(NameTaken):
        store.add(Connection("c2", "Shop", "x", "duckdb"), ANN)
    # a name is unique per owner (personal) and per space
    store.add(Connection("b1", "Shop", "x", "duckdb"), BOB)
    store.add(Connection("s1", "Shop", "x", "duckdb"), ANN, "sp")
    with pytest.raises(NameTaken):
        store.add(Connection("s2", "Shop", "x", "duckdb"), BOB, "sp")
    assert store.by_name("Shop", "sp").id == "s1"  # type: ignore[union-attr]
    for gone in ("b1", "s1"):
        assert store.delete(gone)
    store.add(Connection("c2", "Other", "x", "duckdb"), ANN)
    with pytest.raises(NameTaken):
        store.update(Connection("c2", "Shop", "x", "duckdb"))
    updated = store.update(Connection("c1", "Shop2", "shop2.db", "sqlite", "", "new"))
    assert updated is not None and updated.connection.connection_string == "shop2.db"
    assert [c.connection.name for c in store.find()] == ["Shop2", "Other"]
    assert store.delete("c1") and store.personal("Shop2", ANN) is None
