"""Pivot hypercubes (qMode P) over QIX: layouts, pivot pages, expanding and collapsing,
paging, SelectPivotCells. The expected numbers are worked out by hand from SCRIPT's rows
(written next to each test)."""

from __future__ import annotations

from typing import Any

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
