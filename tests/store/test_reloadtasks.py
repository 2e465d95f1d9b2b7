"""Reload schedules in the metadata database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from associa.store.meta import MetaStore
from associa.store.reloadtasks import ReloadTaskStore
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.store.test_items import meta  # noqa: F401  (SQLite and PostgreSQL)

T0 = datetime(2030, 1, 1, 8, tzinfo=UTC)


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
