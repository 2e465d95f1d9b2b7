"""List definitions over the protocol: the layouts, and which handles change with them.

Qlik's "List all app objects" walk-through: after CreateObject of a sheet, "the member
change shows that the transient object is updated, meaning that the list of app objects
has been updated with the new sheet"; enigma.js's protocol notes show CreateObject of a
sheet answered with ``change:[1,2,4]`` in Sense (a sheet list among them)."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import LISTBOX, Client, two_sessions_on_one_app

SHEET_LIST = {
    "qInfo": {"qType": "sheetList"},
    "qAppObjectListDef": {"qType": "sheet",
                          "qData": {"title": "/qMetaDef/title", "rank": "/rank"}},
}


def sheet(qid: str, title: str, rank: int = 0) -> dict:
    return {"qInfo": {"qId": qid, "qType": "sheet"}, "qMetaDef": {"title": title}, "rank": rank}


def titles(client: Client, handle: int) -> list[str]:
    items = client.layout(handle)["qAppObjectList"]["qItems"]
    return [i["qData"]["title"] for i in items]


def test_sheet_list_changes_with_the_sheets(loaded: Client) -> None:
    lst = loaded.create(SHEET_LIST)
    other = loaded.create(LISTBOX)
    assert titles(loaded, lst) == []
    reply = loaded.send("CreateObject", sheet("s1", "One"), handle=1)
    new = reply["result"]["qReturn"]["qHandle"]
    assert sorted(reply["change"]) == sorted([lst, new]) and other not in reply["change"]
    assert titles(loaded, lst) == ["One"]
    props = loaded.call("GetProperties", handle=new)["qProp"]
    props["qMetaDef"]["title"] = "Renamed"
    reply = loaded.send("SetProperties", props, handle=new)
    assert sorted(reply["change"]) == sorted([lst, new])
    assert titles(loaded, lst) == ["Renamed"]
    reply = loaded.send("DestroyObject", "s1", handle=1)
    assert reply["change"] == [lst] and reply["close"] == [new]
    assert titles(loaded, lst) == []


def test_sheet_list_of_another_session_changes(make_client: Callable[..., Client]) -> None:
    loaded, other = two_sessions_on_one_app(make_client)
    theirs = other.create(SHEET_LIST)
    loaded.call("CreateObject", sheet("s1", "One"), handle=1)
    assert {"jsonrpc": "2.0", "change": [theirs]} in other.pushed
    assert titles(other, theirs) == ["One"]


def test_parent_with_child_list_changes_with_its_children(loaded: Client) -> None:
    parent = loaded.call("CreateObject", {"qInfo": {"qId": "p", "qType": "sheet"},
                                          "qChildListDef": {"qData": {"t": "/t"}}},
                         handle=1)["qReturn"]["qHandle"]
    child = loaded.call("CreateChild", {"qInfo": {"qId": "c"}, "t": 1},
                        handle=parent)["qReturn"]["qHandle"]
    props = loaded.call("GetProperties", handle=child)["qProp"]
    props["t"] = 2
    reply = loaded.send("SetProperties", props, handle=child)
    assert sorted(reply["change"]) == sorted([parent, child])
    items = loaded.layout(parent)["qChildList"]["qItems"]
    assert [i["qData"] for i in items] == [{"t": 2}]


def test_field_list_through_the_protocol(loaded: Client) -> None:
    handle = loaded.create({"qInfo": {"qType": "FieldList"},
                            "qFieldListDef": {"qShowSystem": True, "qShowHidden": True,
                                              "qShowSemantic": True, "qShowSrcTables": True}})
    items = loaded.layout(handle)["qFieldList"]["qItems"]
    user = [i for i in items if i.get("qIsHidden") is not True]
    assert [i["qName"] for i in user] == ["Region", "Product", "Amount", "Manager"]
    assert [i["qName"] for i in items[:6]] == ["$Field", "$Table", "$Rows", "$Fields",
                                               "$FieldNo", "$Info"]
    # a reload changes the list's handle like any other
    reply = loaded.send("DoReload", handle=1)
    assert handle in reply["change"]


def test_empty_lists_through_the_protocol(loaded: Client) -> None:
    handle = loaded.create({
        "qInfo": {"qType": "lists"},
        "qDimensionListDef": {"qType": "dimension", "qData": {"title": "/title"}},
        "qMeasureListDef": {"qType": "measure", "qData": {"title": "/title"}},
        "qBookmarkListDef": {"qType": "bookmark", "qData": {"title": "/qMetaDef/title"}},
        "qVariableListDef": {"qType": "variable", "qData": {"name": "/qName"}},
        "qMediaListDef": {},
        "qUndoInfoDef": {},
    })
    layout = loaded.layout(handle)
    for key in ("qDimensionList", "qMeasureList", "qBookmarkList", "qVariableList",
                "qMediaList"):
        assert layout[key] == {"qItems": []}, key
    assert layout["qUndoInfo"] == {"qUndoCount": 0, "qRedoCount": 0}
    assert not [k for k in layout if k.endswith("Def")]
