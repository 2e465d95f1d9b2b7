"""Engine: apps on disk and in memory, sessions, TTLs, persistence across restarts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from associa.engine import SESSION_APP_PREFIX, Engine
from associa.errors import AppAlreadyExists, AppInvalidName, AppNotFound
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


def test_session_apps_live_in_memory(engine: Engine) -> None:
    app = engine.create_session_app()
    assert app.session_app and app.id.startswith(SESSION_APP_PREFIX)
    assert engine.get_app(app.id) is app
    assert not engine.store.exists(app.id)
    assert all(m.get("id") != app.id for m in engine.list_apps())
    engine.drop_session_app(app.id)
    assert not engine.app_exists(app.id)
    assert engine.create_session_app("SessionApp_x") is engine.create_session_app("SessionApp_x")


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


def test_sessions_by_key(engine: Engine) -> None:
    s1, attached = engine.session("k")
    assert not attached
    s2, attached = engine.session("k")
    assert s2 is s1 and attached
    s3, attached = engine.session(None)
    s4, _ = engine.session(None)
    assert s3 is not s4 and not attached


def test_release_without_ttl_ends_the_session(engine: Engine) -> None:
    c = Client(engine, "k")
    app_id = c.call("CreateSessionApp")["qSessionAppId"]
    c.close()
    assert "k" not in engine.sessions and not engine.app_exists(app_id)
    again = Client(engine, "k")
    assert again.hello["params"]["qSessionState"] == "SESSION_CREATED"
    assert again.error("GetActiveDoc")["code"] == 1007
    again.close()


def test_release_keeps_a_session_with_sockets(engine: Engine) -> None:
    a = Client(engine, "k")
    b = Client(engine, "k")
    a.close()
    assert "k" in engine.sessions
    b.close()
    assert "k" not in engine.sessions


def test_ttl_keeps_the_session_then_expires(engine: Engine) -> None:
    c = Client(engine, "k", "SessionApp_ttl", ttl=1)
    c.call("SetScript", SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    c.close()
    assert "k" in engine.sessions
    again = Client(engine, "k", "SessionApp_ttl", ttl=1)
    assert again.hello["params"]["qSessionState"] == "SESSION_ATTACHED"
    assert again.call("GetActiveDoc")["qReturn"]["qHandle"] == 1
    assert again.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    again.close()
    engine.sessions["k"].expires_at = time.monotonic() - 1  # as if the TTL ran out
    engine.expire_sessions()
    assert "k" not in engine.sessions
    assert not engine.app_exists("SessionApp_ttl")


def test_ttl_is_capped(tmp_path: Path) -> None:
    engine = Engine(Settings(data_dir=tmp_path, max_session_ttl=10))
    session, _ = engine.session("k", None, 999)
    assert session.ttl == 10
    session, _ = engine.session("k", None, -5)
    assert session.ttl == 0


def test_url_session_app(engine: Engine) -> None:
    c = Client(engine, None, "SessionApp_abc")
    assert c.call("GetActiveDoc") == {
        "qReturn": {"qType": "Doc", "qHandle": 1, "qGenericId": "SessionApp_abc"}
    }
    assert c.call("OpenDoc", "SessionApp_abc")["qReturn"]["qHandle"] == 1
    layout = c.call("GetAppLayout", handle=1)["qLayout"]
    assert layout["qIsSessionApp"] and not layout["qHasData"]
    c.close()


def test_shutdown_closes_sessions(engine: Engine) -> None:
    Client(engine, "a").call("CreateSessionApp")
    engine.shutdown()
    assert engine.sessions == {}
    assert not any(a.session_app for a in engine.apps.values())


def test_saved_app_survives_a_restart(data_dir: Path) -> None:
    first = Engine(Settings(data_dir=data_dir))
    c = Client(first)
    assert c.call("CreateApp", "sales") == {"qSuccess": True, "qAppId": "sales"}
    c.call("OpenDoc", "sales")
    c.call("SetScript", SALES_SCRIPT, handle=1)
    assert c.call("DoReload", handle=1) == {"qReturn": True}
    c.call("CreateObject", {**CUBE, "qInfo": {"qId": "cube", "qType": "table"}}, handle=1)
    c.call("CreateObject", {**LISTBOX, "qInfo": {"qId": "lb", "qType": "listbox"}}, handle=1)
    c.call("SetAppProperties", {"qTitle": "Sales"}, handle=1)
    c.call("CreateConnection", {"qName": "files", "qConnectionString": str(data_dir)}, handle=1)
    assert c.call("DoSave", handle=1) == {}
    layouts = {
        qid: c.layout(c.call("GetObject", qid, handle=1)["qReturn"]["qHandle"])
        for qid in ("cube", "lb")
    }
    c.close()
    first.shutdown()

    second = Engine(Settings(data_dir=data_dir))
    d = Client(second)
    assert d.call("OpenDoc", "sales")["qReturn"]["qHandle"] == 1
    assert d.call("GetScript", handle=1)["qScript"] == SALES_SCRIPT
    assert d.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    infos = d.call("GetAllInfos", handle=1)["qInfos"]
    assert sorted(i["qId"] for i in infos) == ["cube", "lb"]
    for qid, expected in layouts.items():
        handle = d.call("GetObject", qid, handle=1)["qReturn"]["qHandle"]
        assert d.layout(handle) == expected
    assert d.call("GetAppLayout", handle=1)["qLayout"]["qTitle"] == "Sales"
    assert [x["qName"] for x in d.call("GetConnections", handle=1)["qConnections"]] == ["files"]
    assert [x["qDocId"] for x in d.call("GetDocList")["qDocList"]] == ["sales"]
    # delete, and a third engine finds nothing
    assert d.call("DeleteApp", "sales") == {"qSuccess": True}
    d.close()
    second.shutdown()
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
    c = Client(engine)
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


def test_url_session_app_shared_until_the_last_session_ends(engine: Engine) -> None:
    a = Client(engine, None, "SessionApp_shared")
    b = Client(engine, None, "SessionApp_shared")
    a.call("SetScript", "T: LOAD 1 as X AutoGenerate 1;", handle=1)
    assert b.call("GetScript", handle=1)["qScript"] == "T: LOAD 1 as X AutoGenerate 1;"
    a.close()
    assert engine.app_exists("SessionApp_shared")
    assert b.call("OpenDoc", "SessionApp_shared")["qReturn"]["qHandle"] == 1
    c = Client(engine, None, "SessionApp_shared")
    assert c.call("GetScript", handle=1)["qScript"] == "T: LOAD 1 as X AutoGenerate 1;"
    b.close()
    c.close()
    assert not engine.app_exists("SessionApp_shared")
