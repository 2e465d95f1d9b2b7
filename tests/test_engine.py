"""Engine: apps on disk and in memory, persistence across restarts (sessions and TTLs:
tests/qix/test_sessions.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from associa.engine import SESSION_APP_PREFIX, Engine
from associa.errors import AppAlreadyExists, AppInvalidName, AppNotFound
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.conftest import CUBE, LISTBOX, SALES_SCRIPT, Client


def test_get_app(engine: Engine) -> None:
    with pytest.raises(AppNotFound) as info:
        engine.get_app("nope")
    assert info.value.parameter == "Could not find app"
    with pytest.raises(AppNotFound):
        engine.get_app("")
    app = engine.create_app("a")
    assert engine.get_app("a") is app


def test_create_app_rules(engine: Engine) -> None:
    engine.create_app("a")
    with pytest.raises(AppAlreadyExists):
        engine.create_app("a")
    for bad in ["", "   ", "x" * 513, f"{SESSION_APP_PREFIX}1"]:
        with pytest.raises(AppInvalidName):
            engine.create_app(bad)
    assert engine.store.exists("a")  # created apps are saved at once


def test_get_or_create_app(data_dir: Path) -> None:
    engine = Engine(Settings(data_dir=data_dir))
    app = engine.get_or_create_app("n", "T: LOAD 1 as X AUTOGENERATE 2;")
    assert engine.get_or_create_app("n", "ignored") is app  # in memory
    app.reload()
    engine.save_app(app)
    again = Engine(Settings(data_dir=data_dir)).get_or_create_app("n")  # from the folder
    assert again.script == "T: LOAD 1 as X AUTOGENERATE 2;"
    assert again.model.tables["T"].nrows == 2
    with pytest.raises(AppInvalidName):
        engine.get_or_create_app("")


def test_session_apps_live_in_memory_with_their_owner(engine: Engine) -> None:
    """A session app belongs to whoever made it (a QIX session): the engine neither
    saves nor registers it, so nobody else can reach it by its id."""
    app = engine.create_session_app()
    assert app.session_app and app.id.startswith(SESSION_APP_PREFIX)
    assert not engine.app_exists(app.id) and not engine.store.exists(app.id)
    with pytest.raises(AppNotFound):
        engine.get_app(app.id)
    assert all(m.get("id") != app.id for m in engine.list_apps())
    assert engine.create_session_app("SessionApp_x") is not engine.create_session_app("SessionApp_x")


def test_session_app_from_a_template(engine: Engine) -> None:
    source = engine.create_app("tpl", "T: LOAD 1 as X AUTOGENERATE 3;")
    source.create_object({"qInfo": {"qId": "o1", "qType": "chart"}, "title": "hi"})
    source.reload()
    copy = engine.session_app_from("tpl", "SessionApp_copy")
    assert copy.session_app and copy.id == "SessionApp_copy"
    assert copy.script == source.script
    assert copy.get_object("o1")["title"] == "hi"
    assert not copy.model.tables and source.model.tables["T"].nrows == 3  # no data
    copy.reload()
    assert copy.model.tables["T"].nrows == 3
    engine.save_app(source)
    engine.apps.clear()  # from the saved file too
    assert engine.session_app_from("tpl").get_object("o1")["title"] == "hi"
    with pytest.raises(AppNotFound):
        engine.session_app_from("nosuch")


def test_list_and_delete(engine: Engine) -> None:
    engine.create_app("a")
    engine.create_app("b")
    assert sorted(m["id"] for m in engine.list_apps()) == ["a", "b"]
    engine.delete_app("a")
    assert sorted(m["id"] for m in engine.list_apps()) == ["b"]
    with pytest.raises(AppNotFound):
        engine.delete_app("a")
    with pytest.raises(AppNotFound):
        engine.get_app("a")


def test_replace_app_keeps_the_id_and_tells_who_had_it_open(engine: Engine) -> None:
    from associa.app.app import App

    old = engine.create_app("a", script="OLD")
    seen: list[str] = []

    class Listener:
        def app_changed(self, app: App, what: str, object_id: str | None) -> None:
            seen.append(what)

    listener = Listener()
    old.listen(listener)
    events: list[tuple[str, str]] = []
    engine.observers.append(lambda what, app_id: events.append((what, app_id)))
    engine.replace_app(App("a", "a", "NEW", base_dir=engine.settings.data_dir))
    assert engine.get_app("a") is not old and engine.get_app("a").script == "NEW"
    assert engine.store.load("a").meta["script"] == "NEW"
    assert seen == ["deleted"] and events == [("saved", "a")]
    with pytest.raises(AppNotFound):
        engine.replace_app(App("nope", "nope", "", base_dir=engine.settings.data_dir))
    assert not engine.app_exists("nope")


def test_saved_app_survives_a_restart(data_dir: Path) -> None:
    first = Engine(Settings(data_dir=data_dir))
    c = Client(SessionManager(first))
    assert c.call("CreateApp", "sales") == {"qSuccess": True, "qAppId": "sales"}
    c.call("OpenDoc", "sales")
    c.call("SetScript", SALES_SCRIPT, handle=1)
    assert c.call("DoReload", handle=1) == {"qReturn": True}
    c.call("CreateObject", {**CUBE, "qInfo": {"qId": "cube", "qType": "table"}}, handle=1)
    c.call("CreateObject", {**LISTBOX, "qInfo": {"qId": "lb", "qType": "listbox"}}, handle=1)
    c.call("SetAppProperties", {"qTitle": "Sales"}, handle=1)
    c.call("CreateConnection", {"qName": "files", "qConnectionString": str(data_dir)}, handle=1)
    c.call("AddAlternateState", "Compare", handle=1)
    c.call("AddSessionAlternateState", "Mine", handle=1)  # not the app's: not saved
    layouts = {
        qid: c.layout(c.call("GetObject", qid, handle=1)["qReturn"]["qHandle"])
        for qid in ("cube", "lb")
    }
    # the app's alternate states keep their selections; the default state and the
    # session's own states do not
    region = {s: c.call("GetField", "Region", s, handle=1)["qReturn"]["qHandle"]
              for s in ("Compare", "$", "Mine")}
    c.call("SelectValues", [{"qText": "North"}, {"qText": "East"}], handle=region["Compare"])
    c.call("Lock", handle=region["Compare"])
    c.call("SelectValues", [{"qText": "South"}], handle=region["$"])
    c.call("SelectValues", [{"qText": "East"}], handle=region["Mine"])
    assert c.call("DoSave", handle=1) == {}
    c.close()
    c.sessions.shutdown()

    second = Engine(Settings(data_dir=data_dir))
    d = Client(SessionManager(second))
    assert d.call("OpenDoc", "sales")["qReturn"]["qHandle"] == 1
    assert d.call("GetScript", handle=1)["qScript"] == SALES_SCRIPT
    assert d.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"  # no selection
    infos = d.call("GetAllInfos", handle=1)["qInfos"]
    assert sorted(i["qId"] for i in infos) == ["cube", "lb"]
    for qid, expected in layouts.items():
        handle = d.call("GetObject", qid, handle=1)["qReturn"]["qHandle"]
        assert d.layout(handle) == expected
    assert d.call("GetAppLayout", handle=1)["qLayout"]["qTitle"] == "Sales"
    assert d.call("GetAppLayout", handle=1)["qLayout"]["qStateNames"] == ["Compare"]
    selections = d.create({"qInfo": {"qType": "sel"},
                           "qSelectionObjectDef": {"qStateName": "Compare"}})
    items = d.layout(selections)["qSelectionObject"]["qSelections"]
    assert [(i["qField"], i["qSelected"], i["qLocked"]) for i in items] == [
        ("Region", "North, East", True)]
    assert [x["qName"] for x in d.call("GetConnections", handle=1)["qConnections"]] == ["files"]
    assert [x["qDocId"] for x in d.call("GetDocList")["qDocList"]] == ["sales"]
    # delete, and a third engine finds nothing
    assert d.call("DeleteApp", "sales") == {"qSuccess": True}
    d.close()
    d.sessions.shutdown()
    third = Engine(Settings(data_dir=data_dir))
    assert not third.app_exists("sales")
    assert list((data_dir / "apps").glob("*.app")) == []


def test_unsaved_changes_are_lost_on_restart(data_dir: Path) -> None:
    first = Engine(Settings(data_dir=data_dir))
    app = first.create_app("a", SALES_SCRIPT)
    app.reload()
    app.create_object({"qInfo": {"qId": "x"}})
    second = Engine(Settings(data_dir=data_dir))
    again = second.get_app("a")
    assert again.objects == {} and again.model.is_empty()


def test_failed_save_keeps_the_old_file(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(Settings(data_dir=data_dir))
    c = Client(SessionManager(engine))
    c.call("CreateApp", "a")
    c.call("OpenDoc", "a")
    c.call("SetScript", SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    c.call("DoSave", handle=1)
    (path,) = (data_dir / "apps").glob("*.app")
    saved = path.read_bytes()
    c.call("SetScript", "// changed", handle=1)

    import os

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    err = c.error("DoSave", handle=1)
    assert err["code"] == 9000
    monkeypatch.undo()
    assert path.read_bytes() == saved
    assert sorted((data_dir / "apps").iterdir()) == [path]
    # the session keeps working, and a later save succeeds
    assert c.call("GetScript", handle=1)["qScript"] == "// changed"
    assert c.call("DoSave", handle=1) == {}
    assert Engine(Settings(data_dir=data_dir)).get_app("a").script == "// changed"
    c.close()


def test_the_engine_does_not_pull_in_qix() -> None:
    """A front end beside qix/ (a REST API) uses the engine alone: importing it, and
    creating and reloading an app through it, imports no associa.qix module."""
    code = (
        "import sys, tempfile\n"
        "from associa.engine import Engine\n"
        "from associa.settings import Settings\n"
        "engine = Engine(Settings(data_dir=tempfile.mkdtemp()))\n"
        "app = engine.create_app('a', 'T: LOAD RecNo() as X AutoGenerate 3;')\n"
        "app.reload()\n"
        "assert app.model.tables['T'].nrows == 3\n"
        "print(sorted(m for m in sys.modules if m.startswith('associa')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    imported = eval(done.stdout)  # a printed list of names
    assert "associa.engine" in imported and "associa.app.app" in imported
    assert [m for m in imported if m == "associa.qix" or m.startswith("associa.qix.")] == []


def test_an_engine_keeps_the_startup_objects_out_of_the_collectors_scans(tmp_path: Path) -> None:
    """In a fresh process: no frozen objects before an engine, the imported modules'
    objects frozen once one is made (``heap.freeze_startup``), and not again."""
    code = (
        "import gc\n"
        "from pathlib import Path\n"
        "from associa.engine import Engine\n"
        "from associa.settings import Settings\n"
        "assert gc.get_freeze_count() == 0\n"
        f"Engine(Settings(data_dir=Path({str(tmp_path)!r})))\n"
        "frozen = gc.get_freeze_count()\n"
        "assert frozen > 10000, frozen\n"
        f"Engine(Settings(data_dir=Path({str(tmp_path)!r})))\n"
        "assert gc.get_freeze_count() == frozen\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_reload_settles_the_heap(tmp_path: Path) -> None:
    """In a fresh process: after an app's reload the objects it made are frozen too
    (``heap.settle``), and garbage in reference cycles made before is collected first,
    not frozen; a second reload within ``SETTLE_EVERY`` seconds settles nothing."""
    code = (
        "import gc, weakref\n"
        "from pathlib import Path\n"
        "from associa import heap\n"
        "from associa.engine import Engine\n"
        "from associa.settings import Settings\n"
        f"engine = Engine(Settings(data_dir=Path({str(tmp_path)!r})))\n"
        "startup = gc.get_freeze_count()\n"
        "class Node: pass\n"
        "a, b = Node(), Node()\n"
        "a.other, b.other = b, a\n"
        "gone = weakref.ref(a)\n"
        "del a, b\n"
        "app = engine.create_app('x', 'T: LOAD * INLINE [A, B\\n1, 2\\n3, 4];')\n"
        "app.reload()\n"
        "assert gone() is None\n"
        "after = gc.get_freeze_count()\n"
        "assert after > startup, (startup, after)\n"
        "kept = [[i] for i in range(5000)]\n"
        "app.reload()\n"
        "second = gc.get_freeze_count()\n"
        "assert second < after + 1000, (after, second)\n"
        "heap._settled_at = None\n"
        "app.reload()\n"
        "assert gc.get_freeze_count() >= second + 4500, (second, gc.get_freeze_count())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_wait_idle_waits_for_running_saves(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stopping server waits for the saves that run (``wait_idle``), up to its grace."""
    import threading
    import time

    app = engine.create_app("slow")
    real = engine.store.save
    started = threading.Event()

    def slow_save(record: object) -> None:
        started.set()
        time.sleep(0.5)
        real(record)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.store, "save", slow_save)
    app.set_script("T: LOAD 1 as X AUTOGENERATE 1;")
    saver = threading.Thread(target=engine.save_app, args=(app,))
    saver.start()
    started.wait(5)
    assert engine.wait_idle(0.05) is False  # still saving
    assert engine.wait_idle(10) is True and engine.saves_running == 0
    saver.join()
    monkeypatch.setattr(engine.store, "save", real)
    engine.apps.clear()
    assert engine.get_app("slow").script == "T: LOAD 1 as X AUTOGENERATE 1;"
