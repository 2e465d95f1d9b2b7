"""/reloads: queued reloads run by the worker pool through the engine, with history."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from associa.engine import Engine
from associa.rest.reloadqueue import ReloadQueue
from associa.settings import Settings
from associa.store.reloads import ReloadStore
from tests.rest.conftest import ADMIN_KEY
from tests.rest.test_apps import create

SCRIPT = "T: LOAD RecNo() AS N AutoGenerate $(vRows);\n"
ENDED = ("SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT")

# a reload that runs until it is cancelled or over its time limit: a loop of statements
# (each a point where the reload checks both), which holds no memory, unlike one huge
# AUTOGENERATE that runs on past its cancel until its statement ends
ENDLESS = "DO\n  LET n = 1;\nLOOP"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY,
                    reload_concurrency=2)


def wait(client: httpx.Client, reload_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        got = client.get(f"/reloads/{reload_id}").json()
        if got["status"] in ENDED or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def app_with_script(client: httpx.Client, engine: Engine, script: str = SCRIPT) -> str:
    app_id = create(client)["attributes"]["id"]
    app = engine.get_app(app_id)
    app.set_script(script)
    engine.save_app(app)
    return app_id


def test_reload_runs_through_the_engine_and_is_saved(
        make_api: Callable[..., httpx.Client], keys: dict[str, str],
        rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    app_id = app_with_script(ann, rest_engine)
    r = ann.post("/reloads", json={"appId": app_id, "variables": {"vRows": "7"}})
    assert r.status_code == 201, r.text
    queued = r.json()
    assert queued["appId"] == app_id and queued["status"] in ("QUEUED", "RELOADING",
                                                              "SUCCEEDED")
    assert queued["userId"] == "ann" and queued["partial"] is False
    assert queued["links"]["self"]["href"].endswith(f"/api/v1/reloads/{queued['id']}")
    done = wait(ann, queued["id"])
    assert done["status"] == "SUCCEEDED", done
    assert "Execution finished." in done["log"] and done["endTime"] >= done["startTime"]
    app = rest_engine.get_app(app_id)
    assert app.model.tables["T"].nrows == 7
    rest_engine.unload(app_id)  # the new data was saved
    assert rest_engine.get_app(app_id).model.tables["T"].nrows == 7


def test_failed_reload_keeps_the_data_and_says_why(
        make_api: Callable[..., httpx.Client], keys: dict[str, str],
        rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    app_id = app_with_script(ann, rest_engine)
    first = wait(ann, ann.post("/reloads", json={"appId": app_id,
                                                  "variables": {"vRows": "3"}}).json()["id"])
    assert first["status"] == "SUCCEEDED"
    app = rest_engine.get_app(app_id)
    app.set_script("LOAD * FROM [lib://Nowhere/x.csv];")
    failed = wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])
    assert failed["status"] == "FAILED" and failed["errorMessage"]
    assert failed["errorCode"].startswith("ENGINE-")
    assert rest_engine.get_app(app_id).model.tables["T"].nrows == 3


def test_one_pending_reload_per_app_and_cancel(
        make_api: Callable[..., httpx.Client], keys: dict[str, str],
        rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    # a script that runs until cancelled: a long AutoGenerate
    app_id = app_with_script(ann, rest_engine,
                             ENDLESS)
    running = ann.post("/reloads", json={"appId": app_id}).json()
    again = ann.post("/reloads", json={"appId": app_id})
    assert again.status_code == 429 and again.headers["retry-after"] == "1"
    assert "already pending" in again.json()["errors"][0]["detail"]
    deadline = time.monotonic() + 10
    while ann.get(f"/reloads/{running['id']}").json()["status"] != "RELOADING":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    r = ann.post(f"/reloads/{running['id']}/actions/cancel")
    assert r.status_code == 202 and r.json()["status"] == "CANCELING"
    assert wait(ann, running["id"])["status"] == "CANCELED"
    # ended: cancelling again is a conflict; a new reload may be queued
    assert ann.post(f"/reloads/{running['id']}/actions/cancel").status_code == 409
    assert "T" not in rest_engine.get_app(app_id).model.tables


def test_cancel_a_queued_reload(rest_engine: Engine) -> None:
    rest_engine.create_app("q", "LOAD 1 AS X AutoGenerate 1;")
    reloads = ReloadQueue(rest_engine)
    made = reloads.store.add("q", "ann", "corp")  # queued, no worker has taken it
    assert made is not None
    assert reloads.cancel(made.id).status == "CANCELED"
    reloads.run(made.id)  # a worker that takes it later leaves it alone
    assert reloads.store.get(made.id).status == "CANCELED"  # type: ignore[union-attr]
    assert "X" not in rest_engine.get_app("q").model.tables


def test_list_filters_and_pages(make_api: Callable[..., httpx.Client],
                                keys: dict[str, str], rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    a = app_with_script(ann, rest_engine, "LOAD 1 AS X AutoGenerate 1;")
    b = app_with_script(ann, rest_engine, "LOAD 1 AS Y AutoGenerate 1;")
    ids = []
    for app_id, partial in ((a, False), (b, False), (a, True)):
        made = ann.post("/reloads", json={"appId": app_id, "partial": partial}).json()
        wait(ann, made["id"])
        ids.append(made["id"])
    listed = ann.get("/reloads", params={"limit": 2}).json()
    assert [r["id"] for r in listed["data"]] == [ids[2], ids[1]]
    rest = ann.get(listed["links"]["next"]["href"]).json()
    assert [r["id"] for r in rest["data"]] == [ids[0]]
    only_a = ann.get("/reloads", params={"appId": a}).json()["data"]
    assert {r["id"] for r in only_a} == {ids[0], ids[2]}
    partial = ann.get("/reloads", params={"partial": "true"}).json()["data"]
    assert [r["id"] for r in partial] == [ids[2]]
    assert ann.get("/reloads", params={"limit": 0}).status_code == 400
    assert ann.get("/reloads", params={"next": "garbage"}).status_code == 400


def test_rights_and_bad_input(make_api: Callable[..., httpx.Client],
                              keys: dict[str, str], rest_engine: Engine) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = app_with_script(ann, rest_engine, "LOAD 1 AS X AutoGenerate 1;")
    made = ann.post("/reloads", json={"appId": app_id}).json()
    wait(ann, made["id"])
    # Bob cannot see Ann's app: her reloads are not there for him
    assert bob.post("/reloads", json={"appId": app_id}).status_code == 404
    assert bob.get(f"/reloads/{made['id']}").status_code == 404
    assert bob.post(f"/reloads/{made['id']}/actions/cancel").status_code == 404
    assert bob.get("/reloads").json()["data"] == []
    # a consumer may see the reload but not queue or cancel one
    rest_engine.grant(app_id, "user", "bob", "consume")
    assert bob.get(f"/reloads/{made['id']}").json()["status"] == "SUCCEEDED"
    assert bob.post("/reloads", json={"appId": app_id}).status_code == 403
    assert make_api(ADMIN_KEY).get(f"/reloads/{made['id']}").status_code == 200
    assert make_api().get("/reloads").status_code == 401
    assert ann.post("/reloads", json={"appId": "nope"}).status_code == 404
    assert ann.post("/reloads", json={"appId": app_id, "bogus": 1}).status_code == 400
    assert ann.post("/reloads", json={"appId": app_id,
                                      "variables": {"v": 1}}).status_code == 400
    assert ann.post("/reloads", content=b"{").status_code == 400
    assert ann.get("/reloads/unknown").status_code == 404
    history = ReloadStore(rest_engine.meta.db).find(app_id=app_id)
    assert [r.id for r in history] == [made["id"]]  # the refused ones left nothing


def test_unfinished_reloads_of_a_stopped_engine_fail(rest_engine: Engine) -> None:
    store = ReloadStore(rest_engine.meta.db)
    left = store.add("gone", "ann", "corp")
    store.change(left.id, status="RELOADING")
    reloads = ReloadQueue(rest_engine)
    reloads.start()
    try:
        after = store.get(left.id)
        assert after is not None and after.status == "FAILED"
        assert after.error_code == "ENGINE_RESTARTED"
    finally:
        reloads.stop()  # its idle workers would poll a dropped database


def test_workers_run_reloads_at_once(rest_engine: Engine) -> None:
    """ReloadConcurrency 2: two long reloads run side by side."""
    for name in ("a", "b"):
        rest_engine.create_app(name, ENDLESS)
    reloads = ReloadQueue(rest_engine)
    made = [reloads.submit(name, "ann", "corp") for name in ("a", "b")]
    deadline = time.monotonic() + 10
    while {reloads.store.get(m.id).status for m in made} != {"RELOADING"}:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for m in made:
        reloads.cancel(m.id)
    assert {reloads.wait(m.id).status for m in made} == {"CANCELED"}
    reloads.stop()
    assert threading.active_count() >= 1


def test_partial_reload_runs_only_add_loads(make_api: Callable[..., httpx.Client],
                                            keys: dict[str, str],
                                            rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    app_id = app_with_script(ann, rest_engine, "T: LOAD 1 AS N AutoGenerate 1;\n"
                                               "ADD LOAD 2 AS N AutoGenerate 1;\n")
    full = wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])
    assert full["status"] == "SUCCEEDED"
    assert rest_engine.get_app(app_id).model.tables["T"].nrows == 2
    part = wait(ann, ann.post("/reloads", json={"appId": app_id, "partial": True}).json()["id"])
    assert part["status"] == "SUCCEEDED" and part["partial"] is True
    assert rest_engine.get_app(app_id).model.tables["T"].nrows == 3  # only the ADD ran


def test_a_reload_over_its_time_limit_exceeds_it(data_dir: Path, database_url: str) -> None:
    engine = Engine(Settings(data_dir=data_dir, database_url=database_url,
                             reload_time_limit=1))
    engine.create_app("slow", ENDLESS)
    reloads = ReloadQueue(engine)
    made = reloads.submit("slow", "ann", "corp")
    ended = reloads.wait(made.id, timeout=30)
    assert ended.status == "EXCEEDED_LIMIT", ended
    assert "time limit" in ended.error_message
    reloads.stop()
    engine.close_meta()


def two_engines(tmp_path: Path, database_url: str,
                **settings: object) -> tuple[Engine, Engine]:
    """Two engines sharing one metadata database: on PostgreSQL each with a data folder of
    its own; on SQLite (the database is a file in the data folder) both on one folder."""
    if database_url:
        folders = (tmp_path / "one", tmp_path / "two")
    else:
        folders = (tmp_path / "shared", tmp_path / "shared")
    one, two = (Engine(Settings(data_dir=f, database_url=database_url,
                                **settings))  # type: ignore[arg-type]
                for f in folders)
    return one, two


def on_both(one: Engine, two: Engine, name: str, script: str) -> None:
    """The app in each data folder (one folder on SQLite)."""
    for engine in {one.settings.data_dir: one, two.settings.data_dir: two}.values():
        engine.create_app(name, script)


def until(what: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_second_engine_leaves_the_first_ones_reloads_alone(
        tmp_path: Path, database_url: str) -> None:
    """A second engine that starts on the database fails none of the first one's
    reloads (its lease is live), and a cancel made through it reaches the first."""
    one, two = two_engines(tmp_path, database_url)
    one.create_app("slow", ENDLESS)
    first, second = ReloadQueue(one), ReloadQueue(two)
    made = first.submit("slow", "ann", "corp")
    try:
        until(lambda: first.store.get(made.id).status == "RELOADING")  # type: ignore[union-attr]
        second.start()
        assert first.store.get(made.id).status == "RELOADING"  # type: ignore[union-attr]
        assert second.cancel(made.id).status == "CANCELING"
        assert first.wait(made.id).status == "CANCELED"
    finally:
        first.stop()
        second.stop()
        one.meta.close()
        two.meta.close()


def test_two_engines_run_one_queued_reload_once(tmp_path: Path, database_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Two engines that both take one queued reload: one claim wins, one engine runs
    it (each round races the two workers from a barrier; the idle workers' balancing,
    a third racer, is slowed down out of the way)."""
    from associa.rest import reloadqueue

    monkeypatch.setattr(reloadqueue, "IDLE_POLL", 3600)
    one, two = two_engines(tmp_path, database_url)
    for engine in {one.settings.data_dir: one, two.settings.data_dir: two}.values():
        engine.create_app("both", "T: LOAD RecNo() AS N AutoGenerate 3;")
    queues = (ReloadQueue(one), ReloadQueue(two))
    ran: list[str] = []
    for q in queues:
        q.start()
        q.on_finished.append(lambda rid, app, values, q=q: ran.append(q.engine_id))
    try:
        for _ in range(5):
            ran.clear()
            made = queues[0].store.add("both", "ann", "corp", engine_id=queues[0].engine_id)
            assert made is not None
            barrier = threading.Barrier(2)

            def take(q: ReloadQueue, rid: str = made.id, b: threading.Barrier = barrier) -> None:
                b.wait()
                q.run(rid)

            threads = [threading.Thread(target=take, args=(q,)) for q in queues]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            done = queues[0].store.get(made.id)
            assert done is not None and done.status == "SUCCEEDED", done
            assert ran == [done.engine_id]  # run once, by the engine whose claim won
    finally:
        for q in queues:
            q.stop()
        one.meta.close()
        two.meta.close()


def test_the_reloads_of_a_stopped_engine_fail_on_a_live_ones_heartbeat(
        rest_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine that died mid-reload (its lease expired): a live engine's heartbeat marks
    its reload FAILED, not waiting for an engine to start."""
    from associa.rest import reloadqueue
    from associa.store.leases import Leases

    monkeypatch.setattr(reloadqueue, "HEARTBEAT", 0.05)
    live = ReloadQueue(rest_engine)
    live.start()
    try:
        Leases(rest_engine.meta.db).take("dead", timedelta(seconds=5))
        made = live.store.add("gone", "ann", "corp", engine_id="dead")
        assert made is not None and live.store.claim(made.id, "dead") is not None
        time.sleep(0.3)
        assert live.store.get(made.id).status == "RELOADING"  # type: ignore[union-attr]
        until(lambda: live.store.get(made.id).status == "FAILED",  # type: ignore[union-attr]
              timeout=30)
        assert "stopped" in live.store.get(made.id).error_message  # type: ignore[union-attr]
        assert set(Leases(rest_engine.meta.db).live()) == {live.engine_id}
    finally:
        live.stop()


def test_a_stalled_engine_leaves_the_failed_another_wrote(
        tmp_path: Path, database_url: str) -> None:
    """An engine that stalls past its lease mid-reload: a live engine fails the reload,
    and when the stalled one's run ends it writes nothing over that FAILED, keeps none
    of its new data and tells no listener."""
    one, two = two_engines(tmp_path, database_url)
    one.create_app("slow", "T: LOAD 1 AS N AutoGenerate 1;\nSleep 1500;\n")
    stalled, live = ReloadQueue(one), ReloadQueue(two)
    told: list[str] = []
    stalled.on_finished.append(lambda rid, app, values: told.append(rid))
    stalled.leases.take(stalled.engine_id)
    made = stalled.store.add("slow", "ann", "corp", engine_id=stalled.engine_id)
    assert made is not None
    running = threading.Thread(target=stalled.run, args=(made.id,))
    running.start()
    try:
        until(lambda: stalled.store.get(made.id).status == "RELOADING")  # type: ignore[union-attr]
        stalled.leases.take(stalled.engine_id, timedelta(seconds=-1))  # its lease lapsed
        live.start()  # fails the reloads of engines whose lease expired
        failed = live.store.get(made.id)
        assert failed is not None and failed.status == "FAILED"
        running.join(30)
        assert not running.is_alive()
        after = live.store.get(made.id)
        assert after == failed  # the stalled run's end wrote nothing
        assert after.error_code == "ENGINE_RESTARTED" and after.log == ""
        assert told == []
        reopened = Engine(Settings(data_dir=one.settings.data_dir,
                                   database_url=database_url))
        try:
            assert "T" not in reopened.get_app("slow").model.tables  # not saved either
        finally:
            reopened.close_meta()
    finally:
        live.stop()
        one.meta.close()
        two.meta.close()


def test_an_idle_engine_runs_the_reloads_queued_on_a_busy_one(
        tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reload balancing: many reloads queued on an engine with ReloadConcurrency 1 are
    run by both engines, each once, each engine one at a time."""
    from associa.rest import reloadqueue

    monkeypatch.setattr(reloadqueue, "IDLE_POLL", 0.05)
    one, two = two_engines(tmp_path, database_url, reload_concurrency=1)
    names = [f"app{n}" for n in range(6)]
    for name in names:
        on_both(one, two, name, "T: LOAD 1 AS N AutoGenerate 1;\nSleep 300;\n")
    busy, idle = ReloadQueue(one), ReloadQueue(two)
    ran: dict[str, list[str]] = {busy.engine_id: [], idle.engine_id: []}
    running: dict[str, int] = {busy.engine_id: 0, idle.engine_id: 0}
    most: dict[str, int] = {busy.engine_id: 0, idle.engine_id: 0}
    for q in (busy, idle):
        q.on_finished.append(lambda rid, app, values, q=q: ran[q.engine_id].append(rid))
    idle.start()
    try:
        made = [busy.submit(name, "ann", "corp") for name in names]
        deadline = time.monotonic() + 60
        while not all(busy.store.get(m.id).status in ENDED for m in made):  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "timed out"
            for engine_id in running:  # how many run at once on each engine
                now = len(busy.store.find(status="RELOADING", engine_id=engine_id))
                most[engine_id] = max(most[engine_id], now)
            time.sleep(0.02)
        ended = [busy.store.get(m.id) for m in made]
        assert {e.status for e in ended} == {"SUCCEEDED"}  # type: ignore[union-attr]
        assert ran[busy.engine_id] and ran[idle.engine_id]  # both engines ran some
        assert sorted(ran[busy.engine_id] + ran[idle.engine_id]) == sorted(m.id for m in made)
        assert {e.engine_id for e in ended} == set(ran)  # type: ignore[union-attr]
        assert most == {busy.engine_id: 1, idle.engine_id: 1}
    finally:
        busy.stop()
        idle.stop()
        one.meta.close()
        two.meta.close()


def test_an_engine_sees_the_reload_another_engine_ran(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two engines on one apps folder: a reload the second one runs and saves reaches
    the app the first holds in memory, at its next open and at its heartbeat, which
    tells the sessions that have it open (change) as a reload there would."""
    from associa.qix.sessions import SessionManager
    from associa.rest import reloadqueue
    from tests.conftest import Client

    monkeypatch.setattr(reloadqueue, "HEARTBEAT", 0.05)
    one, two = two_engines(tmp_path, "")  # one apps folder
    one.create_app("shared", "T: LOAD RecNo() AS N AutoGenerate 3;")
    client = Client(SessionManager(one))
    doc = client.call("OpenDoc", "shared")["qReturn"]["qHandle"]

    def evaluated() -> str:
        return str(client.call("EvaluateEx", "Count(N)", handle=doc)["qValue"]["qText"])

    assert evaluated() == "Error: Field not found: N"  # opened here, never reloaded
    mine = ReloadQueue(one)
    mine.start()  # its heartbeat looks at the apps in memory
    other = ReloadQueue(two)
    try:
        assert other.wait(other.submit("shared", "ann", "corp").id).status == "SUCCEEDED"
        until(lambda: any(doc in m.get("change", []) for m in client.pushed))
        assert evaluated() == "3"
        assert one.get_app("shared").model.tables["T"].nrows == 3
        # a second reload there, with more rows: seen at the next open too
        app = two.get_app("shared")
        app.set_script("T: LOAD RecNo() AS N AutoGenerate 5;")
        two.save_app(app)
        mine.stop()
        assert other.wait(other.submit("shared", "ann", "corp").id).status == "SUCCEEDED"
        assert one.get_app("shared").model.tables["T"].nrows == 5
        assert one.get_app("shared").script.startswith("T: LOAD RecNo() AS N AutoGenerate 3")
    finally:
        mine.stop()
        other.stop()
        one.meta.close()
        two.meta.close()
