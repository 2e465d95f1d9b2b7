"""Attribute expressions and dimensions through QIX: a chart's colour-by-expression and
colour-by-dimension attributes in its layout, its data pages and its properties."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client

CHART: dict[str, Any] = {
    "qInfo": {"qType": "barchart"},
    "qHyperCubeDef": {
        "qDimensions": [{
            "qDef": {"qFieldDefs": ["Product"], "qSortCriterias": [{"qSortByAscii": 1}]},
            "qAttributeExpressions": [{"qExpression": "If(Sum(Amount)>100, RGB(255,0,0))",
                                       "qAttribute": True, "id": "colorByExpression"}],
            "qAttributeDimensions": [{"qDef": "Region", "qAttribute": True,
                                      "id": "colorByAlternative"}],
        }],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"},
                       "qAttributeExpressions": [{"qExpression": "Sum({1} Amount)",
                                                  "qAttribute": True}]}],
        "qInterColumnSortOrder": [0, 1],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}],
    },
}


def test_layout_pages_and_properties(loaded: Client) -> None:
    c = loaded
    handle = c.create(CHART)
    cube = c.layout(handle)["qHyperCube"]
    rows = cube["qDataPages"][0]["qMatrix"]
    assert [r[0]["qText"] for r in rows] == ["Bike", "Helmet", "Lock"]
    bike, helmet, lock = rows
    assert bike[0]["qAttrExps"] == {"qValues": [{"qText": "RGB(255,0,0)", "qNum": 4294901760}]}
    assert helmet[0]["qAttrExps"] == {"qValues": [{"qNum": "NaN"}]}
    # Bike sells in two regions: no one value; Helmet only in East
    assert bike[0]["qAttrDims"]["qValues"][0]["qElemNo"] == -2
    assert helmet[0]["qAttrDims"]["qValues"][0]["qText"] == "East"
    assert lock[1]["qAttrExps"] == {"qValues": [{"qText": "20", "qNum": 20}]}
    info = cube["qDimensionInfo"][0]
    assert info["qAttrExprInfo"][0]["id"] == "colorByExpression"
    assert info["qAttrExprInfo"][0]["qMin"] == 4294901760
    assert info["qAttrDimInfo"] == [{"qCardinal": 3, "qSize": {"qcx": 1, "qcy": 2},
                                     "qFallbackTitle": "Region", "id": "colorByAlternative"}]
    assert cube["qMeasureInfo"][0]["qAttrExprInfo"][0]["qMaxText"] == "250"
    # a selection: the attribute with a set ignores it, the values follow it
    region = c.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    c.call("SelectValues", [{"qText": "North"}], False, handle=region)
    data = c.call("GetHyperCubeData", "/qHyperCubeDef",
                  [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}], handle=handle)
    rows = data["qDataPages"][0]["qMatrix"]
    by_product = {r[0]["qText"]: r for r in rows}
    assert by_product["Bike"][1]["qText"] == "100"
    assert by_product["Bike"][1]["qAttrExps"]["qValues"][0]["qNum"] == 250
    assert by_product["Bike"][0]["qAttrDims"]["qValues"][0]["qText"] == "North"
    props = c.call("GetProperties", handle=handle)["qProp"]["qHyperCubeDef"]
    attr = props["qDimensions"][0]["qAttributeExpressions"][0]
    assert attr["id"] == "colorByExpression" and attr["qAttribute"] is True


def test_attributes_of_a_straight_tables_others_row(loaded: Client) -> None:
    """Product limited to 2 values counted by Sum(Amount): Bike 250 and Others (Lock 20
    + Helmet 40 = 60); the Others row's attribute expression over its own records, as
    its measure: Count(DISTINCT Region) 2 (North, East), not a value's (1 each)."""
    c = loaded
    handle = c.create({"qInfo": {"qType": "table"}, "qHyperCubeDef": {
        "qDimensions": [{
            "qDef": {"qFieldDefs": ["Product"]},
            "qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"}},
            "qAttributeExpressions": [{"qExpression": "Count(DISTINCT Region)"}]}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}]}})
    rows = c.layout(handle)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    assert [(r[0]["qText"], r[1]["qNum"]) for r in rows] == [("Bike", 250), ("Others", 60)]
    assert [r[0]["qAttrExps"]["qValues"][0]["qNum"] for r in rows] == [2, 2]
