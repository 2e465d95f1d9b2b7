"""The Backend API helpers on a generic object, in both flavours, with Qlik's
semantics: selections at once (the object repaints through ``change``), modal mode,
searches on a list object, fetched rows."""

from __future__ import annotations

import threading

from associa.client import Doc
from tests.client.conftest import cube, listbox


def _regions(app: Doc) -> list[str]:
    return sorted(app.field_values("Region").to_pandas().query("state == 'S'")["value"])


def test_select_values_repaints(app: Doc) -> None:
    chart = app.create_session_object(cube("Region", measures=("Sum(Amount)",)))
    changed = threading.Event()
    chart.on_change(lambda _: changed.set())
    # East, North, South, West by ASCII: qElemNumber is the field's own order
    rows = chart.get_layout()["qHyperCube"]["qDataPages"][0]["qMatrix"]
    north = next(r[0]["qElemNumber"] for r in rows if r[0]["qText"] == "North")
    south = next(r[0]["qElemNumber"] for r in rows if r[0]["qText"] == "South")
    assert chart.select_values(0, [north], False) is True
    assert changed.wait(10)
    assert _regions(app) == ["North"]
    assert chart.select_values(0, [south], True) is True  # toggle: added
    assert _regions(app) == ["North", "South"]
    assert chart.select_values(0, [south], False) is True  # replace
    assert _regions(app) == ["South"]
    chart.clear_selections()
    assert _regions(app) == []


def test_select_range_of_a_measure(app: Doc) -> None:
    chart = app.create_session_object(cube("Region", measures=("Sum(Amount)",)))
    ranges = [{"qMeasureIx": 0, "qRange": {"qMin": 30, "qMax": 120, "qMinInclEq": True,
                                           "qMaxInclEq": True}}]
    assert chart.select_range(ranges, False) is True
    assert _regions(app) == ["East", "North"]  # 40 and 120 (100 + 20)
    exclusive = [{"qMeasureIx": 0, "qRange": {"qMin": 40, "qMax": 120,
                                              "qMinInclEq": False, "qMaxInclEq": True}}]
    chart.clear_selections()
    assert chart.select_range(exclusive, False) is True
    assert _regions(app) == ["North"]


def test_modal_selections_and_has_selections(app: Doc) -> None:
    box = app.create_session_object(listbox("Region"))
    assert box.has_selections() is False
    box.begin_selections(["/qListObjectDef"])
    assert box.select_values(0, [0], False) is True
    assert box.has_selections() is True  # not confirmed yet
    box.end_selections(True)
    assert box.has_selections() is False
    assert len(_regions(app)) == 1


def test_search_accept_and_abort(app: Doc) -> None:
    box = app.create_session_object(listbox("Region"))
    assert box.search("*th*") is True  # North, South
    box.accept_search(False)
    assert _regions(app) == ["North", "South"]
    app.clear_all()
    assert box.search("East") is True
    box.abort_search()
    assert _regions(app) == []


def test_get_data_and_each_data_row(app: Doc) -> None:
    chart = app.create_session_object(cube("Product", "Region", measures=("Sum(Qty)",),
                                           height=2))
    pages = chart.get_data([{"qTop": 2, "qLeft": 0, "qWidth": 3, "qHeight": 3}])
    assert [len(p["qMatrix"]) for p in pages] == [3]
    rows: list[tuple[int, str, float]] = []
    chart.each_data_row(lambda n, row: rows.append((n, row[1]["qText"], row[2]["qNum"])))
    assert [n for n, _, _ in rows] == [0, 1, 2, 3, 4]  # the first page and the fetched one
    assert sum(q for _, _, q in rows) == 15
    first: list[int] = []
    chart.each_data_row(lambda n, row: first.append(n) or False)  # False stops
    assert first == [0]


def test_properties(app: Doc) -> None:
    chart = app.create_session_object(cube("Region", measures=("Sum(Amount)",)))
    props = chart.get_properties()
    props["qHyperCubeDef"]["qMeasures"][0]["qDef"]["qDef"] = "Sum(Qty)"
    chart.set_properties(props)
    layout = chart.get_layout()
    assert sum(r[1]["qNum"] for r in layout["qHyperCube"]["qDataPages"][0]["qMatrix"]) == 15
