"""Straight hypercubes over QIX: dimension limits, calculation conditions and bad input
(a path that names no cube, pages beyond the cube or too large, malformed members),
each leaving the object usable."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client

OTHERS_CUBE = {
    "qInfo": {"qType": "barchart"},
    "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]},
                         "qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED",
                                             "qOtherCounted": {"qv": "2"}}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 10}],
    },
}


def _texts(page: dict[str, Any]) -> list[list[str]]:
    return [[c["qText"] for c in row] for row in page["qMatrix"]]


def test_others_row_through_qix_and_selection(loaded: Client) -> None:
    # SALES_SCRIPT: North 100+20, South 150, East 40: top 2 counting Others keeps South
    h = loaded.create(OTHERS_CUBE)
    cube = loaded.layout(h)["qHyperCube"]
    assert _texts(cube["qDataPages"][0]) == [["South", "150"], ["Others", "160"]]
    assert cube["qHasOtherValues"] is True
    other = cube["qDataPages"][0]["qMatrix"][1][0]
    assert other["qElemNumber"] == -3 and other["qIsOtherCell"] is True
    # selecting two regions leaves two values: nothing to group
    assert loaded.call("SelectHyperCubeValues", "/qHyperCubeDef", 0, [0, 1], False,
                       handle=h)["qSuccess"] is True
    cube = loaded.layout(h)["qHyperCube"]
    assert sorted(_texts(cube["qDataPages"][0])) == [["North", "120"], ["South", "150"]]
    assert "qHasOtherValues" not in cube


def test_calculation_condition_follows_the_selections(loaded: Client) -> None:
    props = {"qInfo": {"qType": "table"}, "qHyperCubeDef": {
        "qCalcCondition": {"qCond": {"qv": "Count(DISTINCT Region) = 1"},
                           "qMsg": {"qv": "Select one region"}},
        "qDimensions": [{"qDef": {"qFieldDefs": ["Product"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 10}]}}
    h = loaded.create(props)
    cube = loaded.layout(h)["qHyperCube"]
    assert cube["qError"] == {"qErrorCode": 7005}
    assert cube["qCalcCondMsg"] == "Select one region"
    assert cube["qSize"] == {"qcx": 2, "qcy": 0}
    page = loaded.call("GetHyperCubeData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 5}], handle=h)
    assert page["qDataPages"][0]["qMatrix"] == []
    field = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    assert loaded.call("SelectValues", [{"qText": "North"}], handle=field)["qReturn"] is True
    cube = loaded.layout(h)["qHyperCube"]
    assert "qError" not in cube and "qCalcCondMsg" not in cube
    assert sorted(_texts(cube["qDataPages"][0])) == [["Bike", "100"], ["Lock", "20"]]


def test_bad_input_leaves_the_object_usable(loaded: Client) -> None:
    h = loaded.create(OTHERS_CUBE)
    page = [{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 5}]
    # a path that names no cube: 4 (invalid path)
    for path in ("/qHyperCubeDef/x", "/nothing/qHyperCubeDef", "", "/qListObjectDef"):
        err = loaded.error("GetHyperCubeData", path, page, handle=h)
        assert err["code"] == 4, (path, err)
    # pages beyond the cube are clipped to nothing; negative ones are refused (8)
    far = loaded.call("GetHyperCubeData", "/qHyperCubeDef",
                      [{"qLeft": 5, "qTop": 100, "qWidth": 2, "qHeight": 5}], handle=h)
    assert far["qDataPages"][0]["qMatrix"] == []
    assert far["qDataPages"][0]["qArea"]["qHeight"] == 0
    err = loaded.error("GetHyperCubeData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": -1, "qWidth": 2, "qHeight": 5}], handle=h)
    assert err["code"] == 8
    # more than 10,000 cells: 7009
    err = loaded.error("GetHyperCubeData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 5001}], handle=h)
    assert err["code"] == 7009
    # a count that does not evaluate limits nothing
    bad = {**OTHERS_CUBE["qHyperCubeDef"], "qDimensions": [
        {"qDef": {"qFieldDefs": ["Region"]},
         "qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "Foo("}}}]}
    loaded.call("SetProperties", {**OTHERS_CUBE, "qHyperCubeDef": bad}, handle=h)
    cube = loaded.layout(h)["qHyperCube"]
    assert sorted(_texts(cube["qDataPages"][0])) == [["East", "40"], ["North", "120"],
                                                     ["South", "150"]]
    page_ok = loaded.call("GetHyperCubeData", "/qHyperCubeDef", page, handle=h)
    assert len(page_ok["qDataPages"][0]["qMatrix"]) == 3
