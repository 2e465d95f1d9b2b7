"""List objects on small hand-checked models: states, sorting, frequency, paging."""

from __future__ import annotations

from typing import Any

import pytest

from associa.calc import CalcError, ListObject
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.select.actions import search_symbols
from tests.calc import state_of

CORECTL = {
    "TableA": {"abcs": ["a", "b", "b", "b", "c"], "numbers": [1, 2, 3, 4, 5]},
    "TableB": {"xyz": ["x", "y", "y", "y", "z"], "numbers": [5, 4, 3, 2, 1]},
}


@pytest.fixture
def model() -> DataModel:
    return model_from_rows(CORECTL)


def layout_of(
    model: DataModel,
    field: str,
    state: SelectionState | None = None,
    criteria: dict[str, int] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    qdef: dict[str, Any] = {"qFieldDefs": [field]}
    if criteria is not None:
        qdef["qSortCriterias"] = [criteria]
    definition = {
        "qDef": qdef,
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 100}],
        **extra,
    }
    return ListObject(model, Inference(model, state or SelectionState()), definition).layout()


def cells(layout: dict[str, Any], key: str = "qState") -> list[tuple[str, Any]]:
    return [(row[0]["qText"], row[0].get(key)) for row in layout["qDataPages"][0]["qMatrix"]]


def test_all_values_optional_without_selection(model: DataModel) -> None:
    layout = layout_of(model, "abcs")
    assert layout["qSize"] == {"qcx": 1, "qcy": 3}
    assert layout["qDataPages"][0]["qMatrix"] == [
        [{"qText": "a", "qNum": "NaN", "qElemNumber": 0, "qState": "O"}],
        [{"qText": "b", "qNum": "NaN", "qElemNumber": 1, "qState": "O"}],
        [{"qText": "c", "qNum": "NaN", "qElemNumber": 2, "qState": "O"}],
    ]
    numbers = layout_of(model, "numbers")["qDataPages"][0]["qMatrix"]
    assert [row[0]["qNum"] for row in numbers] == [1, 2, 3, 4, 5]
    info = layout["qDimensionInfo"]
    assert info["qCardinal"] == 3
    assert info["qStateCounts"]["qOption"] == 3


def test_selection_states_with_and_without_alternatives(model: DataModel) -> None:
    state = state_of(model, abcs=["b"])
    assert cells(layout_of(model, "abcs", state)) == [("a", "X"), ("b", "S"), ("c", "X")]
    shown = layout_of(model, "abcs", state, qShowAlternatives=True)
    assert cells(shown) == [("a", "A"), ("b", "S"), ("c", "A")]
    # the state counts count alternatives either way
    for layout in (layout_of(model, "abcs", state), shown):
        counts = layout["qDimensionInfo"]["qStateCounts"]
        assert (counts["qSelected"], counts["qAlternative"], counts["qExcluded"]) == (1, 2, 0)
    assert cells(layout_of(model, "numbers", state)) == [
        ("1", "X"),
        ("2", "O"),
        ("3", "O"),
        ("4", "O"),
        ("5", "X"),
    ]
    assert cells(layout_of(model, "xyz", state)) == [("x", "X"), ("y", "O"), ("z", "X")]


def test_alternatives_respect_the_other_fields(model: DataModel) -> None:
    state = state_of(model, abcs=["a"], numbers=[1, 2])
    # abcs: a is selected; b would be possible without the abcs selection (numbers 2), c not
    assert cells(layout_of(model, "abcs", state, qShowAlternatives=True)) == [
        ("a", "S"),
        ("b", "A"),
        ("c", "X"),
    ]
    # numbers: 2 is selected but excluded by abcs = a; without the numbers selection
    # only 1 would be possible, so nothing is alternative
    assert cells(layout_of(model, "numbers", state, qShowAlternatives=True)) == [
        ("1", "S"),
        ("2", "XS"),
        ("3", "X"),
        ("4", "X"),
        ("5", "X"),
    ]


def test_selected_excluded(model: DataModel) -> None:
    state = state_of(model, abcs=["a"], xyz=["y"])  # numbers 1 versus 2-4: nothing possible
    layout = layout_of(model, "abcs", state, qShowAlternatives=True)
    assert cells(layout) == [("a", "XS"), ("b", "A"), ("c", "X")]
    counts = layout["qDimensionInfo"]["qStateCounts"]
    assert (counts["qSelectedExcluded"], counts["qAlternative"], counts["qExcluded"]) == (1, 1, 1)
    assert cells(layout_of(model, "xyz", state, qShowAlternatives=True)) == [
        ("x", "X"),
        ("y", "XS"),
        ("z", "A"),
    ]
    assert {s for _, s in cells(layout_of(model, "numbers", state))} == {"X"}


def test_locked_selection(model: DataModel) -> None:
    state = state_of(model, abcs=["b"]).with_lock("abcs", True)
    layout = layout_of(model, "abcs", state)
    assert cells(layout) == [("a", "X"), ("b", "L"), ("c", "X")]
    assert layout["qDimensionInfo"]["qStateCounts"]["qLocked"] == 1
    assert layout["qDimensionInfo"]["qLocked"] is True


def test_sort_by_state(model: DataModel) -> None:
    state = state_of(model, numbers=[3, 5])
    # numbers: 3, 5 selected; abcs: b, c possible; a excluded
    layout = layout_of(model, "abcs", state, {"qSortByState": 1, "qSortByAscii": -1})
    assert cells(layout) == [("c", "O"), ("b", "O"), ("a", "X")]
    layout = layout_of(model, "numbers", state, {"qSortByState": 1}, qShowAlternatives=True)
    assert cells(layout) == [("3", "S"), ("5", "S"), ("1", "A"), ("2", "A"), ("4", "A")]
    layout = layout_of(model, "numbers", state, {"qSortByState": -1, "qSortByNumeric": -1})
    assert [t for t, _ in cells(layout)] == ["4", "2", "1", "5", "3"]


NUMS = {"T": {"N": [3, 10, 1, 2], "L": ["c", "B", "a", "d"]}}


@pytest.mark.parametrize(
    ("field", "criteria", "expected"),
    [
        ("N", None, ["3", "10", "1", "2"]),
        ("N", {"qSortByNumeric": 1}, ["1", "2", "3", "10"]),
        ("N", {"qSortByNumeric": -1}, ["10", "3", "2", "1"]),
        ("N", {"qSortByAscii": 1}, ["1", "10", "2", "3"]),
        ("N", {"qSortByLoadOrder": -1}, ["2", "1", "10", "3"]),
        ("L", {"qSortByAscii": 1}, ["a", "B", "c", "d"]),
        ("L", {"qSortByAscii": -1}, ["d", "c", "B", "a"]),
        ("L", {"qSortByLoadOrder": 1}, ["c", "B", "a", "d"]),
    ],
)
def test_sort_criteria(field: str, criteria: dict[str, int] | None, expected: list[str]) -> None:
    model = model_from_rows(NUMS)
    assert [t for t, _ in cells(layout_of(model, field, None, criteria))] == expected


def test_frequency_modes(model: DataModel) -> None:
    assert cells(layout_of(model, "abcs", None, qFrequencyMode="N"), "qFrequency") == [
        ("a", None),
        ("b", None),
        ("c", None),
    ]
    expected = {
        "V": ["1", "3", "1"],
        "P": ["20.0%", "60.0%", "20.0%"],
        "R": ["0.2", "0.6", "0.2"],
    }
    for mode, freqs in expected.items():
        layout = layout_of(model, "abcs", None, qFrequencyMode=mode)
        assert [f for _, f in cells(layout, "qFrequency")] == freqs, mode
    # within the selection: xyz in (x, y) keeps numbers 5, 4, 3, 2 -> b 3 times, c once
    state = state_of(model, xyz=["x", "y"])
    expected = {
        "V": ["0", "3", "1"],
        "P": ["0.0%", "75.0%", "25.0%"],
        "R": ["0", "0.75", "0.25"],
    }
    for mode, freqs in expected.items():
        layout = layout_of(model, "abcs", state, qFrequencyMode=mode)
        assert [f for _, f in cells(layout, "qFrequency")] == freqs, mode


def test_no_frequency_on_key_fields(model: DataModel) -> None:
    """No qFrequency member at all (corectl prints the key field's values plainly)."""
    for mode in ("V", "P", "R"):
        layout = layout_of(model, "numbers", None, qFrequencyMode=mode)
        assert all("qFrequency" not in row[0] for row in layout["qDataPages"][0]["qMatrix"])


def test_sort_by_frequency(model: DataModel) -> None:
    # 1 puts the most frequent first (corectl: "b(3x), a, c"); -1 the least frequent
    layout = layout_of(model, "abcs", None, {"qSortByFrequency": 1}, qFrequencyMode="V")
    assert cells(layout, "qFrequency") == [("b", "3"), ("a", "1"), ("c", "1")]
    layout = layout_of(model, "abcs", None, {"qSortByFrequency": -1}, qFrequencyMode="V")
    assert cells(layout, "qFrequency") == [("a", "1"), ("c", "1"), ("b", "3")]
    # sorting by frequency needs no qFrequencyMode
    layout = layout_of(model, "abcs", None, {"qSortByFrequency": 1})
    assert cells(layout, "qFrequency") == [("b", None), ("a", None), ("c", None)]


def test_unknown_field(model: DataModel) -> None:
    layout = layout_of(model, "nope")
    assert layout["qError"]["qErrorCode"] == 7000
    assert layout["qDimensionInfo"]["qError"]["qErrorCode"] == 7000
    assert layout["qDataPages"] == []
    assert layout["qSize"] == {"qcx": 1, "qcy": 0}


def test_bracketed_field_name(model: DataModel) -> None:
    assert [t for t, _ in cells(layout_of(model, "[abcs]"))] == ["a", "b", "c"]


def test_paging_and_clipping() -> None:
    n = 25_000
    model = model_from_rows({"T": {"K": list(range(n))}})
    definition = {"qDef": {"qFieldDefs": ["K"]}, "qInitialDataFetch": []}
    lo = ListObject(model, Inference(model, SelectionState()), definition)
    assert lo.size == {"qcx": 1, "qcy": n}
    page = lo.pages([{"qLeft": 0, "qTop": 24_998, "qWidth": 3, "qHeight": 10}])[0]
    assert page["qArea"] == {"qLeft": 0, "qTop": 24_998, "qWidth": 1, "qHeight": 2}
    assert [row[0]["qText"] for row in page["qMatrix"]] == ["24998", "24999"]
    seen = 0
    while seen < n:
        page = lo.pages([{"qLeft": 0, "qTop": seen, "qWidth": 1, "qHeight": 10_000}])[0]
        assert page["qMatrix"][0][0]["qElemNumber"] == seen
        seen += page["qArea"]["qHeight"]
    assert seen == n
    with pytest.raises(CalcError) as err:
        lo.pages([{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 10_001}])
    assert err.value.code == 7009


def test_initial_data_fetch_too_large(model: DataModel) -> None:
    definition = {
        "qDef": {"qFieldDefs": ["abcs"]},
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 5001}],
    }
    layout = ListObject(model, Inference(model, SelectionState()), definition).layout()
    assert layout["qError"] == {"qErrorCode": 7009}
    assert layout["qDataPages"] == []


def test_search_keeps_only_hits_with_highlight_ranges() -> None:
    model = model_from_rows({"T": {"Region": ["North", "South", "North East", "West"]}})
    hits = set(search_symbols(model, "Region", "no*"))
    lo = ListObject(
        model,
        Inference(model, SelectionState()),
        {"qDef": {"qFieldDefs": ["Region"]}, "qInitialDataFetch": [{"qWidth": 1, "qHeight": 10}]},
        hits,
        "no*",
    )
    layout = lo.layout()
    assert layout["qSize"]["qcy"] == 2
    cells = [row[0] for row in layout["qDataPages"][0]["qMatrix"]]
    assert [c["qText"] for c in cells] == ["North", "North East"]
    assert cells[0]["qHighlightRanges"] == {"qRanges": [{"qCharPos": 0, "qCharCount": 2}]}


def test_a_page_reads_only_its_own_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list box over a field of many values builds the texts of its page only: no
    Python string per value of the field (sorting by text included)."""
    from associa.model import SymbolTable

    values = [f"v{i:05d}" for i in range(3000)]
    model = model_from_rows({"T": {"F": values[::-1]}})
    asked: list[int] = []
    real = SymbolTable.texts_at

    def spy(self: SymbolTable, indices: Any) -> Any:
        asked.append(len(indices))
        return real(self, indices)

    monkeypatch.setattr(SymbolTable, "texts_at", spy)
    monkeypatch.setattr(SymbolTable, "texts", property(lambda self: pytest.fail("all texts")))
    state = SelectionState().with_field("F", _mask(model, "F", [5, 7]))
    definition = {
        "qDef": {"qFieldDefs": ["F"], "qSortCriterias": [
            {"qSortByState": 1, "qSortByNumeric": 1, "qSortByAscii": 1}]},
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 20}],
    }
    layout = ListObject(model, Inference(model, state), definition).layout()
    rows = [row[0] for row in layout["qDataPages"][0]["qMatrix"]]
    sym = model.fields["F"].symbols
    assert [r["qText"] for r in rows[:2]] == sorted([sym.text(5), sym.text(7)])
    assert [r["qText"] for r in rows[2:]] == [v for v in values if v not in
                                              (sym.text(5), sym.text(7))][:18]
    assert asked and max(asked) <= 20


def test_list_boxes_on_one_field_share_their_order() -> None:
    """Two list objects on a field with the same sort, over one inference (one state, any
    session), share the computed order."""
    model = model_from_rows(CORECTL)
    inf = Inference(model, SelectionState().with_field("abcs", _mask(model, "abcs", [1])))
    definition = {"qDef": {"qFieldDefs": ["numbers"], "qSortCriterias": [{"qSortByState": 1}]}}
    a = ListObject(model, inf, definition)
    b = ListObject(model, inf, dict(definition))
    assert a.order is b.order
    other = {"qDef": {"qFieldDefs": ["numbers"], "qSortCriterias": [{"qSortByState": -1}]}}
    assert ListObject(model, inf, other).order is not a.order


def _mask(model: DataModel, field: str, symbols: list[int]) -> Any:
    import numpy as np

    out = np.zeros(len(model.fields[field].symbols), dtype=bool)
    out[symbols] = True
    return out
