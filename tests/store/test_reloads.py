"""Reload history and reload schedules in the metadata database, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from associa.store.meta import MetaStore
from associa.store.reloads import ReloadStore
from associa.store.reloadtasks import ReloadTaskStore
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


def test_reload_task_schedules(meta: MetaStore) -> None:  # noqa: F811
    store = ReloadTaskStore(meta.db)
    common = {"owner_id": "ann", "owner_directory": "corp", "partial": False,
              "time_zone": "Europe/Stockholm", "recurrence": ["FREQ=DAILY"],
              "start_at": T0, "end_at": None}
    early = store.add(app_id="a", next_run=T0, state="Enabled", **common)
    late = store.add(app_id="b", next_run=T0 + timedelta(hours=2), state="Enabled", **common)
    off = store.add(app_id="c", next_run=T0, state="Disabled", **common)
    assert early.recurrence == ["FREQ=DAILY"] and early.start_at == T0
    assert [t.id for t in store.due(T0 + timedelta(hours=1))] == [early.id]
    assert [t.id for t in store.due(T0 + timedelta(hours=2))] == [early.id, late.id]
    assert store.due(T0 - timedelta(seconds=1)) == []
    store.change(early.id, next_run=None, state="Completed", last_run=T0)
    assert [t.id for t in store.due(T0 + timedelta(days=1))] == [late.id]
    assert [t.id for t in store.find(app_id="c")] == [off.id]
    assert store.delete(off.id) and not store.delete(off.id)
    assert store.get(early.id).last_run == T0  # type: ignore[union-attr]
