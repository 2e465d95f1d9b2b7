"""Chart-level scripts (``qDynamicScript``) through the protocol: the layout and data
pages of a scripted cube, errors in ``qHyperCube.qError`` that leave the object usable,
and selections on a scripted cube. The expected cells are worked out by hand from the
inline rows below."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Client

SCRIPT = """Sales:
LOAD * INLINE [
Month, Amount
Jan, 10
Jan, 5
Feb, 20
Mar, 7
Apr, 30
];
"""
# by Month in load order: Jan 15, Feb 20, Mar 7, Apr 30
RUNNING = ("Let T = 0;\nFor J = 1 to HCNoRows()\n  Let T = T + HCValue(Sales, J);\n"
           "  Put Running(J) = T;\nNext")


@pytest.fixture
def app(client: Client) -> Client:
    client.session_app(SCRIPT)
    return client


def chart(*scripts: str) -> dict[str, Any]:
    return {"qInfo": {"qType": "table"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Month"],
                                  "qSortCriterias": [{"qSortByLoadOrder": 1}]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)", "qLabel": "Sales"}},
                      {"qDef": {"qDef": "0", "qLabel": "Running"}}],
        "qDynamicScript": list(scripts),
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 20}]}}


def texts(layout: dict[str, Any]) -> list[list[str]]:
    (page,) = layout["qHyperCube"]["qDataPages"]
    return [[c["qText"] for c in row] for row in page["qMatrix"]]


def test_a_running_total_in_the_layout_and_the_data_pages(app: Client) -> None:
    h = app.create(chart(RUNNING))
    layout = app.layout(h)
    assert "qError" not in layout["qHyperCube"]
    assert texts(layout) == [["Jan", "15", "15"], ["Feb", "20", "35"], ["Mar", "7", "42"],
                             ["Apr", "30", "72"]]
    running = layout["qHyperCube"]["qMeasureInfo"][1]
    assert (running["qMin"], running["qMax"]) == (15, 72)
    (page,) = app.call("GetHyperCubeData", "/qHyperCubeDef",
                       [{"qLeft": 2, "qTop": 2, "qWidth": 1, "qHeight": 2}],
                       handle=h)["qDataPages"]
    assert [[c["qNum"] for c in row] for row in page["qMatrix"]] == [[42], [72]]
    props = app.call("GetProperties", handle=h)["qProp"]
    assert props["qHyperCubeDef"]["qDynamicScript"] == [RUNNING]


def test_put_by_index_add_and_replace_load(app: Client) -> None:
    h = app.create(chart("Put #hc1.measure.2(1) = HCNoCols();\n"
                         "Add Load * Inline [\nMonth, Sales\nMay, 99\n];"))
    assert texts(app.layout(h)) == [["Jan", "15", "3"], ["Feb", "20", "0"], ["Mar", "7", "0"],
                                    ["Apr", "30", "0"], ["May", "99", "-"]]
    h2 = app.create(chart("Replace Load Month, Sales Resident HC1 Where Sales > 10 "
                          "Order By Sales desc;"))
    assert texts(app.layout(h2)) == [["Apr", "30", "-"], ["Feb", "20", "-"],
                                     ["Jan", "15", "-"]]


def test_an_error_is_in_the_layout_and_the_object_stays_usable(app: Client) -> None:
    h = app.create(chart("Put Profit(1) = 1;"))
    layout = app.layout(h)
    err = layout["qHyperCube"]["qError"]
    assert err["qErrorCode"] == 11002 and "Column 'Profit' not found" in err["qExtendedMessage"]
    assert texts(layout)[0] == ["Jan", "15", "0"]  # the cube as computed
    for bad in ("Put Month(1) = 1;", "Load * Inline [\nMonth\nMay\n];"):
        props = chart(bad)
        props["qInfo"]["qId"] = app.call("GetProperties", handle=h)["qProp"]["qInfo"]["qId"]
        app.call("SetProperties", props, handle=h)
        assert app.layout(h)["qHyperCube"]["qError"]["qErrorCode"] == 11002
    props = chart(RUNNING)
    props["qInfo"]["qId"] = app.call("GetProperties", handle=h)["qProp"]["qInfo"]["qId"]
    app.call("SetProperties", props, handle=h)
    layout = app.layout(h)
    assert "qError" not in layout["qHyperCube"]
    assert texts(layout)[-1] == ["Apr", "30", "72"]


def test_selections_recompute_the_script(app: Client) -> None:
    h = app.create(chart(RUNNING))
    app.call("SelectHyperCubeValues", "/qHyperCubeDef", 0, [1, 3], False, handle=h)
    assert texts(app.layout(h)) == [["Feb", "20", "20"], ["Apr", "30", "50"]]


def test_selecting_cells_of_a_scripted_cube(app: Client) -> None:
    h = app.create(chart("Add Load * Inline [\nMonth, Sales\nMay, 99\n];"))
    # an added row stands for no record: selecting its cell selects nothing
    assert app.call("SelectHyperCubeCells", "/qHyperCubeDef", [4], [0],
                    handle=h) == {"qSuccess": True}
    assert len(texts(app.layout(h))) == 5
    # a computed row selects its value, and the script runs again over what is left
    app.call("SelectHyperCubeCells", "/qHyperCubeDef", [1], [0], handle=h)
    assert texts(app.layout(h)) == [["Feb", "20", "0"], ["May", "99", "-"]]
