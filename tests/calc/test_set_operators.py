"""Set operators between sets (``{$ + BM01}``, ``{1 - $}``, ``{$ * X}``, ``{$ / X}``,
``{-$}``): each table's rows combined on their own (``select/combined.py``).

Against DuckDB over the differential star: a set term's rows of a table are the rows
of that table found in the filtered full outer join (``universe``), identified by the
table's key (OrderID, CustomerID, ProductID); the operators are SQL's UNION, EXCEPT,
INTERSECT (and the symmetric difference, both EXCEPTs). An aggregation then reads the
combined rows: ``Sum(Sales)`` the facts', ``Count(DISTINCT CustomerID)`` the ids of the
facts' and of the customers' rows, ``Count(DISTINCT Country)`` the customers'; a chart's
records join the combined rows of its tables.

Against a brute-force oracle on small random models: a table's rows in a term are those
in some record of the full outer join that passes the selections; the combined rows and
the combined set's possible values follow from them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.calc import HyperCube, evaluate_scalar
from associa.calc.sets import NoSources, SetEvaluator
from associa.errors import ExpressionError
from associa.expr.sets import parse_set
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import SelectionState, inference
from associa.select.combined import CombinedInference
from associa.values import DEFAULT_LOCALE
from tests.calc.test_differential import (
    CORNER_SELECTIONS,
    Selection,
    Star,
    build_star,
    random_selections,
    selection_id,
    selection_state,
)
from tests.select import draw_selections
from tests.select.test_propagate import tree_models

# -- the sets and their SQL --------------------------------------------------------------

Conditions = dict[str, tuple[str, list[Any]]]
Term = Callable[[Selection], Conditions]
# a tree: a term's conditions, or (operator, left, right)
Tree = Term | tuple[str, Any, Any]


def _in(name: str, values: list[Any]) -> tuple[str, list[Any]]:
    return f"{name} IN ({', '.join('?' for _ in values)})", list(values)


def current(sel: Selection) -> Conditions:
    return {name: _in(name, values) for name, values in sel.items()}


def everything(sel: Selection) -> Conditions:
    return {}


def only(**fields: list[Any]) -> Term:
    """``1<F={...}, ...>``."""
    return lambda sel: {name: _in(name, values) for name, values in fields.items()}


def current_with(**fields: list[Any]) -> Term:
    """``$<F={...}, ...>``."""
    return lambda sel: {**current(sel), **only(**fields)(sel)}


SETS: list[tuple[str, Tree]] = [
    ("{1-$}", ("-", everything, current)),
    ("{-$}", ("-", everything, current)),
    ("{$ + 1<Country={Japan}>}", ("+", current, only(Country=["Japan"]))),
    ("{$ * 1<Segment={Consumer}>}", ("*", current, only(Segment=["Consumer"]))),
    ("{1<Category={Toys}> / 1<Country={Japan}>}",
     ("/", only(Category=["Toys"]), only(Country=["Japan"]))),
    ("{$<Category={Books}> + 1<Country={Sweden}> - $<Segment={Corporate}>}",
     ("-", ("+", current_with(Category=["Books"]), only(Country=["Sweden"])),
      current_with(Segment=["Corporate"]))),
    # precedence: * before +, unary minus first; parentheses
    ("{1<Country={Spain}> + $ * 1<Category={Music}>}",
     ("+", only(Country=["Spain"]), ("*", current, only(Category=["Music"])))),
    ("{-($ + 1<Brand={'Brand A'}>)}",
     ("-", everything, ("+", current, only(Brand=["Brand A"])))),
    ("{(1-$) * 1<Segment={Consumer}>}",
     ("*", ("-", everything, current), only(Segment=["Consumer"]))),
    ("{$ / $}", ("/", current, current)),
]
# (table in SQL, its key, the universe's flag for its rows)
TABLES = {"fact": ("OrderID", "has_fact"), "customers": ("CustomerID", "has_cust"),
          "products": ("ProductID", "has_prod")}
SQL_OPS = {"+": "UNION", "-": "EXCEPT", "*": "INTERSECT"}


def rows_sql(tree: Tree, table: str, sel: Selection) -> tuple[str, list[Any]]:
    """SQL for the keys of the table's rows in the set, and its parameters."""
    key, flag = TABLES[table]
    if isinstance(tree, tuple):
        op, left, right = tree
        a, pa = rows_sql(left, table, sel)
        b, pb = rows_sql(right, table, sel)
        if op == "/":
            return (f"(({a}) EXCEPT ({b})) UNION (({b}) EXCEPT ({a}))", pa + pb + pb + pa)
        return f"({a}) {SQL_OPS[op]} ({b})", pa + pb
    parts, params = [flag], []
    for sql, values in tree(sel).values():
        parts.append(f"({sql})")
        params += values
    return f"SELECT {key} FROM universe WHERE {' AND '.join(parts)}", params


def measure_sql(measure: str, tree: Tree, sel: Selection) -> tuple[str, list[Any]]:
    facts, pf = rows_sql(tree, "fact", sel)
    custs, pc = rows_sql(tree, "customers", sel)
    if measure == "Sum":
        return f"SELECT COALESCE(SUM(Sales), 0) FROM fact WHERE OrderID IN ({facts})", pf
    if measure == "Count":
        return f"SELECT COUNT(OrderID) FROM fact WHERE OrderID IN ({facts})", pf
    if measure == "CountCustomers":
        return ("SELECT COUNT(DISTINCT id) FROM ("
                f"SELECT CustomerID AS id FROM fact WHERE OrderID IN ({facts}) UNION ALL "
                f"SELECT CustomerID FROM customers WHERE CustomerID IN ({custs}))", pf + pc)
    assert measure == "CountCountries"
    return (f"SELECT COUNT(DISTINCT Country) FROM customers WHERE CustomerID IN ({custs})", pc)


MEASURES = [
    ("Sum({s} Sales)", "Sum"),
    ("Count({s} OrderID)", "Count"),
    ("Count({s} DISTINCT CustomerID)", "CountCustomers"),
    ("Count({s} DISTINCT Country)", "CountCountries"),
]
SELECTIONS = CORNER_SELECTIONS + random_selections(6)


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Star:
    return build_star(Path(tmp_path_factory.mktemp("setops")))


def engine_value(star: Star, state: SelectionState, text: str) -> float | None:
    sets = SetEvaluator(star.model, state, NoSources(), DEFAULT_LOCALE)
    value, num = evaluate_scalar(star.model, inference(star.model, state), text,
                                 DEFAULT_LOCALE, sets)
    return None if value is None or math.isnan(num) else num


# -- against DuckDB ----------------------------------------------------------------------


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_set_operators_equal_sql(star: Star, sel: Selection) -> None:
    state = selection_state(star.model, sel)
    for set_text, tree in SETS:
        for measure, kind in MEASURES:
            text = measure.replace("{s}", set_text)
            sql, params = measure_sql(kind, tree, sel)
            want = star.db.execute(sql, params).fetchone()[0]
            assert engine_value(star, state, text) == pytest.approx(float(want)), (text, sel)


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_excluded_sales_are_total_less_selected(star: Star, sel: Selection) -> None:
    """Help ("Set operators"): ``Sum({1-$} Sales)`` "returns sales for everything
    excluded by current selection"."""
    state = selection_state(star.model, sel)
    total = engine_value(star, state, "Sum({1} Sales)")
    selected = engine_value(star, state, "Sum(Sales)")
    assert total is not None and selected is not None
    assert engine_value(star, state, "Sum({1-$} Sales)") == pytest.approx(total - selected)
    assert engine_value(star, state, "Sum({$+(1-$)} Sales)") == pytest.approx(total)
    assert engine_value(star, state, "Sum({$*(1-$)} Sales)") == 0


@pytest.mark.parametrize("sel", SELECTIONS[:8], ids=selection_id)
def test_p_and_e_take_set_operators(star: Star, sel: Selection) -> None:
    """``P({A op B} F)``: the values of F held by the combined set's rows; ``E``: the
    others."""
    state = selection_state(star.model, sel)
    cases = [
        ("Sum({1<Category=P({1-$} Category)>} Sales)", "IN", "products", "Category",
         ("-", everything, current)),
        ("Sum({1<Country=E({$ + 1<Country={Japan}>})>} Sales)", "NOT IN", "customers",
         "Country", ("+", current, only(Country=["Japan"]))),
    ]
    for text, how, table, field, tree in cases:
        keys, params = rows_sql(tree, table, sel)
        key = TABLES[table][0]
        values = (f"SELECT {field} FROM {table} WHERE {key} IN ({keys}) "
                  f"AND {field} IS NOT NULL")
        want = star.db.execute(
            f"SELECT COALESCE(SUM(Sales), 0) FROM universe WHERE {field} {how} ({values})",
            params).fetchone()[0]
        assert engine_value(star, state, text) == pytest.approx(float(want)), (text, sel)


@pytest.mark.parametrize("sel", SELECTIONS[:8], ids=selection_id)
def test_chart_of_a_combined_set(star: Star, sel: Selection) -> None:
    """A chart by Category of ``Sum({1-$} Sales)`` (and of a union): its records are the
    full outer join of the set's fact rows and its product rows."""
    state = selection_state(star.model, sel)
    sets = SetEvaluator(star.model, state, NoSources(), DEFAULT_LOCALE)
    for set_text, tree in (SETS[0], SETS[2], SETS[4]):
        definition = {
            "qDimensions": [{"qDef": {"qFieldDefs": ["Category"]}}],
            "qMeasures": [{"qDef": {"qDef": f"Sum({set_text} Sales)"}}],
            "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 100}],
        }
        cube = HyperCube(star.model, inference(star.model, state), definition,
                         DEFAULT_LOCALE, sets)
        matrix = cube.layout()["qDataPages"][0]["qMatrix"]
        got = {row[0]["qText"]: float(row[1]["qNum"]) for row in matrix
               if row[0]["qText"] != "-"}
        facts, pf = rows_sql(tree, "fact", sel)
        prods, pp = rows_sql(tree, "products", sel)
        want = {category: float(total) for category, total in star.db.execute(
            "SELECT p.Category, COALESCE(SUM(f.Sales), 0) FROM "
            f"(SELECT * FROM fact WHERE OrderID IN ({facts})) AS f FULL OUTER JOIN "
            f"(SELECT * FROM products WHERE ProductID IN ({prods})) AS p "
            "ON f.ProductID = p.ProductID WHERE p.Category IS NOT NULL GROUP BY p.Category",
            pf + pp).fetchall()}
        assert got.keys() == want.keys(), (set_text, sel)
        for category, total in want.items():
            assert got[category] == pytest.approx(total), (set_text, sel, category)


def test_combined_sets_are_made_once(star: Star) -> None:
    state = selection_state(star.model, {"Country": ["Sweden"]})
    sets = SetEvaluator(star.model, state, NoSources(), DEFAULT_LOCALE)
    first = sets.inference("{1-$}")
    assert isinstance(first, CombinedInference)
    assert sets.inference("{ 1 - $ }") is first
    assert sets.inference("{-$}") is first
    # a single term is the core's shared inference, as before
    assert sets.inference("{$}") is inference(star.model, state)


def test_errors_in_operands(star: Star) -> None:
    for text in ("Sum({$ + Nowhere} Sales)", "Sum({1 - $<Nofield={1}>} Sales)"):
        with pytest.raises(ExpressionError):
            engine_value(star, SelectionState(), text)


# -- against a brute-force oracle ---------------------------------------------------------


def _texts(model: DataModel) -> dict[str, dict[str, list[str | None]]]:
    """The model's tables as texts, in the model's row order."""
    out: dict[str, dict[str, list[str | None]]] = {}
    for name in model.data_tables:
        t = model.tables[name]
        cols: dict[str, list[str | None]] = {}
        for f in t.fields:
            sym = model.fields[f].symbols
            null = model.fields[f].null_code
            cols[f] = [None if c == null else sym.text(int(c)) for c in t.columns[f].tolist()]
        out[name] = cols
    return out


def oracle_rows(tables: dict[str, dict[str, list[str | None]]],
                selections: dict[str, set]) -> dict[str, set[int]]:
    """Each table's rows found in some record of the full outer join (maximal connected
    consistent combinations of rows) that passes the selections."""
    names = list(tables)
    nrows = {t: len(next(iter(tables[t].values()), [])) for t in names}

    def value(t: str, r: int, f: str) -> str | None:
        return tables[t][f][r]

    def consistent(choice: tuple[int | None, ...]) -> bool:
        chosen = [(t, r) for t, r in zip(names, choice, strict=True) if r is not None]
        if not chosen:
            return False
        for (t1, r1), (t2, r2) in itertools.combinations(chosen, 2):
            for f in set(tables[t1]) & set(tables[t2]):
                v1, v2 = value(t1, r1, f), value(t2, r2, f)
                if v1 is None or v2 is None or v1 != v2:
                    return False
        seen = {chosen[0][0]}
        grow = True
        while grow:
            grow = False
            for t, _ in chosen:
                if t not in seen and any(set(tables[t]) & set(tables[s]) for s in seen):
                    seen.add(t)
                    grow = True
        return len(seen) == len(chosen)

    options = [[None, *range(nrows[t])] for t in names]
    good = {c for c in itertools.product(*options) if consistent(c)}
    out: dict[str, set[int]] = {t: set() for t in names}
    for c in good:
        if any(c[i] is None and any(c[:i] + (alt,) + c[i + 1:] in good
                                    for alt in range(nrows[names[i]]))
               for i in range(len(c))):
            continue  # not maximal
        record: dict[str, str | None] = {}
        for t, r in zip(names, c, strict=True):
            if r is not None:
                for f in tables[t]:
                    if record.get(f) is None:
                        record[f] = value(t, r, f)
        if all(record.get(f) in vals for f, vals in selections.items()):
            for t, r in zip(names, c, strict=True):
                if r is not None:
                    out[t].add(r)
    return out


def _apply(op: str, a: set[int], b: set[int]) -> set[int]:
    return {"+": a | b, "-": a - b, "*": a & b, "/": a ^ b}[op]


@settings(max_examples=120, deadline=None)
@given(tree_models(), st.data(), st.sampled_from(["+", "-", "*", "/"]), st.booleans())
def test_combined_rows_match_brute_force(tables: Any, data: Any, op: str,
                                         nested: bool) -> None:
    model = model_from_rows(tables)
    texts = _texts(model)
    fields = sorted(f for f in model.data_fields if len(model.fields[f].symbols))
    state_a, sel_a = draw_selections(model, fields, data)
    state_b, sel_b = draw_selections(model, fields, data)
    rows_a, rows_b = oracle_rows(texts, sel_a), oracle_rows(texts, sel_b)

    class Sources:
        def selections(self, ident: str) -> SelectionState | None:
            return state_b if ident == "B" else None

    sets = SetEvaluator(model, state_a, Sources(), DEFAULT_LOCALE)
    text = f"{{-($ {op} B)}}" if nested else f"{{$ {op} B}}"
    got = sets.inference(text)
    wanted: dict[str, set[int]] = {}
    for t in texts:
        want = wanted[t] = _apply(op, rows_a[t], rows_b[t])
        if nested:
            want = wanted[t] = set(range(model.tables[t].nrows)) - want
        assert set(got.rows(t).indices().tolist()) == want, (t, text)
        mask = got.row_masks[t]
        assert set(range(model.tables[t].nrows) if mask is None
                   else np.flatnonzero(mask).tolist()) == want
    for f in model.data_fields:
        sym = model.fields[f].symbols
        want_values = {v for t in texts if f in texts[t]
                       for r in wanted[t] for v in [texts[t][f][r]] if v is not None}
        assert {sym.text(int(i)) for i in np.flatnonzero(got.possible(f))} == want_values, f


def test_single_terms_keep_their_inference() -> None:
    model = model_from_rows({"T": {"A": ["x", "y"], "K": ["1", "2"]},
                             "U": {"K": ["1", "3"], "B": ["p", "q"]}})
    sets = SetEvaluator(model, SelectionState(), NoSources(), DEFAULT_LOCALE)
    assert not isinstance(sets.inference("{1<A={x}>}"), CombinedInference)
    assert parse_set("{-$}") == parse_set("{1-$}")


def test_loosely_coupled_tables() -> None:
    """Over a loosely coupled table a chart reads the set over the model's view (each
    field a table of its own): there too the operators combine each table's rows."""
    model = model_from_rows({"F": {"K": ["1", "2", "3", "1"], "S": [10, 20, 30, 40]},
                             "L": {"K": ["1", "2", "4"], "C": ["a", "b", "a"],
                                   "W": [1, 2, 4]}}, loose=["L"])
    sym = model.fields["K"].symbols
    mask = np.zeros(len(sym), dtype=bool)
    mask[sym.find_text("1")] = True
    state = SelectionState().with_field("K", mask)
    sets = SetEvaluator(model, state, NoSources(), DEFAULT_LOCALE)
    inf = inference(model, state)

    def value(text: str) -> float:
        return evaluate_scalar(model, inf, text, DEFAULT_LOCALE, sets)[1]

    assert value("Sum(S)") == 50
    assert value("Sum({1-$} S)") == 50
    assert value("Sum({$ + 1} S)") == 100
    assert value("Sum({-$} S) + Sum({$} S)") == value("Sum({1} S)")
    assert value("Count({1-$} DISTINCT K)") == 3  # 2, 3 (facts) and 2, 4 (L's K table)
    assert value("Count({$ * 1} DISTINCT K)") == 1
