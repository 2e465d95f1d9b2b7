"""GenericObject: properties, layouts, data pages, selections, search and modal state."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import CUBE, LISTBOX, SALES_SCRIPT, Client, two_sessions_on_one_app


def cells(page: dict[str, Any]) -> list[list[str]]:
    return [[c["qText"] for c in row] for row in page["qMatrix"]]


def states(layout: dict[str, Any]) -> dict[str, str]:
    (page,) = layout["qListObject"]["qDataPages"]
    return {row[0]["qText"]: row[0]["qState"] for row in page["qMatrix"]}


def test_layout_and_properties(loaded: Client) -> None:
    handle = loaded.create({**CUBE, "title": "Sales", "qInfo": {"qId": "c1", "qType": "table"}})
    layout = loaded.layout(handle)
    assert list(layout)[:3] == ["qInfo", "qMeta", "qSelectionInfo"]
    assert layout["qInfo"] == {"qId": "c1", "qType": "table"}
    assert layout["qMeta"] == {"privileges": ["read", "update", "delete", "exportdata"]}
    assert layout["title"] == "Sales" and "qHyperCubeDef" not in layout
    cube = layout["qHyperCube"]
    assert cube["qSize"] == {"qcx": 2, "qcy": 3}
    (page,) = cube["qDataPages"]
    assert sorted(cells(page)) == [["East", "40"], ["North", "120"], ["South", "150"]]
    props = loaded.call("GetProperties", handle=handle)["qProp"]
    assert list(props) == ["qInfo", "qMetaDef", "qHyperCubeDef", "title"]
    assert props["title"] == "Sales" and props["qMetaDef"] == {}
    cube = props["qHyperCubeDef"]
    assert cube["qDimensions"][0]["qDef"]["qFieldDefs"] == ["Region"]
    assert cube["qMeasures"][0]["qDef"]["qDef"] == "Sum(Amount)"
    assert cube["qInitialDataFetch"] == CUBE["qHyperCubeDef"]["qInitialDataFetch"]
    assert cube["qMode"] == "S" and cube["qNoOfLeftDims"] == -1
    assert loaded.call("GetEffectiveProperties", handle=handle)["qProp"] == props
    assert loaded.call("GetInfo", handle=handle) == {"qInfo": {"qId": "c1", "qType": "table"}}


def test_set_properties_changes_the_layout(loaded: Client) -> None:
    handle = loaded.create(LISTBOX)
    props = loaded.call("GetProperties", handle=handle)["qProp"]
    props["qListObjectDef"]["qDef"]["qFieldDefs"] = ["Product"]
    reply = loaded.send("SetProperties", props, handle=handle)
    assert reply["result"] == {} and reply["change"] == [handle]
    assert loaded.layout(handle)["qListObject"]["qDimensionInfo"]["qFallbackTitle"] == "Product"
    # the qId can't be changed through SetProperties
    props["qInfo"]["qId"] = "other"
    loaded.call("SetProperties", props, handle=handle)
    assert loaded.call("GetInfo", handle=handle)["qInfo"]["qId"] != "other"


def test_properties_are_copies(loaded: Client) -> None:
    """Changing what a request returned must not change the object."""
    props = copy.deepcopy(LISTBOX)
    handle = loaded.create(props)
    props["qListObjectDef"]["qDef"]["qFieldDefs"] = ["Amount"]
    got = loaded.call("GetProperties", handle=handle)["qProp"]
    assert got["qListObjectDef"]["qDef"]["qFieldDefs"] == ["Region"]


def test_persisted_property_change_reaches_other_sessions(
    make_client: Callable[..., Client]
) -> None:
    loaded, other = two_sessions_on_one_app(make_client)
    loaded.call("CreateObject", {**LISTBOX, "qInfo": {"qId": "lb", "qType": "listbox"}}, handle=1)
    theirs = other.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"]
    mine = loaded.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"]
    props = loaded.call("GetProperties", handle=mine)["qProp"]
    props["extra"] = 1
    loaded.call("SetProperties", props, handle=mine)
    assert {"jsonrpc": "2.0", "change": [theirs]} in other.pushed
    assert other.layout(theirs)["extra"] == 1


def test_apply_patches(loaded: Client) -> None:
    handle = loaded.create(LISTBOX)
    patches = [
        {"qOp": "replace", "qPath": "/qListObjectDef/qDef/qFieldDefs/0", "qValue": '"Product"'},
        {"qOp": "add", "qPath": "/title", "qValue": '"Products"'},
        {"qOp": "add", "qPath": "/tags/-", "qValue": '"x"'},
    ]
    loaded.call("SetProperties", {**LISTBOX, "tags": []}, handle=handle)
    reply = loaded.send("ApplyPatches", patches, False, handle=handle)
    assert reply["result"] == {} and handle in reply["change"]
    props = loaded.call("GetProperties", handle=handle)["qProp"]
    assert props["qListObjectDef"]["qDef"]["qFieldDefs"] == ["Product"]
    assert props["title"] == "Products" and props["tags"] == ["x"]
    loaded.call("ApplyPatches", [{"qOp": "remove", "qPath": "/title"}], handle=handle)
    assert "title" not in loaded.call("GetProperties", handle=handle)["qProp"]


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"qOp": "add", "qPath": "/", "qValue": "1"}, 4),
        ({"qOp": "add", "qPath": "/a", "qValue": "{not json"}, 8),
        ({"qOp": "move", "qPath": "/a", "qValue": "1"}, 8),
        ({"qOp": "add", "qPath": "/qInfo/qId/x", "qValue": "1"}, 4),
        # str.isdigit() holds for "³", but it is no list index
        ({"qOp": "add", "qPath": "/qListObjectDef/qInitialDataFetch/³", "qValue": "1"}, 4),
        ({"qOp": "add", "qPath": "/qListObjectDef/qInitialDataFetch/³/qTop", "qValue": "1"}, 4),
        ({"qOp": "replace", "qPath": "/qListObjectDef/qFrequencyMode", "qValue": '"Z"'}, 8),
        ("not a patch", 8),
    ],
)
def test_bad_patches(loaded: Client, patch: Any, code: int) -> None:
    handle = loaded.create(LISTBOX)
    before = loaded.call("GetProperties", handle=handle)
    assert loaded.error("ApplyPatches", [patch], handle=handle)["code"] == code
    assert loaded.call("GetProperties", handle=handle) == before


def test_hypercube_pages(loaded: Client) -> None:
    handle = loaded.create(CUBE)
    pages = loaded.call("GetHyperCubeData", "/qHyperCubeDef",
                        [{"qTop": 1, "qLeft": 0, "qWidth": 5, "qHeight": 10}],
                        handle=handle)["qDataPages"]
    (page,) = pages
    assert page["qArea"] == {"qLeft": 0, "qTop": 1, "qWidth": 2, "qHeight": 2}
    assert len(page["qMatrix"]) == 2
    two = loaded.call("GetHyperCubeData", "/qHyperCubeDef",
                      [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 1},
                       {"qTop": 0, "qLeft": 1, "qWidth": 1, "qHeight": 1}],
                      handle=handle)["qDataPages"]
    assert [p["qArea"]["qLeft"] for p in two] == [0, 1]
    empty = loaded.call("GetHyperCubeData", "/qHyperCubeDef", [], handle=handle)
    assert empty == {"qDataPages": []}
    cell = two[1]["qMatrix"][0][0]
    assert isinstance(cell["qNum"], int | float) and cell["qState"] == "L"


def test_hypercube_pages_too_large(loaded: Client) -> None:
    handle = loaded.create(CUBE)
    err = loaded.error("GetHyperCubeData", "/qHyperCubeDef",
                       [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 5001}], handle=handle)
    assert err["code"] == 7009
    # 10,000 cells is still fine
    assert loaded.call("GetHyperCubeData", "/qHyperCubeDef",
                       [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 5000}], handle=handle)


def test_bad_paths(loaded: Client) -> None:
    cube = loaded.create(CUBE)
    listbox = loaded.create(LISTBOX)
    assert loaded.error("GetHyperCubeData", "/qNope", [], handle=cube)["code"] == 4
    assert loaded.error("GetListObjectData", "/qHyperCubeDef", [], handle=cube)["code"] == 4
    assert loaded.error("SelectListObjectValues", "/qListObjectDef", [0],
                        handle=cube)["code"] == 4
    assert loaded.error("SelectHyperCubeValues", "/qHyperCubeDef", 0, [0],
                        handle=listbox)["code"] == 4


def test_list_object_pages(loaded: Client) -> None:
    handle = loaded.create(LISTBOX)
    (page,) = loaded.call("GetListObjectData", "/qListObjectDef",
                          [{"qTop": 1, "qLeft": 0, "qWidth": 1, "qHeight": 10}],
                          handle=handle)["qDataPages"]
    assert cells(page) == [["North"], ["South"]]
    assert page["qArea"] == {"qLeft": 0, "qTop": 1, "qWidth": 1, "qHeight": 2}
    assert page["qMatrix"][0][0]["qNum"] == "NaN"


def test_select_list_object_values(loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    cube = loaded.create(CUBE)
    by_text = {row["qText"]: row["qElemNumber"]
               for (row,) in loaded.layout(listbox)["qListObject"]["qDataPages"][0]["qMatrix"]}
    reply = loaded.send("SelectListObjectValues", "/qListObjectDef", [by_text["North"]], False,
                        handle=listbox)
    assert reply["result"] == {"qSuccess": True}
    assert reply["change"] == [1, listbox, cube]
    layout = loaded.layout(listbox)
    assert states(layout) == {"East": "A", "North": "S", "South": "A"}
    counts = layout["qListObject"]["qDimensionInfo"]["qStateCounts"]
    assert counts["qSelected"] == 1 and counts["qAlternative"] == 2
    assert loaded.layout(cube)["qHyperCube"]["qSize"]["qcy"] == 1
    # toggle adds
    loaded.call("SelectListObjectValues", "/qListObjectDef", [by_text["East"]], True,
                handle=listbox)
    assert states(loaded.layout(listbox))["East"] == "S"
    # replace
    loaded.call("SelectListObjectValues", "/qListObjectDef", [by_text["South"]], handle=listbox)
    assert states(loaded.layout(listbox)) == {"East": "A", "North": "A", "South": "S"}


def test_select_hypercube_values_and_cells(loaded: Client) -> None:
    cube = loaded.create(CUBE)
    matrix = loaded.layout(cube)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    rows = {row[0]["qText"]: i for i, row in enumerate(matrix)}
    elem = {row[0]["qText"]: row[0]["qElemNumber"] for row in matrix}
    reply = loaded.send("SelectHyperCubeValues", "/qHyperCubeDef", 0, [elem["South"]], False,
                        handle=cube)
    assert reply["result"] == {"qSuccess": True} and reply["change"] == [1, cube]
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "150"
    loaded.call("ClearAll", handle=1)
    reply = loaded.send("SelectHyperCubeCells", "/qHyperCubeDef",
                        [rows["North"], rows["East"]], [0], False, False, handle=cube)
    assert reply["result"] == {"qSuccess": True} and reply["change"] == [1, cube]
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "160"
    layout = loaded.layout(cube)
    counts = layout["qHyperCube"]["qDimensionInfo"][0]["qStateCounts"]
    assert counts["qSelected"] == 2 and counts["qAlternative"] == 1
    assert {row[0]["qState"] for row in layout["qHyperCube"]["qDataPages"][0]["qMatrix"]} == {"S"}
    assert loaded.error("SelectHyperCubeValues", "/qHyperCubeDef", 3, [0],
                        handle=cube)["code"] == 8


def test_clear_selections_lock_unlock(loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    cube = loaded.create(CUBE)
    loaded.call("SelectListObjectValues", "/qListObjectDef", [0], handle=listbox)
    reply = loaded.send("ClearSelections", "/qListObjectDef", handle=listbox)
    assert reply["result"] == {} and {1, listbox, cube} <= set(reply["change"])
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    loaded.call("SelectListObjectValues", "/qListObjectDef", [0], handle=listbox)
    loaded.call("Lock", "/qListObjectDef", handle=listbox)
    loaded.call("ClearSelections", "/qListObjectDef", handle=listbox)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
    counts = loaded.layout(listbox)["qListObject"]["qDimensionInfo"]["qStateCounts"]
    assert counts["qLocked"] == 1
    loaded.call("Unlock", "/qListObjectDef", handle=listbox)
    loaded.call("ClearSelections", "/qHyperCubeDef", handle=cube)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("SelectListObjectPossible", {"East": "S", "North": "S", "South": "S"}),
        ("SelectListObjectAll", {"East": "S", "North": "S", "South": "S"}),
    ],
)
def test_select_by_state(loaded: Client, method: str, expected: dict[str, str]) -> None:
    listbox = loaded.create(LISTBOX)
    assert loaded.call(method, "/qListObjectDef", handle=listbox) == {"qSuccess": True}
    assert states(loaded.layout(listbox)) == expected


def test_select_alternative_and_excluded(loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    loaded.call("SelectListObjectValues", "/qListObjectDef", [0], handle=listbox)  # North
    loaded.call("SelectListObjectAlternative", "/qListObjectDef", handle=listbox)
    assert states(loaded.layout(listbox)) == {"East": "S", "North": "A", "South": "S"}
    loaded.call("SelectListObjectExcluded", "/qListObjectDef", handle=listbox)
    assert states(loaded.layout(listbox))["North"] == "S"


def test_search_accept_abort(loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    reply = loaded.send("SearchListObjectFor", "/qListObjectDef", "no*", handle=listbox)
    assert reply["result"] == {"qSuccess": True} and reply["change"] == [listbox]
    layout = loaded.layout(listbox)["qListObject"]
    assert layout["qSize"]["qcy"] == 1
    assert layout["qDataPages"][0]["qMatrix"][0][0]["qText"] == "North"
    reply = loaded.send("AbortListObjectSearch", "/qListObjectDef", handle=listbox)
    assert reply["result"] == {} and reply["change"] == [listbox]
    assert loaded.layout(listbox)["qListObject"]["qSize"]["qcy"] == 3
    loaded.call("SearchListObjectFor", "/qListObjectDef", "*th*", handle=listbox)
    reply = loaded.send("AcceptListObjectSearch", "/qListObjectDef", True, handle=listbox)
    assert reply["result"] == {} and {1, listbox} <= set(reply["change"])
    assert states(loaded.layout(listbox)) == {"East": "A", "North": "S", "South": "S"}


def test_modal_selections(loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    cube = loaded.create(CUBE)
    reply = loaded.send("BeginSelections", ["/qListObjectDef"], handle=listbox)
    assert reply["result"] == {} and reply["change"] == [listbox]
    assert loaded.layout(listbox)["qSelectionInfo"] == {"qInSelections": True}
    other = loaded.error("BeginSelections", ["/qHyperCubeDef"], handle=cube)
    assert other["code"] == 6003
    loaded.call("SelectListObjectValues", "/qListObjectDef", [0], handle=listbox)
    assert loaded.layout(listbox)["qSelectionInfo"] == {"qInSelections": True,
                                                        "qMadeSelections": True}
    reply = loaded.send("EndSelections", False, handle=listbox)
    assert reply["result"] == {} and {1, listbox, cube} <= set(reply["change"])
    assert loaded.layout(listbox)["qSelectionInfo"] == {}
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    # accepted: kept
    loaded.call("BeginSelections", ["/qListObjectDef"], handle=listbox)
    loaded.call("SelectListObjectValues", "/qListObjectDef", [0], handle=listbox)
    loaded.call("EndSelections", True, handle=listbox)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
    # AbortModal on the doc
    loaded.call("BeginSelections", ["/qHyperCubeDef"], handle=cube)
    loaded.call("SelectHyperCubeValues", "/qHyperCubeDef", 0, [1], False, handle=cube)
    loaded.call("AbortModal", False, handle=1)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
    assert loaded.call("BeginSelections", ["/qListObjectDef"], handle=listbox) == {}


def test_layout_is_json_clean(loaded: Client) -> None:
    """Numbers that are not finite arrive as strings; nothing else is odd."""
    handle = loaded.create({"qInfo": {"qType": "x"},
                            "n": {"qValueExpression": {"qExpr": "1/0"}},
                            "s": {"qStringExpression": {"qExpr": "=Sum(Amount)"}}})
    reply = loaded.send("GetLayout", handle=handle)
    text = json.dumps(reply)
    assert "NaN" not in text.replace('"NaN"', "")
    assert reply["result"]["qLayout"]["s"] == "310"


def test_unknown_method_for_class(loaded: Client) -> None:
    handle = loaded.create(LISTBOX)
    assert loaded.error("GetScript", handle=handle) == {
        "code": -32601, "parameter": "GetScript", "message": "Method not found"
    }
    field = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    assert loaded.error("GetLayout", handle=field)["code"] == -32601


def test_select_list_object_continuous_range(loaded: Client) -> None:
    """SelectListObjectContinuousRange: the values whose number lies in a range, bounds
    included or not, a missing bound open."""
    amounts = loaded.create({"qInfo": {"qType": "lb"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Amount"]},
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 10}]}})
    total = lambda: loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"]  # noqa: E731
    ranges = [{"qMin": 20, "qMax": 100, "qMinInclEq": True, "qMaxInclEq": False}]
    assert loaded.call("SelectListObjectContinuousRange", "/qListObjectDef", ranges,
                       handle=amounts) == {"qSuccess": True}
    assert total() == "60"  # 20 and 40
    ranges = [{"qMin": 100, "qMinInclEq": True}, {"qMax": 20, "qMaxInclEq": False}]
    loaded.call("SelectListObjectContinuousRange", "/qListObjectDef", ranges, handle=amounts)
    assert total() == "250"  # 100 and 150; nothing below 20
    assert loaded.error("SelectListObjectContinuousRange", "/qListObjectDef", [5],
                        handle=amounts)["code"] == 8


def test_list_object_expressions(loaded: Client) -> None:
    """qExpressions: a column per expression, computed per value as a chart with the
    field as its dimension, in the list's current selections."""
    lb = loaded.create({"qInfo": {"qType": "lb"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Region"], "qSortCriterias": [{"qSortByAscii": 1}]},
        "qExpressions": [{"qExpr": "=Sum(Amount)"}, {"qExpr": "Count(Product)"},
                         {"qExpr": "Sum("}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 4, "qHeight": 10}]}})
    layout = loaded.layout(lb)["qListObject"]
    assert layout["qSize"] == {"qcx": 4, "qcy": 3}
    rows = [[c["qText"] for c in row] for row in layout["qDataPages"][0]["qMatrix"]]
    assert rows == [["East", "40", "1", "-"], ["North", "120", "2", "-"],
                    ["South", "150", "1", "-"]]
    assert [("qError" in e) for e in layout["qExpressions"]] == [False, False, True]
    product = loaded.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    loaded.call("SelectValues", [{"qText": "Bike"}], handle=product)
    rows = [[c["qText"] for c in row] for row in
            loaded.layout(lb)["qListObject"]["qDataPages"][0]["qMatrix"]]
    assert rows == [["East", "0", "0", "-"], ["North", "100", "1", "-"],
                    ["South", "150", "1", "-"]]


def test_auto_sort_by_state_promotes_the_selected_values(loaded: Client) -> None:
    """qAutoSortByState: with more values than qDisplayNumberOfRows, the selected ones
    come first; with fewer, or 0, the list keeps its sort."""
    def listbox(rows: int) -> int:
        return loaded.create({"qInfo": {"qType": "lb"}, "qListObjectDef": {
            "qDef": {"qFieldDefs": ["Region"], "qSortCriterias": [{"qSortByAscii": 1}]},
            "qAutoSortByState": {"qDisplayNumberOfRows": rows},
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 10}]}})

    def texts(h: int) -> list[str]:
        page = loaded.layout(h)["qListObject"]["qDataPages"][0]["qMatrix"]
        return [row[0]["qText"] for row in page]

    few, many, off = listbox(2), listbox(5), listbox(0)
    region = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    loaded.call("SelectValues", [{"qText": "South"}], handle=region)
    assert texts(few) == ["South", "East", "North"]  # 3 values > 2: promoted
    assert texts(many) == ["East", "North", "South"]  # 3 values <= 5: as sorted
    assert texts(off) == ["East", "North", "South"]


def test_fuzzy_search_lists_every_value_most_alike_first(loaded: Client) -> None:
    """Help "Fuzzy search": "~term" lists every value sorted by resemblance; selecting by
    it (accept, Field.Select) takes the most alike."""
    lb = loaded.create({"qInfo": {"qType": "lb"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Region"], "qSortCriterias": [{"qSortByAscii": 1}]},
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 10}]}})
    loaded.call("SearchListObjectFor", "/qListObjectDef", "~Suoth", handle=lb)
    page = loaded.layout(lb)["qListObject"]["qDataPages"][0]["qMatrix"]
    assert [row[0]["qText"] for row in page][0] == "South"
    assert len(page) == 3  # every value
    loaded.call("AcceptListObjectSearch", "/qListObjectDef", False, handle=lb)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "150"
    region = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    loaded.call("Select", "~nort", handle=region)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"


def _texts(c: Client, handle: int) -> list[str]:
    page = c.layout(handle)["qListObject"]["qDataPages"][0]["qMatrix"]
    return [row[0]["qText"] for row in page]


DESCENDING = {"qOp": "replace", "qPath": "/qListObjectDef/qDef/qSortCriterias/0/qSortByAscii",
              "qValue": "-1"}


def test_soft_patches_are_the_sessions_own_and_never_saved(
    make_client: Callable[..., Client],
) -> None:
    one = make_client()
    one.call("CreateApp", "soft")
    one.call("OpenDoc", "soft")
    one.call("SetScript", SALES_SCRIPT, handle=1)
    one.call("DoReload", handle=1)
    lb = one.create({**LISTBOX, "qInfo": {"qId": "lb", "qType": "listbox"}}, session=False)
    other = make_client()
    other.call("OpenDoc", "soft")
    theirs = other.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"]
    stored = one.call("GetProperties", handle=lb)
    reply = one.send("ApplyPatches", [DESCENDING], True, handle=lb)
    assert reply["result"] == {} and lb in reply["change"]
    assert _texts(one, lb) == ["South", "North", "East"]
    layout = one.layout(lb)
    assert layout["qHasSoftPatches"] is True
    # GetProperties shows the properties as set, GetEffectiveProperties the patched ones
    assert one.call("GetProperties", handle=lb) == stored
    effective = one.call("GetEffectiveProperties", handle=lb)["qProp"]
    assert effective["qListObjectDef"]["qDef"]["qSortCriterias"][0]["qSortByAscii"] == -1
    # another session sees the object as it is stored
    assert _texts(other, theirs) == ["East", "North", "South"]
    assert "qHasSoftPatches" not in other.layout(theirs)
    # a bad soft patch changes nothing
    bad = {"qOp": "add", "qPath": "/qInfo/qId/x", "qValue": "1"}
    assert one.error("ApplyPatches", [DESCENDING, bad], True, handle=lb)["code"] == 4
    assert _texts(one, lb) == ["South", "North", "East"]
    # saved: the soft patch is not part of the app
    one.call("DoSave", handle=1)
    third = make_client()
    third.call("OpenDoc", "soft")
    h3 = third.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"]
    assert _texts(third, h3) == ["East", "North", "South"]
    # cleared
    reply = one.send("ClearSoftPatches", handle=lb)
    assert lb in reply["change"]
    assert _texts(one, lb) == ["East", "North", "South"]
    assert "qHasSoftPatches" not in one.layout(lb)
    one.call("ApplyPatches", [DESCENDING], True, handle=lb)
    one.call("ClearAllSoftPatches", handle=1)
    assert _texts(one, lb) == ["East", "North", "South"]


def test_hard_patches_keep_the_soft_ones_on_top(loaded: Client) -> None:
    lb = loaded.create(LISTBOX)
    loaded.call("ApplyPatches", [DESCENDING], True, handle=lb)
    loaded.call("ApplyPatches", [{"qOp": "add", "qPath": "/title", "qValue": '"Regions"'}],
                handle=lb)
    assert loaded.call("GetProperties", handle=lb)["qProp"]["title"] == "Regions"
    stored = loaded.call("GetProperties", handle=lb)["qProp"]["qListObjectDef"]["qDef"]
    assert stored["qSortCriterias"][0]["qSortByAscii"] == 1
    assert _texts(loaded, lb) == ["South", "North", "East"]
    assert loaded.layout(lb)["title"] == "Regions"
