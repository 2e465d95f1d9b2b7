"""The items and script versions of the metadata database, on SQLite and on PostgreSQL
(the same migrations, filters and sorts on both)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from associa.engine import Engine
from associa.settings import Settings
from associa.store.items import Item, ItemFilter, ItemStore, new_id
from associa.store.meta import Base, MetaStore
from tests.pg import PgServer, postgres  # noqa: F401  (the session's PostgreSQL server)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def meta(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetaStore]:
    if request.param == "sqlite":
        store = MetaStore.open(tmp_path)
    else:
        server: PgServer = request.getfixturevalue("postgres")
        db = f"meta_{uuid.uuid4().hex[:10]}"
        server.execute(f"CREATE DATABASE {db}")
        store = MetaStore.open(tmp_path, f"postgresql+psycopg://{server.user}:"
                                         f"{server.password}@{server.host}:{server.port}/{db}")
    yield store
    store.close()


def item(name: str, minutes: int, **kw: object) -> Item:
    return Item(id=new_id(), resource_type=str(kw.pop("resource_type", "app")),
                resource_id=str(kw.pop("resource_id", name)), name=name,
                created_at=T0 + timedelta(minutes=minutes),
                updated_at=T0 + timedelta(minutes=10 - minutes), **kw)  # type: ignore[arg-type]


def test_the_schema_is_the_models(meta: MetaStore) -> None:
    with meta.db.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_put_find_update_remove(meta: MetaStore) -> None:
    items = ItemStore(meta.db)
    a = items.put(item("Alpha_sales", 1, description="North", owner_id="ann"))
    items.put(item("Beta", 2, description="sales 100%", space_id="s1"))
    items.put(item("gamma", 3, resource_type="dataset"))
    assert items.get("app", "Alpha_sales") == a
    assert items.by_id(a.id) == a
    again = items.put(item("Alpha_sales", 5, description="changed"))
    assert again.id == a.id and items.get("app", "Alpha_sales").description == "changed"

    def find(sort: str = "+createdAt", **kw: object) -> list[str]:
        return [i.name for i in items.find(ItemFilter(**kw), sort)]  # type: ignore[arg-type]

    assert find() == ["Beta", "gamma", "Alpha_sales"]
    assert find("-createdAt") == ["Alpha_sales", "gamma", "Beta"]
    assert find("+name") == ["Alpha_sales", "Beta", "gamma"]
    assert find("+updatedAt") == ["Alpha_sales", "gamma", "Beta"]
    assert find(resource_types=("app",)) == ["Beta", "Alpha_sales"]
    assert find(name="SALES") == ["Alpha_sales"]
    assert find(name="_") == ["Alpha_sales"]  # a LIKE wildcard is matched as itself
    assert find(query="%") == ["Beta"]
    assert find(query="sales") == ["Beta", "Alpha_sales"]
    assert find(space_id="s1") == ["Beta"]
    assert find(space_id="personal") == ["gamma", "Alpha_sales"]
    assert find(owner_id="ann") == []  # the replacement has no owner
    assert items.update("app", "Beta", published=True).published is True
    assert items.update("app", "nope", published=True) is None
    assert items.remove("app", "Beta") and not items.remove("app", "Beta")
    assert items.resource_ids("app") == {"Alpha_sales"}


def test_script_versions(meta: MetaStore) -> None:
    items = ItemStore(meta.db)
    first = items.add_script("a", "LOAD 1 AS X AutoGenerate 1;", "one", "ann")
    second = items.add_script("a", "LOAD 2 AS X AutoGenerate 1;", "two", "bob")
    items.add_script("b", "other", "", "")
    assert [v.id for v in items.scripts("a")] == [second.id, first.id]
    assert items.script("a", first.id).script == "LOAD 1 AS X AutoGenerate 1;"
    assert items.script("b", first.id) is None
    meta.forget_app("a")
    assert items.scripts("a") == [] and len(items.scripts("b")) == 1


def test_an_engine_on_postgresql(postgres: PgServer, tmp_path: Path) -> None:  # noqa: F811
    """The database_url setting: two engines share owners and keys."""
    db = f"shared_{uuid.uuid4().hex[:10]}"
    postgres.execute(f"CREATE DATABASE {db}")
    url = (f"postgresql+psycopg://{postgres.user}:{postgres.password}@{postgres.host}:"
           f"{postgres.port}/{db}")
    one = Engine(Settings(data_dir=tmp_path / "one", database_url=url))
    two = Engine(Settings(data_dir=tmp_path / "two", database_url=url))
    from associa.identity import Identity

    token, _ = one.meta.create_api_key(Identity("ann", "corp", method="api-key"))
    assert two.meta.verify_api_key(token).user_id == "ann"
    assert not (tmp_path / "one" / "associa.db").exists()
    one.meta.close()
    two.meta.close()
