"""Doc.GetObjects, GetOrCreateObject, CloneObject, GetObject on every kind, and
GenericObject.CopyFrom, Publish/UnPublish/Approve/UnApprove over the protocol; cyclic
trees and unknown ids answered with the engine's codes, the objects left usable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from associa.engine import Engine
from tests.conftest import CUBE, SALES_SCRIPT, Client

NOT_FOUND = {"qType": None, "qHandle": None}


def obj(qid: str, qtype: str, **extra: Any) -> dict[str, Any]:
    return {"qInfo": {"qId": qid, "qType": qtype}, **extra}


def chart(qid: str, title: str) -> dict[str, Any]:
    return {**obj(qid, "table"), "qMetaDef": {"title": title},
            "qHyperCubeDef": CUBE["qHyperCubeDef"]}


@pytest.fixture
def sheet(loaded: Client) -> int:
    """A persisted sheet with two charts, its cells naming them (as the Sense client
    makes one)."""
    handle = loaded.call("CreateObject", {
        **obj("s1", "sheet"), "qMetaDef": {"title": "Sales"}, "rank": 0,
        "cells": [{"name": "c1", "type": "table", "col": 0, "row": 0},
                  {"name": "c2", "type": "table", "col": 0, "row": 6}],
        "qChildListDef": {"qData": {"title": "/qMetaDef/title"}}}, handle=1)["qReturn"]["qHandle"]
    loaded.call("CreateChild", chart("c1", "By region"), handle=handle)
    loaded.call("CreateChild", chart("c2", "Again"), handle=handle)
    return handle


def listed(client: Client, **options: Any) -> list[tuple[str, str]]:
    items = client.call("GetObjects", options, handle=1)["qList"]
    return [(i["qInfo"]["qId"], i["qInfo"]["qType"]) for i in items]


# -- GetObjects -------------------------------------------------------------------------


def test_get_objects_by_type_with_data(loaded: Client, sheet: int) -> None:
    loaded.create(obj("sess", "table"))  # a session object
    items = loaded.call("GetObjects", {"qTypes": ["sheet"],
                                       "qData": {"title": "/qMetaDef/title", "r": "/rank",
                                                 "none": "/nothing"}}, handle=1)["qList"]
    assert items == [{"qInfo": {"qId": "s1", "qType": "sheet"},
                      "qMeta": {"privileges": ["read", "update", "delete", "exportdata"],
                                "title": "Sales"},
                      "qData": {"title": "Sales", "r": 0}}]
    # children are listed; session objects only when asked for
    assert listed(loaded, qTypes=["table"]) == [("c1", "table"), ("c2", "table")]
    assert listed(loaded, qTypes=["table"], qIncludeSessionObjects=True) == [
        ("c1", "table"), ("c2", "table"), ("sess", "table")]
    assert listed(loaded) == [("s1", "sheet"), ("c1", "table"), ("c2", "table")]
    assert listed(loaded, qTypes=["sheet", "table"]) == listed(loaded)
    assert listed(loaded, qTypes=["nothing"]) == []


def test_get_objects_bad_options(loaded: Client, sheet: int) -> None:
    assert loaded.error("GetObjects", {"qTypes": "sheet"}, handle=1)["code"] == 8
    assert loaded.error("GetObjects", {"qData": []}, handle=1)["code"] == 8
    assert loaded.error("GetObjects", [], handle=1)["code"] == -32602
    assert listed(loaded, qTypes=["sheet"]) == [("s1", "sheet")]


# -- GetObject on every kind ----------------------------------------------------------------


def test_get_object_on_every_kind(loaded: Client, sheet: int) -> None:
    session = loaded.call("CreateSessionObject", obj("sess", "x"), handle=1)["qReturn"]
    child = loaded.call("GetObject", "c2", handle=1)["qReturn"]
    assert child["qGenericType"] == "table" and child["qGenericId"] == "c2"
    assert loaded.call("GetObject", "sess", handle=1)["qReturn"] == session
    assert loaded.call("GetObject", "s1", handle=1)["qReturn"]["qHandle"] == sheet
    assert loaded.call("GetObject", "nope", handle=1)["qReturn"] == NOT_FOUND
    parent = loaded.call("GetParent", handle=child["qHandle"])["qReturn"]
    assert parent["qGenericId"] == "s1"


# -- GetOrCreateObject ------------------------------------------------------------------------


def test_get_or_create_object(loaded: Client) -> None:
    made = loaded.call("GetOrCreateObject", {**obj("bar", "app-props"), "x": 1}, handle=1)
    assert made["qNewObject"] is True and made["qReturn"]["qGenericId"] == "bar"
    again = loaded.call("GetOrCreateObject", {**obj("bar", "app-props"), "x": 2}, handle=1)
    assert again["qNewObject"] is False
    assert again["qReturn"]["qHandle"] == made["qReturn"]["qHandle"]
    props = loaded.call("GetProperties", handle=made["qReturn"]["qHandle"])["qProp"]
    assert props["x"] == 1  # an existing object is not changed
    assert loaded.error("GetOrCreateObject", obj("bar", "other"), handle=1)["code"] == 3
    loaded.create(obj("sess", "app-props"))
    assert loaded.error("GetOrCreateObject", obj("sess", "app-props"), handle=1)["code"] == 3
    assert loaded.error("GetOrCreateObject", {"qInfo": {"qType": "t"}}, handle=1)["code"] == 8
    assert loaded.error("GetOrCreateObject", {"qInfo": {"qId": "z"}}, handle=1)["code"] == 8


# -- CloneObject ----------------------------------------------------------------------------------


def test_clone_object_clones_the_children(loaded: Client, sheet: int) -> None:
    loaded.call("Publish", handle=sheet)
    clone_id = loaded.call("CloneObject", "s1", handle=1)["qCloneId"]
    assert clone_id not in ("s1", "c1", "c2")
    handle = loaded.call("GetObject", clone_id, handle=1)["qReturn"]["qHandle"]
    props = loaded.call("GetProperties", handle=handle)["qProp"]
    assert props["qInfo"] == {"qId": clone_id, "qType": "sheet"}
    assert props["qMetaDef"] == {"title": "Sales"}  # the clone is not published
    kids = loaded.call("GetChildInfos", handle=handle)["qInfos"]
    assert [k["qType"] for k in kids] == ["table", "table"]
    assert not {k["qId"] for k in kids} & {"c1", "c2"}
    # the cells name the clone's own charts, in order
    assert [c["name"] for c in props["cells"]] == [k["qId"] for k in kids]
    layout = loaded.layout(handle)
    assert [i["qData"]["title"] for i in layout["qChildList"]["qItems"]] == ["By region",
                                                                              "Again"]
    assert layout["qMeta"].get("published") is None
    # the original is unchanged
    assert [k["qId"] for k in loaded.call("GetChildInfos", handle=sheet)["qInfos"]] == [
        "c1", "c2"]
    # a child's clone is a new child of the same parent
    child_clone = loaded.call("CloneObject", "c1", handle=1)["qCloneId"]
    assert [k["qId"] for k in loaded.call("GetChildInfos", handle=sheet)["qInfos"]] == [
        "c1", "c2", child_clone]


def test_clone_object_bad_ids(loaded: Client, sheet: int) -> None:
    loaded.create(obj("sess", "x"))
    assert loaded.error("CloneObject", "sess", handle=1)["code"] == 8
    assert loaded.error("CloneObject", "nope", handle=1)["code"] == 2
    assert listed(loaded) == [("s1", "sheet"), ("c1", "table"), ("c2", "table")]


# -- CopyFrom ---------------------------------------------------------------------------------------


def test_copy_from(loaded: Client, sheet: int) -> None:
    other = loaded.call("CreateObject", {**obj("s2", "sheet"), "qMetaDef": {"title": "Empty"}},
                        handle=1)["qReturn"]["qHandle"]
    loaded.call("CreateChild", chart("old", "Old"), handle=other)
    loaded.call("CopyFrom", "s1", handle=other)
    props = loaded.call("GetProperties", handle=other)["qProp"]
    assert props["qInfo"] == {"qId": "s2", "qType": "sheet"}
    assert props["qMetaDef"] == {"title": "Sales"}
    kids = loaded.call("GetChildInfos", handle=other)["qInfos"]
    assert len(kids) == 2 and not {k["qId"] for k in kids} & {"c1", "c2", "old"}
    assert [c["name"] for c in props["cells"]] == [k["qId"] for k in kids]
    assert loaded.call("GetObject", "old", handle=1)["qReturn"] == NOT_FOUND
    # the source is untouched
    assert [k["qId"] for k in loaded.call("GetChildInfos", handle=sheet)["qInfos"]] == [
        "c1", "c2"]


def test_copy_from_an_ancestor_or_itself_makes_no_cycle(loaded: Client, sheet: int) -> None:
    c1 = loaded.call("GetObject", "c1", handle=1)["qReturn"]["qHandle"]
    loaded.call("CopyFrom", "s1", handle=c1)  # the sheet's tree, c1 included, into c1
    assert loaded.call("GetProperties", handle=c1)["qProp"]["qInfo"] == {"qId": "c1",
                                                                        "qType": "table"}
    grandchildren = loaded.call("GetChildInfos", handle=c1)["qInfos"]
    assert len(grandchildren) == 2
    assert loaded.call("GetParent", handle=c1)["qReturn"]["qGenericId"] == "s1"
    loaded.call("CopyFrom", "c1", handle=c1)  # itself: its children copied again
    assert len(loaded.call("GetChildInfos", handle=c1)["qInfos"]) == 2
    full = loaded.call("GetFullPropertyTree", handle=sheet)["qPropEntry"]
    seen: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        seen.append(node["qProperty"]["qInfo"]["qId"])
        for kid in node["qChildren"]:
            walk(kid)

    walk(full)
    assert len(seen) == len(set(seen)) == 1 + 2 + 2
    # c1 holds the sheet's properties now: its child list lists its own new children
    items = loaded.layout(c1)["qChildList"]["qItems"]
    assert [i["qData"]["title"] for i in items] == ["By region", "Again"]


def test_copy_from_unknown_id(loaded: Client, sheet: int) -> None:
    err = loaded.error("CopyFrom", "nope", handle=sheet)
    assert err["code"] == 2
    assert len(loaded.call("GetChildInfos", handle=sheet)["qInfos"]) == 2


# -- cyclic trees -----------------------------------------------------------------------------------


def test_set_full_property_tree_cannot_make_an_ancestor_a_child(loaded: Client,
                                                                  sheet: int) -> None:
    c1 = loaded.call("GetObject", "c1", handle=1)["qReturn"]["qHandle"]
    entry = {"qProperty": chart("c1", "x"),
             "qChildren": [{"qProperty": obj("s1", "sheet"), "qChildren": []}]}
    assert loaded.error("SetFullPropertyTree", entry, handle=c1)["code"] == 3
    entry = {"qProperty": obj("s1", "sheet"),
             "qChildren": [{"qProperty": chart("c1", "x"),
                            "qChildren": [{"qProperty": obj("s1", "sheet"), "qChildren": []}]}]}
    assert loaded.error("SetFullPropertyTree", entry, handle=sheet)["code"] == 8
    assert loaded.call("GetParent", handle=c1)["qReturn"]["qGenericId"] == "s1"
    assert loaded.call("GetParent", handle=sheet)["qReturn"] == NOT_FOUND
    assert loaded.layout(c1)["qMeta"]["title"] == "By region"


# -- publishing --------------------------------------------------------------------------------------


def test_publish_and_approve_are_meta_flags(loaded: Client, sheet: int,
                                            make_client: Callable[..., Client]) -> None:
    loaded.call("Publish", handle=sheet)
    meta = loaded.layout(sheet)["qMeta"]
    assert meta["published"] is True and meta["title"] == "Sales"
    assert meta["publishTime"].endswith("Z") and meta["publishTime"][:2] == "20"
    loaded.call("Approve", handle=sheet)
    assert loaded.layout(sheet)["qMeta"]["approved"] is True
    items = loaded.call("GetObjects", {"qTypes": ["sheet"]}, handle=1)["qList"]
    assert items[0]["qMeta"]["published"] is True
    loaded.call("UnApprove", handle=sheet)
    loaded.call("UnPublish", handle=sheet)
    meta = loaded.layout(sheet)["qMeta"]
    assert meta["published"] is False and meta["approved"] is False
    assert "publishTime" not in meta
    assert loaded.call("GetProperties", handle=sheet)["qProp"]["qMetaDef"]["title"] == "Sales"


# -- linked objects (qExtendsId) ----------------------------------------------------------------


def test_a_linked_object_reads_the_master_s_properties(loaded: Client) -> None:
    master = loaded.call("CreateObject", chart("m1", "Master chart"), handle=1)["qReturn"]
    linked = loaded.call("CreateObject", {"qInfo": {"qId": "l1", "qType": "table"},
                                          "qExtendsId": "m1", "showTitles": True},
                         handle=1)["qReturn"]["qHandle"]
    layout = loaded.layout(linked)
    assert layout["qInfo"] == {"qId": "l1", "qType": "table"}
    assert layout["qExtendsId"] == "m1" and layout["showTitles"] is True
    assert layout["qMeta"]["title"] == "Master chart"
    rows = {r[0]["qText"]: r[1]["qNum"] for r in loaded.call(
        "GetHyperCubeData", "/qHyperCubeDef", [{"qTop": 0, "qLeft": 0, "qWidth": 2,
                                                "qHeight": 10}], handle=linked
    )["qDataPages"][0]["qMatrix"]}
    assert rows == {"North": 120, "South": 150, "East": 40}  # by hand from SALES_SCRIPT
    own = loaded.call("GetProperties", handle=linked)["qProp"]
    assert "qHyperCubeDef" not in own and own["qExtendsId"] == "m1"
    effective = loaded.call("GetEffectiveProperties", handle=linked)["qProp"]
    assert effective["qInfo"]["qId"] == "l1" and "qHyperCubeDef" in effective
    # the master changes: the linked object follows; its own members stay on top
    loaded.call("ApplyPatches", [{"qOp": "replace", "qPath": "/qMetaDef/title",
                                  "qValue": '"Renamed"'}], handle=master["qHandle"])
    assert loaded.layout(linked)["qMeta"]["title"] == "Renamed"
    loaded.call("ApplyPatches", [{"qOp": "add", "qPath": "/qMetaDef/title",
                                  "qValue": '"Mine"'}], handle=linked)
    assert loaded.layout(linked)["qMeta"]["title"] == "Mine"


def test_bad_links_are_error_8000(loaded: Client) -> None:
    loaded.call("CreateObject", chart("m1", "Master"), handle=1)
    loaded.create(obj("sess", "table"))
    for target in ("nope", "sess"):
        props = {"qInfo": {"qType": "table"}, "qExtendsId": target}
        assert loaded.error("CreateObject", props, handle=1)["code"] == 8000
        assert loaded.error("CreateSessionObject", props, handle=1)["code"] == 8000
    a = loaded.call("CreateObject", {"qInfo": {"qId": "a", "qType": "table"},
                                     "qExtendsId": "m1"}, handle=1)["qReturn"]["qHandle"]
    b = loaded.call("CreateObject", {"qInfo": {"qId": "b", "qType": "table"},
                                     "qExtendsId": "a"}, handle=1)["qReturn"]["qHandle"]
    # a made to extend b, which extends a: a cycle
    err = loaded.error("SetProperties", {"qInfo": {"qId": "a", "qType": "table"},
                                         "qExtendsId": "b"}, handle=a)
    assert err["code"] == 8000
    assert loaded.error("ApplyPatches", [{"qOp": "replace", "qPath": "/qExtendsId",
                                          "qValue": '"a"'}], handle=a)["code"] == 8000
    assert loaded.call("GetProperties", handle=a)["qProp"]["qExtendsId"] == "m1"
    assert loaded.layout(b)["qHyperCube"]["qSize"]["qcy"] == 3  # through a, to m1
    sheet = loaded.call("CreateObject", obj("s", "sheet"), handle=1)["qReturn"]["qHandle"]
    assert loaded.error("CreateChild", {"qInfo": {"qType": "table"}, "qExtendsId": "nope"},
                        handle=sheet)["code"] == 8000
    assert loaded.call("GetChildInfos", handle=sheet)["qInfos"] == []


@pytest.fixture
def linked_app(engine: Engine, make_client: Callable[..., Client]) -> tuple[Client, Client]:
    """A saved app with a master chart m1, l1 linked to it and l2 linked to l1 (a
    chain), and an unrelated chart u; two sessions have it open."""
    app = engine.create_app("linked", SALES_SCRIPT)
    app.reload()
    app.create_object(chart("m1", "Master"))
    app.create_object({**obj("l1", "table"), "qExtendsId": "m1", "showTitles": True})
    app.create_object({**obj("l2", "table"), "qExtendsId": "l1"})
    app.create_object(chart("u", "Unrelated"))
    a, b = make_client(), make_client()
    for c in (a, b):
        c.call("OpenDoc", "linked")
    return a, b


def handles(c: Client, *ids: str) -> list[int]:
    return [c.call("GetObject", i, handle=1)["qReturn"]["qHandle"] for i in ids]


def by_region(c: Client, handle: int) -> dict[str, float]:
    page = c.call("GetHyperCubeData", "/qHyperCubeDef", [
        {"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}], handle=handle)["qDataPages"][0]
    return {r[0]["qText"]: r[1]["qNum"] for r in page["qMatrix"]}


def pushed_changes(c: Client) -> set[int]:
    out = {h for msg in c.pushed for h in msg.get("change", [])}
    c.pushed.clear()
    return out


def test_a_change_of_the_linked_to_object_reaches_every_linking_object(
        linked_app: tuple[Client, Client]) -> None:
    a, b = linked_app
    m1, l1, l2, u = handles(a, "m1", "l1", "l2", "u")
    bl1, bl2, bu = handles(b, "l1", "l2", "u")
    for c, hs in ((a, (l1, l2, u)), (b, (bl1, bl2, bu))):
        for h in hs:
            c.layout(h)
    assert by_region(b, bl2) == {"North": 120, "South": 150, "East": 40}
    pushed_changes(b)
    # the master's measure becomes Max(Amount): l1 and l2 (through l1) change with it
    props = a.call("GetProperties", handle=m1)["qProp"]
    props["qHyperCubeDef"]["qMeasures"][0]["qDef"]["qDef"] = "Max(Amount)"
    reply = a.send("SetProperties", props, handle=m1)
    assert {m1, l1, l2} <= set(reply["change"]) and u not in reply["change"]
    assert pushed_changes(b) == {bl1, bl2}
    # by hand from SALES_SCRIPT: the largest amount per region
    assert by_region(b, bl2) == {"North": 100, "South": 150, "East": 40}
    assert by_region(b, bl1) == {"North": 100, "South": 150, "East": 40}
    # ApplyPatches on the master: the same
    reply = a.send("ApplyPatches", [{"qOp": "replace", "qPath": "/qMetaDef/title",
                                     "qValue": '"Renamed"'}], handle=m1)
    assert {l1, l2} <= set(reply["change"]) and u not in reply["change"]
    assert pushed_changes(b) == {bl1, bl2}
    assert b.layout(bl2)["qMeta"]["title"] == "Renamed"
    # a change of l1 reaches l2, not the master
    reply = a.send("ApplyPatches", [{"qOp": "add", "qPath": "/qMetaDef/title",
                                     "qValue": '"Mine"'}], handle=l1)
    assert l2 in reply["change"] and m1 not in reply["change"]
    assert b.layout(bl2)["qMeta"]["title"] == "Mine"
    # a soft patch of the master is the session's own: its linking objects change there
    pushed_changes(a)
    reply = b.send("ApplyPatches", [{"qOp": "replace", "qValue": '"Min(Amount)"',
                                     "qPath": "/qHyperCubeDef/qMeasures/0/qDef/qDef"}],
                   True, handle=handles(b, "m1")[0])
    assert {bl1, bl2} <= set(reply["change"]) and bu not in reply["change"]
    assert by_region(b, bl2) == {"North": 20, "South": 150, "East": 40}
    assert pushed_changes(a) == set() and by_region(a, l2)["North"] == 100


def test_a_link_to_an_object_that_is_gone_is_error_8001_in_the_layout(
        linked_app: tuple[Client, Client]) -> None:
    a, b = linked_app
    m1, l1, l2 = handles(a, "m1", "l1", "l2")
    bl1, bl2 = handles(b, "l1", "l2")
    reply = a.send("DestroyObject", "m1", handle=1)
    assert reply["result"] == {"qSuccess": True}
    assert m1 in reply["close"] and {l1, l2} <= set(reply["change"])
    assert pushed_changes(b) >= {bl1, bl2}
    for c, h in ((b, bl1), (b, bl2), (a, l1)):
        layout = c.layout(h)
        assert layout["qError"] == {"qErrorCode": 8001}
        assert "qHyperCube" not in layout  # its own properties only
    assert b.layout(bl1)["showTitles"] is True
    # the object stays usable: its data path names nothing, a patch keeping the broken
    # link is refused (8000), and properties without the link repair it
    assert b.error("GetHyperCubeData", "/qHyperCubeDef", [], handle=bl1)["code"] != -32603
    assert b.error("ApplyPatches", [{"qOp": "add", "qPath": "/x", "qValue": "1"}],
                   handle=bl1)["code"] == 8000
    reply = b.send("SetProperties", {**chart("l1", "Own"), "showTitles": False}, handle=bl1)
    assert "result" in reply and bl1 in reply["change"]
    layout = b.layout(bl1)
    assert "qError" not in layout and layout["qMeta"]["title"] == "Own"
    assert by_region(b, bl1) == {"North": 120, "South": 150, "East": 40}
    # l2 links to l1 again: repaired too, and it reads l1's properties now
    assert "qError" not in a.layout(l2) and by_region(a, l2)["North"] == 120
    # a link repaired by removing it with a patch
    a.call("CreateObject", {**obj("l3", "table"), "qExtendsId": "l1"}, handle=1)
    l3 = handles(a, "l3")[0]
    a.call("DestroyObject", "l1", handle=1)
    assert a.layout(l3)["qError"] == {"qErrorCode": 8001}
    a.call("ApplyPatches", [{"qOp": "remove", "qPath": "/qExtendsId"}], handle=l3)
    assert "qError" not in a.layout(l3)


def test_a_link_heals_when_its_target_is_made_again(linked_app: tuple[Client, Client]) -> None:
    a, b = linked_app
    bl1 = handles(b, "l1")[0]
    a.call("DestroyObject", "m1", handle=1)
    assert b.layout(bl1)["qError"] == {"qErrorCode": 8001}
    pushed_changes(b)
    a.call("CreateObject", chart("m1", "Again"), handle=1)
    assert bl1 in pushed_changes(b)
    layout = b.layout(bl1)
    assert "qError" not in layout and layout["qMeta"]["title"] == "Again"
