"""Reload history in the metadata database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from associa.store.leases import Leases
from associa.store.meta import MetaStore
from associa.store.reloads import ReloadStore
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.store.test_items import meta  # noqa: F401  (SQLite and PostgreSQL)

T0 = datetime(2030, 1, 1, 8, tzinfo=UTC)


def test_reload_history(meta: MetaStore) -> None:  # noqa: F811
    store = ReloadStore(meta.db)
    a = store.add("app-a", "ann", "corp", partial=True, variables={"v": "1"})
    assert a is not None
    assert (a.status, a.partial, a.variables) == ("QUEUED", True, {"v": "1"})
    assert store.pending("app-a") == a and store.pending("app-b") is None
    store.change(a.id, status="SUCCEEDED", log="done", ended=T0)
    b = store.add("app-b", "ann", "corp")
    c = store.add("app-a", "bob", "corp")
    assert b is not None and c is not None
    store.change(c.id, status="RELOADING", started=T0)
    assert [r.id for r in store.find()] == [c.id, b.id, a.id]  # newest first
    assert [r.id for r in store.find(app_id="app-a")] == [c.id, a.id]
    assert [r.id for r in store.find(partial=True)] == [a.id]
    got = store.get(a.id)
    assert got is not None and got.log == "done" and got.ended == T0
    assert store.fail_orphaned("stopped") == 2  # they name no engine with a lease
    assert {r.status for r in store.find()} == {"SUCCEEDED", "FAILED"}
    assert store.get(c.id).error_message == "stopped"  # type: ignore[union-attr]


def test_one_unfinished_reload_per_app_and_one_claim(meta: MetaStore) -> None:  # noqa: F811
    store = ReloadStore(meta.db)
    a = store.add("app-a", "ann", "corp", engine_id="e1")
    assert a is not None and a.engine_id == "e1"
    assert store.add("app-a", "bob", "corp", engine_id="e2") is None  # one is pending
    assert [r.id for r in store.find(app_id="app-a")] == [a.id]  # nothing else written
    claimed = store.claim(a.id, "e2")
    assert claimed is not None and (claimed.status, claimed.engine_id) == ("RELOADING", "e2")
    assert store.claim(a.id, "e1") is None  # claimed once only
    assert not store.transition(a.id, "QUEUED", status="CANCELED")
    assert store.transition(a.id, "RELOADING", status="SUCCEEDED")
    assert store.add("app-a", "bob", "corp") is not None  # ended: another may be queued


def test_only_the_reloads_of_engines_whose_lease_expired_fail(meta: MetaStore) -> None:  # noqa: F811
    store, leases = ReloadStore(meta.db), Leases(meta.db)
    leases.take("alive")
    leases.take("dead", timedelta(seconds=-1))  # its lease expired a second ago
    mine = store.add("app-a", "ann", "corp", engine_id="alive")
    theirs = store.add("app-b", "ann", "corp", engine_id="dead")
    assert mine is not None and theirs is not None
    assert store.claim(mine.id, "alive") is not None and store.claim(theirs.id, "dead")
    assert set(leases.live()) == {"alive"}
    assert store.fail_orphaned("its engine stopped") == 1
    assert store.get(mine.id).status == "RELOADING"  # type: ignore[union-attr]
    gone = store.get(theirs.id)
    assert gone is not None and (gone.status, gone.error_message) == ("FAILED",
                                                                      "its engine stopped")
    assert leases.prune() == 1 and leases.renew("alive") and not leases.renew("dead")
    leases.release("alive")
    assert leases.live() == {}
    assert store.fail_orphaned("stopped") == 1  # a released lease is no lease
