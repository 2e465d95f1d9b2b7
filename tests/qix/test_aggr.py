"""Aggr() and calculated dimensions through QIX: Evaluate, hypercube measures and
calculated dimensions, selections, and selecting in a calculated dimension (more in
``test_listobject_calculated.py``)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client


def select(c: Client, name: str, *texts: str) -> None:
    handle = c.call("GetField", name, "", handle=1)["qReturn"]["qHandle"]
    c.call("SelectValues", [{"qText": t} for t in texts], False, handle=handle)


def ev(c: Client, text: str) -> str:
    return c.call("Evaluate", text, handle=1)["qReturn"]


def table(dims: list[str], measures: list[str]) -> dict[str, Any]:
    return {"qInfo": {"qType": "table"},
            "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
                              "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
                              "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 5,
                                                     "qHeight": 20}]}}


def rows(c: Client, handle: int) -> list[list[str]]:
    page = c.layout(handle)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return [[cell["qText"] for cell in row] for row in page]


def test_evaluate_nested_aggregations(loaded: Client) -> None:
    c = loaded
    assert ev(c, "Sum(Aggr(Sum(Amount), Region))") == "310"
    assert ev(c, "Max(Aggr(Sum(Amount), Region))") == "150"
    assert ev(c, "Count(Aggr(If(Sum(Amount) > 50, 1), Region))") == "2"
    assert ev(c, "FirstSortedValue(Region, -Aggr(Sum(Amount), Region))") == "South"
    select(c, "Product", "Lock", "Helmet")
    assert ev(c, "Max(Aggr(Sum(Amount), Region))") == "40"
    assert ev(c, "Max(Aggr({1} Sum(Amount), Region))") == "150"
    assert ev(c, "Sum(Aggr({<Product=>} Sum(Amount), Region))") == "310"


def test_chart_measures(loaded: Client) -> None:
    c = loaded
    h = c.create(table(["Manager"], ["Sum(Aggr(Sum(Amount), Region, Product))",
                                     "Max(Aggr(Sum(Amount), Region, Product))",
                                     "Aggr(Sum(Amount), Region)"]))
    assert rows(c, h) == [["Ann", "120", "100", "120"], ["Bob", "150", "150", "150"],
                          ["Cid", "40", "40", "40"]]
    layout = c.layout(h)["qHyperCube"]
    assert [cell["qText"] for cell in layout["qGrandTotalRow"]] == ["310", "150", "-"]


def test_calculated_dimensions(loaded: Client) -> None:
    c = loaded
    h = c.create(table(["=If(Amount > 50, 'big', 'small')"], ["Sum(Amount)", "Count(Product)"]))
    assert rows(c, h) == [["big", "250", "2"], ["small", "60", "2"]]
    info = c.layout(h)["qHyperCube"]["qDimensionInfo"][0]
    assert info["qFallbackTitle"] == "=If(Amount > 50, 'big', 'small')"
    assert info["qCardinal"] == 2 and "qError" not in info
    # an Aggr dimension: the regions' sums are the buckets
    h = c.create(table(["=Aggr(Sum(Amount), Region)"], ["Count(DISTINCT Region)"]))
    assert rows(c, h) == [["40", "1"], ["120", "1"], ["150", "1"]]
    page = c.layout(h)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    assert [row[0]["qNum"] for row in page] == [40, 120, 150]
    # a row expression with a field dimension, after a selection
    select(c, "Region", "North", "South")
    h = c.create(table(["=Upper(Product)", "Region"], ["Sum(Amount)"]))
    assert rows(c, h) == [["BIKE", "North", "100"], ["BIKE", "South", "150"],
                          ["LOCK", "North", "20"]]


def test_calculated_dimension_errors_and_selections(loaded: Client) -> None:
    c = loaded
    h = c.create(table(["=Nowhere + 1"], ["Sum(Amount)"]))
    info = c.layout(h)["qHyperCube"]["qDimensionInfo"][0]
    assert "Field not found" in str(info["qError"])
    h = c.create(table(["=If(Amount > 50, 'big', 'small')"], ["Sum(Amount)"]))
    # selecting in it selects the underlying values of Amount (row 0: 'big')
    assert c.call("SelectHyperCubeValues", "/qHyperCubeDef", 0, [0], False,
                  handle=h)["qSuccess"] is True
    assert rows(c, h) == [["big", "250"]]
    c.call("ClearAll", handle=1)
    assert c.call("SelectHyperCubeCells", "/qHyperCubeDef", [1], [0],
                  handle=h)["qSuccess"] is True
    assert rows(c, h) == [["small", "60"]]
