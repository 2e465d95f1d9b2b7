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


# -- stacked ("K") and tree ("T") cubes -------------------------------------------------
# A node of these modes stands for every row of the straight cube under it: an Others
# node of an outer dimension for the Others rows of every inner value (Others › Helmet
# and Others › Lock below), so its cell selects every value it groups.


def moded(mode: str, *dims: dict[str, Any]) -> dict[str, Any]:
    props = cube(*dims)
    props["qHyperCubeDef"]["qMode"] = mode
    props["qHyperCubeDef"]["qInitialDataFetch"] = [
        {"qTop": 0, "qLeft": 0, "qWidth": len(dims) + 1, "qHeight": 50}]
    return props


def stacked_nodes(c: Client, handle: int) -> list[dict[str, Any]]:
    """The stacked layout's nodes, outer to inner, in order."""
    root = c.layout(handle)["qHyperCube"]["qStackedDataPages"][0]["qData"][0]
    out: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]], level: int) -> None:
        for n in nodes:
            if n["qType"] != "V":
                out.append({**n, "level": level})
                walk(n["qSubNodes"], level + 1)

    walk(root["qSubNodes"], 0)
    return out


def tree_nodes(c: Client, handle: int) -> list[dict[str, Any]]:
    root = c.call("GetHyperCubeTreeData", "/qHyperCubeDef", handle=handle)["qNodes"][0]
    out: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]], level: int) -> None:
        for n in nodes:
            out.append({**n, "level": level})
            walk(n["qNodes"], level + 1)

    walk(root["qNodes"], 0)
    return out


@pytest.mark.parametrize("mode", ["K", "T"])
def test_the_others_node_of_an_outer_dimension_selects_every_value(app: Client,
                                                                   mode: str) -> None:
    h = app.create(moded(mode, dim("Region", TOP), dim("Product")))
    nodes = stacked_nodes(app, h) if mode == "K" else tree_nodes(app, h)
    others = [n for n in nodes if n["qType"] == "O"]
    assert [(n["qText"], n["qElemNo"], n["level"]) for n in others] == [("Others", -3, 0)]
    # East has Helmet, West Lock: two rows of the straight cube under the one node
    reply = app.send("SelectHyperCubeCells", "/qHyperCubeDef", [others[0]["qRow"]], [0],
                     handle=h)
    assert reply["result"] == {"qSuccess": True} and h in reply["change"]
    assert selected(app) == ("East, West", "-")
    assert total(app) == "48"


@pytest.mark.parametrize("mode", ["K", "T"])
def test_an_inner_others_node_selects_its_parent_and_its_values(app: Client,
                                                                mode: str) -> None:
    h = app.create(moded(mode, dim("Region"), dim("Product", TOP_IN_PARENT)))
    nodes = stacked_nodes(app, h) if mode == "K" else tree_nodes(app, h)
    north = next(i for i, n in enumerate(nodes) if n["qText"] == "North")
    others = next(n for n in nodes[north:] if n["qType"] == "O")
    assert others["level"] == 1
    app.call("SelectHyperCubeCells", "/qHyperCubeDef", [others["qRow"]], [0, 1], handle=h)
    assert selected(app) == ("North", "Lock, Helmet")
    assert total(app) == "25"  # North's Lock 20 + Helmet 5


@pytest.mark.parametrize("mode", ["K", "T"])
def test_select_hypercube_values_with_the_others_element_in_modes(app: Client,
                                                                  mode: str) -> None:
    h = app.create(moded(mode, dim("Region", TOP), dim("Product")))
    assert app.call("SelectHyperCubeValues", "/qHyperCubeDef", 0, [-3], False,
                    handle=h) == {"qSuccess": True}
    assert selected(app)[0] == "East, West"
    assert total(app) == "48"


@pytest.mark.parametrize("mode", ["K", "T"])
def test_others_selections_in_modal_mode(app: Client, mode: str) -> None:
    """Inside BeginSelections the Others cell selects as any cell: EndSelections(false)
    takes it back, EndSelections(true) keeps it."""
    h = app.create(moded(mode, dim("Region", TOP), dim("Product")))
    nodes = stacked_nodes(app, h) if mode == "K" else tree_nodes(app, h)
    row = next(n["qRow"] for n in nodes if n["qType"] == "O")
    for accept, want in ((False, ("-", "-")), (True, ("East, West", "-"))):
        app.call("BeginSelections", ["/qHyperCubeDef"], handle=h)
        app.call("SelectHyperCubeCells", "/qHyperCubeDef", [row], [0], handle=h)
        assert selected(app) == ("East, West", "-")
        app.call("EndSelections", accept, handle=h)
        assert selected(app) == want


def test_a_tree_range_selection_over_the_others_node(app: Client) -> None:
    """MultiRangeSelectTreeDataValues on Region's level: North 125, South 190, Others
    48 (East 40 + West 8); the range up to 100 holds the Others node alone."""
    h = app.create(moded("T", dim("Region", TOP), dim("Product")))
    ranges = [{"qRanges": [{"qRange": {"qMin": 0, "qMax": 100, "qMinInclEq": True,
                                       "qMaxInclEq": True},
                            "qMeasureIx": 0, "qDimensionIx": 0}]}]
    assert app.call("MultiRangeSelectTreeDataValues", "/qHyperCubeDef", ranges,
                    handle=h) == {"qSuccess": True}
    assert selected(app) == ("East, West", "-")
    assert total(app) == "48"


def test_a_range_selection_over_an_others_row(app: Client) -> None:
    """RangeSelectHyperCubeValues on a straight cube: the Others row (48) in range
    selects the values it groups."""
    h = app.create(cube(dim("Region", TOP)))
    ranges = [{"qRange": {"qMin": 0, "qMax": 100, "qMinInclEq": True, "qMaxInclEq": True},
               "qMeasureIx": 0}]
    assert app.call("RangeSelectHyperCubeValues", "/qHyperCubeDef", ranges, [0],
                    handle=h) == {"qSuccess": True}
    assert selected(app) == ("East, West", "-")
