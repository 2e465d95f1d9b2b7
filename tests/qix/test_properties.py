"""Properties and layouts through the protocol, shaped like the real engine's: the
recorded GetProperties answers byte for byte (key order included), qInfo as qId then
qType, qMeta with privileges, the client's keys inside definitions kept in the layout,
root-level expressions, return_empty, and refused values that change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CUBE, LISTBOX, Client

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "qix"
PRIVILEGES = ["read", "update", "delete", "exportdata"]


def same(a: Any, b: Any) -> bool:
    """Equal, key order included."""
    return json.dumps(a) == json.dumps(b)


@pytest.mark.parametrize("name", ["props_corectl_object", "props_corectl_full_tree"])
def test_recorded_properties_in_the_engine_key_order(client: Client, name: str) -> None:
    """test_transcripts replays these files ignoring key order; here every GetProperties
    answer must be the recorded JSON exactly."""
    lines = [json.loads(x) for x in (GOLDEN / f"{name}.jsonl").read_text("utf-8").splitlines()]
    sent: dict[int, str] = {}
    replies: dict[int, dict[str, Any]] = {}
    for line in lines:
        if "send" in line:
            frame = line["send"]
            sent[frame["id"]] = frame["method"]
            replies[frame["id"]] = client.send_text(json.dumps(frame))
    checked = 0
    for line in lines:
        expected = line.get("expect", {})
        if sent.get(expected.get("id")) == "GetProperties":
            assert same(replies[expected["id"]], expected)
            checked += 1
    assert checked >= 1


def test_qinfo_is_qid_then_qtype_whatever_the_client_sent(loaded: Client) -> None:
    props = {"qInfo": {"qType": "table", "qId": "t1"}, "qHyperCubeDef": {}}
    made = loaded.call("CreateObject", props, handle=1)
    handle = made["qReturn"]["qHandle"]
    assert list(made["qInfo"]) == ["qId", "qType"]
    assert list(loaded.call("GetInfo", handle=handle)["qInfo"]) == ["qId", "qType"]
    assert list(loaded.call("GetProperties", handle=handle)["qProp"]["qInfo"]) == ["qId", "qType"]
    assert list(loaded.layout(handle)["qInfo"]) == ["qId", "qType"]
    (info,) = loaded.call("GetAllInfos", handle=1)["qInfos"]
    assert same(info, {"qId": "t1", "qType": "table"})
    session = loaded.create({"qInfo": {"qType": "s"}})
    assert list(loaded.layout(session)["qInfo"]) == ["qId", "qType"]


def test_qmeta_always_has_privileges(loaded: Client) -> None:
    bare = loaded.create({"qInfo": {"qType": "x"}})
    layout = loaded.layout(bare)
    assert list(layout)[:3] == ["qInfo", "qMeta", "qSelectionInfo"]
    assert layout["qMeta"] == {"privileges": PRIVILEGES}
    assert loaded.call("GetProperties", handle=bare)["qProp"]["qMetaDef"] == {}
    titled = loaded.create({"qInfo": {"qType": "x"},
                            "qMetaDef": {"title": "T", "privileges": ["read"], "n": 1}})
    meta = loaded.layout(titled)["qMeta"]
    # the engine's privileges first, then the client's members (corectl bookmark layout)
    assert same(meta, {"privileges": PRIVILEGES, "title": "T", "n": 1})


def test_client_keys_inside_definitions_are_kept_in_the_layout(loaded: Client) -> None:
    props = {
        "qInfo": {"qType": "chart"},
        "qHyperCubeDef": {**CUBE["qHyperCubeDef"], "customProperty": "kept",
                          "total": {"qStringExpression": "=Sum(Amount)"},
                          "inner": {"qListObjectDef": LISTBOX["qListObjectDef"]}},
        "qListObjectDef": {**LISTBOX["qListObjectDef"], "mine": [1, {"a": None}]},
        "qSelectionObjectDef": {"tag": "x"},
    }
    layout = loaded.layout(loaded.create(props))
    cube = layout["qHyperCube"]
    assert list(cube)[-3:] == ["customProperty", "total", "inner"]
    assert cube["customProperty"] == "kept" and cube["total"] == "310"
    assert cube["inner"]["qListObject"]["qSize"] == {"qcx": 1, "qcy": 3}
    assert cube["qSize"] == {"qcx": 2, "qcy": 3}
    assert "qInterColumnSortOrder" not in cube and "qMaxStackedCells" not in cube
    lo = layout["qListObject"]
    assert list(lo)[-1] == "mine" and lo["mine"] == [1, {"a": None}]
    assert "qFrequencyMode" not in lo
    assert layout["qSelectionObject"]["tag"] == "x"


@pytest.mark.parametrize(
    ("props", "key", "value"),
    [
        ({"qStringExpression": {"qExpr": "=1+1"}}, "qStringExpression", "2"),
        ({"qStringExpression": "='Total ' & Sum(Amount)"}, "qStringExpression", "Total 310"),
        ({"qValueExpression": {"qExpr": "=Sum(Amount)/10"}}, "qValueExpression", 31),
        ({"qValueExpression": "Sum(Nope"}, "qValueExpression", "NaN"),
    ],
)
def test_root_level_expressions_are_evaluated(loaded: Client, props: dict[str, Any],
                                              key: str, value: Any) -> None:
    handle = loaded.create({"qInfo": {"qId": "e", "qType": "expr"}, **props, "x": 1})
    layout = loaded.layout(handle)
    assert list(layout) == ["qInfo", "qMeta", "qSelectionInfo", key, "x"]
    assert layout[key] == value and layout["qInfo"] == {"qId": "e", "qType": "expr"}
    assert loaded.call("GetProperties", handle=handle)["qProp"][key] == props[key]


def test_return_empty_writes_false_and_empty_members(loaded: Client) -> None:
    handle = loaded.create(CUBE)
    plain = loaded.call("GetProperties", handle=handle)["qProp"]
    assert "qSuppressZero" not in plain["qHyperCubeDef"]
    for method in ("GetProperties", "GetEffectiveProperties"):
        reply = loaded.send(method, handle=handle, return_empty=True)
        full = reply["result"]["qProp"]
        assert full["qExtendsId"] == "" and full["qStateName"] == ""
        hc = full["qHyperCubeDef"]
        assert hc["qSuppressZero"] is False and hc["qStateName"] == "" and hc["qSortbyYValue"] == 0
        assert hc["qDimensions"][0]["qNullSuppression"] is False
    loaded.call("SetProperties", full, handle=handle)
    assert same(loaded.call("GetProperties", handle=handle)["qProp"], plain)


@pytest.mark.parametrize(
    ("method", "params", "parameter"),
    [
        ("SetProperties", [{**CUBE, "qHyperCubeDef": {"qMode": "Z"}}], "/qHyperCubeDef/qMode"),
        ("SetProperties", [{**CUBE, "qHyperCubeDef": {"qDimensions": [{"qDef": {
            "qFieldDefs": [7]}}]}}], "/qHyperCubeDef/qDimensions/0/qDef/qFieldDefs/0"),
        ("ApplyPatches", [[{"qOp": "replace", "qPath": "/qHyperCubeDef/qInitialDataFetch",
                            "qValue": '[{"qWidth": -2}]'}]],
         "/qHyperCubeDef/qInitialDataFetch/0/qWidth"),
        ("ApplyPatches", [[{"qOp": "add", "qPath": "/qHyperCubeDef/qMeasures/0/qSortBy",
                            "qValue": '"descending"'}]], "/qHyperCubeDef/qMeasures/0/qSortBy"),
    ],
)
def test_refused_properties_change_nothing(loaded: Client, method: str, params: list[Any],
                                           parameter: str) -> None:
    handle = loaded.create(CUBE)
    before = loaded.call("GetProperties", handle=handle)
    layout = loaded.layout(handle)
    error = loaded.error(method, *params, handle=handle)
    assert error["code"] == 8 and error["parameter"] == parameter
    assert same(loaded.call("GetProperties", handle=handle), before)
    assert loaded.layout(handle) == layout


def test_refused_new_objects_are_not_created(loaded: Client) -> None:
    bad = {"qInfo": {"qId": "bad", "qType": "t"}, "qListObjectDef": {"qFrequencyMode": "Q"}}
    for method in ("CreateObject", "CreateSessionObject"):
        error = loaded.error(method, bad, handle=1)
        assert error["code"] == 8 and error["parameter"] == "/qListObjectDef/qFrequencyMode"
    assert loaded.call("GetObject", "bad", handle=1)["qReturn"]["qHandle"] is None
    assert loaded.call("GetAllInfos", handle=1)["qInfos"] == []


def test_persisted_properties_survive_a_save(client: Client) -> None:
    app = client.call("CreateApp", "props-app")["qAppId"]
    client.call("OpenDoc", app)
    client.call("CreateObject", {**LISTBOX, "qInfo": {"qType": "listbox", "qId": "lb"}},
                handle=1)
    client.call("DoSave", handle=1)
    handle = client.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"]
    before = client.call("GetProperties", handle=handle)["qProp"]
    again = Client(client.sessions)
    again.call("OpenDoc", app)
    handle = again.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"]
    assert same(again.call("GetProperties", handle=handle)["qProp"], before)
    again.close()
