"""Chart inter-record functions through QIX: a straight table's layout with Above,
RowNo, Rank and moving sums, following selections and a sort by a measure; Evaluate
outside a chart refuses them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Client


def cube(*measures: str | dict[str, Any], order: list[int] | None = None) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
        "qMeasures": [m if isinstance(m, dict) else {"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1 + len(measures),
                               "qHeight": 10}]}
    if order is not None:
        definition["qInterColumnSortOrder"] = order
    return {"qInfo": {"qType": "table"}, "qHyperCubeDef": definition}


def rows(c: Client, handle: int) -> list[list[str]]:
    page = c.layout(handle)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return [[cell["qText"] for cell in row] for row in page]


def test_straight_table_with_inter_record_functions(loaded: Client) -> None:
    c = loaded
    h = c.create(cube("Sum(Amount)", "Above(Sum(Amount))", "RowNo()", "Rank(Sum(Amount))",
                      "RangeSum(Above(Sum(Amount), 0, 2))"))
    # Region in load order: North 120, South 150, East 40
    assert rows(c, h) == [["North", "120", "-", "1", "2", "120"],
                          ["South", "150", "120", "2", "1", "270"],
                          ["East", "40", "150", "3", "3", "190"]]
    layout = c.layout(h)["qHyperCube"]
    assert [cell["qText"] for cell in layout["qGrandTotalRow"]] == ["310", "-", "-", "-", "0"]
    assert all("qError" not in m for m in layout["qMeasureInfo"])
    # a selection changes the rows, and the functions follow
    field = c.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    c.call("SelectValues", [{"qText": "North"}, {"qText": "South"}], False, handle=field)
    assert rows(c, h) == [["North", "120", "-", "1", "2", "120"],
                          ["South", "150", "120", "2", "1", "270"]]


def test_sorted_by_a_measure(loaded: Client) -> None:
    c = loaded
    by_amount = {"qDef": {"qDef": "Sum(Amount)"}, "qSortBy": {"qSortByNumeric": -1}}
    h = c.create(cube(by_amount, "RowNo()", "Below(Sum(Amount))", order=[1, 0, 2]))
    assert rows(c, h) == [["South", "150", "1", "120"], ["North", "120", "2", "40"],
                          ["East", "40", "3", "-"]]


def test_evaluate_outside_a_chart(loaded: Client) -> None:
    reply = loaded.send("Evaluate", "Above(Sum(Amount))", handle=1)
    text = str(reply)
    assert "only available in charts" in text


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "a straight table's Others row is a virtual group of calc/cube.py whose records' "
    "scope is released before the inter-record functions run (Cube._evaluate_deferred "
    "reads the real rows only): its inter-record measures are NULL; pivots read Others "
    "rows as rows (calc/pivot_grid.py)"))
def test_the_others_row_of_a_straight_table_is_a_row(loaded: Client) -> None:
    """Region limited to 2 values counted: South 150 and Others (North 120 + East 40);
    the Others row comes last, so Above() reads South and RowNo() counts it."""
    c = loaded
    props = cube("Sum(Amount)", "Above(Sum(Amount))", "RowNo()")
    props["qHyperCubeDef"]["qDimensions"][0]["qOtherTotalSpec"] = {
        "qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"}}
    h = c.create(props)
    assert rows(c, h) == [["South", "150", "-", "1"], ["Others", "160", "150", "2"]]
