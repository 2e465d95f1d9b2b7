"""Reload history in the metadata database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from associa.store.meta import MetaStore
from associa.store.reloads import ReloadStore
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.store.test_items import meta  # noqa: F401  (SQLite and PostgreSQL)

T0 = datetime(2030, 1, 1, 8, tzinfo=UTC)


def test_reload_history(meta: MetaStore) -> None:  # noqa: F811
    store = ReloadStore(meta.db)
    a = store.add("app-a", "ann", "corp", partial=True, variables={"v": "1"})
    assert (a.status, a.partial, a.variables) == ("QUEUED", True, {"v": "1"})
    assert store.pending("app-a") == a and store.pending("app-b") is None
    store.change(a.id, status="SUCCEEDED", log="done", ended=T0)
    b = store.add("app-b", "ann", "corp")
    c = store.add("app-a", "bob", "corp")
    store.change(c.id, status="RELOADING", started=T0)
    assert [r.id for r in store.find()] == [c.id, b.id, a.id]  # newest first
    assert [r.id for r in store.find(app_id="app-a")] == [c.id, a.id]
    assert [r.id for r in store.find(partial=True)] == [a.id]
    got = store.get(a.id)
    assert got is not None and got.log == "done" and got.ended == T0
    assert store.fail_unfinished("stopped") == 2
    assert {r.status for r in store.find()} == {"SUCCEEDED", "FAILED"}
    assert store.get(c.id).error_message == "stopped"  # type: ignore[union-attr]
