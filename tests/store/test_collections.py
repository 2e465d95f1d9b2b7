"""Collections, their items and the uses of items in the metadata database, on SQLite and
on PostgreSQL; an app's deletion takes it out of every collection."""

from __future__ import annotations

import pytest

from associa.store.collections import AlreadyIn, Collections, NameTaken
from associa.store.items import ItemStore
from associa.store.meta import MetaStore
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.store.test_items import item, meta  # noqa: F401  (SQLite and PostgreSQL)


def test_collections_and_their_items(meta: MetaStore) -> None:  # noqa: F811
    store, items = Collections(meta.db), ItemStore(meta.db)
    a, b = items.put(item("A", 1)), items.put(item("B", 2))
    tag = store.create("Tag", "public", "ann", "d")
    mine = store.create("Tag", "private", "bob")  # a private one may reuse the name
    with pytest.raises(NameTaken):
        store.create("Tag", "publicgoverned", "bob")
    with pytest.raises(NameTaken):
        store.update(store.create("Other", "public", "ann").id, "ann", name="Tag")
    assert [c.name for c in store.visible("bob")] == ["Tag", "Tag", "Other"]
    assert [(c.name, c.type) for c in store.visible("carl")] == [("Tag", "public"),
                                                                  ("Other", "public")]
    store.add_item(tag.id, b.id, "ann")
    store.add_item(tag.id, a.id, "ann")
    with pytest.raises(AlreadyIn):
        store.add_item(tag.id, a.id, "ann")
    store.add_item(mine.id, a.id, "bob")
    assert store.item_ids(tag.id) == [b.id, a.id]  # in the order added
    assert store.memberships([a.id]) == {a.id: [tag.id, mine.id]}
    assert store.remove_item(tag.id, b.id, "carl") and not store.remove_item(tag.id, b.id, "x")
    assert store.get(tag.id).updater_id == "carl"  # type: ignore[union-attr]
    items.remove("app", "A")
    assert store.item_ids(tag.id) == []  # an item gone is not listed
    assert store.remove(mine.id) and store.get(mine.id) is None
    assert store.memberships() == {a.id: [tag.id]}  # the row stays until forgotten
    store.forget_items([a.id])
    assert store.memberships() == {}


def test_favorites_and_uses(meta: MetaStore) -> None:  # noqa: F811
    store = Collections(meta.db)
    fav = store.favorites("ann")
    assert store.favorites("ann") == fav and store.favorites("bob").id != fav.id
    assert fav.type == "favorite" and store.visible("ann") == []
    assert [c.id for c in store.visible("ann", with_favorites=True)] == [fav.id]
    store.note_use("ann", "app", "x")
    first = store.last_uses("ann")[("app", "x")]
    store.note_use("ann", "app", "x")
    assert store.last_uses("ann")[("app", "x")] >= first
    assert store.last_uses("bob") == {}
    store.forget_resource("app", "x")
    assert store.last_uses("ann") == {}


def test_deleting_an_app_forgets_its_collections_and_uses(meta: MetaStore) -> None:  # noqa: F811
    store, items = Collections(meta.db), ItemStore(meta.db)
    it = items.put(item("A", 1, resource_id="app-1"))
    tag = store.create("Tag", "public", "ann")
    store.add_item(tag.id, it.id, "ann")
    store.note_use("ann", "app", "app-1")
    meta.forget_app("app-1")
    assert store.memberships() == {} and store.last_uses("ann") == {}
