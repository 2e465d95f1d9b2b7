"""Clustering: a built model stores a long table's rows grouped by its widest repeating
key, keeps their load order (``origin``, ``loaded``), writes snapshots in load order and
groups them again when it reads them."""

from __future__ import annotations

import numpy as np
import pytest

from associa.model import DataModel, SymbolTable, Table, clustering
from associa.model.builder import model_from_rows
from associa.model.table import Identity
from associa.store.snapshot import dump_model, load_model


def _symbols(n: int) -> SymbolTable:
    return SymbolTable.from_arrays(np.arange(n, dtype=np.float64), None)


def star(n: int = 5000, seed: int = 1) -> tuple[DataModel, dict[str, np.ndarray]]:
    """A fact (an order number in load order, two keys, a measure) and two dimensions;
    the fact's columns as loaded (builder form)."""
    rng = np.random.default_rng(seed)
    cols = {
        "OrderID": np.arange(n, dtype=np.int32),
        "CustID": rng.integers(0, 300, n).astype(np.int32),
        "ProdID": rng.integers(0, 40, n).astype(np.int32),
        "Qty": rng.integers(-1, 9, n).astype(np.int32),  # -1: NULL
    }
    fact = Table("Fact", list(cols), {k: v.copy() for k, v in cols.items()}, n)
    cust = Table("Cust", ["CustID", "Country"], {
        "CustID": np.arange(300, dtype=np.int32),
        "Country": rng.integers(0, 7, 300).astype(np.int32)}, 300)
    prod = Table("Prod", ["ProdID", "Cat"], {
        "ProdID": np.arange(40, dtype=np.int32),
        "Cat": rng.integers(0, 5, 40).astype(np.int32)}, 40)
    syms = {"OrderID": _symbols(n), "CustID": _symbols(300), "ProdID": _symbols(40),
            "Qty": _symbols(9), "Country": _symbols(7), "Cat": _symbols(5)}
    return DataModel([fact, cust, prod], syms), cols


def _built(col: np.ndarray, nsym: int) -> np.ndarray:
    return np.where(col < 0, nsym, col)


def test_a_fact_is_grouped_by_its_widest_repeating_key(monkeypatch) -> None:
    monkeypatch.setattr(clustering, "MIN_ROWS", 4096)
    model, loaded = star()
    fact = model.tables["Fact"]
    assert fact.grouped_by == "CustID"  # 300 customers, 40 products: the widest
    cust = fact.columns["CustID"]
    # one run per customer, the customers in the order of their Country, then code
    country = model.tables["Cust"].columns["Country"]
    runs = cust[np.flatnonzero(np.diff(cust, prepend=-1))]
    assert len(runs) == len(set(cust.tolist()))
    assert runs.tolist() == sorted(runs.tolist(), key=lambda c: (country[c], c))
    assert fact.group_order is not None
    # load order within each customer, and every column moved with its rows
    origin = fact.origin
    assert origin is not None and not origin.flags.writeable
    for c in np.unique(cust)[:20]:
        assert np.all(np.diff(origin[cust == c].astype(np.int64)) > 0)
    for name, col in loaded.items():
        nsym = len(model.fields[name].symbols)
        assert np.array_equal(fact.in_load_order(name), _built(col, nsym)), name
        assert np.array_equal(fact.columns[name], _built(col, nsym)[origin]), name
    # the order number was an identity: it is now the origin itself, an identity when
    # read in load order
    assert not fact.is_identity("OrderID") and fact.columns.stored("OrderID") is origin
    assert isinstance(fact.loaded("OrderID"), Identity)
    # dimensions keyed by their row number are looked up by it: left as loaded
    for name in ("Cust", "Prod"):
        assert model.tables[name].origin is None and model.tables[name].grouped_by is None


def test_a_selection_in_the_dimension_reaches_the_fact_as_few_runs(monkeypatch) -> None:
    """The customers are laid out by their fields with the fewest values first: the fact
    rows of one Country are one run, as possible rows and as postings read them."""
    from associa.select import Inference, SelectionState

    monkeypatch.setattr(clustering, "MIN_ROWS", 4096)
    model, loaded = star()
    fact = model.tables["Fact"]
    country = model.tables["Cust"].columns["Country"]
    for c in range(3):
        sel = np.zeros(len(model.fields["Country"].symbols), dtype=bool)
        sel[c] = True
        rows = Inference(model, SelectionState().with_field("Country", sel)).rows("Fact")
        got = rows.indices()
        assert len(got) and np.all(np.diff(got) == 1)  # one run
        customers = set(np.flatnonzero(country == c).tolist())
        want = [o for o, k in enumerate(loaded["CustID"].tolist()) if k in customers]
        assert sorted(fact.origin[got].tolist()) == want


def test_without_a_dimension_the_runs_are_in_code_order(monkeypatch) -> None:
    monkeypatch.setattr(clustering, "MIN_ROWS", 2)
    rows = {"Fact": {"K": [3, 1, 2, 1, 3, 2], "V": [5, 6, 7, 8, 9, 10]},
            "Other": {"K": [1, 1, 2, 3, 3], "W": ["a", "b", "a", "b", "a"]}}
    model = model_from_rows(rows)
    fact = model.tables["Fact"]
    assert fact.grouped_by == "K" and fact.group_order is None  # Other repeats K
    k = fact.columns["K"]
    assert np.all(k[:-1] <= k[1:])


def test_short_tables_and_tables_in_key_order_are_left_as_loaded(monkeypatch) -> None:
    monkeypatch.setattr(clustering, "MIN_ROWS", 4096)
    model, _ = star(n=4095)
    assert model.tables["Fact"].origin is None and model.tables["Fact"].grouped_by is None
    monkeypatch.setattr(clustering, "MIN_ROWS", 2)
    rows = {"Fact": {"K": [1, 1, 2, 2, 3], "V": [5, 6, 7, 8, 9]},
            "Dim": {"K": [1, 2, 3, 4], "D": ["a", "b", "c", "d"]}}
    model = model_from_rows(rows)
    fact = model.tables["Fact"]
    assert fact.grouped_by == "K" and fact.origin is None  # already in code order
    assert fact.columns["V"].tolist() == fact.in_load_order("V").tolist()


def test_synthetic_key_tables_are_not_regrouped() -> None:
    rows = {"A": {"X": [1, 2, 1, 2, 1, 2], "Y": [1, 1, 2, 2, 1, 1], "V": [1, 2, 3, 4, 5, 6]},
            "B": {"X": [2, 1, 2], "Y": [1, 1, 2], "W": [7, 8, 9]}}
    model = model_from_rows(rows)
    assert model.synthetic_tables
    for name in model.synthetic_tables:
        assert model.tables[name].origin is None


@pytest.mark.parametrize("seed", [1, 2])
def test_a_snapshot_keeps_the_load_order_and_is_grouped_again(monkeypatch, seed: int) -> None:
    monkeypatch.setattr(clustering, "MIN_ROWS", 4096)
    model, loaded = star(seed=seed)
    back = load_model(dump_model(model))
    fact, other = model.tables["Fact"], back.tables["Fact"]
    assert other.grouped_by == "CustID"
    assert np.array_equal(other.origin, fact.origin)
    for name in loaded:
        assert np.array_equal(other.in_load_order(name), fact.in_load_order(name)), name
        assert np.array_equal(other.columns[name], fact.columns[name]), name
    # stored in load order, the order number as an identity (not written)
    monkeypatch.setattr(clustering, "MIN_ROWS", 1 << 62)
    plain = load_model(dump_model(model)).tables["Fact"]
    assert plain.origin is None and plain.is_identity("OrderID")
    assert np.array_equal(plain.columns["CustID"], fact.in_load_order("CustID"))
