"""Charts over a loosely coupled table: each of its fields acts as a table of its own.

Qlik's help ("Loosen Table"): loosening a table has the effect of "loading each field of
the loosely coupled table as independent, unconnected tables"; QlikView's help ("Loosely
coupled tables") shows a table box over a loose table's two fields listing all
combinations of their possible values. The reference here is that very model: the same
data with the loose table split into one table per field, nothing loosened."""

from __future__ import annotations

import random
from typing import Any

import pytest

from associa.calc import HyperCube
from associa.calc.loose import ViewInference, field_table, view
from associa.calc.records import associate
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE
from tests.calc import state_of

# QlikView's example: Table1 (B, A), Table2 (A, C), Table3 (C, D)
CHAIN = {
    "Table1": {"B": ["1", "2", "3"], "A": ["x", "y", "z"]},
    "Table2": {"A": ["x", "y", "z"], "C": ["6", "7", "8"]},
    "Table3": {"C": ["6", "7", "8"], "D": ["a", "b", "c"]},
}


def rows(model: DataModel, inf: Inference, dims: list[str],
         measures: list[str] = ()) -> list[tuple[str, ...]]:
    definition: dict[str, Any] = {
        "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 10, "qHeight": 1000}],
    }
    layout = HyperCube(model, inf, definition, DEFAULT_LOCALE).layout()
    return sorted(tuple(c["qText"] for c in row)
                  for row in layout["qDataPages"][0]["qMatrix"])


def test_a_table_box_of_a_loose_table_lists_all_combinations_of_possible_values() -> None:
    tight = model_from_rows(CHAIN)
    loose = model_from_rows(CHAIN, loose=["Table2"])
    for model in (tight, loose):
        inf = Inference(model, state_of(model, B=["2"]))
        assert rows(model, inf, ["B", "A"]) == [("2", "y")]
    assert rows(tight, Inference(tight, state_of(tight, B=["2"])), ["A", "C"]) == [("y", "7")]
    inf = Inference(loose, state_of(loose, B=["2"]))
    # the selection stops at Table2: every C is possible, and pairs with the one A
    assert rows(loose, inf, ["A", "C"]) == [("y", "6"), ("y", "7"), ("y", "8")]
    assert rows(loose, inf, ["C", "D"]) == [("6", "a"), ("7", "b"), ("8", "c")]
    assert rows(loose, inf, ["A", "D"], ["Count(C)"]) == [("y", "a", "1"), ("y", "b", "1"),
                                                          ("y", "c", "1")]


def test_a_measure_of_a_loose_table_is_not_split_by_its_other_fields() -> None:
    data = {
        "Sales": {"Region": ["N", "N", "S"], "Product": ["p", "q", "p"],
                  "Amount": [10, 20, 30]},
        "Regions": {"Region": ["N", "S"], "Manager": ["Ann", "Bo"]},
    }
    tight = model_from_rows(data)
    loose = model_from_rows(data, loose=["Sales"])
    all_rows = SelectionState()
    assert rows(tight, Inference(tight, all_rows), ["Manager"], ["Sum(Amount)"]) == [
        ("Ann", "30"), ("Bo", "30")]
    # Amount is a table of its own: every manager sees all of it
    assert rows(loose, Inference(loose, all_rows), ["Manager"], ["Sum(Amount)"]) == [
        ("Ann", "60"), ("Bo", "60")]
    # a selection on the loose table's own field narrows that field's rows only
    inf = Inference(loose, state_of(loose, Product=["p"]))
    assert rows(loose, inf, ["Product"], ["Sum(Amount)"]) == [("p", "60")]
    assert rows(loose, inf, ["Manager", "Region"]) == [("Ann", "N"), ("Bo", "S")]


def test_the_view_splits_loose_tables_only_and_is_made_once() -> None:
    tight = model_from_rows(CHAIN)
    assert view(tight) is tight
    inf = Inference(tight, SelectionState())
    assert ViewInference.of(inf) is inf
    loose = model_from_rows(CHAIN, loose=["Table2"])
    v = view(loose)
    assert view(loose) is v
    assert set(v.tables) - set(loose.tables) == {field_table("Table2", "A"),
                                                 field_table("Table2", "C")}
    assert "Table2" not in v.tables
    assert v.fields["A"].tables == ["Table1", field_table("Table2", "A")]
    own = v.tables[field_table("Table2", "C")].columns.stored("C")
    assert own is loose.tables["Table2"].columns.stored("C")  # not a copy
    assert v.component_of("Table1") != v.component_of("Table3")  # Table2 joined A to C
    inf = Inference(loose, SelectionState())
    assert ViewInference.of(inf) is ViewInference.of(inf)
    records = associate(loose, inf, {"A", "C"}, {"A", "C"})
    assert records.n == 9


def _random_case(rng: random.Random) -> dict[str, dict[str, list[Any]]]:
    """A fact with two keys and a measure, two dimensions, and a loop closed by a table
    holding both dimensions' attributes; values as texts, some NULL."""
    def pick(values: list[str], n: int, null: float = 0.1) -> list[Any]:
        return [None if rng.random() < null else rng.choice(values) for _ in range(n)]

    n = rng.randint(4, 14)
    return {
        "Fact": {"K1": pick(["1", "2", "3", "4"], n), "K2": pick(["a", "b", "c"], n),
                 "Amount": [str(rng.randint(1, 9)) for _ in range(n)]},
        "D1": {"K1": ["1", "2", "3", "5"], "Attr1": pick(["u", "v"], 4, 0)},
        "D2": {"K2": ["a", "b", "d"], "Attr2": pick(["s", "t"], 3, 0)},
        "Link": {"Attr1": pick(["u", "v", "w"], 3, 0), "Attr2": pick(["s", "t", "r"], 3, 0),
                 "Note": pick(["n1", "n2"], 3, 0)},
    }


def _split(data: dict[str, dict[str, list[Any]]], table: str) -> dict[str, dict[str, list[Any]]]:
    """``table`` loaded as one table per field, where it was in the load order."""
    out: dict[str, dict[str, list[Any]]] = {}
    for t, cols in data.items():
        if t == table:
            out.update({f"{table}.{f}": {f: values} for f, values in cols.items()})
        else:
            out[t] = cols
    return out


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("loosened", ["Link", "Fact", "D1"])
def test_charts_match_the_model_with_the_table_split_into_one_table_per_field(
        seed: int, loosened: str) -> None:
    rng = random.Random(seed)
    data = _random_case(rng)
    loose = model_from_rows(data, loose=[loosened])
    split = model_from_rows(_split(data, loosened))
    assert not split.loose_tables  # the reference has no loop left
    names = sorted(loose.data_fields)
    for _ in range(4):
        chosen: dict[str, list[str]] = {}
        for f in rng.sample(names, rng.choice([0, 1, 2])):
            values = sorted({v for t in data.values() for v in t.get(f, []) if v is not None})
            chosen[f] = rng.sample(values, max(1, len(values) // 2))
        a = Inference(loose, state_of(loose, **chosen))
        b = Inference(split, state_of(split, **chosen))
        for f in names:
            assert a.states(f).tolist() == b.states(f).tolist() or _same_states(
                loose, split, a, b, f), f
        dims = rng.sample(names, rng.choice([1, 2, 3]))
        measures = ["Sum(Amount)", "Count(Note)", "Count(DISTINCT K1)"]
        assert rows(loose, a, dims, measures) == rows(split, b, dims, measures), (dims, chosen)


def _same_states(m1: DataModel, m2: DataModel, a: Inference, b: Inference, f: str) -> bool:
    """The states of each value by text (the two models may number the values apart)."""
    def by_text(model: DataModel, inf: Inference) -> dict[str | None, int]:
        sym = model.fields[f].symbols
        return {sym.text(i): int(s) for i, s in enumerate(inf.states(f).tolist())}
    return by_text(m1, a) == by_text(m2, b)
