"""The Backend API helpers on a generic object, in both flavours, with Qlik's
semantics: selections at once (the object repaints through ``change``), modal mode,
searches on a list object, fetched rows."""

from __future__ import annotations

import threading

import pytest

from associa.client import Doc
from associa.client.backend import BackendApiError
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


def test_the_first_select_enters_modal_mode(app: Doc) -> None:
    box = app.create_session_object(listbox("Region"))
    assert box.select_values(0, [0], False) is True  # BeginSelections, then the select
    assert box.get_layout()["qSelectionInfo"]["qInSelections"] is True
    assert box.has_selections() is True
    box.end_selections(False)  # not accepted: back to no selection
    assert box.has_selections() is False
    assert _regions(app) == []
    box.end_selections(True)  # outside modal mode: nothing to end, no error
    assert _regions(app) == []


def test_in_modal_mode_without_selections_has_none(app: Doc) -> None:
    box = app.create_session_object(listbox("Region"))
    box.begin_selections(["/qListObjectDef"])
    assert box.has_selections() is False  # in selections, none made yet
    box.end_selections(True)


def test_a_change_drops_the_rows_fetched_before(app: Doc) -> None:
    chart = app.create_session_object(cube("Region", measures=("Sum(Amount)",), height=2))
    chart.get_data([{"qTop": 2, "qLeft": 0, "qWidth": 2, "qHeight": 2}])
    assert chart.get_data_row(3) is not None
    assert chart.get_row_count() == 4
    app.get_field("Region").select_values([{"qText": "North"}, {"qText": "West"}])
    rows: list[str] = []
    chart.each_data_row(lambda n, row: rows.append(row[0]["qText"]))
    assert rows == ["North", "West"]  # the new layout's page only
    assert chart.get_data_row(3) is None
    assert chart.get_row_count() == 2


def test_multi_range_and_or_mode(app: Doc) -> None:
    chart = app.create_session_object(cube("Region", measures=("Sum(Amount)", "Sum(Qty)")))
    # Sum(Amount) < 100 and Sum(Qty) >= 4: West (25.5, 5); East has Qty 3
    multi = [{"qRanges": [
        {"qMeasureIx": 0, "qRange": {"qMin": 0, "qMax": 100, "qMinInclEq": True,
                                     "qMaxInclEq": False}},
        {"qMeasureIx": 1, "qRange": {"qMin": 4, "qMax": 99, "qMinInclEq": True,
                                     "qMaxInclEq": True}}], "qColumnsToSelect": [0]}]
    assert chart.select_range(multi, False) is True
    chart.end_selections(True)
    assert _regions(app) == ["West"]
    chart.clear_selections()
    # or_mode: Sum(Amount) >= 150 or Sum(Qty) >= 5: South (150); North (5), West (5)
    either = [{"qMeasureIx": 0, "qRange": {"qMin": 150, "qMax": 999, "qMinInclEq": True,
                                           "qMaxInclEq": True}},
              {"qMeasureIx": 1, "qRange": {"qMin": 5, "qMax": 99, "qMinInclEq": True,
                                           "qMaxInclEq": True}}]
    assert chart.select_range(either, True) is True
    chart.end_selections(True)
    assert _regions(app) == ["North", "South", "West"]  # East: 40, 3


def test_calls_an_object_cannot_take_are_refused(app: Doc) -> None:
    chart = app.create_session_object(cube("Region", measures=("Sum(Amount)",)))
    box = app.create_session_object(listbox("Region"))
    with pytest.raises(BackendApiError):
        chart.search("North")
    with pytest.raises(BackendApiError):
        box.select_range([{"qMeasureIx": 0, "qRange": {"qMin": 0, "qMax": 1}}])
    assert box.has_selections() is False and chart.has_selections() is False
    assert app.evaluate("Sum(Amount)") == "335.5"
