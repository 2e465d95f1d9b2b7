"""Inference against a brute-force oracle: the full disjunction (full outer join) of the
tables, checked on random tree-shaped models with random selections."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.select.propagate import STATE_CODES
from tests.select import draw_selections


def oracle(tables: dict[str, dict[str, list]], selections: dict[str, set]) -> dict[str, set]:
    """Possible values per field: values in maximal connected consistent tuples that
    satisfy every selection."""
    names = list(tables)
    rows = {t: list(zip(*tables[t].values(), strict=True)) for t in names}
    fields = {t: list(tables[t]) for t in names}

    def value(t, r, f):
        return rows[t][r][fields[t].index(f)]

    def consistent(choice):
        chosen = [(t, r) for t, r in zip(names, choice, strict=True) if r is not None]
        for (t1, r1), (t2, r2) in itertools.combinations(chosen, 2):
            for f in set(fields[t1]) & set(fields[t2]):
                v1, v2 = value(t1, r1, f), value(t2, r2, f)
                if v1 is None or v2 is None or v1 != v2:
                    return False
        # connected: chosen tables linked through shared fields
        if not chosen:
            return False
        seen = {chosen[0][0]}
        grow = True
        while grow:
            grow = False
            for t, _ in chosen:
                if t not in seen and any(set(fields[t]) & set(fields[s]) for s in seen):
                    seen.add(t)
                    grow = True
        return len(seen) == len(chosen)

    options = [[None, *range(len(rows[t]))] for t in names]
    good = [c for c in itertools.product(*options) if consistent(c)]
    goodset = set(good)

    def maximal(c):
        for i, r in enumerate(c):
            if r is None:
                for alt in range(len(rows[names[i]])):
                    ext = c[:i] + (alt,) + c[i + 1 :]
                    if ext in goodset:
                        return False
        return True

    result: dict[str, set] = {}
    for c in good:
        if not maximal(c):
            continue
        tup: dict[str, object] = {}
        for t, r in zip(names, c, strict=True):
            if r is not None:
                for f in fields[t]:
                    tup[f] = value(t, r, f)
        if all(tup.get(f) in vals for f, vals in selections.items()):
            for f, v in tup.items():
                if v is not None:
                    result.setdefault(f, set()).add(v)
    return result


def oracle_loose(tables: dict[str, dict[str, list]], loose: list[str],
                 selections: dict[str, set]) -> dict[str, set]:
    """The oracle over the tables with each loosely coupled table's fields loaded as
    independent, unconnected one-field tables of its values (Qlik help, "Loosen Table":
    "all associations between field values in the table are removed. A similar effect
    could be achieved by loading each field of the loosely coupled table as independent,
    unconnected tables")."""
    split: dict[str, dict[str, list]] = {}
    for name, cols in tables.items():
        if name not in loose:
            split[name] = cols
            continue
        for f, values in cols.items():
            distinct = list(dict.fromkeys(v for v in values if v is not None))
            if distinct:
                split[f"{name}.{f}"] = {f: distinct}
    # the parts the split leaves apart are data islands: a selection acts in its own
    result: dict[str, set] = {}
    left = list(split)
    while left:
        part = [left.pop(0)]
        grown = True
        while grown:
            grown = False
            for name in list(left):
                if any(set(split[name]) & set(split[p]) for p in part):
                    part.append(name)
                    left.remove(name)
                    grown = True
        fields = {f for p in part for f in split[p]}
        sub = oracle({p: split[p] for p in part},
                     {f: v for f, v in selections.items() if f in fields})
        for f, vals in sub.items():
            result.setdefault(f, set()).update(vals)
    return result


@st.composite
def tree_models(draw):
    """2-4 tables in a random tree of key fields (a key may be shared by several tables)."""
    n = draw(st.integers(2, 4))
    fields = {0: ["A0"]}
    for t in range(1, n):
        parent = draw(st.integers(0, t - 1))
        parent_keys = [f for f in fields[parent] if f.startswith("K")]
        if parent_keys and draw(st.booleans()):
            key = draw(st.sampled_from(parent_keys))  # a key shared by three tables
        else:
            key = f"K{t}"
            fields[parent].append(key)
        fields[t] = [key, f"A{t}"]
    tables = {}
    for t in range(n):
        nrows = draw(st.integers(1, 4))
        cols = {}
        for f in fields[t]:
            cols[f] = draw(
                st.lists(st.one_of(st.none(), st.sampled_from("abc")), min_size=nrows, max_size=nrows)
            )
        tables[f"T{t}"] = cols
    return tables


@settings(max_examples=150, deadline=None)
@given(tree_models(), st.data())
def test_possible_values_match_full_outer_join(tables, data):
    model = model_from_rows(tables)
    fields = sorted(f for f in model.data_fields if len(model.fields[f].symbols))
    state, selections = draw_selections(model, fields, data)
    assert_matches(model, Inference(model, state), selections,
                   lambda chosen: oracle(tables, chosen))


def assert_matches(model, inference, selections, expect) -> None:
    """Every data field's possible values are ``expect(selections)``'s, and a selected
    field's alternatives are the possible values with its own selection removed."""
    expected = expect(selections)
    for f in model.data_fields:
        sym = model.fields[f].symbols
        got = {sym.text(i) for i in np.flatnonzero(inference.possible(f))}
        assert got == expected.get(f, set()), f
    for f in selections:
        rest = {g: v for g, v in selections.items() if g != f}
        sym = model.fields[f].symbols
        got = {sym.text(i) for i in np.flatnonzero(inference.alternative(f))}
        assert got == expect(rest).get(f, set()), f


def test_unlinked_value_stays_possible():
    """A customer without orders stays possible when only the customer side is selected."""
    model = model_from_rows(
        {
            "Customers": {"Cust": ["c1", "c2", "c3"], "Country": ["SE", "SE", "NO"]},
            "Orders": {"Cust": ["c1", "c3"], "Product": ["p1", "p2"]},
            "Products": {"Product": ["p1", "p2", "p3"]},
        }
    )
    sym = model.fields["Country"].symbols
    mask = np.zeros(len(sym), dtype=bool)
    mask[sym.find_text("SE")] = True
    inf = Inference(model, SelectionState().with_field("Country", mask))
    cust = model.fields["Cust"].symbols
    assert {cust.text(i) for i in np.flatnonzero(inf.possible("Cust"))} == {"c1", "c2"}
    prod = model.fields["Product"].symbols
    assert {prod.text(i) for i in np.flatnonzero(inf.possible("Product"))} == {"p1"}
    # SE selected, NO alternative (possible were Country's selection cleared)
    assert [STATE_CODES[s] for s in inf.states("Country")] == ["S", "A"]
    counts = inf.state_counts("Country")
    assert counts["qSelected"] == 1 and counts["qAlternative"] == 1


@settings(max_examples=150, deadline=None)
@given(tree_models(), st.data())
def test_loose_tables_match_the_oracle_of_their_fields_apart(tables, data):
    """A loosely coupled table (LOOSEN TABLE) passes no selection between its fields: as
    if each of its fields were a table of its own."""
    loose = data.draw(st.lists(st.sampled_from(sorted(tables)), min_size=1, max_size=2,
                               unique=True))
    model = model_from_rows(tables, loose=loose)
    assert sorted(model.loose_tables) == sorted(loose)
    fields = sorted(f for f in model.data_fields if len(model.fields[f].symbols))
    state, selections = draw_selections(model, fields, data)
    assert_matches(model, Inference(model, state), selections,
                   lambda chosen: oracle_loose(tables, loose, chosen))


def test_loose_table_of_the_qlikview_help():
    """QlikView help, "Loosely coupled tables": Table1 (B, A), Table2 (A, C), Table3
    (C, D); with Table2 loosely coupled, selecting 2 in B reaches A (Table1) but not C
    and D, which only Table2 links to A."""
    tables = {
        "Table1": {"B": [1, 2, 3], "A": ["x", "y", "z"]},
        "Table2": {"A": ["x", "y", "z"], "C": [5, 7, 9]},
        "Table3": {"C": [5, 7, 9], "D": ["a", "b", "c"]},
    }
    for loose, want_c in (([], {"7"}), (["Table2"], {"5", "7", "9"})):
        model = model_from_rows(tables, loose=loose)
        sym = model.fields["B"].symbols
        mask = np.zeros(len(sym), dtype=bool)
        mask[sym.find_text("2")] = True
        inf = Inference(model, SelectionState().with_field("B", mask))

        def possible(name: str, inf=inf, model=model) -> set:
            s = model.fields[name].symbols
            return {s.text(int(i)) for i in np.flatnonzero(inf.possible(name))}

        assert possible("A") == {"y"}
        assert possible("C") == want_c
        assert len(possible("D")) == len(want_c)
        # and from the other side: C reaches D, not A through the loose table
        sym = model.fields["C"].symbols
        mask = np.zeros(len(sym), dtype=bool)
        mask[sym.find_text("9")] = True
        inf = Inference(model, SelectionState().with_field("C", mask))
        assert possible("D", inf) == {"c"}
        assert possible("B", inf) == ({"3"} if not loose else {"1", "2", "3"})
