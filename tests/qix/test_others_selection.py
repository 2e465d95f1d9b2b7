"""Selecting the "Others" cell of a straight hypercube (qElemNumber -3) through
SelectHyperCubeCells and SelectHyperCubeValues selects the values its row groups; a
dimension total cell (-1) selects nothing. Expected sums worked out by hand from
SCRIPT below."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Client

SCRIPT = """\
Sales:
LOAD * INLINE [
Region, Product, Amount
North, Bike, 100
North, Lock, 20
North, Helmet, 5
South, Bike, 150
South, Lock, 30
South, Pump, 10
East, Helmet, 40
West, Lock, 8
];
"""
# by region: South 190, North 125, East 40, West 8 (total 363)
ALL = 363


def dim(field: str, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"qDef": {"qFieldDefs": [field]}}
    if spec is not None:
        out["qOtherTotalSpec"] = spec
    return out


def cube(*dims: dict[str, Any]) -> dict[str, Any]:
    return {"qInfo": {"qType": "table"}, "qHyperCubeDef": {
        "qDimensions": list(dims), "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
        "qInterColumnSortOrder": [len(dims)] + list(range(len(dims)))}}


TOP = {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "3"}}  # 2 values + Others
TOP_IN_PARENT = {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"}}


@pytest.fixture
def app(client: Client) -> Client:
    assert client.session_app(SCRIPT) == 1
    return client


def rows(c: Client, handle: int, width: int) -> list[list[dict[str, Any]]]:
    return c.call("GetHyperCubeData", "/qHyperCubeDef",
                  [{"qTop": 0, "qLeft": 0, "qWidth": width, "qHeight": 50}],
                  handle=handle)["qDataPages"][0]["qMatrix"]


def others_row(c: Client, handle: int, width: int, col: int, **match: str) -> int:
    """The index of the row whose cell ``col`` is an Others cell (and whose other
    cells have the texts ``match`` gives by column number)."""
    for i, row in enumerate(rows(c, handle, width)):
        if row[col]["qElemNumber"] == -3 and all(
                row[int(k[1:])]["qText"] == v for k, v in match.items()):
            assert row[col]["qIsOtherCell"] is True
            return i
    raise AssertionError("no Others row")


def selected(c: Client) -> tuple[str, str]:
    return (c.call("Evaluate", "GetFieldSelections(Region)", handle=1)["qReturn"],
            c.call("Evaluate", "GetFieldSelections(Product)", handle=1)["qReturn"])


def total(c: Client) -> str:
    return c.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"]


def test_the_others_cell_selects_the_values_it_groups(app: Client) -> None:
    h = app.create(cube(dim("Region", TOP)))
    assert sorted(r[0]["qText"] for r in rows(app, h, 2)) == ["North", "Others", "South"]
    row = others_row(app, h, 2, 0)
    reply = app.send("SelectHyperCubeCells", "/qHyperCubeDef", [row], [0], handle=h)
    assert reply["result"] == {"qSuccess": True} and h in reply["change"]
    assert selected(app) == ("East, West", "-")
    assert total(app) == "48"  # East 40 + West 8
    # the cube now shows the two values: nothing is grouped any more
    assert [r[0]["qText"] for r in rows(app, h, 2)] == ["East", "West"]


def test_select_hypercube_values_with_the_others_element(app: Client) -> None:
    h = app.create(cube(dim("Region", TOP)))
    north = next(r[0]["qElemNumber"] for r in rows(app, h, 2) if r[0]["qText"] == "North")
    assert app.call("SelectHyperCubeValues", "/qHyperCubeDef", 0, [-3, north], False,
                    handle=h) == {"qSuccess": True}
    assert selected(app)[0] == "North, East, West"
    assert total(app) == str(125 + 40 + 8)
    # toggled from no selection: the values Others groups
    app.call("ClearAll", handle=1)
    app.call("SelectHyperCubeValues", "/qHyperCubeDef", 0, [-3], True, handle=h)
    assert selected(app)[0] == "East, West"


def test_an_others_row_within_a_parent_value(app: Client) -> None:
    """Per region, the top product and Others: North's Others row groups Lock and
    Helmet; its cells select North and those two products."""
    h = app.create(cube(dim("Region"), dim("Product", TOP_IN_PARENT)))
    row = others_row(app, h, 3, 1, c0="North")
    app.call("SelectHyperCubeCells", "/qHyperCubeDef", [row], [0, 1], handle=h)
    assert selected(app) == ("North", "Lock, Helmet")
    assert total(app) == "25"  # North's Lock 20 + Helmet 5


def test_the_others_element_of_an_inner_dimension_spans_every_others_row(app: Client) -> None:
    h = app.create(cube(dim("Region"), dim("Product", TOP_IN_PARENT)))
    app.call("SelectHyperCubeValues", "/qHyperCubeDef", 1, [-3], False, handle=h)
    # North groups Lock, Helmet; South Lock, Pump (East and West have one product each)
    assert selected(app) == ("-", "Lock, Helmet, Pump")
    assert total(app) == str((20 + 30 + 8) + (5 + 40) + 10)


def test_total_cells_select_nothing(app: Client) -> None:
    totals = {"qTotalMode": "TOTAL_EXPR"}
    h = app.create(cube(dim("Region"), dim("Product", totals)))
    matrix = rows(app, h, 3)
    at = [i for i, r in enumerate(matrix) if r[1]["qElemNumber"] == -1]
    assert at and all(matrix[i][1]["qIsTotalCell"] for i in at)
    assert app.call("SelectHyperCubeCells", "/qHyperCubeDef", at, [1],
                    handle=h) == {"qSuccess": True}
    assert selected(app) == ("-", "-") and total(app) == str(ALL)
    app.call("SelectHyperCubeValues", "/qHyperCubeDef", 1, [-1, -2], False, handle=h)
    assert selected(app) == ("-", "-") and total(app) == str(ALL)
    # the region cell of a total row is a value: it selects its region
    north = next(i for i in at if matrix[i][0]["qText"] == "North")
    app.call("SelectHyperCubeCells", "/qHyperCubeDef", [north], [0, 1], handle=h)
    assert selected(app) == ("North", "-") and total(app) == "125"
