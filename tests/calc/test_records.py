"""Records read through lookups are the records of the full outer join: for every schema
shape (stars with orphans, NULL keys and unmatched dimension rows; snowflakes; tables
linked one to one; loosely linked fields; dimensions with repeated keys, which must be
joined) and random selections, the lookup plan and the join give the same multiset of
records, the same field codes and the same repeated tables."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np
import pytest

from associa.calc import lookups
from associa.calc.records import LookupSegment, Records, associate
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState


def _star(rng: random.Random, n: int) -> dict[str, dict[str, list[Any]]]:
    """Orders of customers (some unknown, some NULL), customers without orders or id,
    products never ordered or without id, and a two-level snowflake via Category."""
    cust = [rng.choice([1, 2, 3, 4, 5, 99, None]) for _ in range(n)]
    prod = [rng.choice(["p1", "p2", "p3", "p4", None, "zz"]) for _ in range(n)]
    return {
        "Orders": {
            "OrderID": list(range(n)),
            "CustID": cust,
            "ProdID": prod,
            "Amount": [rng.choice([1.5, 2, 3, None, "x", "7"]) for _ in range(n)],
        },
        "Customers": {
            "CustID": [1, 2, 3, 4, 6, None],
            "Country": ["SE", "SE", "DE", "NO", "FI", "DK"],
        },
        "Products": {
            "ProdID": ["p1", "p2", "p3", "p4", "p5", None],
            "Category": ["c1", "c1", "c2", "c9", "c3", "c1"],
        },
        "Categories": {
            "Category": ["c1", "c2", "c3", "c4"],
            "Dept": ["Toys", "Toys", "Food", None],
        },
    }


SCHEMAS: dict[str, Any] = {
    "star": lambda rng: _star(rng, 40),
    "one_to_one": lambda rng: {
        "A": {"K": [1, 2, 3, 4, None], "X": ["a", "b", "c", "d", "e"]},
        "B": {"K": [2, 3, 4, 5, 6], "Y": [10, 20, 30, 40, None]},
    },
    "repeated_dimension_keys": lambda rng: {  # a many-to-many link: must be joined
        "F": {"K": [rng.choice([1, 2, 3, None]) for _ in range(12)], "V": list(range(12))},
        "D": {"K": [1, 1, 2, 4], "W": ["u", "v", "w", "x"]},
    },
    "loose_link": lambda rng: {  # B holds K and L, C holds L and K: K-C is loosened
        "A": {"K": [1, 2, 3, 3], "Z": ["z1", "z2", "z3", "z4"]},
        "B": {"K": [1, 2, 5], "L": ["l1", "l2", "l3"]},
        "C": {"L": ["l1", "l2", "l9"], "K": [2, 2, None]},
    },
    "siblings": lambda rng: {  # T and S hang on K under F, with key values F lacks
        "F": {"K": [rng.choice([1, 2, None]) for _ in range(9)], "V": list(range(9))},
        "T": {"K": [1, 2, 3, 4, None], "B": [10, 20, 30, 40, 50]},
        "S": {"K": [1, 3, 5, None], "R": ["r1", "r3", "r5", "rn"]},
    },
    "two_components": lambda rng: {
        "A": {"K": [1, 2, 2], "X": ["a", "b", "c"]},
        "B": {"K": [2, 3], "Y": [5, 6]},
        "Solo": {"S": ["s1", "s2"]},
    },
}


def _selections(model: DataModel, rng: random.Random, count: int) -> list[SelectionState]:
    out = [SelectionState()]
    names = sorted(model.data_fields)
    for _ in range(count):
        state = SelectionState()
        for name in rng.sample(names, rng.choice([1, 2])):
            n = len(model.fields[name].symbols)
            mask = np.zeros(n, dtype=bool)
            mask[rng.sample(range(n), max(1, n // 3))] = True
            state = state.with_field(name, mask)
        out.append(state)
    return out


def _record_set(model: DataModel, records: Records, fields: set[str]) -> Counter:
    """The records as a multiset of field-code tuples (rows of tables the fields need)."""
    names = sorted(fields)
    cols = [records.column(model, f) for f in names]
    return Counter(zip(*[c.tolist() for c in cols], strict=True)) if names else Counter()


def _field_sets(model: DataModel, rng: random.Random) -> list[tuple[set[str], set[str]]]:
    names = sorted(model.data_fields)
    out = []
    for _ in range(12):
        fields = set(rng.sample(names, rng.choice([1, 2, 3, min(4, len(names))])))
        whole = {f for f in fields if rng.random() < 0.5}
        out.append((fields, whole))
    return out


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("gather", [16, 1], ids=["gathered-when-few", "always-gathered"])
def test_lookups_give_the_records_of_the_join(schema: str, seed: int, gather: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # a state's columns gathered at its possible rows read as the rows themselves
    monkeypatch.setattr(lookups, "GATHER", gather)
    rng = random.Random(seed)
    model = model_from_rows(SCHEMAS[schema](rng))
    for state in _selections(model, rng, 6):
        inf = Inference(model, state)
        for fields, whole in _field_sets(model, rng):
            looked = associate(model, inf, fields, whole)
            joined = associate(model, inf, fields, whole, lookups=False)
            assert looked.n == joined.n
            assert _record_set(model, looked, fields) == _record_set(model, joined, fields)
            assert looked.field_tables == joined.field_tables
            tables = {t for ts in joined.field_tables.values() for t in ts}
            for t in tables:
                assert looked.duplicated(t) == joined.duplicated(t), t
                rows = looked.table_rows(t)
                # every record's row is a possible row of the table, or none
                mask = inf.row_masks.get(t)
                if mask is not None:
                    assert mask[rows[rows >= 0]].all()


def test_a_star_is_read_through_lookups() -> None:
    """The fact table is the base; the dimensions' rows come from lookup tables; the
    products never ordered and the customers without an order are records of their own."""
    model = model_from_rows(_star(random.Random(5), 30))
    records = associate(model, Inference(model, SelectionState()), {"Country", "Amount", "Dept"},
                        {"Country"})
    assert all(isinstance(s, LookupSegment) for s in records.segments)
    base = records.segments[0]
    assert isinstance(base, LookupSegment) and base.base == "Orders"
    assert set(base.links) == {"Customers", "Products", "Categories"}
    lone = {s.base for s in records.segments[1:] if isinstance(s, LookupSegment)}
    assert lone == {"Customers", "Products", "Categories"}


def test_repeated_dimension_keys_are_joined() -> None:
    model = model_from_rows(SCHEMAS["repeated_dimension_keys"](random.Random(1)))
    records = associate(model, Inference(model, SelectionState()), {"V", "W"})
    assert not any(isinstance(s, LookupSegment) for s in records.segments)
    assert records.duplicated("F")  # a fact row meets both rows of key 1


def test_lookup_tables_are_made_once_per_model_and_state() -> None:
    from associa.calc.lookups import ModelLookups, StateLookups

    model = model_from_rows(_star(random.Random(7), 20))
    inf = Inference(model, SelectionState())
    associate(model, inf, {"Country", "Amount"}, {"Country"})
    lookups = ModelLookups.of(model)
    first = lookups.key_rows("Customers", "CustID")
    associate(model, Inference(model, SelectionState()), {"Country", "Amount"}, {"Country"})
    assert lookups.key_rows("Customers", "CustID") is first
    assert ModelLookups.of(model) is lookups
    assert StateLookups.of(inf) is StateLookups.of(inf)
    assert lookups.key_rows("Orders", "CustID") is None  # many orders per customer


def test_a_state_gathers_its_few_rows_once(unclustered: None) -> None:
    """A selective state's base columns are gathered once, for every chart of the state;
    a state keeping most rows reads the columns through its rows."""
    from associa.calc.lookups import StateLookups

    model = model_from_rows(_star(random.Random(8), 400))
    sym = model.fields["OrderID"].symbols
    few = np.zeros(len(sym), dtype=bool)
    few[:10] = True
    inf = Inference(model, SelectionState().with_field("OrderID", few))
    state = StateLookups.of(inf)
    rows = state.rows("Orders")
    assert rows is not None and len(rows) == 10
    col = state.column("Orders", "CustID")
    assert col is not None and state.column("Orders", "CustID") is col
    assert col.tolist() == model.tables["Orders"].columns["CustID"][rows].tolist()
    assert state.column("Orders", "OrderID") is None  # the row number: no column
    records = associate(model, inf, {"Country", "Amount"}, {"Country"})
    base = records.segments[0]
    assert isinstance(base, LookupSegment) and base.codes("CustID").col is col
    many = Inference(model, SelectionState().with_field("OrderID", ~few))
    assert StateLookups.of(many).column("Orders", "CustID") is None


def test_a_state_reads_rows_in_a_few_runs_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders clustered by customer: a country's orders are a few runs, which charts read
    through the rows (no copy of the columns), and give the rows' values."""
    from associa.calc.lookups import StateLookups
    from associa.model import clustering

    monkeypatch.setattr(clustering, "MIN_ROWS", 1)
    model = model_from_rows(_star(random.Random(8), 400))
    pick = np.zeros(len(model.fields["Country"].symbols), dtype=bool)
    pick[0] = True
    inf = Inference(model, SelectionState().with_field("Country", pick))
    state = StateLookups.of(inf)
    spans, rows = state.spans("Orders"), state.rows("Orders")
    assert spans is not None and len(spans) > 1 and rows is not None
    assert state.column("Orders", "Amount") is None
    records = associate(model, inf, {"Country", "Amount"}, {"Country"})
    base = records.segments[0]
    assert isinstance(base, LookupSegment)
    codes = base.codes("Amount")
    assert codes.rows is not None
    assert codes.materialize().tolist() == model.tables["Orders"].columns["Amount"][
        rows].tolist()


def test_state_lookups_are_computed_once_under_concurrent_requests() -> None:
    import threading

    from associa.calc.lookups import StateLookups

    model = model_from_rows(_star(random.Random(9), 200))
    inf = Inference(model, SelectionState().with_field(
        "Country", np.array([True] + [False] * (len(model.fields["Country"].symbols) - 1))))
    state = StateLookups.of(inf)
    calls = []
    original = state._rows

    def slow(table: str):
        calls.append(table)
        threading.Event().wait(0.05)
        return original(table)

    state._rows = slow  # type: ignore[method-assign]
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(state.rows("Orders")))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["Orders"]
    assert all(g is got[0] for g in got)


def _natural_outer_join(tables: dict[str, dict[str, list[Any]]], key: str) -> Counter:
    """Brute force: the full outer join of tables that share only ``key`` (NULL keys meet
    nothing), as a multiset of (field, value) tuples sorted by field, NULLs left out."""
    values = {v for t in tables.values() for v in t[key] if v is not None}
    out: Counter = Counter()

    def rows(t: dict[str, list[Any]], v: Any) -> list[dict[str, Any]]:
        n = len(t[key])
        return [{f: t[f][i] for f in t} for i in range(n) if t[key][i] == v]

    for v in values:
        combos: list[dict[str, Any]] = [{key: v}]
        for t in tables.values():
            found = rows(t, v) or [{}]
            combos = [{**c, **r} for c in combos for r in found]
        for c in combos:
            out[tuple(sorted(c.items()))] += 1
    for t in tables.values():
        for i, v in enumerate(t[key]):
            if v is None:  # a record of its own (its NULL key is no value)
                out[tuple(sorted((f, t[f][i]) for f in t if t[f][i] is not None))] += 1
    return out


@pytest.mark.parametrize("use_lookups", [True, False], ids=["lookups", "joins"])
def test_tables_on_one_key_meet_where_the_base_has_no_row(use_lookups: bool) -> None:
    # K=3 is in T and S only, K=4 in T only, K=5 in S only: a chart over B and R must
    # show (3, 30, r3) as one record, not a T record and an S record apart
    data = {
        "F": {"K": [1, 2, 1, 2, 1, 1, 2], "V": [1, 2, 3, 4, 5, 6, 7]},
        "T": {"K": [1, 2, 3, 4, None], "B": [10, 20, 30, 40, 50]},
        "S": {"K": [1, 3, 5, None], "R": ["r1", "r3", "r5", "rn"]},
    }
    model = model_from_rows(data)
    fields = {"K", "V", "B", "R"}
    records = associate(model, Inference(model, SelectionState()), fields, {"K"},
                        lookups=use_lookups)
    got: Counter = Counter()
    cols = {f: records.column(model, f) for f in sorted(fields)}
    for i in range(records.n):
        cells = []
        for f in sorted(fields):
            code = int(cols[f][i])
            sym = model.fields[f].symbols
            if code < len(sym):
                text = sym.text(code)
                cells.append((f, int(text) if text.lstrip("-").isdigit() else text))
        got[tuple(cells)] += 1
    assert got == _natural_outer_join(data, "K")
