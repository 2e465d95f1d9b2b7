"""Bookmarks over QIX: the Doc's bookmark methods, GenericBookmark handles, bookmark
lists, temporary selection states, and the answers to bad requests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from associa.app import statedata
from tests.conftest import CUBE, SALES_SCRIPT, Client

# corectl's using-entities project (bookmarks@516e6ae.json) and what the real engine
# (12.387) answered for it: TestBookmarkManagementCommands_bookmark_properties_bookmark-1
# and _bookmark_layout_bookmark-2 (qUtcModifyTime filtered out of the golden).
CORECTL_BOOKMARKS = [
    {"qInfo": {"qId": "bookmark-1", "qType": "bookmark"},
     "qMetaDef": {"title": "Håkan #1", "description": "Håkans första bokmärke!"}},
    {"qInfo": {"qId": "bookmark-2", "qType": "bookmark"},
     "qMetaDef": {"title": "Håkan #2", "description": "Håkans andra bokmärke!"}},
]
GOLDEN_PROPERTIES_1 = {
    "qInfo": {"qId": "bookmark-1", "qType": "bookmark"},
    "qMetaDef": {"title": "Håkan #1", "description": "Håkans första bokmärke!"},
}
GOLDEN_LAYOUT_2 = {
    "qInfo": {"qId": "bookmark-2", "qType": "bookmark"},
    "qMeta": {"privileges": ["read", "update", "delete", "exportdata"],
              "title": "Håkan #2", "description": "Håkans andra bokmärke!"},
    "qBookmark": {"qStateData": [{"qStateName": "$", "qFieldItems": []}],
                  "qUtcModifyTime": None, "qVariableItems": []},
    "qFieldInfos": [],
}
# corectl's ListBookmarks: a session object with this list
LIST = {"qInfo": {"qType": "corectl_entity_list"},
        "qBookmarkListDef": {"qType": "bookmark",
                             "qData": {"id": "/qInfo/qId", "title": "/qMetaDef/title"}}}


def field(c: Client, name: str, state: str = "", doc: int = 1) -> int:
    return c.call("GetField", name, state, handle=doc)["qReturn"]["qHandle"]


def select(c: Client, name: str, *texts: str, state: str = "", doc: int = 1) -> None:
    c.call("SelectValues", [{"qText": t} for t in texts], handle=field(c, name, state, doc))


def create(c: Client, props: dict[str, Any], doc: int = 1) -> tuple[int, dict[str, Any]]:
    result = c.call("CreateBookmark", props, handle=doc)
    return result["qReturn"]["qHandle"], result


def total(c: Client, doc: int = 1) -> str:
    return c.call("Evaluate", "Sum(Amount)", handle=doc)["qReturn"]


def cube_rows(c: Client, handle: int) -> list[list[str]]:
    page = c.layout(handle)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return [[cell["qText"] for cell in row] for row in page]


def utc_days_now() -> float:
    return time.time() / 86400 + 25569


# -- the real engine's shapes ---------------------------------------------------------


def test_properties_and_layout_as_the_real_engine_answers(loaded: Client) -> None:
    c = loaded
    handles = [create(c, props)[0] for props in CORECTL_BOOKMARKS]
    assert c.call("GetProperties", handle=handles[0])["qProp"] == GOLDEN_PROPERTIES_1
    layout = c.layout(handles[1])
    assert abs(layout["qBookmark"]["qUtcModifyTime"] - utc_days_now()) < 1 / 24
    layout["qBookmark"]["qUtcModifyTime"] = None
    assert layout == GOLDEN_LAYOUT_2
    assert list(layout) == list(GOLDEN_LAYOUT_2)
    # corectl's "bookmark ls": titles through qData, including non-ASCII ones
    listing = c.layout(c.create(LIST))["qBookmarkList"]["qItems"]
    assert [(i["qInfo"]["qId"], i["qData"]) for i in listing] == [
        ("bookmark-1", {"id": "bookmark-1", "title": "Håkan #1"}),
        ("bookmark-2", {"id": "bookmark-2", "title": "Håkan #2"}),
    ]


def test_create_answers_the_interface_and_info(loaded: Client) -> None:
    c = loaded
    result = c.call("CreateBookmark", {"qInfo": {"qType": "bookmark"}}, handle=1)
    assert set(result) == {"qInfo", "qReturn"}
    new_id = result["qInfo"]["qId"]
    assert result["qInfo"] == {"qId": new_id, "qType": "bookmark"} and len(new_id) == 36
    assert result["qReturn"] == {"qType": "GenericBookmark", "qHandle": result["qReturn"]["qHandle"],
                                 "qGenericType": "bookmark", "qGenericId": new_id}
    handle = result["qReturn"]["qHandle"]
    assert handle in c.last["change"]
    again = c.call("GetBookmark", new_id, handle=1)["qReturn"]
    assert again == result["qReturn"]  # the same handle
    assert c.call("GetInfo", handle=handle) == {"qInfo": {"qId": new_id, "qType": "bookmark"}}
    assert c.call("GetBookmark", "nope", handle=1) == {"qReturn": {"qType": None, "qHandle": None}}
    ex = c.call("CreateBookmarkEx", {"qInfo": {"qId": "ex", "qType": "bookmark"}}, ["x"], handle=1)
    assert ex["qInfo"] == {"qId": "ex", "qType": "bookmark"}


def test_a_layout_has_field_items_without_values_and_counts_in_field_infos(loaded: Client) -> None:
    c = loaded
    c.call("AddAlternateState", "A", handle=1)
    select(c, "Region", "North", "East")
    select(c, "Product", "Bike", state="A")
    c.call("LockAll", "A", handle=1)
    handle, _ = create(c, {"qInfo": {"qType": "bookmark"}, "sheetId": "s1"})
    layout = c.layout(handle)
    select_info = {"qRangeLo": "NaN", "qRangeHi": "NaN",
                   "qNumberFormat": {"qType": "U", "qnDec": 10, "qUseThou": 0},
                   "qRangeInfo": [], "qContinuousRangeInfo": []}
    assert layout["qBookmark"]["qStateData"] == [
        {"qStateName": "$", "qFieldItems": [
            {"qDef": {"qName": "Region", "qType": "PRESENT"}, "qSelectInfo": select_info,
             "qValues": [], "qExcludedValues": []}]},
        {"qStateName": "A", "qFieldItems": [
            {"qDef": {"qName": "Product", "qType": "PRESENT"}, "qLocked": True,
             "qSelectInfo": select_info, "qValues": [], "qExcludedValues": []}]},
    ]
    assert layout["qFieldInfos"] == [
        {"qFieldName": "Region", "qValuesCount": 2, "qExcludedValuesCount": 1}]
    assert layout["sheetId"] == "s1"  # the client's own keys follow


def test_field_values_page_through_the_default_states_values(loaded: Client) -> None:
    c = loaded
    select(c, "Amount", "20", "40", "100", "150")
    select(c, "Region", "North", "South", "East")
    handle, _ = create(c, {})

    def values(name: str, start: int, end: int, excluded: bool = False) -> list[Any]:
        page = {"qStartIndex": start, "qEndIndex": end}
        return c.call("GetFieldValues", name, excluded, page, handle=handle)["qFieldValues"]

    amounts = values("Amount", 0, 10)
    assert amounts == [{"qText": t, "qIsNumeric": True, "qNumber": int(t)}
                       for t in ("100", "20", "150", "40")]
    assert values("Amount", 1, 3) == amounts[1:3]
    assert values("Amount", 3, 100) == amounts[3:]
    assert values("Amount", 2, 2) == [] and values("Amount", 5, 1) == []
    assert values("Region", 0, 1) == [{"qText": "North", "qIsNumeric": False, "qNumber": 0}]
    assert values("Region", 0, 10, excluded=True) == []
    assert values("Manager", 0, 10) == []  # no selection in the bookmark
    c.call("ClearAll", handle=1)
    select(c, "Region", "South")
    other, _ = create(c, {})
    excluded = c.call("GetFieldValues", "Region", True, {"qStartIndex": 0, "qEndIndex": 9},
                      handle=other)["qFieldValues"]
    assert [v["qText"] for v in excluded] == ["North", "East"]
    by_name = c.call("GetFieldValues", handle=other, named={
        "qField": "Region", "qGetExcludedValues": False,
        "qDataPage": {"qStartIndex": 0, "qEndIndex": 1}})
    assert by_name["qFieldValues"] == [{"qText": "South", "qIsNumeric": False, "qNumber": 0}]
    error = c.error("GetFieldValues", "Region", False, {"qStartIndex": "a"}, handle=other)
    assert error["code"] == 8


# -- applying -------------------------------------------------------------------------


def test_apply_restores_the_selections_of_every_state(loaded: Client) -> None:
    c = loaded
    c.call("AddAlternateState", "A", handle=1)
    a_cube = c.create({**CUBE, "qStateName": "A"})
    select(c, "Product", "Bike")
    select(c, "Region", "North", state="A")
    handle, result = create(c, {"qInfo": {"qType": "bookmark"}})
    bm_id = result["qInfo"]["qId"]
    c.call("ClearAll", handle=1)
    c.call("ClearAll", False, "A", handle=1)
    assert total(c) == "310" and len(cube_rows(c, a_cube)) == 3
    assert c.call("ApplyBookmark", bm_id, handle=1) == {"qSuccess": True}
    assert 1 in c.last["change"] and a_cube in c.last["change"]
    assert total(c) == "250" and cube_rows(c, a_cube) == [["North", "120"]]
    c.call("ClearAll", handle=1)
    assert c.call("Apply", handle=handle) == {"qSuccess": True}
    assert total(c) == "250"
    c.call("ClearAll", handle=1)
    assert c.call("ApplyAndVerify", handle=handle) == {
        "qResult": {"qApplySuccess": True, "qWarnings": []}}
    assert total(c) == "250"


def test_apply_and_verify_reports_what_is_gone(loaded: Client) -> None:
    c = loaded
    select(c, "Region", "North", "East")
    _, result = create(c, {})
    c.call("SetScript", SALES_SCRIPT.replace("East, Helmet, 40\n", "").replace("East, Cid\n", ""),
           handle=1)
    assert c.call("DoReload", handle=1) == {"qReturn": True}
    c.call("ClearAll", handle=1)
    verified = c.call("ApplyAndVerifyBookmark", result["qInfo"]["qId"], handle=1)["qResult"]
    assert verified == {"qApplySuccess": True, "qWarnings": [{
        "qState": "$", "qField": "Region", "qVerifyResult": "FIELD_VALUE_MISSING",
        "qMissingValues": ["East"],
        "qMissingDuals": [{"qText": "East", "qIsNumeric": False, "qNumber": 0}],
        "qTotalMissing": 1}]}
    assert total(c) == "120"


# -- properties -----------------------------------------------------------------------


def test_set_properties_keeps_the_selections(loaded: Client) -> None:
    c = loaded
    select(c, "Region", "South")
    handle, result = create(c, {"qInfo": {"qType": "bookmark"}, "qMetaDef": {"title": "a"}})
    listing = c.create(LIST)
    c.call("SetProperties", {"qInfo": {"qId": "ignored"}, "qMetaDef": {"title": "b"},
                             "qIncludeVariables": True}, handle=handle)
    assert handle in c.last["change"] and listing in c.last["change"]
    props = c.call("GetProperties", handle=handle)["qProp"]
    assert props == {"qInfo": {"qId": result["qInfo"]["qId"], "qType": "bookmark"},
                     "qMetaDef": {"title": "b"}, "qIncludeVariables": True}
    full = c.call("GetProperties", handle=handle, return_empty=True)["qProp"]
    assert full["qDistinctValues"] is False and full["qIncludeVariables"] is True
    assert [i["qData"]["title"] for i in c.layout(listing)["qBookmarkList"]["qItems"]] == ["b"]
    c.call("ApplyPatches", [{"qOp": "replace", "qPath": "/qMetaDef/title", "qValue": '"c"'},
                            {"qOp": "add", "qPath": "/creationDate", "qValue": '"today"'}],
           handle=handle)
    props = c.call("GetProperties", handle=handle)["qProp"]
    assert props["qMetaDef"] == {"title": "c"} and props["creationDate"] == "today"
    c.call("ClearAll", handle=1)
    c.call("Apply", handle=handle)
    assert total(c) == "150"  # still South


def test_bad_properties_change_nothing(loaded: Client) -> None:
    c = loaded
    handle, result = create(c, {"qInfo": {"qId": "b1", "qType": "bookmark"},
                                "qMetaDef": {"title": "t"}})
    for bad in ({"qIncludeVariables": "yes"}, {"qMetaDef": "x"}, {"qInfo": {"qType": 5}}):
        assert c.error("CreateBookmark", bad, handle=1)["code"] == 8
        assert c.error("SetProperties", bad, handle=handle)["code"] == 8
    assert c.error("CreateBookmark", "text", handle=1)["code"] == -32602
    assert c.error("ApplyPatches", [{"qOp": "replace", "qPath": "/qMetaDef",
                                     "qValue": "not json"}], handle=handle)["code"] == 8
    assert c.error("CreateBookmark", {"qInfo": {"qId": "b1"}}, handle=1)["code"] == 3
    assert c.call("GetProperties", handle=handle)["qProp"] == {
        "qInfo": {"qId": "b1", "qType": "bookmark"}, "qMetaDef": {"title": "t"}}
    assert c.call("GetBookmarks", {}, handle=1)["qList"][0]["qInfo"]["qId"] == "b1"
    assert len(c.call("GetBookmarks", {}, handle=1)["qList"]) == 1


# -- lists, cloning, destroying -------------------------------------------------------


def test_get_bookmarks_filters_by_type_and_resolves_data(loaded: Client) -> None:
    c = loaded
    create(c, {"qInfo": {"qId": "one", "qType": "bookmark"}, "qMetaDef": {"title": "1"}})
    create(c, {"qInfo": {"qId": "two", "qType": "story-bookmark"}})
    everything = c.call("GetBookmarks", {"qTypes": [""], "qData": {}}, handle=1)["qList"]
    assert [i["qInfo"]["qId"] for i in everything] == ["one", "two"]
    only = c.call("GetBookmarks", {"qTypes": ["bookmark"],
                                   "qData": {"title": "/qMetaDef/title",
                                             "when": "/qBookmark/qUtcModifyTime",
                                             "nothing": "/qMetaDef/none"}}, handle=1)["qList"]
    assert len(only) == 1
    assert only[0]["qInfo"] == {"qId": "one", "qType": "bookmark"}
    assert only[0]["qMeta"]["title"] == "1"
    assert only[0]["qData"]["title"] == "1" and "nothing" not in only[0]["qData"]
    assert abs(only[0]["qData"]["when"] - utc_days_now()) < 1 / 24
    # enigma.js's default options
    assert len(c.call("GetBookmarks", handle=1)["qList"]) == 2


def test_clone_and_destroy(loaded: Client) -> None:
    c = loaded
    select(c, "Region", "East")
    handle, result = create(c, {"qInfo": {"qId": "orig", "qType": "bookmark"},
                                "qMetaDef": {"title": "t"}})
    clone_id = c.call("CloneBookmark", "orig", handle=1)["qCloneId"]
    assert clone_id != "orig"
    clone = c.call("GetBookmark", clone_id, handle=1)["qReturn"]["qHandle"]
    assert c.call("GetProperties", handle=clone)["qProp"]["qMetaDef"] == {"title": "t"}
    assert c.call("DestroyBookmark", "orig", handle=1) == {"qSuccess": True}
    assert c.last["close"] == [handle]
    assert c.error("GetLayout", handle=handle)["code"] == -32602
    assert c.call("DestroyBookmark", "orig", handle=1) == {"qSuccess": False}
    assert c.call("GetBookmark", "orig", handle=1)["qReturn"]["qHandle"] is None
    c.call("ClearAll", handle=1)
    c.call("Apply", handle=clone)
    assert total(c) == "40"


def test_unknown_ids_are_errors_that_leave_the_session_working(loaded: Client) -> None:
    c = loaded
    for method in ("ApplyBookmark", "ApplyAndVerifyBookmark", "CloneBookmark"):
        error = c.error(method, "nope", handle=1)
        assert (error["code"], error["parameter"]) == (2, "nope")
    assert c.error("ApplyBookmark", handle=1)["code"] == -32602  # no id
    assert c.error("DeleteTempSelectionState", "x", handle=1)["code"] == -32601
    assert total(c) == "310"


# -- bookmarks and the other sessions -------------------------------------------------


@pytest.fixture
def two_sessions(make_client: Callable[..., Client]) -> tuple[Client, Client]:
    a, b = make_client(), make_client()
    assert a.call("CreateApp", "shared")["qSuccess"]
    for c in (a, b):
        c.call("OpenDoc", "shared")
    a.call("SetScript", SALES_SCRIPT, handle=1)
    assert a.call("DoReload", handle=1) == {"qReturn": True}
    return a, b


def test_bookmarks_are_seen_by_every_session_and_their_lists_change(
        two_sessions: tuple[Client, Client]) -> None:
    a, b = two_sessions
    mine, theirs = a.create(LIST), b.create(LIST)
    select(a, "Product", "Lock")
    _, result = create(a, {"qInfo": {"qId": "x", "qType": "bookmark"},
                           "qMetaDef": {"title": "locks"}})
    assert mine in a.last["change"]
    assert {"jsonrpc": "2.0", "change": [theirs]} in b.pushed
    assert [i["qData"]["title"] for i in b.layout(theirs)["qBookmarkList"]["qItems"]] == ["locks"]
    assert total(b) == "310"
    b.call("ApplyBookmark", "x", handle=1)
    assert total(b) == "20" and total(a) == "20"
    b.pushed.clear()
    a.call("DestroyBookmark", "x", handle=1)
    assert {"jsonrpc": "2.0", "change": [theirs]} in b.pushed
    assert b.layout(theirs)["qBookmarkList"]["qItems"] == []


def test_a_saved_bookmark_survives_a_restart(data_dir: Any) -> None:
    from associa.engine import Engine
    from associa.qix.sessions import SessionManager
    from associa.settings import Settings

    first = Client(SessionManager(Engine(Settings(data_dir=data_dir))))
    first.call("CreateApp", "kept")
    first.call("OpenDoc", "kept")
    first.call("SetScript", SALES_SCRIPT, handle=1)
    first.call("DoReload", handle=1)
    select(first, "Region", "North")
    create(first, {"qInfo": {"qId": "north", "qType": "bookmark"}})
    first.call("DoSave", handle=1)
    first.close()
    first.sessions.shutdown()

    second = Client(SessionManager(Engine(Settings(data_dir=data_dir))))
    second.call("OpenDoc", "kept")
    assert total(second) == "310"
    assert second.call("ApplyBookmark", "north", handle=1) == {"qSuccess": True}
    assert total(second) == "120"
    second.close()
    second.sessions.shutdown()


# -- temporary selection states -------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [50.0]
    monkeypatch.setattr(statedata, "clock", lambda: now[0])
    return now


def test_temporary_states_restore_until_their_ttl(
        two_sessions: tuple[Client, Client], clock: list[float]) -> None:
    a, b = two_sessions
    select(a, "Region", "South")
    stored = a.call("StoreTempSelectionState", 2, handle=1)
    assert stored["qReturn"] is True and isinstance(stored["qId"], str)
    lasting = a.call("StoreTempSelectionState", handle=1)["qId"]  # 30 minutes
    assert b.call("RestoreTempSelectionState", stored["qId"], handle=1) == {"qReturn": True}
    assert total(b) == "150"
    b.call("ClearAll", handle=1)
    clock[0] += 2
    assert b.call("RestoreTempSelectionState", stored["qId"], handle=1) == {"qReturn": False}
    assert total(b) == "310"  # nothing restored
    assert b.call("RestoreTempSelectionState", "unknown", handle=1) == {"qReturn": False}
    clock[0] += 30 * 60 - 3
    assert b.call("RestoreTempSelectionState", lasting, handle=1) == {"qReturn": True}
    assert total(b) == "150"
    clock[0] += 1
    assert b.call("RestoreTempSelectionState", lasting, handle=1) == {"qReturn": False}
    error = a.error("StoreTempSelectionState", "soon", handle=1)
    assert error["code"] == -32602


def test_temporary_bookmarks_apply_until_their_ttl(
        two_sessions: tuple[Client, Client], clock: list[float]) -> None:
    a, b = two_sessions
    select(a, "Region", "South")
    made = a.call("CreateTemporaryBookmark", {"qIncludeVariables": False,
                                              "qIncludeAllPatches": False}, handle=1)
    assert made["qReturn"] is True and isinstance(made["qId"], str)
    b.call("ClearAll", handle=1)
    assert total(b) == "310"
    reply = b.send("ApplyTemporaryBookmark", made["qId"], handle=1)
    assert reply["result"] == {"qReturn": True}
    assert total(b) == "150"
    assert b.call("ApplyTemporaryBookmark", "unknown", handle=1) == {"qReturn": False}
    assert a.call("ApplyTemporaryBookmark", made["qId"], handle=1) == {"qReturn": True}
    clock[0] += 30 * 60
    b.call("ClearAll", handle=1)
    assert b.call("ApplyTemporaryBookmark", made["qId"], handle=1) == {"qReturn": False}
    assert total(b) == "310"  # nothing applied
    # neither a bookmark nor a temporary selection state
    assert b.call("GetBookmarks", {"qTypes": []}, handle=1)["qList"] == []
    assert b.call("RestoreTempSelectionState", made["qId"], handle=1) == {"qReturn": False}
    assert a.error("CreateTemporaryBookmark", {}, [1], handle=1)["code"] == 8  # invalid parameters
    assert a.error("CreateTemporaryBookmark", "all", handle=1)["code"] == -32602


def test_a_bookmarks_handle_changes_with_it_and_closes_when_it_goes(
        make_client: Callable[..., Client]) -> None:
    """Sessions with their own identities on one app: a bookmark changed by one changes
    the other's handle on it; destroyed, the other's handle closes."""
    a = make_client()
    a.call("CreateApp", "apart")
    a.call("OpenDoc", "apart")
    a.call("SetScript", SALES_SCRIPT, handle=1)
    a.call("DoReload", handle=1)
    b = make_client(key="someone-else")
    b.call("OpenDoc", "apart")
    select(a, "Region", "North")
    mine, _ = create(a, {"qInfo": {"qId": "shared", "qType": "bookmark"}})
    theirs = b.call("GetBookmark", "shared", handle=1)["qReturn"]["qHandle"]
    props = a.call("GetProperties", handle=mine)["qProp"]
    b.pushed.clear()
    a.call("SetProperties", {**props, "qMetaDef": {"title": "renamed"}}, handle=mine)
    assert any(theirs in m.get("change", []) for m in b.pushed)
    b.pushed.clear()
    a.call("DestroyBookmark", "shared", handle=1)
    assert any(theirs in m.get("close", []) for m in b.pushed)
    assert b.error("GetLayout", handle=theirs)["code"] == -32602


# -- soft patches and variables -------------------------------------------------------

DESCENDING = {"qOp": "replace", "qPath": "/qListObjectDef/qDef/qSortCriterias/0/qSortByAscii",
              "qValue": "-1"}


def _regions(c: Client, handle: int) -> list[str]:
    page = c.layout(handle)["qListObject"]["qDataPages"][0]["qMatrix"]
    return [row[0]["qText"] for row in page]


def _two_soft_patched_lists(c: Client) -> tuple[int, int]:
    """List boxes "a" and "b", each sorted descending by a soft patch; their handles."""
    from tests.conftest import LISTBOX

    handles = []
    for obj_id in ("a", "b"):
        handle = c.call("CreateObject", {**LISTBOX, "qInfo": {"qId": obj_id, "qType": "listbox"}},
                        handle=1)["qReturn"]["qHandle"]
        c.call("ApplyPatches", [DESCENDING], True, handle=handle)
        handles.append(handle)
    return handles[0], handles[1]


def test_a_bookmark_keeps_the_sessions_soft_patches(loaded: Client) -> None:
    c = loaded
    a, b = _two_soft_patched_lists(c)
    every, _ = create(c, {"qInfo": {"qType": "bookmark"}})
    only_a = c.call("CreateBookmarkEx", {"qInfo": {"qType": "bookmark"}}, ["a"],
                    handle=1)["qReturn"]["qHandle"]
    patches = c.layout(every)["qBookmark"]["qPatches"]
    assert [(p["qInfo"]["qId"], p["qPatches"]) for p in patches] == [
        ("a", [DESCENDING]), ("b", [DESCENDING])]
    assert [p["qInfo"]["qId"] for p in c.layout(only_a)["qBookmark"]["qPatches"]] == ["a"]
    c.call("ClearAllSoftPatches", handle=1)
    assert _regions(c, a) == _regions(c, b) == ["East", "North", "South"]
    reply = c.send("Apply", handle=only_a)
    assert a in reply["change"] and b not in reply["change"]
    assert _regions(c, a) == ["South", "North", "East"]
    assert _regions(c, b) == ["East", "North", "South"]
    c.call("Apply", handle=every)
    assert _regions(c, b) == ["South", "North", "East"]
    # a bookmark made without soft patches has none in its layout
    c.call("ClearAllSoftPatches", handle=1)
    plain, _ = create(c, {"qInfo": {"qType": "bookmark"}})
    assert "qPatches" not in c.layout(plain)["qBookmark"]


def test_a_temporary_bookmark_keeps_the_soft_patches_it_is_asked_for(loaded: Client) -> None:
    c = loaded
    a, b = _two_soft_patched_lists(c)
    none = c.call("CreateTemporaryBookmark", {}, handle=1)["qId"]
    only_a = c.call("CreateTemporaryBookmark", {"qIncludeAllPatches": False}, ["a"],
                    handle=1)["qId"]
    every = c.call("CreateTemporaryBookmark", {"qIncludeAllPatches": True}, [],
                   handle=1)["qId"]
    c.call("ClearAllSoftPatches", handle=1)
    c.call("ApplyTemporaryBookmark", none, handle=1)
    assert _regions(c, a) == _regions(c, b) == ["East", "North", "South"]
    reply = c.send("ApplyTemporaryBookmark", only_a, handle=1)
    assert a in reply["change"] and b not in reply["change"]
    assert _regions(c, a) == ["South", "North", "East"]
    assert _regions(c, b) == ["East", "North", "South"]
    c.call("ApplyTemporaryBookmark", every, handle=1)
    assert _regions(c, b) == ["South", "North", "East"]


def test_replacing_a_bookmark_keeps_its_properties_and_takes_the_selections_now(
        two_sessions: tuple[Client, Client]) -> None:
    a, b = two_sessions
    mine = _north_bookmark(a)
    theirs = b.call("GetBookmark", "bm", handle=1)["qReturn"]["qHandle"]
    select(a, "Region", "South")
    b.pushed.clear()
    reply = a.send("ReplaceBookmark", "bm", handle=1)
    assert reply["result"]["qInfo"] == {"qId": "bm", "qType": "bookmark"}
    assert reply["result"]["qReturn"]["qHandle"] == mine
    assert mine in reply["change"]
    assert any(theirs in m.get("change", []) for m in b.pushed)
    layout = b.layout(theirs)
    assert layout["qMeta"]["title"] == "the north"  # the properties stay
    assert [(i["qFieldName"], i["qValuesCount"]) for i in layout["qFieldInfos"]] == [
        ("Region", 1)]
    b.call("ApplyBookmark", "bm", handle=1)
    assert total(b) == "150"  # South's, not North's
    assert a.error("ReplaceBookmark", "nope", handle=1)["code"] == 2
    assert a.error("ReplaceBookmark", "bm", False, [3], handle=1)["code"] == 8


def test_replacing_a_bookmark_keeps_the_soft_patches_it_is_asked_for(loaded: Client) -> None:
    c = loaded
    a, b = _two_soft_patched_lists(c)
    bm, _ = create(c, {"qInfo": {"qId": "bm", "qType": "bookmark"}})

    def patched() -> list[str]:
        return [p["qInfo"]["qId"] for p in c.layout(bm)["qBookmark"].get("qPatches", [])]

    assert patched() == ["a", "b"]
    c.call("ReplaceBookmark", "bm", False, ["b"], handle=1)
    assert patched() == ["b"]
    c.call("ReplaceBookmark", "bm", True, ["b"], handle=1)
    assert patched() == []
    c.call("ReplaceBookmark", "bm", handle=1)
    assert patched() == ["a", "b"]


def _north_bookmark(c: Client) -> int:
    """Region North selected and a bookmark "bm" of it titled "the north"; its handle."""
    select(c, "Region", "North")
    handle, _ = create(c, {"qInfo": {"qId": "bm", "qType": "bookmark"},
                           "qMetaDef": {"title": "the north"}})
    return handle


def test_publish_and_approve_a_bookmark_are_meta_flags(
        two_sessions: tuple[Client, Client]) -> None:
    a, b = two_sessions
    mine = _north_bookmark(a)
    listing = b.create(LIST)
    # each step, then the flags the layout and every session's list show after it
    for step, published, approved in (("Publish", True, None), ("Approve", True, True),
                                      ("UnApprove", True, False),
                                      ("UnPublish", False, False)):
        b.pushed.clear()
        a.call(step, handle=mine)
        assert any(listing in m.get("change", []) for m in b.pushed), step
        meta = a.layout(mine)["qMeta"]
        listed = b.call("GetBookmarks", {"qTypes": ["bookmark"]}, handle=1)["qList"][0]["qMeta"]
        for shown in (meta, listed):
            assert (shown.get("published"), shown.get("approved")) == (published, approved)
            assert ("publishTime" in shown) is published, step
        assert meta["title"] == "the north"
    a.call("ApplyBookmark", "bm", handle=1)
    assert total(a) == "120"  # the selections stay what they were


VARIABLES = {"qInfo": {"qType": "vars"},
             "qVariableListDef": {"qType": "variable", "qData": {}}}


def test_applying_a_bookmark_gives_variables_their_saved_values(loaded: Client) -> None:
    c = loaded
    c.call("SetScript", "SET vTarget = 100;\nSET vLabel = 'Sales';\n" + SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    with_vars, _ = create(c, {"qInfo": {"qType": "bookmark"}, "qIncludeVariables": True})
    without, _ = create(c, {"qInfo": {"qType": "bookmark"}})
    items = c.layout(with_vars)["qBookmark"]["qVariableItems"]
    saved = {i["qName"]: i["qValue"]["qText"] for i in items}
    assert saved["vTarget"] == "100" and saved["vLabel"] == "Sales"
    c.call("SetScript", "SET vTarget = 250;\n" + SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    listing = c.create(VARIABLES)

    def values() -> dict[str, str]:
        return {i["qName"]: i["qDefinition"] for i in c.layout(listing)["qVariableList"]["qItems"]}

    assert values()["vTarget"] == "250" and "vLabel" not in values()
    c.call("Apply", handle=without)
    assert values()["vTarget"] == "250"
    reply = c.send("Apply", handle=with_vars)
    assert listing in reply["change"]
    assert values()["vTarget"] == "100"  # restored; vLabel no longer exists: left out
    assert "vLabel" not in values()


def test_a_temporary_bookmark_keeps_variables_when_asked(loaded: Client) -> None:
    c = loaded
    c.call("SetScript", "SET vTarget = 100;\n" + SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    with_vars = c.call("CreateTemporaryBookmark", {"qIncludeVariables": True},
                       handle=1)["qId"]
    without = c.call("CreateTemporaryBookmark", {"qIncludeVariables": False},
                     handle=1)["qId"]
    c.call("SetScript", "SET vTarget = 250;\n" + SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    listing = c.create(VARIABLES)

    def target() -> str:
        items = c.layout(listing)["qVariableList"]["qItems"]
        return next(i["qDefinition"] for i in items if i["qName"] == "vTarget")

    c.call("ApplyTemporaryBookmark", without, handle=1)
    assert target() == "250"
    c.call("ApplyTemporaryBookmark", with_vars, handle=1)
    assert target() == "100"


def test_get_all_infos_lists_the_bookmarks(loaded: Client) -> None:
    c = loaded
    c.call("CreateObject", {**CUBE, "qInfo": {"qId": "cube", "qType": "table"}}, handle=1)
    create(c, {"qInfo": {"qId": "bm", "qType": "bookmark"}})
    infos = c.call("GetAllInfos", handle=1)["qInfos"]
    assert infos == [{"qId": "cube", "qType": "table"}, {"qId": "bm", "qType": "bookmark"}]
    c.call("DestroyBookmark", "bm", handle=1)
    assert c.call("GetAllInfos", handle=1)["qInfos"] == [{"qId": "cube", "qType": "table"}]
