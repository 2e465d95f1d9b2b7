"""Pivot hypercubes (qMode P) over QIX: layouts, pivot pages, expanding and collapsing,
paging, SelectPivotCells. The expected numbers are worked out by hand from SCRIPT's rows
(written next to each test)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Client

# Year x Region x Product: Amount
SCRIPT = """\
Sales:
LOAD * INLINE [
Year, Region, Product, Amount, Qty
2023, North, Bike, 100, 1
2023, North, Lock, 20, 2
2023, South, Bike, 150, 3
2024, North, Bike, 60, 4
2024, East, Helmet, 40, 5
2024, East, Lock, 10, 6
];
"""


def pivot(dims: list[str], measures: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "qInfo": {"qType": "pivot-table"},
        "qHyperCubeDef": {
            "qMode": "P",
            "qDimensions": [{"qDef": {"qFieldDefs": [d], "qSortCriterias": [{"qSortByAscii": 1}]}}
                            for d in dims],
            "qMeasures": [{"qDef": {"qDef": m, "qLabel": m}} for m in measures],
            "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 50, "qHeight": 50}],
            **extra,
        },
    }


def texts(nodes: list[dict[str, Any]], depth: int = 0) -> list[str]:
    """The tree as indented lines: text (or the element number of a placeholder) and flags."""
    out = []
    for n in nodes:
        flag = "+" if n.get("qCanExpand") else "-" if n.get("qCanCollapse") else ""
        out.append("  " * depth + f"{n.get('qText', n['qElemNo'])}{flag}")
        out += texts(n["qSubNodes"], depth + 1)
    return out


def data(page: dict[str, Any]) -> list[list[Any]]:
    return [[c["qNum"] if c["qType"] == "V" else None for c in row] for row in page["qData"]]


def test_collapsed_by_default_then_expand_left(client: Client) -> None:
    doc = client.session_app(SCRIPT)
    h = client.create(pivot(["Year", "Region"], ["Sum(Amount)"]), doc)
    hc = client.layout(h)["qHyperCube"]
    assert hc["qMode"] == "P" and hc["qNoOfLeftDims"] == 2
    assert hc["qEffectiveInterColumnSortOrder"] == [0, 1]
    assert hc["qGrandTotalRow"] == [] and hc["qDataPages"] == []
    page = hc["qPivotDataPages"][0]
    # both years collapsed: each a placeholder row with the year's sum
    assert texts(page["qLeft"]) == ["2023+", "  -4", "2024+", "  -4"]
    assert page["qTop"] == []
    assert data(page) == [[270], [110]]  # 100+20+150, 60+40+10
    assert hc["qSize"] == {"qcx": 1, "qcy": 2}
    client.call("ExpandLeft", "/qHyperCubeDef", 0, 0, False, handle=h)
    hc = client.layout(h)["qHyperCube"]
    page = hc["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023-", "  North", "  South", "2024+", "  -4"]
    assert data(page) == [[120], [150], [110]]
    assert hc["qLastExpandedPos"] == {"qx": 0, "qy": 0}
    props = client.call("GetProperties", handle=h)["qProp"]["qHyperCubeDef"]
    assert props["qExpansionState"][-1]["qPos"]["qDimName"] == "Year"
    client.call("CollapseLeft", "/qHyperCubeDef", 0, 0, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023+", "  -4", "2024+", "  -4"]


def totals_on(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "qOtherTotalSpec": {"qTotalMode": "TOTAL_EXPR"}}


def year_by_region(client: Client, **extra: Any) -> int:
    """Year on the left, Region and the two measures on top, totals on both dimensions,
    fully expanded."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Year", "Region"], ["Sum(Amount)", "Sum(Qty)"],
                  qNoOfLeftDims=1, qAlwaysFullyExpanded=True, **extra)
    cube = props["qHyperCubeDef"]
    cube["qDimensions"] = [totals_on(d) for d in cube["qDimensions"]]
    return client.create(props, doc)


# Year x Region (Amount, Qty), by hand from SCRIPT: 2023 North 120/3, South 150/3;
# 2024 East 50/11, North 60/4; totals 2023 270/6, 2024 110/15, East 50/11, North 180/7,
# South 150/3, all 380/21.
MATRIX = [
    [None, None, 120, 3, 150, 3, 270, 6],
    [50, 11, 60, 4, None, None, 110, 15],
    [50, 11, 180, 7, 150, 3, 380, 21],
]


def test_totals_and_pseudo_dimension_on_top(client: Client) -> None:
    h = year_by_region(client)
    hc = client.layout(h)["qHyperCube"]
    assert hc["qEffectiveInterColumnSortOrder"] == [0, 1, -1]
    assert hc["qNoOfLeftDims"] == 1
    assert hc["qSize"] == {"qcx": 8, "qcy": 3}
    page = hc["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023", "2024", "Total"]
    assert texts(page["qTop"]) == [
        "East", "  Sum(Amount)", "  Sum(Qty)", "North", "  Sum(Amount)", "  Sum(Qty)",
        "South", "  Sum(Amount)", "  Sum(Qty)", "Total", "  Sum(Amount)", "  Sum(Qty)"]
    assert data(page) == MATRIX
    total = page["qLeft"][2]
    assert (total["qElemNo"], total["qType"], total["qValue"]) == (-1, "T", "NaN")
    pseudo = page["qTop"][0]["qSubNodes"][1]
    assert (pseudo["qElemNo"], pseudo["qType"]) == (1, "P")
    year = page["qLeft"][0]
    assert (year["qValue"], year["qType"]) == (2023, "N") and "qCanExpand" not in year
    assert page["qData"][0][0] == {"qText": "-", "qNum": "NaN", "qType": "U"}
    assert page["qData"][0][2] == {"qText": "120", "qNum": 120, "qType": "V"}
    # the levels shown, a total included (Year: 2023, 2024, Total)
    cards = [i["qCardinalities"]["qHypercubeCardinal"] for i in hc["qDimensionInfo"]]
    assert cards == [3, 4]


def test_totals_above(client: Client) -> None:
    h = year_by_region(client, qShowTotalsAbove=True)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["Total", "2023", "2024"]
    assert [n["qText"] for n in page["qTop"]] == ["Total", "East", "North", "South"]
    assert data(page)[0] == [380, 21, 50, 11, 180, 7, 150, 3]


def test_pages_in_both_directions(client: Client) -> None:
    h = year_by_region(client)
    pages = client.call("GetHyperCubePivotData", "/qHyperCubeDef", [
        {"qLeft": 2, "qTop": 1, "qWidth": 3, "qHeight": 1},
        {"qLeft": 3, "qTop": 0, "qWidth": 2, "qHeight": 2},
        {"qLeft": 6, "qTop": 2, "qWidth": 10, "qHeight": 10},
    ], handle=h)["qDataPages"]
    first, second, clipped = pages
    assert first["qArea"] == {"qLeft": 2, "qTop": 1, "qWidth": 3, "qHeight": 1}
    assert texts(first["qLeft"]) == ["2024"]
    assert texts(first["qTop"]) == ["North", "  Sum(Amount)", "  Sum(Qty)", "South",
                                    "  Sum(Amount)"]
    north, south = first["qTop"]
    assert (north["qUp"], north["qDown"], south["qUp"], south["qDown"]) == (0, 0, 0, 1)
    assert data(first) == [[60, 4, None]]
    # a node cut on both sides of the page: its leaves before (qUp) and after (qDown)
    north = second["qTop"][0]
    assert (north["qText"], north["qUp"], north["qDown"]) == ("North", 1, 0)
    assert [n["qText"] for n in north["qSubNodes"]] == ["Sum(Qty)"]
    assert data(second) == [[3, 150], [4, None]]
    assert clipped["qArea"] == {"qLeft": 6, "qTop": 2, "qWidth": 2, "qHeight": 1}
    assert data(clipped) == [[380, 21]]


def test_expand_all_and_top(client: Client) -> None:
    """Year, Region left, Product top: expanding every Year, then one Product level node
    is a leaf (nothing to expand on top with one top dimension)."""
    doc = client.session_app(SCRIPT)
    h = client.create(pivot(["Year", "Region", "Product"], ["Sum(Amount)"],
                            qNoOfLeftDims=2), doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023+", "  -4", "2024+", "  -4"]
    assert [n["qText"] for n in page["qTop"]] == ["Bike", "Helmet", "Lock"]
    # Bike 2023: 250, 2024: 60; Helmet 2024: 40; Lock 2023: 20, 2024: 10
    assert data(page) == [[250, None, 20], [60, 40, 10]]
    client.call("ExpandLeft", "/qHyperCubeDef", 0, 0, True, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023-", "  North", "  South", "2024-", "  East",
                                    "  North"]
    assert data(page) == [[100, None, 20], [150, None, None], [None, 40, 10], [60, None, None]]
    # collapse the second year again, by a row of its own
    client.call("CollapseLeft", "/qHyperCubeDef", 3, 0, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023-", "  North", "  South", "2024+", "  -4"]
    err = client.error("ExpandTop", "/qHyperCubeDef", 0, 0, False, handle=h)
    assert err["code"] == 8  # a leaf level has nothing to expand
    err = client.error("ExpandLeft", "/qHyperCubeDef", 1, 1, False, handle=h)
    assert err["code"] == 8
    assert client.layout(h)["qHyperCube"]["qSize"] == {"qcx": 3, "qcy": 3}


def test_top_tree_expands(client: Client) -> None:
    """Region then Product on top, Year left; the pseudo dimension placed between them."""
    doc = client.session_app(SCRIPT)
    h = client.create(pivot(["Year", "Region", "Product"], ["Sum(Amount)", "Sum(Qty)"],
                            qNoOfLeftDims=1, qInterColumnSortOrder=[0, 1, -1, 2]), doc)
    hc = client.layout(h)["qHyperCube"]
    assert hc["qEffectiveInterColumnSortOrder"] == [0, 1, -1, 2]
    page = hc["qPivotDataPages"][0]
    assert texts(page["qTop"])[:4] == ["East+", "  Sum(Amount)", "    -4", "  Sum(Qty)"]
    assert hc["qSize"]["qcx"] == 6
    client.call("ExpandTop", "/qHyperCubeDef", 0, 0, False, handle=h)
    hc = client.layout(h)["qHyperCube"]
    assert hc["qLastExpandedPos"] == {"qx": 0, "qy": 0}
    page = hc["qPivotDataPages"][0]
    # East: Helmet, Lock under each measure
    assert texts(page["qTop"])[:7] == ["East-", "  Sum(Amount)", "    Helmet", "    Lock",
                                       "  Sum(Qty)", "    Helmet", "    Lock"]
    assert hc["qSize"]["qcx"] == 8
    assert data(page)[1][:4] == [40, 10, 5, 6]  # 2024 East
    assert data(page)[0][:4] == [None, None, None, None]


def test_select_pivot_cells(client: Client) -> None:
    h = year_by_region(client)
    year = client.create({"qInfo": {"qType": "lb"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Year"]},
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 10}]}})
    client.call("BeginSelections", ["/qHyperCubeDef"], handle=h)
    ok = client.call("SelectPivotCells", "/qHyperCubeDef",
                     [{"qType": "L", "qRow": 1, "qCol": 0}], handle=h)
    assert ok == {"qSuccess": True}
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2024", "Total"]
    client.call("EndSelections", True, handle=h)
    states = [(c[0]["qText"], c[0]["qState"]) for c in
              client.layout(year)["qListObject"]["qDataPages"][0]["qMatrix"]]
    assert ("2024", "S") in states
    # a top cell (row 0 is Region's level) and a data cell (2024 x North's Sum(Qty))
    ok = client.call("SelectPivotCells", "/qHyperCubeDef",
                     [{"qType": "T", "qRow": 0, "qCol": 2}], handle=h)
    assert ok == {"qSuccess": True}
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert [n["qText"] for n in page["qTop"]] == ["North", "Total"]
    assert data(page) == [[60, 4, 60, 4], [60, 4, 60, 4]]
    client.call("ClearAll", handle=1)
    ok = client.call("SelectPivotCells", "/qHyperCubeDef",
                     [{"qType": "D", "qRow": 0, "qCol": 3}], handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023", "Total"]
    assert [n["qText"] for n in page["qTop"]] == ["North", "Total"]
    assert data(page) == [[120, 3, 120, 3], [120, 3, 120, 3]]
    # totals select nothing; bad cells are refused and leave the object usable
    client.call("ClearAll", handle=1)
    assert client.call("SelectPivotCells", "/qHyperCubeDef",
                       [{"qType": "L", "qRow": 2, "qCol": 0}], handle=h) == {"qSuccess": False}
    assert client.error("SelectPivotCells", "/qHyperCubeDef", [{"qType": "X"}],
                        handle=h)["code"] == 8
    assert client.error("SelectPivotCells", "/qHyperCubeDef", [3], handle=h)["code"] == 8
    assert data(client.layout(h)["qHyperCube"]["qPivotDataPages"][0]) == MATRIX


def test_mode_errors(client: Client) -> None:
    doc = client.session_app(SCRIPT)
    straight = client.create({"qInfo": {"qType": "t"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Year"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]}}, doc)
    err = client.error("GetHyperCubePivotData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 1}], handle=straight)
    assert err["code"] == 6000
    assert client.error("ExpandLeft", "/qHyperCubeDef", 0, 0, False,
                        handle=straight)["code"] == 6000
    h = client.create(pivot(["Year"], ["Sum(Amount)"]), doc)
    err = client.error("GetHyperCubeData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 1}], handle=h)
    assert err["code"] == 6000
    err = client.error("GetHyperCubePivotData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": 0, "qWidth": 200, "qHeight": 200}], handle=h)
    assert err["code"] == 7009
    page = client.call("GetHyperCubePivotData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": 0, "qWidth": 5, "qHeight": 5}],
                       handle=h)["qDataPages"][0]
    assert data(page) == [[270], [110]]


# -- qIndentMode: the left dimensions in one column, a row per node ---------------------


def test_indent_mode_rows_per_node(client: Client) -> None:
    """Indented, every left node is a row of its own above its children's rows, holding
    its subtotal; a collapsed node has no placeholder row; only the first left
    dimension has a total (a deeper one's subtotal is its parent's row)."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Year", "Region"], ["Sum(Amount)"], qIndentMode=True)
    props["qHyperCubeDef"]["qDimensions"] = [totals_on(d) for d in
                                             props["qHyperCubeDef"]["qDimensions"]]
    h = client.create(props, doc)
    hc = client.layout(h)["qHyperCube"]
    assert hc["qIndentMode"] is True and hc["qNoOfLeftDims"] == 2
    page = hc["qPivotDataPages"][0]
    # by hand: 2023 = 100+20+150, 2024 = 60+40+10, total 380
    assert texts(page["qLeft"]) == ["2023+", "2024+", "Total"]
    assert data(page) == [[270], [110], [380]]
    assert hc["qSize"] == {"qcx": 1, "qcy": 3}
    client.call("ExpandLeft", "/qHyperCubeDef", 0, 0, False, handle=h)
    hc = client.layout(h)["qHyperCube"]
    page = hc["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023-", "  North", "  South", "2024+", "Total"]
    assert data(page) == [[270], [120], [150], [110], [380]]
    assert hc["qSize"] == {"qcx": 1, "qcy": 5}
    # a child's row collapses nothing; the second year's row expands it
    assert client.error("ExpandLeft", "/qHyperCubeDef", 1, 0, False, handle=h)["code"] == 8
    client.call("ExpandLeft", "/qHyperCubeDef", 3, 0, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023-", "  North", "  South", "2024-", "  East",
                                    "  North", "Total"]
    assert data(page) == [[270], [120], [150], [110], [50], [60], [380]]
    client.call("CollapseLeft", "/qHyperCubeDef", 0, 0, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023+", "2024-", "  East", "  North", "Total"]


def test_indent_mode_with_top_and_pages(client: Client) -> None:
    """Year, Region indented on the left, Product on top, fully expanded; a page cut
    through the tree: a node's qUp/qDown count its rows (its own first) outside."""
    doc = client.session_app(SCRIPT)
    h = client.create(pivot(["Year", "Region", "Product"], ["Sum(Amount)"], qNoOfLeftDims=2,
                            qIndentMode=True, qAlwaysFullyExpanded=True), doc)
    hc = client.layout(h)["qHyperCube"]
    page = hc["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023", "  North", "  South", "2024", "  East",
                                    "  North"]
    assert [n["qText"] for n in page["qTop"]] == ["Bike", "Helmet", "Lock"]
    # by hand, Bike/Helmet/Lock: 2023 250/-/20, 2023 North 100/-/20, South 150/-/-,
    # 2024 60/40/10, East -/40/10, North 60/-/-
    assert data(page) == [[250, None, 20], [100, None, 20], [150, None, None],
                          [60, 40, 10], [None, 40, 10], [60, None, None]]
    assert hc["qSize"] == {"qcx": 3, "qcy": 6}
    cut = client.call("GetHyperCubePivotData", "/qHyperCubeDef",
                      [{"qLeft": 0, "qTop": 2, "qWidth": 3, "qHeight": 2}],
                      handle=h)["qDataPages"][0]
    assert texts(cut["qLeft"]) == ["2023", "  South", "2024"]
    y2023, y2024 = cut["qLeft"]
    assert (y2023["qUp"], y2023["qDown"]) == (2, 0)
    assert (y2024["qUp"], y2024["qDown"]) == (0, 2)
    assert data(cut) == [[150, None, None], [60, 40, 10]]


# -- qSortbyYValue: the left nodes by the first measure ----------------------------------


def test_sort_by_y_value_orders_left_nodes_by_first_measure(client: Client) -> None:
    """qSortbyYValue -1 (sn-pivot-table's descending): each left node's values under
    their parent by the first measure's subtotal, largest first; 1 smallest first. The
    top keeps its dimension's order. By hand: 2023 270, 2024 110; 2023 North 120, South
    150; 2024 East 50, North 60."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Year", "Region", "Product"], ["Sum(Amount)"], qNoOfLeftDims=2,
                  qAlwaysFullyExpanded=True, qSortbyYValue=-1)
    h = client.create(props, doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023", "  South", "  North", "2024", "  North",
                                    "  East"]
    assert [n["qText"] for n in page["qTop"]] == ["Bike", "Helmet", "Lock"]
    assert data(page) == [[150, None, None], [100, None, 20], [60, None, None],
                          [None, 40, 10]]
    props["qHyperCubeDef"]["qSortbyYValue"] = 1
    client.call("SetProperties", props, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2024", "  East", "  North", "2023", "  North",
                                    "  South"]
    # expanding a node still names it by its values, wherever the sort put it
    props["qHyperCubeDef"]["qAlwaysFullyExpanded"] = False
    client.call("SetProperties", props, handle=h)
    client.call("ExpandLeft", "/qHyperCubeDef", 1, 0, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2024+", "  -4", "2023-", "  North", "  South"]
    assert data(page) == [[60, 40, 10], [100, None, 20], [150, None, None]]


def test_sort_by_y_value_needs_the_measures_on_top(client: Client) -> None:
    """The reference restricts qSortbyYValue to the measures (pseudo dimension) on top:
    with the pseudo dimension on the left the dimensions keep their own order."""
    doc = client.session_app(SCRIPT)
    h = client.create(pivot(["Year", "Region"], ["Sum(Amount)", "Sum(Qty)"],
                            qNoOfLeftDims=3, qInterColumnSortOrder=[0, 1, -1],
                            qAlwaysFullyExpanded=True, qSortbyYValue=-1), doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert [n["qText"] for n in page["qLeft"]] == ["2023", "2024"]
    assert [n["qText"] for n in page["qLeft"][1]["qSubNodes"]] == ["East", "North"]


# -- dimension limits ("Others") on a pivot dimension ------------------------------------


def test_others_node_on_a_left_dimension(client: Client) -> None:
    """Region left limited to 2 values counted (the top one and Others) by Sum(Amount),
    Year on top. By hand: North 180, South 150, East 50: North kept, Others = South +
    East: 2023 150, 2024 50."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Region", "Year"], ["Sum(Amount)"], qNoOfLeftDims=1)
    props["qHyperCubeDef"]["qDimensions"][0]["qOtherTotalSpec"] = {
        "qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"}}
    h = client.create(props, doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert [(n["qText"], n["qElemNo"], n["qType"]) for n in page["qLeft"]] == [
        ("North", 0, "N"), ("Others", -3, "O")]
    assert data(page) == [[120, 60], [150, 50]]
    assert client.layout(h)["qHyperCube"]["qHasOtherValues"] is True


# Region x Product x Year: Amount (for dimension limits per parent)
OTHERS_SCRIPT = """\
Sales:
LOAD * INLINE [
Region, Product, Year, Amount
North, Bike, 2023, 100
North, Lock, 2023, 30
North, Lock, 2024, 20
North, Helmet, 2024, 25
North, Bell, 2024, 5
South, Bike, 2024, 70
South, Bell, 2024, 40
South, Lock, 2023, 10
];
"""


def limited(dims: list[str], measures: list[str], spec: dict[int, dict[str, Any]],
            **extra: Any) -> dict[str, Any]:
    props = pivot(dims, measures, **extra)
    for i, s in spec.items():
        props["qHyperCubeDef"]["qDimensions"][i].update(s)
    return props


def test_others_node_per_parent_with_subtotals(client: Client) -> None:
    """Product (inner left) limited to 2 counted under each Region by Sum(Amount), with
    totals; Year on top with a total; Count(DISTINCT Year) beside. By hand: North Bike
    100, Lock 50, Helmet 25, Bell 5 keeps Bike, Others = Lock + Helmet + Bell: 2023 30
    (1 year), 2024 20 + 25 + 5 = 50 (1), all 80 in 2 years (not 2 + 1 + 1 = 4, the sum
    of the values' counts); South Bike 70, Bell 40, Lock 10 keeps Bike, Others = Bell +
    Lock: 2023 10, 2024 40, all 50 (2 years). The label is an expression."""
    doc = client.session_app(OTHERS_SCRIPT)
    total = {"qOtherTotalSpec": {"qTotalMode": "TOTAL_EXPR"}}
    h = client.create(limited(
        ["Region", "Product", "Year"], ["Sum(Amount)", "Count(DISTINCT Year)"],
        {1: {"qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"},
                                 "qTotalMode": "TOTAL_EXPR"},
             "qOtherLabel": {"qv": "='Rest of ' & Count(DISTINCT Region)"}},
         2: total},
        qNoOfLeftDims=2, qAlwaysFullyExpanded=True), doc)
    hc = client.layout(h)["qHyperCube"]
    page = hc["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["North", "  Bike", "  Rest of 2", "  Total",
                                    "South", "  Bike", "  Rest of 2", "  Total"]
    others = page["qLeft"][0]["qSubNodes"][1]
    assert (others["qElemNo"], others["qType"], others["qValue"]) == (-3, "O", "NaN")
    assert "qCanExpand" not in others and "qCanCollapse" not in others
    assert [n["qText"] for n in page["qTop"]] == ["2023", "2024", "Total"]
    assert hc["qSize"] == {"qcx": 6, "qcy": 6}
    assert data(page) == [
        [100, 1, None, None, 100, 1],  # North Bike
        [30, 1, 50, 1, 80, 2],  # North Others
        [130, 1, 50, 1, 180, 2],  # North Total
        [None, None, 70, 1, 70, 1],  # South Bike
        [10, 1, 40, 1, 50, 2],  # South Others
        [10, 1, 110, 1, 120, 2],  # South Total
    ]


def test_others_node_of_an_outer_dimension_expands(client: Client) -> None:
    """Region (outer left) limited to values above 150 by Sum(Amount): North (180) kept,
    South (120) in Others. Expanding every node opens the Others node too: its children
    are the products of South's records (Bell 2024 40, Bike 2024 70, Lock 2023 10);
    collapsed, it is one row of its subtotal (2023 10, 2024 110) over a -4 placeholder,
    and ExpandLeft at its row opens it again."""
    doc = client.session_app(OTHERS_SCRIPT)
    h = client.create(limited(
        ["Region", "Product", "Year"], ["Sum(Amount)"],
        {0: {"qOtherTotalSpec": {"qOtherMode": "OTHER_ABS_LIMITED", "qOtherLimit": {"qv": "150"},
                                 "qOtherLimitMode": "OTHER_GT_LIMIT"}}},
        qNoOfLeftDims=2), doc)
    client.call("ExpandLeft", "/qHyperCubeDef", 0, 0, True, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["North-", "  Bell", "  Bike", "  Helmet", "  Lock",
                                    "Others-", "  Bell", "  Bike", "  Lock"]
    assert data(page) == [[None, 5], [100, None], [None, 25], [30, 20],
                          [None, 40], [None, 70], [10, None]]
    others = page["qLeft"][1]
    assert (others["qElemNo"], others["qType"], others["qUp"], others["qDown"]) == (-3, "O", 0, 0)
    client.call("CollapseLeft", "/qHyperCubeDef", 4, 0, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"])[5:] == ["Others+", "  -4"]
    assert data(page)[4:] == [[10, 110]]
    state = client.call("GetProperties", handle=h)["qProp"]["qHyperCubeDef"]["qExpansionState"]
    assert state[-1] == {"qExcludeList": True,
                         "qPos": {"qDimName": "Region", "qElemNo": [-3], "qElemValues": []}}
    client.call("ExpandLeft", "/qHyperCubeDef", 4, 0, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"])[5:] == ["Others-", "  Bell", "  Bike", "  Lock"]
    # a cell that is no node to expand is refused and leaves the object usable
    err = client.error("ExpandLeft", "/qHyperCubeDef", 5, 1, False, handle=h)
    assert err["code"] == 8
    assert data(client.layout(h)["qHyperCube"]["qPivotDataPages"][0])[4] == [None, 40]


def test_others_on_top_and_selecting_its_cells(client: Client) -> None:
    """Region on top limited to values of 150 or more, Year left (North 180 kept,
    Others = South 120). Selecting the top Others cell selects South; a data cell of
    the Others column selects its row's value and South."""
    doc = client.session_app(OTHERS_SCRIPT)
    h = client.create(limited(
        ["Year", "Region"], ["Sum(Amount)"],
        {1: {"qOtherTotalSpec": {"qOtherMode": "OTHER_ABS_LIMITED", "qOtherLimit": {"qv": "150"},
                                 "qOtherLimitMode": "OTHER_GE_LIMIT"}}},
        qNoOfLeftDims=1), doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert [(n["qText"], n["qElemNo"], n["qType"]) for n in page["qTop"]] == [
        ("North", 0, "N"), ("Others", -3, "O")]
    assert data(page) == [[130, 10], [50, 110]]
    assert client.call("SelectPivotCells", "/qHyperCubeDef",
                       [{"qType": "T", "qRow": 0, "qCol": 1}], handle=h) == {"qSuccess": True}
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    # South alone (120) is still under the limit: its own Others node
    assert [n["qText"] for n in page["qTop"]] == ["Others"]
    assert data(page) == [[10], [110]]
    client.call("ClearAll", handle=doc)
    assert client.call("SelectPivotCells", "/qHyperCubeDef",
                       [{"qType": "D", "qRow": 1, "qCol": 1}], handle=h) == {"qSuccess": True}
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert [n["qText"] for n in page["qLeft"]] == ["2024"]
    assert [n["qText"] for n in page["qTop"]] == ["Others"]
    assert data(page) == [[110]]


def test_suppressed_others_drops_the_values(client: Client) -> None:
    """qSuppressOther: the top 2 values per Region (2 counted, no Others node to count)
    and no Others node; the grand total still counts every value (300)."""
    doc = client.session_app(OTHERS_SCRIPT)
    h = client.create(limited(
        ["Region", "Product"], ["Sum(Amount)"],
        {1: {"qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"},
                                 "qSuppressOther": True}},
         0: {"qOtherTotalSpec": {"qTotalMode": "TOTAL_EXPR"}}},
        qNoOfLeftDims=2, qAlwaysFullyExpanded=True), doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    # the values kept in the dimension's order (ascii)
    assert texts(page["qLeft"]) == ["North", "  Bike", "  Lock", "South", "  Bell", "  Bike",
                                    "Total", "  -4"]
    assert data(page) == [[100], [50], [40], [70], [300]]


# -- inter-record functions over the pivot's columns --------------------------------------


def test_before_reads_the_previous_column_of_the_row_segment(client: Client) -> None:
    """Help "Before - chart function": the expression evaluated with the dimension values
    of the column before the current one within the row segment; NULL in the first
    column. Year left, Region top (East, North, South). By hand, Sum(Amount): 2023
    -, 120, 150; 2024 50, 60, -. Before: 2023 -, - (East empty), 120; 2024 -, 50, 60."""
    doc = client.session_app(SCRIPT)
    h = client.create(pivot(["Year", "Region"], ["Before(Sum(Amount))"], qNoOfLeftDims=1,
                            qAlwaysFullyExpanded=True), doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert data(page) == [[None, None, 120], [None, 50, 60]]


def pseudo_left(client: Client, top: list[str], measures: list[str], **extra: Any) -> int:
    """Year and the measures (pseudo dimension) on the left, ``top`` on top, fully
    expanded: one data row per year and measure."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Year", *top], measures, qNoOfLeftDims=2,
                  qInterColumnSortOrder=[0, -1, *range(1, len(top) + 1)],
                  qAlwaysFullyExpanded=True, **extra)
    return client.create(props, doc)


def test_horizontal_functions_over_one_top_dimension(client: Client) -> None:
    """Year left, Region top (East, North, South): the row segment is the whole row.
    By hand, Sum(Amount): 2023 -, 120, 150; 2024 50, 60, - (no 2023 East, no 2024
    South). A cell with no data of its own shows what the functions give it there."""
    measures = ["After(Sum(Amount))", "Last(Sum(Amount))", "First(Sum(Amount), 2)",
                "ColumnNo()", "NoOfColumns()", "HRank(Sum(Amount))",
                "RangeSum(Before(Sum(Amount), 1, 2))"]
    h = pseudo_left(client, ["Region"], measures)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"])[:3] == ["2023", "  After(Sum(Amount))", "  Last(Sum(Amount))"]
    assert [n["qText"] for n in page["qTop"]] == ["East", "North", "South"]
    assert data(page) == [
        # 2023
        [120, 150, None],  # After: the next column (North 120, South 150, none)
        [150, 150, 150],  # Last: South's 150
        [120, 120, 120],  # First(…, 2): the second column, North's 120
        [1, 2, 3],  # ColumnNo
        [3, 3, 3],  # NoOfColumns
        [None, 2, 1],  # HRank: 150 first, 120 second, East not ranked
        [0, 0, 120],  # the two columns before: none; East (-); North 120 + East (-)
        # 2024
        [60, None, None],  # After: North 60, South (-), none
        [None, None, None],  # Last: South has no 2024 value
        [60, 60, 60],  # First(…, 2): North's 60
        [1, 2, 3],
        [3, 3, 3],
        [2, 1, None],  # HRank: 60 first, 50 second
        [0, 50, 110],  # none; East 50; North 60 + East 50
    ]


def test_row_segments_of_two_top_dimensions(client: Client) -> None:
    """Region then Product on top: a row segment is one Region's products. Columns by
    hand: East/Helmet, East/Lock, North/Bike, North/Lock, South/Bike; Sum(Amount) 2023
    -, -, 100, 20, 150; 2024 40, 10, 60, -, -."""
    measures = ["Before(Sum(Amount))", "Before(TOTAL Sum(Amount))", "ColumnNo()",
                "ColumnNo(TOTAL)", "NoOfColumns()", "HRank(TOTAL Sum(Amount))"]
    h = pseudo_left(client, ["Region", "Product"], measures)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qTop"]) == ["East", "  Helmet", "  Lock", "North", "  Bike", "  Lock",
                                   "South", "  Bike"]
    assert data(page) == [
        # 2023
        [None, None, None, 100, None],  # Before within the Region: only North/Lock has one
        [None, None, None, 100, 20],  # TOTAL: the column before across the whole row
        [1, 2, 1, 2, 1],
        [1, 2, 3, 4, 5],
        [2, 2, 2, 2, 1],
        [None, None, 2, 3, 1],  # 150 > 100 > 20
        # 2024
        [None, 40, None, 60, None],  # East/Lock: Helmet 40; North/Lock (no data): Bike 60
        [None, 40, 10, 60, None],  # TOTAL: South/Bike's before is North/Lock (-)
        [1, 2, 1, 2, 1],
        [1, 2, 3, 4, 5],
        [2, 2, 2, 2, 1],
        [2, 3, 1, None, None],  # 60 > 40 > 10
    ]


def test_horizontal_functions_in_total_columns(client: Client) -> None:
    """Region, Product on top with totals on both. A Product "Total" column sums its
    Region: it is in no row segment (ColumnNo NULL, Before NULL) but First and
    NoOfColumns read the Region it totals; the grand total column reads the whole row
    with TOTAL only (help "Examples of Chart Inter Record functions": partial sums
    per segment, TOTAL in the grand total). 2024 by hand: East Helmet 40, Lock 10,
    Total 50; North Bike 60, Lock -, Total 60; South Bike -, Total -; all 110."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Year", "Region", "Product"],
                  ["First(Sum(Amount))", "First(TOTAL Sum(Amount))", "NoOfColumns()",
                   "ColumnNo()", "Before(Sum(Amount))", "SecondaryDimensionality()"],
                  qNoOfLeftDims=2, qInterColumnSortOrder=[0, -1, 1, 2],
                  qAlwaysFullyExpanded=True)
    cube = props["qHyperCubeDef"]
    cube["qDimensions"] = [cube["qDimensions"][0]] + [totals_on(d) for d in
                                                       cube["qDimensions"][1:]]
    h = client.create(props, doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qTop"]) == [
        "East", "  Helmet", "  Lock", "  Total", "North", "  Bike", "  Lock", "  Total",
        "South", "  Bike", "  Total", "Total", "  -4"]
    rows_2024 = data(page)[6:]
    assert rows_2024 == [
        # First: each Region's first product (Helmet 40, Bike 60, Bike -), its Total
        # column too; the grand total column: NULL without TOTAL
        [40, 40, 40, 60, 60, 60, None, None, None],
        # First(TOTAL): East/Helmet's 40 on every product column; NULL in the Region
        # totals, the grand total column reads the whole row
        [40, 40, None, 40, 40, None, 40, None, 40],
        [2, 2, 2, 2, 2, 2, 1, 1, None],  # NoOfColumns: the Region's products
        [1, 2, None, 1, 2, None, 1, None, None],  # ColumnNo: none in total columns
        [None, 40, None, None, 60, None, None, None, None],  # Before
        [2, 2, 1, 2, 2, 1, 2, 1, 0],  # SecondaryDimensionality: the top values shown
    ]


def test_vertical_functions_down_the_left_rows(client: Client) -> None:
    """Year, Region left with totals on Region: a column segment is one Year's regions.
    By hand, Sum(Amount): 2023 North 120, South 150 (Total 270); 2024 East 50, North 60
    (Total 110); the grand total 380. A Region "Total" row is in no segment (Above and
    RowNo NULL) but Top and NoOfRows read the Year it totals; the grand total row has
    Top only with TOTAL."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Year", "Region"],
                  ["Above(Sum(Amount))", "Above(TOTAL Sum(Amount))", "RowNo()",
                   "RowNo(TOTAL)", "NoOfRows()", "Top(Sum(Amount))", "Top(TOTAL Sum(Amount))",
                   "Dimensionality()"],
                  qNoOfLeftDims=2, qAlwaysFullyExpanded=True)
    cube = props["qHyperCubeDef"]
    cube["qDimensions"] = [totals_on(d) for d in cube["qDimensions"]]
    h = client.create(props, doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023", "  North", "  South", "  Total", "2024", "  East",
                                    "  North", "  Total", "Total", "  -4"]
    assert [n["qText"] for n in page["qTop"]][:2] == ["Above(Sum(Amount))",
                                                     "Above(TOTAL Sum(Amount))"]
    assert data(page) == [
        # Above, Above TOTAL, RowNo, RowNo TOTAL, NoOfRows, Top, Top TOTAL, Dimensionality
        [None, None, 1, 1, 2, 120, 120, 2],  # 2023 North
        [120, 120, 2, 2, 2, 120, 120, 2],  # 2023 South
        [None, None, None, None, 2, 120, None, 1],  # 2023 Total
        [None, 150, 1, 3, 2, 50, 120, 2],  # 2024 East: above across years, 2023 South
        [50, 50, 2, 4, 2, 50, 120, 2],  # 2024 North
        [None, None, None, None, 2, 50, None, 1],  # 2024 Total
        [None, None, None, None, None, None, 120, 0],  # grand total
    ]


# -- Before() against DuckDB's LAG over the grid ----------------------------------------


def _differential_rows() -> list[tuple[str, str, int, int]]:
    """Region × Channel × Month with amounts; some combinations left out so that the grid
    has cells without data (a deterministic pattern, not the engine's output)."""
    out = []
    for r, region in enumerate(["North", "South", "East", "West"]):
        for c, channel in enumerate(["Web", "Shop"]):
            for month in range(1, 7):
                if (r * 7 + c * 3 + month * 5) % 4 == 0:
                    continue
                out.append((region, channel, month, (r + 1) * 100 + (c + 1) * 10 + month
                            + (r * month) % 7))
    return out


@pytest.mark.parametrize("selection", [
    {}, {"Region": ["North", "West"]}, {"Month": ["2", "3", "5"]},
    {"Channel": ["Shop"], "Month": ["1", "4", "5", "6"]},
], ids=["none", "regions", "months", "shop-months"])
def test_before_matches_duckdb_lag(client: Client, selection: dict[str, list[str]]) -> None:
    """Region, Channel left, Month top: Before(Sum(Amount)) in every cell of the grid is
    DuckDB's LAG of the month sums over the months shown (those with data under the
    selection), partitioned by the left rows, a row-month without data reading NULL."""
    duckdb = pytest.importorskip("duckdb")
    rows = _differential_rows()
    script = "Sales:\nLOAD * INLINE [\nRegion, Channel, Month, Amount\n" + "\n".join(
        f"{r}, {c}, {m}, {a}" for r, c, m, a in rows) + "\n];\n"
    doc = client.session_app(script)
    h = client.create(pivot(["Region", "Channel", "Month"],
                            ["Sum(Amount)", "Before(Sum(Amount))"], qNoOfLeftDims=2,
                            qInterColumnSortOrder=[0, 1, 2, -1], qAlwaysFullyExpanded=True),
                      doc)
    for name, values in selection.items():
        handle = client.call("GetField", name, "", handle=doc)["qReturn"]["qHandle"]
        client.call("SelectValues", [{"qText": v} for v in values], False, handle=handle)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]

    con = duckdb.connect()
    con.execute("CREATE TABLE sales (region TEXT, channel TEXT, month INT, amount INT)")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?)", rows)
    where = " AND ".join(
        f"{name.lower()} IN ({', '.join(repr(v) if name != 'Month' else v for v in vs)})"
        for name, vs in selection.items()) or "TRUE"
    expected = con.execute(f"""
        WITH kept AS (SELECT * FROM sales WHERE {where}),
        lefts AS (SELECT DISTINCT region, channel FROM kept),
        months AS (SELECT DISTINCT month FROM kept),
        cells AS (SELECT l.region, l.channel, m.month, (SELECT SUM(amount) FROM kept k
                   WHERE k.region = l.region AND k.channel = l.channel
                   AND k.month = m.month) AS total
                  FROM lefts l CROSS JOIN months m)
        SELECT region, channel, month, total,
               LAG(total) OVER (PARTITION BY region, channel ORDER BY month) AS before
        FROM cells ORDER BY region, channel, month""").fetchall()

    lefts = [(a["qText"], b["qText"]) for a in page["qLeft"] for b in a["qSubNodes"]]
    months = [m["qText"] for m in page["qTop"]]
    assert len(months) == len({m for _, _, m, _, _ in expected})
    got = {}
    for i, (region, channel) in enumerate(lefts):
        for j, month in enumerate(months):
            cells = page["qData"][i][2 * j:2 * j + 2]
            got[(region, channel, int(month))] = tuple(
                c["qNum"] if c["qType"] == "V" else None for c in cells)
    want = {(r, c, m): (t, b) for r, c, m, t, b in expected}
    assert got == want
    if not selection:  # the grid has cells without data, some of them with a Before
        assert any(t is None and b is not None for t, b in want.values())


# -- attribute expressions and dimensions on pivot cells ---------------------------------

RED = {"qText": "RGB(255,0,0)", "qNum": 0xFFFF0000}  # ARGB 255,255,0,0 as a number
NULL_ATTR = {"qNum": "NaN"}


def attr_values(cell: dict[str, Any]) -> list[Any]:
    """A cell's attribute expressions as (text, number) pairs (None: NULL)."""
    return [(v["qText"], v["qNum"]) if "qText" in v else None
            for v in cell["qAttrExps"]["qValues"]]


def colored_pivot(**extra: Any) -> dict[str, Any]:
    """Year and Region on the left, both with totals, fully expanded; the measure red
    where it is over 100; Year's nodes with Sum(Qty), Region's with its products."""
    props = pivot(["Year", "Region"], ["Sum(Amount)"], qAlwaysFullyExpanded=True, **extra)
    cube = props["qHyperCubeDef"]
    cube["qDimensions"] = [totals_on(d) for d in cube["qDimensions"]]
    cube["qDimensions"][0]["qAttributeExpressions"] = [{"qExpression": "Sum(Qty)"}]
    cube["qDimensions"][1]["qAttributeExpressions"] = [
        {"qExpression": "Count(DISTINCT Product)", "id": "cellForegroundColor"}]
    cube["qMeasures"][0]["qAttributeExpressions"] = [
        {"qExpression": "If(Sum(Amount) > 100, RGB(255,0,0))", "id": "cellBackgroundColor"}]
    return props


def test_attribute_expressions_on_left_nodes_and_cells(client: Client) -> None:
    doc = client.session_app(SCRIPT)
    h = client.create(colored_pivot(), doc)
    hc = client.layout(h)["qHyperCube"]
    page = hc["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023", "  North", "  South", "  Total",
                                    "2024", "  East", "  North", "  Total",
                                    "Total", "  -4"]
    # the measure at each row's own level, by hand: 2023 North 100+20=120, South 150,
    # 2023's total 270; 2024 East 40+10=50, North 60, 2024's total 110; all 380.
    # Red where over 100; no value (NULL) elsewhere
    assert data(page) == [[120], [150], [270], [50], [60], [110], [380]]
    assert [attr_values(row[0]) for row in page["qData"]] == [
        [tuple(RED.values())]] * 3 + [[None], [None]] + [[tuple(RED.values())]] * 2
    assert page["qData"][0][0] == {"qText": "120", "qNum": 120, "qType": "V",
                                   "qAttrExps": {"qValues": [RED]}}
    # Year's nodes: Sum(Qty) per year (1+2+3, 4+5+6) and over all for its total (21)
    years = page["qLeft"]
    assert [attr_values(n) for n in years] == [[("6", 6)], [("15", 15)], [("21", 21)]]
    # qAttrExps follows qSubNodes, as the real engine sends it
    assert list(years[0])[-2:] == ["qSubNodes", "qAttrExps"]
    # Region's nodes: distinct products under each year (2023 North: Bike, Lock; South:
    # Bike; 2024 East: Helmet, Lock; North: Bike), its total nodes the year's (2023:
    # Bike, Lock; 2024: all three), the placeholder below the grand total over all (3)
    regions = [[attr_values(n)[0][1] for n in y["qSubNodes"]] for y in years]
    assert regions == [[2, 1, 2], [2, 1, 3], [3]]
    # a measure's info carries its attribute's info, the client's id kept
    info = hc["qMeasureInfo"][0]["qAttrExprInfo"]
    assert len(info) == 1 and info[0]["id"] == "cellBackgroundColor"
    assert info[0]["qFallbackTitle"] == "If(Sum(Amount) > 100, RGB(255,0,0))"
    dim_infos = [i["qAttrExprInfo"] for i in hc["qDimensionInfo"]]
    assert [len(i) for i in dim_infos] == [1, 1]
    assert dim_infos[1][0]["id"] == "cellForegroundColor"


def test_collapsed_placeholder_has_null_attributes(client: Client) -> None:
    doc = client.session_app(SCRIPT)
    props = colored_pivot()
    props["qHyperCubeDef"]["qAlwaysFullyExpanded"] = False
    props["qHyperCubeDef"]["qExpansionState"] = [
        {"qExcludeList": False, "qPos": {"qDimName": "Year", "qElemNo": [], "qElemValues": []}}]
    h = client.create(props, doc)
    client.call("CollapseLeft", "/qHyperCubeDef", 4, 0, False, handle=h)  # 2024
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023-", "  North", "  South", "  Total",
                                    "2024+", "  -4", "Total", "  -4"]
    placeholder = page["qLeft"][1]["qSubNodes"][0]
    assert placeholder["qAttrExps"] == {"qValues": [NULL_ATTR]}
    # the collapsed year's row still shows its subtotal (110), and its colour
    assert data(page) == [[120], [150], [270], [110], [380]]
    assert page["qData"][3][0]["qAttrExps"] == {"qValues": [RED]}
    assert page["qLeft"][2]["qSubNodes"][0]["qAttrExps"]["qValues"][0]["qNum"] == 3


def test_attributes_at_crossings_of_left_and_top(client: Client) -> None:
    """Year on the left, Region on top, both with totals: the measure's attribute at
    every crossing (a subtotal column and row included), none on cells without data;
    Region's attribute on the top nodes at their level (the left summed up)."""
    doc = client.session_app(SCRIPT)
    h = client.create(colored_pivot(qNoOfLeftDims=1), doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert texts(page["qTop"]) == ["East", "North", "South", "Total"]
    # by hand: 2023 -, 120, 150, 270; 2024 50, 60, -, 110; all 50, 180, 150, 380
    assert data(page) == [[None, 120, 150, 270], [50, 60, None, 110], [50, 180, 150, 380]]
    colours = [[attr_values(c)[0] if c["qType"] == "V" else "no data" for c in row]
               for row in page["qData"]]
    red = tuple(RED.values())
    assert colours == [["no data", red, red, red], [None, None, "no data", red],
                       [None, red, red, red]]
    assert page["qData"][0][0] == {"qText": "-", "qNum": "NaN", "qType": "U"}
    # distinct products per region over both years: East Helmet, Lock; North Bike,
    # Lock; South Bike; the total all three
    assert [attr_values(n)[0][1] for n in page["qTop"]] == [2, 2, 1, 3]


def test_attribute_dimensions_on_cells_and_nodes(client: Client) -> None:
    """An attribute dimension is the field's one value in the cell's (node's) records,
    NULL where there are several."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Year", "Region"], ["Sum(Amount)"], qAlwaysFullyExpanded=True)
    cube = props["qHyperCubeDef"]
    cube["qDimensions"][1] = totals_on(cube["qDimensions"][1])
    cube["qDimensions"][1]["qAttributeDimensions"] = [{"qDef": "Product"}]
    cube["qMeasures"][0]["qAttributeDimensions"] = [{"qDef": "Product"},
                                                    {"qDef": "=Year & '-' & Region"}]
    h = client.create(props, doc)
    hc = client.layout(h)["qHyperCube"]
    page = hc["qPivotDataPages"][0]
    assert texts(page["qLeft"]) == ["2023", "  North", "  South", "  Total",
                                    "2024", "  East", "  North", "  Total"]

    def dims(cell: dict[str, Any]) -> list[str]:
        return [v["qText"] for v in cell["qAttrDims"]["qValues"]]

    # rows by hand: 2023 North (Bike, Lock), South (Bike), 2023 (Bike, Lock);
    # 2024 East (Helmet, Lock), North (Bike), 2024 (Bike, Helmet, Lock); at a year's
    # subtotal Region has several values, NULL, and & reads NULL as no text
    assert [dims(row[0]) for row in page["qData"]] == [
        ["-", "2023-North"], ["Bike", "2023-South"], ["-", "2023-"],
        ["-", "2024-East"], ["Bike", "2024-North"], ["-", "2024-"]]
    single = page["qData"][1][0]["qAttrDims"]["qValues"][0]
    bike = page["qLeft"][1]["qSubNodes"][1]["qAttrDims"]["qValues"][0]
    assert single == bike and single["qElemNo"] >= 0
    assert page["qData"][0][0]["qAttrDims"]["qValues"][0] == {"qText": "-", "qElemNo": -2}
    assert "qAttrExps" not in page["qData"][0][0]
    assert [dims(n) for n in page["qLeft"][0]["qSubNodes"]] == [["-"], ["Bike"], ["-"]]
    assert "qAttrDims" not in page["qLeft"][0]  # Year has none
    info = hc["qMeasureInfo"][0]["qAttrDimInfo"]
    assert [i["qFallbackTitle"] for i in info] == ["Product", "=Year & '-' & Region"]


def test_bad_attribute_expression_leaves_the_pivot_usable(client: Client) -> None:
    doc = client.session_app(SCRIPT)
    props = pivot(["Year"], ["Sum(Amount)"])
    props["qHyperCubeDef"]["qMeasures"][0]["qAttributeExpressions"] = [
        {"qExpression": "Sum(NoSuchField)"}, {"qExpression": "Sum(Qty) * 2"}]
    h = client.create(props, doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    # 2023: Amount 270, Qty 6; 2024: 110, 15
    assert data(page) == [[270], [110]]
    assert [attr_values(row[0]) for row in page["qData"]] == [
        [None, ("12", 12)], [None, ("30", 30)]]
    client.call("SelectPivotCells", "/qHyperCubeDef",
                [{"qType": "L", "qCol": 0, "qRow": 1}], handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert data(page) == [[110]]
    assert attr_values(page["qData"][0][0]) == [None, ("30", 30)]


def test_attributes_on_others_cells(client: Client) -> None:
    """Region left limited to North and Others (South + East), Year on top: the Others
    cells' attribute is the expression over their own records, as their measure, and
    so is the Others node's. By hand (SCRIPT): Others 2023 150 (South Bike), 2024 50
    (East Helmet, Lock): Count(DISTINCT Product) 1 and 2; its Qty 3 + 5 + 6."""
    doc = client.session_app(SCRIPT)
    props = pivot(["Region", "Year"], ["Sum(Amount)"], qNoOfLeftDims=1)
    cube = props["qHyperCubeDef"]
    cube["qDimensions"][0]["qOtherTotalSpec"] = {
        "qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"}}
    cube["qDimensions"][0]["qAttributeExpressions"] = [{"qExpression": "Sum(Qty)"}]
    cube["qMeasures"][0]["qAttributeExpressions"] = [
        {"qExpression": "Count(DISTINCT Product)"}]
    h = client.create(props, doc)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert data(page) == [[120, 60], [150, 50]]
    # North 2023 Bike, Lock; 2024 Bike
    assert [[attr_values(c)[0][1] for c in row] for row in page["qData"]] == [[2, 1], [1, 2]]
    # North's Qty: 1+2+4
    assert [attr_values(n) for n in page["qLeft"]] == [[("7", 7)], [("14", 14)]]
