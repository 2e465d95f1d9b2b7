"""/reload-tasks: schedules with RFC 5545 rules and time zones, run by the scheduler
(driven here by a clock the tests set), runs recorded as reloads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from associa.engine import Engine
from associa.rest.reloadqueue import ReloadQueue
from associa.rest.scheduler import Scheduler
from associa.settings import Settings
from associa.store.reloadtasks import ReloadTaskStore
from tests.rest.conftest import ADMIN_KEY
from tests.rest.test_reloads import app_with_script, wait

DAILY_8 = "RRULE:FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def task(client: httpx.Client, app_id: str, **fields: object) -> httpx.Response:
    body = {"appId": app_id, "timeZone": "Europe/Stockholm", "recurrence": [DAILY_8],
            "startDateTime": "2030-03-27T08:00:00", **fields}
    return client.post("/reload-tasks", json=body)


def test_create_shows_next_runs_in_the_zone(make_api: Callable[..., httpx.Client],
                                           keys: dict[str, str],
                                           rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    app_id = app_with_script(ann, rest_engine, "LOAD 1 AS X AutoGenerate 1;")
    r = task(ann, app_id)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["state"] == "Enabled" and made["userId"] == "ann"
    assert made["startDateTime"] == "2030-03-27T08:00:00"
    assert made["nextExecutionTime"] == "2030-03-27T07:00:00.000Z"  # 08:00 CET
    assert "lastExecutionTime" not in made
    # summer time: the same wall-clock hour is an hour earlier in UTC
    store = ReloadTaskStore(rest_engine.meta.db)
    reloads = ReloadQueue(rest_engine)
    scheduler = Scheduler(rest_engine, reloads)
    first = datetime(2030, 3, 27, 7, 0, tzinfo=UTC)
    assert len(scheduler.tick(first)) == 1
    after = store.get(made["id"])
    assert after is not None and after.next_run == datetime(2030, 3, 28, 7, 0, tzinfo=UTC)
    reloads.wait(after.last_reload_id)
    scheduler.tick(datetime(2030, 3, 30, 7, 0, tzinfo=UTC))
    again = store.get(made["id"])  # summer time from 31 March 2030: 08:00 is 06:00 UTC
    assert again is not None and again.next_run == datetime(2030, 3, 31, 6, 0, tzinfo=UTC)
    got = ann.get(f"/reload-tasks/{made['id']}").json()
    assert got["lastExecutionTime"] == "2030-03-30T07:00:00.000Z"
    reloads.wait(again.last_reload_id)
    runs = ann.get("/reloads", params={"appId": app_id}).json()["data"]
    assert [r["type"] for r in runs] == ["chronos", "chronos"]
    assert all(r["status"] == "SUCCEEDED" for r in runs)
    reloads.stop()


def test_missed_runs_run_once(make_api: Callable[..., httpx.Client], keys: dict[str, str],
                              rest_engine: Engine) -> None:
    """An engine stopped for a week runs a daily task once when it is back."""
    ann = make_api(keys["ann"])
    app_id = app_with_script(ann, rest_engine, "LOAD 1 AS X AutoGenerate 1;")
    made = task(ann, app_id, timeZone="UTC").json()
    reloads = ReloadQueue(rest_engine)
    back = datetime(2030, 4, 3, 9, 30, tzinfo=UTC)  # seven occurrences were missed
    scheduler = Scheduler(rest_engine, reloads, clock=lambda: back)
    assert len(scheduler.tick()) == 1
    assert scheduler.tick() == []  # nothing more is due
    after = ReloadTaskStore(rest_engine.meta.db).get(made["id"])
    assert after is not None and after.next_run == datetime(2030, 4, 4, 8, 0, tzinfo=UTC)
    reloads.wait(after.last_reload_id)
    assert len(ann.get("/reloads", params={"appId": app_id}).json()["data"]) == 1
    reloads.stop()


def test_disable_enable_end_and_completion(make_api: Callable[..., httpx.Client],
                                           keys: dict[str, str],
                                           rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    app_id = app_with_script(ann, rest_engine, "LOAD 1 AS X AutoGenerate 1;")
    made = task(ann, app_id, timeZone="UTC").json()
    body = {"appId": app_id, "timeZone": "UTC", "recurrence": [DAILY_8],
            "startDateTime": "2030-03-27T08:00:00", "state": "Disabled"}
    r = ann.put(f"/reload-tasks/{made['id']}", json=body)
    assert r.status_code == 200 and r.json()["state"] == "Disabled"
    reloads = ReloadQueue(rest_engine)
    scheduler = Scheduler(rest_engine, reloads)
    assert scheduler.tick(datetime(2030, 3, 27, 8, tzinfo=UTC)) == []
    r = ann.put(f"/reload-tasks/{made['id']}", json={**body, "state": "Enabled"})
    assert r.json()["state"] == "Enabled"
    # one run only (no rules): done after it
    once = task(ann, app_id, timeZone="UTC", recurrence=[]).json()
    assert once["nextExecutionTime"] == "2030-03-27T08:00:00.000Z"
    queued = scheduler.tick(datetime(2030, 3, 27, 8, tzinfo=UTC))
    assert len(queued) == 1  # both due; the second finds the first one pending
    done = ann.get(f"/reload-tasks/{once['id']}").json()
    assert done["state"] == "Completed" and "nextExecutionTime" not in done
    for reload_id in queued:
        reloads.wait(reload_id)
    # an end before the next occurrence completes the task
    ended = task(ann, app_id, timeZone="UTC", endDateTime="2030-03-28T09:00:00").json()
    scheduler.tick(datetime(2030, 3, 27, 8, tzinfo=UTC))
    scheduler.tick(datetime(2030, 3, 28, 8, tzinfo=UTC))
    assert ann.get(f"/reload-tasks/{ended['id']}").json()["state"] == "Completed"
    reloads.stop()


def test_list_rights_and_bad_schedules(make_api: Callable[..., httpx.Client],
                                       keys: dict[str, str], rest_engine: Engine) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = app_with_script(ann, rest_engine, "LOAD 1 AS X AutoGenerate 1;")
    ids = [task(ann, app_id).json()["id"] for _ in range(3)]
    listed = ann.get("/reload-tasks", params={"limit": 2}).json()
    assert [t["id"] for t in listed["data"]] == ids[:2]
    assert [t["id"] for t in ann.get(listed["links"]["next"]["href"]).json()["data"]] == ids[2:]
    assert bob.get("/reload-tasks").json()["data"] == []
    assert bob.get(f"/reload-tasks/{ids[0]}").status_code == 404
    assert bob.delete(f"/reload-tasks/{ids[0]}").status_code == 404
    assert task(bob, app_id).status_code == 404
    rest_engine.grant(app_id, "user", "bob", "consume")
    assert bob.get(f"/reload-tasks/{ids[0]}").status_code == 200
    assert bob.delete(f"/reload-tasks/{ids[0]}").status_code == 403
    assert task(bob, app_id).status_code == 403
    for bad in ({"timeZone": "Mars/Base"}, {"recurrence": ["FREQ=SOMETIMES"]},
                {"recurrence": ["DTSTART:20300101T000000Z"]},
                {"startDateTime": "tomorrow"},
                {"endDateTime": "2030-01-01T00:00:00"},
                {"recurrence": ["FREQ=DAILY;UNTIL=20310101T000000"]},
                {"autoReload": "sometimes"}, {"bogus": 1}):
        r = task(ann, app_id, **bad)
        assert r.status_code == 400, (bad, r.text)
    assert ann.delete(f"/reload-tasks/{ids[1]}").status_code == 204
    assert ann.get(f"/reload-tasks/{ids[1]}").status_code == 404
    store = ReloadTaskStore(rest_engine.meta.db)
    assert [t.id for t in store.find()] == [ids[0], ids[2]]
    assert make_api(ADMIN_KEY).get(f"/reload-tasks/{ids[0]}").status_code == 200


def test_scheduler_thread_stops(rest_engine: Engine) -> None:
    scheduler = Scheduler(rest_engine, ReloadQueue(rest_engine), interval=0.01)
    scheduler.start()
    scheduler.stop()
    assert scheduler._thread is None
    assert scheduler.tick(datetime.now(UTC) + timedelta(days=1)) == []


def test_deleting_the_app_deletes_its_tasks(make_api: Callable[..., httpx.Client],
                                            keys: dict[str, str],
                                            rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    app_id = app_with_script(ann, rest_engine, "LOAD 1 AS X AutoGenerate 1;")
    made = task(ann, app_id).json()
    assert ann.delete(f"/apps/{app_id}").status_code == 200
    assert ann.get(f"/reload-tasks/{made['id']}").status_code == 404
    assert ReloadTaskStore(rest_engine.meta.db).find() == []


def test_auto_reload_when_the_apps_data_files_change(
        make_api: Callable[..., httpx.Client], keys: dict[str, str],
        rest_engine: Engine) -> None:
    """autoReload: replacing a data file the app's last reload read queues a reload of
    the app (partial when autoReloadPartial says so); other apps' tasks and disabled
    tasks do not run."""
    ann = make_api(keys["ann"])
    csv = {"File": ("sales.csv", b"Region,Sales\nNorth,10\n")}
    made = ann.post("/data-files", files=csv, data={"Json": '{"name": "sales.csv"}'}).json()
    reads = app_with_script(ann, rest_engine, "LOAD * FROM [lib://DataFiles/sales.csv] "
                            "(txt, embedded labels, delimiter is ',');")
    other = app_with_script(ann, rest_engine, "LOAD 1 AS X AutoGenerate 1;")
    for app_id in (reads, other):
        assert wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])[
            "status"] == "SUCCEEDED"
    r = ann.post("/reload-tasks", json={"appId": reads, "autoReload": True,
                                        "autoReloadPartial": True})
    assert r.status_code == 201, r.text
    auto = r.json()
    assert (auto["autoReload"], auto["autoReloadPartial"], auto["state"]) == (True, True,
                                                                             "Enabled")
    assert "nextExecutionTime" not in auto  # no schedule: it runs on data changes only
    ann.post("/reload-tasks", json={"appId": other, "autoReload": True})

    def reloads_of(app_id: str) -> list[dict]:
        return ann.get("/reloads", params={"appId": app_id, "limit": 100}).json()["data"]

    replaced = {"File": ("sales.csv", b"Region,Sales\nNorth,10\nSouth,20\n")}
    assert ann.put(f"/data-files/{made['id']}", files=replaced).status_code == 200
    runs = reloads_of(reads)
    assert len(runs) == 2 and runs[0]["type"] == "chronos" and runs[0]["partial"] is True
    assert wait(ann, runs[0]["id"])["status"] == "SUCCEEDED"
    assert ann.get(f"/reload-tasks/{auto['id']}").json()["lastExecutionTime"]
    assert len(reloads_of(other)) == 1  # its app reads no data file
    # disabled, the task does not run
    body = {"appId": reads, "autoReload": True, "state": "Disabled"}
    assert ann.put(f"/reload-tasks/{auto['id']}", json=body).status_code == 200
    assert ann.put(f"/data-files/{made['id']}", files=csv).status_code == 200
    assert len(reloads_of(reads)) == 2


def test_engines_sharing_the_database_run_a_due_task_once(tmp_path: Path,
                                                          database_url: str) -> None:
    """Each engine's scheduler finds the task due at once: one claims the occurrence and
    queues the reload, the other skips it."""
    import threading

    from tests.rest.test_reloads import two_engines

    one, two = two_engines(tmp_path, database_url)
    for engine in {one.settings.data_dir: one, two.settings.data_dir: two}.values():
        engine.create_app("daily", "LOAD 1 AS X AutoGenerate 1;")
    due = datetime(2030, 4, 3, 8, 0, tzinfo=UTC)
    made = ReloadTaskStore(one.meta.db).add(
        app_id="daily", owner_id="ann", owner_directory="corp", partial=False,
        time_zone="UTC", recurrence=[DAILY_8], start_at=due, end_at=None, state="Enabled",
        next_run=due)
    queues = (ReloadQueue(one), ReloadQueue(two))
    schedulers = [Scheduler(e, q) for e, q in zip((one, two), queues, strict=True)]
    queued: list[str] = []
    barrier = threading.Barrier(2)

    def tick(s: Scheduler) -> None:
        barrier.wait()
        queued.extend(s.tick(due + timedelta(minutes=1)))

    try:
        threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(queued) == 1
        after = ReloadTaskStore(two.meta.db).get(made.id)
        assert after is not None and after.last_reload_id == queued[0]
        assert after.next_run == datetime(2030, 4, 4, 8, 0, tzinfo=UTC)
        ran = queues[0].store.find(task_id=made.id)
        assert [r.id for r in ran] == queued
        queues[0].wait(queued[0])
        # an engine that read the task as due before the claim (its reload has ended
        # meanwhile, so no pending reload would stop a second one) cannot claim it again
        assert not ReloadTaskStore(two.meta.db).claim_run(made.id, due, next_run=None)
    finally:
        for q in queues:
            q.stop()
        one.close_meta()
        two.close_meta()
