"""List objects on calculated dimensions (``=expr``): values, states after selections in
other fields and in the fields read, sorting, frequency, search, errors, and selecting in
them (``calc/calclist.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from associa.calc import ListObject
from associa.calc.calclist import calc_list
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE
from tests.calc import state_of

SIZE = "=If(Amount>50,'big','small')"


@pytest.fixture
def model() -> DataModel:
    return model_from_rows({
        "Sales": {"Region": ["North", "North", "South", "East", "South"],
                  "Product": ["Bike", "Lock", "Bike", "Helmet", "Lock"],
                  "Amount": [100, 20, 150, 40, 30],
                  "OrderDate": [43831, 43862, 44197, 44228, 44562]},  # 2020,2020,2021,2021,2022
        "Regions": {"Region": ["North", "South", "East"], "Manager": ["Ann", "Bob", "Cid"]},
    })


def layout_of(model: DataModel, text: str, state: SelectionState | None = None,
              criteria: dict[str, int] | None = None, search: set[int] | None = None,
              search_text: str = "", **extra: Any) -> dict[str, Any]:
    qdef: dict[str, Any] = {"qFieldDefs": [text]}
    if criteria is not None:
        qdef["qSortCriterias"] = [criteria]
    definition = {"qDef": qdef,
                  "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 100}],
                  **extra}
    inf = Inference(model, state or SelectionState())
    return ListObject(model, inf, definition, search, search_text).layout()


def cells(layout: dict[str, Any], key: str = "qState") -> list[tuple[str, Any]]:
    return [(row[0]["qText"], row[0].get(key)) for row in layout["qDataPages"][0]["qMatrix"]]


def test_values_of_a_row_expression(model: DataModel) -> None:
    layout = layout_of(model, SIZE)
    assert cells(layout) == [("big", "O"), ("small", "O")]
    assert layout["qSize"] == {"qcx": 1, "qcy": 2}
    info = layout["qDimensionInfo"]
    assert info["qIsCalculated"] is True and info["qCardinal"] == 2
    assert info["qDimensionType"] == "D" and info["qStateCounts"]["qOption"] == 2
    years = layout_of(model, "=Year(OrderDate)")
    assert cells(years) == [("2020", "O"), ("2021", "O"), ("2022", "O")]
    assert [row[0]["qNum"] for row in years["qDataPages"][0]["qMatrix"]] == [2020, 2021, 2022]
    assert years["qDimensionInfo"]["qDimensionType"] == "N"
    assert (years["qDimensionInfo"]["qMin"], years["qDimensionInfo"]["qMax"]) == (2020, 2022)


def test_states_after_selections_in_other_fields(model: DataModel) -> None:
    state = state_of(model, Region=["North"])
    assert cells(layout_of(model, SIZE, state)) == [("big", "O"), ("small", "O")]
    state = state_of(model, Product=["Lock", "Helmet"])
    assert cells(layout_of(model, SIZE, state)) == [("big", "X"), ("small", "O")]
    assert cells(layout_of(model, "=Upper(Region)", state)) == [
        ("NORTH", "O"), ("SOUTH", "O"), ("EAST", "O")]
    state = state_of(model, Manager=["Cid"])
    assert cells(layout_of(model, "=Upper(Region)", state)) == [
        ("NORTH", "X"), ("SOUTH", "X"), ("EAST", "O")]
    # several fields: per record, excluded values listed
    assert dict(cells(layout_of(model, "=Region&'-'&Product", state))) == {
        "North-Bike": "X", "North-Lock": "X", "South-Bike": "X", "East-Helmet": "O",
        "South-Lock": "X"}


def test_states_after_selections_in_the_fields_read(model: DataModel) -> None:
    state = state_of(model, Amount=[100, 150])
    layout = layout_of(model, SIZE, state)
    assert cells(layout) == [("big", "S"), ("small", "X")]
    assert cells(layout_of(model, SIZE, state, qShowAlternatives=True)) == [
        ("big", "S"), ("small", "A")]
    counts = layout["qDimensionInfo"]["qStateCounts"]
    assert (counts["qSelected"], counts["qAlternative"]) == (1, 1)
    state = state_of(model, Region=["East"])
    shown = layout_of(model, "=Region&'-'&Product", state, qShowAlternatives=True)
    assert dict(cells(shown)) == {"North-Bike": "A", "North-Lock": "A", "South-Bike": "A",
                                  "East-Helmet": "S", "South-Lock": "A"}


def test_aggr_values_are_the_possible_ones(model: DataModel) -> None:
    layout = layout_of(model, "=Aggr(Sum(Amount), Region)", criteria={"qSortByNumeric": 1})
    assert cells(layout) == [("40", "O"), ("120", "O"), ("180", "O")]
    state = state_of(model, Product=["Bike"])
    layout = layout_of(model, "=Aggr(Sum(Amount), Region)", state,
                       criteria={"qSortByNumeric": -1})
    assert cells(layout) == [("150", "O"), ("100", "O")]


def test_sorting(model: DataModel) -> None:
    text = "=Upper(Region)"
    assert [t for t, _ in cells(layout_of(model, text))] == ["NORTH", "SOUTH", "EAST"]
    assert [t for t, _ in cells(layout_of(model, text, criteria={"qSortByAscii": 1}))] == [
        "EAST", "NORTH", "SOUTH"]
    assert [t for t, _ in cells(layout_of(model, text, criteria={"qSortByAscii": -1}))] == [
        "SOUTH", "NORTH", "EAST"]
    assert [t for t, _ in cells(layout_of(model, text, criteria={"qSortByLoadOrder": -1}))] \
        == ["EAST", "SOUTH", "NORTH"]
    years = layout_of(model, "=Year(OrderDate)", criteria={"qSortByNumeric": -1})
    assert [t for t, _ in cells(years)] == ["2022", "2021", "2020"]
    assert years["qDimensionInfo"]["qSortIndicator"] == "D"
    state = state_of(model, Manager=["Cid"])
    by_state = layout_of(model, text, state, criteria={"qSortByState": 1, "qSortByAscii": 1})
    assert cells(by_state) == [("EAST", "O"), ("NORTH", "X"), ("SOUTH", "X")]


def test_frequency(model: DataModel) -> None:
    layout = layout_of(model, SIZE, qFrequencyMode="V")
    assert cells(layout, "qFrequency") == [("big", "2"), ("small", "3")]
    layout = layout_of(model, SIZE, qFrequencyMode="V", criteria={"qSortByFrequency": 1})
    assert [t for t, _ in cells(layout)] == ["small", "big"]
    state = state_of(model, Region=["South"])
    layout = layout_of(model, "=Year(OrderDate)", state, qFrequencyMode="P")
    assert cells(layout, "qFrequency") == [("2020", "0.0%"), ("2021", "50.0%"),
                                           ("2022", "50.0%")]


def test_paging(model: DataModel) -> None:
    definition = {"qDef": {"qFieldDefs": ["=Upper(Product)"]}}
    lo = ListObject(model, Inference(model, SelectionState()), definition)
    (page,) = lo.pages([{"qLeft": 0, "qTop": 1, "qWidth": 1, "qHeight": 2}])
    assert [row[0]["qText"] for row in page["qMatrix"]] == ["LOCK", "HELMET"]
    assert page["qArea"] == {"qLeft": 0, "qTop": 1, "qWidth": 1, "qHeight": 2}


def test_search(model: DataModel) -> None:
    calc = calc_list(model, Inference(model, SelectionState()), "=Upper(Product)",
                     DEFAULT_LOCALE)
    found = set(calc.search("b*"))
    assert [str(calc.values.texts[i]) for i in sorted(found)] == ["BIKE"]
    layout = layout_of(model, "=Upper(Product)", search=found, search_text="b*")
    assert cells(layout) == [("BIKE", "O")]
    years = calc_list(model, Inference(model, SelectionState()), "=Year(OrderDate)",
                      DEFAULT_LOCALE)
    assert sorted(str(years.values.texts[i]) for i in years.search(">2020")) == ["2021", "2022"]


def test_errors(model: DataModel) -> None:
    layout = layout_of(model, "=Nowhere + 1")
    assert "Field not found" in str(layout["qDimensionInfo"]["qError"])
    assert layout["qDataPages"] == []
    layout = layout_of(model, "=If(Amount>")
    assert layout["qDimensionInfo"]["qError"]["qErrorCode"] == 7000
    # a constant expression: one value
    assert cells(layout_of(model, "=1+1")) == [("2", "O")]


def selected(model: DataModel, state: SelectionState, name: str) -> list[str]:
    mask = state.mask(name)
    if mask is None:
        return []
    sym = model.fields[name].symbols
    return sym.texts_at(np.flatnonzero(mask)).tolist()


def test_selecting_one_field(model: DataModel) -> None:
    inf = Inference(model, SelectionState())
    calc = calc_list(model, inf, SIZE, DEFAULT_LOCALE)
    big = int(np.flatnonzero(calc.values.texts == "big")[0])
    state = calc.select(model, SelectionState(), [big])
    assert state is not None
    assert selected(model, state, "Amount") == ["100", "150"]
    assert cells(layout_of(model, SIZE, state)) == [("big", "S"), ("small", "X")]
    # choosing the alternative value replaces the selection; toggle flips
    small = 1 - big
    again = calc_list(model, Inference(model, state), SIZE, DEFAULT_LOCALE)
    swapped = again.select(model, state, [small])
    assert swapped is not None and selected(model, swapped, "Amount") == ["20", "40", "30"]
    both = again.select(model, state, [small], toggle=True)
    assert both is not None and len(selected(model, both, "Amount")) == 5
    none = again.select(model, state, [big], toggle=True)
    assert none is not None and none.mask("Amount") is None
    years = calc_list(model, inf, "=Year(OrderDate)", DEFAULT_LOCALE)
    state = years.select(model, SelectionState(), [1])  # 2021
    assert state is not None and selected(model, state, "OrderDate") == ["44197", "44228"]


def test_selecting_among_possible_values_and_several_fields(model: DataModel) -> None:
    state = state_of(model, Region=["South"])
    calc = calc_list(model, Inference(model, state), SIZE, DEFAULT_LOCALE)
    small = int(np.flatnonzero(calc.values.texts == "small")[0])
    after = calc.select(model, state, [small])
    assert after is not None and selected(model, after, "Amount") == ["30"]
    assert selected(model, after, "Region") == ["South"]
    text = "=Region&'-'&Product"
    calc = calc_list(model, Inference(model, SelectionState()), text, DEFAULT_LOCALE)
    chosen = [int(np.flatnonzero(calc.values.texts == t)[0]) for t in ("North-Lock", "East-Helmet")]
    after = calc.select(model, SelectionState(), chosen)
    assert after is not None
    assert selected(model, after, "Region") == ["North", "East"]
    assert selected(model, after, "Product") == ["Lock", "Helmet"]
    # the list then shows the chosen values selected (North-Bike and South-Lock are
    # not possible: each lacks one of the selected values)
    shown = cells(layout_of(model, text, after))
    assert sorted(t for t, s in shown if s == "S") == ["East-Helmet", "North-Lock"]
    locked = after.with_lock("Region", True)
    assert calc.select(model, locked, chosen) is None
    assert calc.select(model, locked, chosen, soft_lock=True) is not None


# -- differential: the possible values against DuckDB over the star schema -------------

DIFFERENTIAL = [
    ("=Upper(Country)", "upper(Country)", "Country"),
    ("=If(Quantity>5,'many','few')", "CASE WHEN Quantity > 5 THEN 'many' ELSE 'few' END",
     "Quantity"),
]


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from pathlib import Path

    from tests.calc.test_differential import build_star

    return build_star(Path(tmp_path_factory.mktemp("calclist")))


def test_possible_values_equal_sql(star: Any) -> None:
    from associa.select import inference
    from tests.calc.test_differential import CORNER_SELECTIONS, random_selections, selection_state
    from tests.calc.test_set_analysis import base, where

    for sel in CORNER_SELECTIONS[:4] + random_selections(6):
        state = selection_state(star.model, sel)
        calc_inf = inference(star.model, state)
        clause, params = where(base(sel))
        for text, sql, name in DIFFERENTIAL:
            calc = calc_list(star.model, calc_inf, text, DEFAULT_LOCALE)
            got = {str(t) for t, s in zip(calc.values.texts.tolist(), calc.states.tolist(),
                                          strict=True) if s in (1, 2)}
            rows = star.db.execute(f"SELECT DISTINCT {sql} FROM universe WHERE {clause} "
                                   f"AND {name} IS NOT NULL", params).fetchall()
            assert got == {r[0] for r in rows}, (text, sel)
