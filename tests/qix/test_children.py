"""GenericObject children over the protocol: CreateChild, DestroyChild,
DestroyAllChildren, GetChild, GetChildInfos, GetParent, Get/SetFullPropertyTree, and what
children do to GetAllInfos, DestroyObject, change lists and saved apps.

Properties are compared member by member where GetProperties may add engine defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from associa.engine import Engine
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.conftest import CUBE, Client, two_sessions_on_one_app

NOT_FOUND = {"qType": None, "qHandle": None}


def obj(qid: str, qtype: str = "chart", **extra: Any) -> dict[str, Any]:
    return {"qInfo": {"qId": qid, "qType": qtype}, **extra}


def tree(qid: str, *children: dict[str, Any], qtype: str = "chart", **extra: Any) -> dict:
    return {"qProperty": obj(qid, qtype, **extra), "qChildren": list(children)}


def subset(got: dict[str, Any], **wanted: Any) -> bool:
    return all(got.get(k) == v for k, v in wanted.items())


@pytest.fixture
def sheet(loaded: Client) -> int:
    """A persisted sheet (handle 2) in the session app of ``loaded``."""
    reply = loaded.call("CreateObject", obj("sheet", "sheet", title="S"), handle=1)
    return reply["qReturn"]["qHandle"]


def ids(infos: list[dict[str, Any]]) -> list[str]:
    return [i["qId"] for i in infos]


# -- CreateChild ----------------------------------------------------------------------


def test_create_child(loaded: Client, sheet: int) -> None:
    reply = loaded.send("CreateChild", obj("c1", "barchart", t=1), handle=sheet)
    result = reply["result"]
    child = result["qReturn"]["qHandle"]
    assert result["qInfo"] == {"qId": "c1", "qType": "barchart"}
    assert result["qReturn"] == {"qType": "GenericObject", "qHandle": child,
                                 "qGenericType": "barchart", "qGenericId": "c1"}
    # the new child and its parent (whose children changed)
    assert sorted(reply["change"]) == sorted([child, sheet])
    assert subset(loaded.call("GetProperties", handle=child)["qProp"], t=1)
    assert loaded.call("GetInfo", handle=child)["qInfo"] == {"qId": "c1", "qType": "barchart"}
    # GetObject finds a child too, with the same handle
    assert loaded.call("GetObject", "c1", handle=1)["qReturn"]["qHandle"] == child


def test_create_child_without_id(loaded: Client, sheet: int) -> None:
    result = loaded.call("CreateChild", {"qInfo": {"qType": "kpi"}}, handle=sheet)
    qid = result["qInfo"]["qId"]
    assert len(qid) == 36 and result["qReturn"]["qGenericId"] == qid
    assert ids(loaded.call("GetChildInfos", handle=sheet)["qInfos"]) == [qid]


def test_create_child_with_props_for_this(loaded: Client, sheet: int) -> None:
    cells = [{"name": "c1", "col": 0}]
    reply = loaded.send("CreateChild", obj("c1"), obj("sheet", "sheet", cells=cells),
                        handle=sheet)
    assert sheet in reply["change"]
    props = loaded.call("GetProperties", handle=sheet)["qProp"]
    assert props["cells"] == cells and "title" not in props
    assert props["qInfo"] == {"qId": "sheet", "qType": "sheet"}


def test_create_child_bad_input(loaded: Client, sheet: int) -> None:
    loaded.call("CreateChild", obj("c1"), handle=sheet)
    err = loaded.error("CreateChild", obj("c1"), handle=sheet)
    assert err["code"] == 3
    err = loaded.error("CreateChild", obj("sheet"), handle=sheet)  # its own parent's id
    assert err["code"] == 3
    err = loaded.error("CreateChild", obj("c2"), "not an object", handle=sheet)
    assert err["code"] == 8 and err["parameter"] == "qPropForThis"
    assert loaded.error("CreateChild", "nope", handle=sheet)["code"] == -32602
    assert loaded.error("CreateChild", handle=sheet)["code"] == -32602
    assert ids(loaded.call("GetChildInfos", handle=sheet)["qInfos"]) == ["c1"]


# -- reading the tree -----------------------------------------------------------------


def test_get_child_and_parent(loaded: Client, sheet: int) -> None:
    child = loaded.call("CreateChild", obj("c1"), handle=sheet)["qReturn"]["qHandle"]
    grand = loaded.call("CreateChild", obj("g1", "text"), handle=child)["qReturn"]["qHandle"]
    got = loaded.call("GetChild", "c1", handle=sheet)["qReturn"]
    assert got == {"qType": "GenericObject", "qHandle": child, "qGenericType": "chart",
                   "qGenericId": "c1"}
    assert loaded.call("GetChild", "g1", handle=sheet)["qReturn"] == NOT_FOUND  # a grandchild
    assert loaded.call("GetChild", "nope", handle=sheet)["qReturn"] == NOT_FOUND
    assert loaded.call("GetChild", "g1", handle=child)["qReturn"]["qHandle"] == grand
    assert loaded.call("GetParent", handle=grand)["qReturn"]["qHandle"] == child
    parent = loaded.call("GetParent", handle=child)["qReturn"]
    assert parent == {"qType": "GenericObject", "qHandle": sheet, "qGenericType": "sheet",
                      "qGenericId": "sheet"}
    assert loaded.call("GetParent", handle=sheet)["qReturn"] == NOT_FOUND


def test_get_child_gives_a_handle_to_a_child_not_yet_opened(loaded: Client, sheet: int) -> None:
    loaded.call("SetFullPropertyTree", tree("sheet", tree("k"), qtype="sheet"), handle=sheet)
    handle = loaded.call("GetChild", "k", handle=sheet)["qReturn"]["qHandle"]
    assert loaded.call("GetInfo", handle=handle)["qInfo"] == {"qId": "k", "qType": "chart"}
    assert loaded.call("GetParent", handle=handle)["qReturn"]["qHandle"] == sheet


def test_child_infos_in_order(loaded: Client, sheet: int) -> None:
    assert loaded.call("GetChildInfos", handle=sheet) == {"qInfos": []}
    for qid in ("b", "a", "c"):
        loaded.call("CreateChild", obj(qid), handle=sheet)
    loaded.call("CreateChild", {"qInfo": {"qId": "x", "qType": "kpi", "extra": 1}},
                handle=loaded.call("GetChild", "a", handle=sheet)["qReturn"]["qHandle"])
    assert loaded.call("GetChildInfos", handle=sheet)["qInfos"] == [
        {"qId": "b", "qType": "chart"}, {"qId": "a", "qType": "chart"},
        {"qId": "c", "qType": "chart"},
    ]
    a = loaded.call("GetChild", "a", handle=sheet)["qReturn"]["qHandle"]
    # extra members of qInfo come back too (OpenRPC: GetChildInfos)
    assert loaded.call("GetChildInfos", handle=a)["qInfos"] == [
        {"qId": "x", "qType": "kpi", "extra": 1}
    ]


def test_all_infos_list_children(loaded: Client, sheet: int) -> None:
    loaded.call("SetFullPropertyTree",
                tree("sheet", tree("k1", tree("g")), tree("k2"), qtype="sheet"), handle=sheet)
    infos = loaded.call("GetAllInfos", handle=1)["qInfos"]
    assert infos == [{"qId": "sheet", "qType": "sheet"}, {"qId": "k1", "qType": "chart"},
                     {"qId": "g", "qType": "chart"}, {"qId": "k2", "qType": "chart"}]
    # session objects and their children are not the app's
    so = loaded.create(obj("so", "x"))
    loaded.call("CreateChild", obj("sok"), handle=so)
    assert loaded.call("GetAllInfos", handle=1)["qInfos"] == infos


# -- destroying -----------------------------------------------------------------------


def test_destroy_child(loaded: Client, sheet: int) -> None:
    child = loaded.call("CreateChild", obj("c1"), handle=sheet)["qReturn"]["qHandle"]
    grand = loaded.call("CreateChild", obj("g1"), handle=child)["qReturn"]["qHandle"]
    loaded.call("CreateChild", obj("c2"), handle=sheet)
    assert loaded.send("DestroyChild", "g1", handle=sheet)["result"] == {"qSuccess": False}
    reply = loaded.send("DestroyChild", "nope", handle=sheet)
    assert reply["result"] == {"qSuccess": False} and "close" not in reply
    reply = loaded.send("DestroyChild", "c1", obj("sheet", "sheet", cells=[]), handle=sheet)
    assert reply["result"] == {"qSuccess": True}
    assert sorted(reply["close"]) == sorted([child, grand]) and reply["change"] == [sheet]
    assert loaded.call("GetProperties", handle=sheet)["qProp"]["cells"] == []
    assert ids(loaded.call("GetChildInfos", handle=sheet)["qInfos"]) == ["c2"]
    assert loaded.call("GetObject", "g1", handle=1)["qReturn"] == NOT_FOUND
    assert loaded.error("GetLayout", handle=child)["code"] == -32602
    err = loaded.error("DestroyChild", "c2", [1], handle=sheet)
    assert err["code"] == 8
    assert ids(loaded.call("GetChildInfos", handle=sheet)["qInfos"]) == ["c2"]


def test_destroy_all_children(loaded: Client, sheet: int) -> None:
    handles = [loaded.call("CreateChild", obj(q), handle=sheet)["qReturn"]["qHandle"]
               for q in ("a", "b")]
    handles.append(loaded.call("CreateChild", obj("a1"), handle=handles[0])["qReturn"]["qHandle"])
    reply = loaded.send("DestroyAllChildren", obj("sheet", "sheet", empty=True), handle=sheet)
    assert reply["result"] == {} and sorted(reply["close"]) == sorted(handles)
    assert sheet in reply["change"]
    assert loaded.call("GetChildInfos", handle=sheet) == {"qInfos": []}
    assert ids(loaded.call("GetAllInfos", handle=1)["qInfos"]) == ["sheet"]
    assert loaded.call("GetProperties", handle=sheet)["qProp"]["empty"] is True
    assert loaded.send("DestroyAllChildren", handle=sheet)["result"] == {}


def test_destroying_a_parent_destroys_its_children(loaded: Client, sheet: int) -> None:
    child = loaded.call("CreateChild", obj("c1"), handle=sheet)["qReturn"]["qHandle"]
    loaded.call("SetFullPropertyTree", tree("c1", tree("g1")), handle=child)  # no handle yet
    reply = loaded.send("DestroyObject", "sheet", handle=1)
    assert reply["result"] == {"qSuccess": True}
    assert sorted(reply["close"]) == sorted([sheet, child])
    assert loaded.call("GetAllInfos", handle=1) == {"qInfos": []}
    assert loaded.call("GetObject", "g1", handle=1)["qReturn"] == NOT_FOUND


def test_destroying_a_child_by_id(loaded: Client, sheet: int) -> None:
    child = loaded.call("CreateChild", obj("c1"), handle=sheet)["qReturn"]["qHandle"]
    reply = loaded.send("DestroyObject", "c1", handle=1)
    assert reply["close"] == [child] and reply["change"] == [sheet]
    assert loaded.call("GetChildInfos", handle=sheet) == {"qInfos": []}


def test_methods_on_a_destroyed_child(loaded: Client, sheet: int) -> None:
    child = loaded.call("CreateChild", obj("c1"), handle=sheet)["qReturn"]["qHandle"]
    loaded.call("DestroyChild", "c1", handle=sheet)
    for method in ("GetChildInfos", "GetParent", "GetFullPropertyTree"):
        assert loaded.error(method, handle=child)["code"] == -32602


# -- full property trees --------------------------------------------------------------


def test_full_property_tree_round_trip(loaded: Client, sheet: int) -> None:
    entry = tree("sheet", tree("k1", tree("g", v=3), v=1), tree("k2", v=2), qtype="sheet",
                 title="T")
    reply = loaded.send("SetFullPropertyTree", entry, handle=sheet)
    assert reply["result"] == {} and reply["change"] == [sheet]
    got = loaded.call("GetFullPropertyTree", handle=sheet)["qPropEntry"]
    assert list(got) == ["qProperty", "qChildren"]

    def shape(node: dict[str, Any]) -> tuple:
        prop = node["qProperty"]
        return (prop["qInfo"]["qId"], prop.get("v"), [shape(k) for k in node["qChildren"]])

    assert shape(got) == ("sheet", None, [("k1", 1, [("g", 3, [])]), ("k2", 2, [])])
    assert subset(got["qProperty"], title="T")
    # each qProperty is what GetProperties answers for that object
    k1 = loaded.call("GetChild", "k1", handle=sheet)["qReturn"]["qHandle"]
    assert got["qChildren"][0]["qProperty"] == loaded.call("GetProperties", handle=k1)["qProp"]
    again = loaded.call("GetFullPropertyTree", handle=k1)["qPropEntry"]
    assert again == got["qChildren"][0]


def test_set_full_property_tree_updates_creates_and_destroys(loaded: Client,
                                                             sheet: int) -> None:
    loaded.call("SetFullPropertyTree", tree("sheet", tree("keep"), tree("drop"), qtype="sheet"),
                handle=sheet)
    keep = loaded.call("GetChild", "keep", handle=sheet)["qReturn"]["qHandle"]
    drop = loaded.call("GetChild", "drop", handle=sheet)["qReturn"]["qHandle"]
    reply = loaded.send("SetFullPropertyTree",
                        tree("other-id", tree("new"), tree("keep", qtype="pie", v=2),
                             qtype="story"), handle=sheet)
    assert reply["close"] == [drop] and sorted(reply["change"]) == sorted([sheet, keep])
    # the root keeps its id and type, so does an existing child (its type can't change)
    assert loaded.call("GetInfo", handle=sheet)["qInfo"] == {"qId": "sheet", "qType": "sheet"}
    assert loaded.call("GetInfo", handle=keep)["qInfo"] == {"qId": "keep", "qType": "chart"}
    assert subset(loaded.call("GetProperties", handle=keep)["qProp"], v=2)
    assert ids(loaded.call("GetChildInfos", handle=sheet)["qInfos"]) == ["new", "keep"]


def test_set_full_property_tree_bad_input(loaded: Client, sheet: int) -> None:
    loaded.call("SetFullPropertyTree", tree("sheet", tree("k"), qtype="sheet"), handle=sheet)
    loaded.call("CreateObject", obj("elsewhere"), handle=1)
    before = loaded.call("GetFullPropertyTree", handle=sheet)
    cases = [
        (tree("sheet", tree("elsewhere")), 3),  # an id another object has
        (tree("sheet", tree("n", tree("sheet"))), 8),  # a cycle back to the root
        (tree("sheet", tree("n", tree("n"))), 8),  # a cycle below
        (tree("sheet", tree("k"), tree("k")), 8),  # a child twice
        ({"qProperty": obj("sheet"), "qChildren": "no"}, 8),
        ({"qProperty": obj("sheet"), "qChildren": [5]}, 8),
        ({"qProperty": "no"}, 8),
    ]
    for entry, code in cases:
        reply = loaded.send("SetFullPropertyTree", entry, handle=sheet)
        assert reply["error"]["code"] == code, entry
        assert "change" not in reply and "close" not in reply
    assert loaded.error("SetFullPropertyTree", [1], handle=sheet)["code"] == -32602
    assert loaded.call("GetFullPropertyTree", handle=sheet) == before
    assert len(loaded.call("GetAllInfos", handle=1)["qInfos"]) == 3


def test_recorded_nested_sheet(loaded: Client) -> None:
    """corectl's [NESTED] case: CreateObject, then SetFullPropertyTree of sheet.json; the
    real engine listed the sheet and its two auto-chart children (corectl's
    TestChildObjectsAndFullPropertyTree golden; its titles come from each qMetaDef)."""
    sheet_id = "a699ee97-152d-4470-9655-ae7c82d71491"
    children = [
        {"qProperty": {"qInfo": {"qId": "sZAVcpj", "qType": "auto-chart"},
                       "qMetaDef": {"title": "My new child object", "description": ""},
                       "qHyperCubeDef": {**CUBE["qHyperCubeDef"]}, "visualization": "x"},
         "qChildren": [], "qEmbeddedSnapshotRef": None},
        {"qProperty": {"qInfo": {"qId": "gCCkr", "qType": "auto-chart"}, "qMetaDef": {}},
         "qChildren": [], "qEmbeddedSnapshotRef": None},
    ]
    prop = {"qInfo": {"qId": sheet_id, "qType": "sheet"},
            "qMetaDef": {"title": "My new sheet 2", "description": ""},
            "qChildListDef": {"qData": {"title": "/title"}}}
    handle = loaded.call("CreateObject", prop, handle=1)["qReturn"]["qHandle"]
    loaded.call("SetFullPropertyTree", {"qProperty": prop, "qChildren": children},
                handle=handle)
    infos = loaded.call("GetAllInfos", handle=1)["qInfos"]
    assert sorted(ids(infos)) == [sheet_id, "gCCkr", "sZAVcpj"]
    titles = {}
    for info in infos:
        h = loaded.call("GetObject", info["qId"], handle=1)["qReturn"]["qHandle"]
        titles[info["qId"]] = loaded.call("GetProperties", handle=h)["qProp"]["qMetaDef"].get(
            "title", "")
    assert titles == {sheet_id: "My new sheet 2", "gCCkr": "", "sZAVcpj": "My new child object"}
    # the parent's child list
    items = loaded.layout(handle)["qChildList"]["qItems"]
    assert [(i["qInfo"]["qId"], i["qMeta"].get("title")) for i in items] == [
        ("sZAVcpj", "My new child object"), ("gCCkr", None)
    ]


# -- session objects ------------------------------------------------------------------


def test_session_object_children_live_with_the_session(
    make_client: Callable[..., Client]
) -> None:
    loaded, other = two_sessions_on_one_app(make_client)
    parent = loaded.create(obj("so", "x"))
    child = loaded.call("CreateChild", obj("sk"), handle=parent)["qReturn"]["qHandle"]
    assert loaded.call("GetParent", handle=child)["qReturn"]["qHandle"] == parent
    assert other.call("GetObject", "sk", handle=1)["qReturn"] == NOT_FOUND
    reply = loaded.send("DestroySessionObject", "so", handle=1)
    assert reply["result"] == {"qSuccess": True}
    assert sorted(reply["close"]) == sorted([parent, child])
    assert loaded.call("GetObject", "sk", handle=1)["qReturn"] == NOT_FOUND


def test_session_object_full_tree(loaded: Client) -> None:
    parent = loaded.create(obj("so", "x"))
    loaded.call("SetFullPropertyTree", tree("so", tree("a", tree("b"))), handle=parent)
    got = loaded.call("GetFullPropertyTree", handle=parent)["qPropEntry"]
    assert got["qChildren"][0]["qChildren"][0]["qProperty"]["qInfo"]["qId"] == "b"
    assert ids(loaded.call("GetAllInfos", handle=1)["qInfos"]) == []


# -- other sessions and saved apps ----------------------------------------------------


def test_children_changes_reach_other_sessions(make_client: Callable[..., Client]) -> None:
    loaded, other = two_sessions_on_one_app(make_client)
    sheet = loaded.call("CreateObject", obj("sheet", "sheet", title="S"),
                        handle=1)["qReturn"]["qHandle"]
    theirs = other.call("GetObject", "sheet", handle=1)["qReturn"]["qHandle"]
    loaded.call("CreateChild", obj("c1"), handle=sheet)
    assert {"jsonrpc": "2.0", "change": [theirs]} in other.pushed
    assert ids(other.call("GetChildInfos", handle=theirs)["qInfos"]) == ["c1"]
    child = other.call("GetChild", "c1", handle=theirs)["qReturn"]["qHandle"]
    other.pushed.clear()
    loaded.call("DestroyChild", "c1", handle=sheet)
    assert any(m.get("close") == [child] for m in other.pushed)


def test_children_are_saved_and_reopen(data_dir: Path) -> None:
    first = Engine(Settings(data_dir=data_dir))
    c = Client(SessionManager(first))
    c.call("CreateApp", "nested")
    c.call("OpenDoc", "nested")
    handle = c.call("CreateObject", obj("sheet", "sheet"), handle=1)["qReturn"]["qHandle"]
    c.call("SetFullPropertyTree",
           tree("sheet", tree("k1", tree("g", v=3)), tree("k2"), qtype="sheet"), handle=handle)
    saved = c.call("GetFullPropertyTree", handle=handle)
    infos = c.call("GetAllInfos", handle=1)
    c.call("DoSave", handle=1)
    c.close()
    c.sessions.shutdown()

    second = Engine(Settings(data_dir=data_dir))
    d = Client(SessionManager(second))
    try:
        d.call("OpenDoc", "nested")
        assert d.call("GetAllInfos", handle=1) == infos
        again = d.call("GetObject", "sheet", handle=1)["qReturn"]["qHandle"]
        assert d.call("GetFullPropertyTree", handle=again) == saved
        g = d.call("GetObject", "g", handle=1)["qReturn"]["qHandle"]
        parent = d.call("GetParent", handle=g)["qReturn"]
        assert parent["qGenericId"] == "k1"
        d.call("DestroyObject", "sheet", handle=1)
        assert d.call("GetAllInfos", handle=1) == {"qInfos": []}
    finally:
        d.close()
        d.sessions.shutdown()


def test_set_child_array_order(loaded: Client, sheet: int) -> None:
    for qid in ("a", "b", "c"):
        loaded.call("CreateChild", obj(qid), handle=sheet)
    reply = loaded.send("SetChildArrayOrder", ["c", "a", "b"], handle=sheet)
    assert reply["result"] == {} and reply["change"] == [sheet]
    assert ids(loaded.call("GetChildInfos", handle=sheet)["qInfos"]) == ["c", "a", "b"]
    for bad in (["a", "b"], ["a", "b", "c", "d"], ["a", "a", "b"], ["a", "b", 3]):
        assert loaded.error("SetChildArrayOrder", bad, handle=sheet)["code"] == 8
    assert ids(loaded.call("GetChildInfos", handle=sheet)["qInfos"]) == ["c", "a", "b"]
    so = loaded.create(obj("so", "x"))
    for qid in ("x", "y"):
        loaded.call("CreateChild", obj(qid), handle=so)
    loaded.call("SetChildArrayOrder", ["y", "x"], handle=so)
    got = loaded.call("GetFullPropertyTree", handle=so)["qPropEntry"]["qChildren"]
    assert [k["qProperty"]["qInfo"]["qId"] for k in got] == ["y", "x"]
