"""App: script and reload, persisted objects, listeners, records."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from associa.app.app import App
from associa.errors import (
    Aborted,
    AlreadyExists,
    InvalidParameters,
    NotFound,
    ReloadInProgress,
    ScriptError,
)
from associa.store import AppRecord
from associa.values import DEFAULT_SCRIPT_HEADER
from tests.app.conftest import Listener
from tests.conftest import SALES_SCRIPT


def test_new_app_defaults(tmp_path: Path) -> None:
    app = App("x", base_dir=tmp_path)
    assert app.title == "x" and app.script == DEFAULT_SCRIPT_HEADER
    assert app.model.is_empty() and app.last_reload_time == ""
    assert not app.session_app and not app.reloading


def test_reload_swaps_the_model(app: App) -> None:
    listener = Listener()
    app.listen(listener)
    lines: list[str] = []
    old = app.model
    app.reload(lines.append)
    assert app.model is not old
    assert set(app.model.data_tables) == {"Sales", "Regions"}
    assert any("Sales" in line for line in lines)
    assert app.last_reload_time.endswith("Z")
    assert listener.events == [("reload", None)]


def test_failed_reload_keeps_everything(app: App) -> None:
    app.reload()
    model, stamp = app.model, app.last_reload_time
    listener = Listener()
    app.listen(listener)
    app.set_script("T: LOAD * INLINE [\nA\n1\n];\nBROKEN;")
    with pytest.raises(ScriptError) as info:
        app.reload()
    assert info.value.line == 5
    assert app.model is model and app.last_reload_time == stamp
    assert listener.events == []
    assert not app.reloading


def test_one_reload_at_a_time(app: App) -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(line: str) -> None:
        started.set()
        release.wait(5)

    worker = threading.Thread(target=app.reload, args=(slow,))
    worker.start()
    assert started.wait(5)
    assert app.reloading
    with pytest.raises(ReloadInProgress):
        app.reload()
    with pytest.raises(ReloadInProgress):
        app.set_script("x")
    release.set()
    worker.join(5)
    assert not app.reloading
    app.set_script(SALES_SCRIPT)


def test_cancelled_reload(app: App) -> None:
    with pytest.raises(Aborted) as info:
        app.reload(cancelled=lambda: True)
    assert info.value.code == 15
    assert app.model.is_empty() and not app.reloading


def test_objects(app: App) -> None:
    listener = Listener()
    app.listen(listener)
    props = {"qInfo": {"qType": "sheet"}, "title": "t"}
    made = app.create_object(props)
    obj_id = made["qInfo"]["qId"]
    assert props == {"qInfo": {"qType": "sheet"}, "title": "t"}  # not changed in place
    assert app.get_object(obj_id)["title"] == "t"
    assert app.object_versions[obj_id] == 1
    with pytest.raises(AlreadyExists):
        app.create_object({"qInfo": {"qId": obj_id}})
    app.set_object(obj_id, {"title": "u"})
    stored = app.get_object(obj_id)
    assert stored["qInfo"] == {"qId": obj_id, "qType": "sheet"} and stored["title"] == "u"
    assert app.object_versions[obj_id] == 2
    assert app.destroy_object(obj_id) is True
    assert app.destroy_object(obj_id) is False
    assert app.get_object(obj_id) is None
    assert listener.events == [("create", obj_id), ("object", obj_id), ("destroy", obj_id)]
    with pytest.raises(NotFound):
        app.set_object(obj_id, {})


@pytest.mark.parametrize("info", [{}, {"qId": ""}, {"qType": "x"}, "not a dict", None])
def test_created_objects_get_an_id(app: App, info: Any) -> None:
    made = app.create_object({"qInfo": info} if info is not None else {})
    assert isinstance(made["qInfo"]["qId"], str) and len(made["qInfo"]["qId"]) > 10


def test_set_object_with_odd_info(app: App) -> None:
    obj_id = app.create_object({"qInfo": {"qId": "o", "qType": "t"}})["qInfo"]["qId"]
    app.set_object(obj_id, {"qInfo": 5, "x": 1})
    assert app.get_object(obj_id)["qInfo"] == {"qId": "o", "qType": "t"}


def test_properties(app: App) -> None:
    listener = Listener()
    app.listen(listener)
    props = app.get_properties()
    assert props["qTitle"] == "a" and props["qHasSectionAccess"] is False
    app.set_properties({"qTitle": "Sales app", "custom": [1]})
    assert app.title == "Sales app" and app.get_properties()["custom"] == [1]
    assert listener.events == [("properties", None)]


def test_listeners_are_weak(app: App) -> None:
    listener = Listener()
    app.listen(listener)
    del listener
    app.notify("reload")  # nothing to call, nothing fails
    other = Listener()
    app.listen(other)
    app.unlisten(other)
    app.notify("reload")
    assert other.events == []


def test_record_round_trip(app: App, tmp_path: Path) -> None:
    app.reload()
    app.create_object({"qInfo": {"qId": "o1", "qType": "x"}, "n": 1})
    app.connections.create({"qName": "files", "qConnectionString": str(tmp_path)})
    app.set_properties({"qTitle": "T"})
    record = app.to_record()
    assert record.id == "a" and record.model is app.model
    back = App.from_record(record, tmp_path)
    assert back.title == "T" and back.script == app.script
    assert back.get_object("o1") == app.get_object("o1")
    assert back.object_versions == {"o1": 1}
    assert [c.name for c in back.connections.items.values()] == ["files"]
    assert back.last_reload_time == app.last_reload_time
    assert set(back.model.data_tables) == {"Sales", "Regions"}
    assert back.variables == app.variables


def test_record_of_an_empty_app_has_no_model(tmp_path: Path) -> None:
    assert App("e", base_dir=tmp_path).to_record().model is None


def test_record_is_a_snapshot(app: App) -> None:
    app.create_object({"qInfo": {"qId": "o1"}, "n": 1})
    record = app.to_record()
    app.set_object("o1", {"n": 2})
    assert record.meta["objects"]["o1"]["n"] == 1


def test_modified_moves(app: App) -> None:
    before = app.modified
    time.sleep(0.002)
    app.set_script("x")
    assert app.modified > before


def test_objects_are_stored_normalised(app: App) -> None:
    made = app.create_object({"qInfo": {"qType": "t", "qId": "o"}, "x": 1,
                              "qListObjectDef": {"qFrequencyMode": "NX_FREQUENCY_VALUE"}})
    stored = app.get_object("o")
    assert stored == made and list(stored) == ["qInfo", "qMetaDef", "x", "qListObjectDef"]
    assert list(stored["qInfo"]) == ["qId", "qType"]
    assert stored["qListObjectDef"]["qFrequencyMode"] == "V"
    app.set_object("o", {"qInfo": {"qId": "other"}, "y": 2})
    assert app.get_object("o")["qInfo"] == {"qId": "o", "qType": "t"}
    app.set_object("o", {"qInfo": {"qType": "u"}})
    assert app.get_object("o")["qInfo"] == {"qId": "o", "qType": "u"}
    with pytest.raises(InvalidParameters):
        app.set_object("o", {"qHyperCubeDef": {"qMode": 9}})
    assert app.get_object("o")["qInfo"]["qType"] == "u"


def test_records_round_trip_and_old_records_are_normalised(app: App, tmp_path: Path) -> None:
    app.create_object({"qInfo": {"qId": "o", "qType": "t"}, "qHyperCubeDef": {}})
    again = App.from_record(app.to_record(), tmp_path)
    assert again.objects == app.objects
    old = AppRecord("b", {"objects": {
        "raw": {"qHyperCubeDef": {"qMode": "DATA_MODE_STRAIGHT"}, "qInfo": {"qType": "t",
                                                                          "qId": "raw"}},
        "odd": {"qInfo": {"qId": "odd"}, "qHyperCubeDef": {"qMode": "?"}},
    }})
    loaded = App.from_record(old, tmp_path)
    raw = loaded.get_object("raw")
    assert list(raw) == ["qInfo", "qMetaDef", "qHyperCubeDef"]
    assert list(raw["qInfo"]) == ["qId", "qType"] and raw["qHyperCubeDef"]["qMode"] == "S"
    assert loaded.get_object("odd") == old.meta["objects"]["odd"]  # kept as it was
