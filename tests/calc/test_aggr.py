"""Aggr(): the help's worked examples, the rules for chart rows (DISTINCT, NODISTINCT,
grain mismatch), structured dimensions, sets, and a differential test against DuckDB's
nested GROUP BY over the differential star."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from associa.calc import HyperCube, evaluate_scalar
from associa.calc.sets import NoSources, SetEvaluator
from associa.errors import ExpressionError
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import SelectionState, inference
from associa.values import DEFAULT_LOCALE

# help "Aggr - chart function", "Examples": customers, products, unit sales and prices
HELP_ROWS: dict[str, list[Any]] = {
    "Customer": ["Astrida", "Astrida", "Astrida", "Betacab", "Betacab", "Betacab",
                 "Canutility", "Canutility", "Divadip", "Divadip"],
    "Product": ["AA", "AA", "BB", "BB", "CC", "DD", "AA", "CC", "AA", "DD"],
    "UnitSales": [4, 10, 9, 5, 2, 25, 8, None, 4, 1],
    "UnitPrice": [16, 15, 9, 10, 20, 25, 15, 19, 16, 25],
}


@pytest.fixture(scope="module")
def help_model() -> DataModel:
    return model_from_rows({"Sales": HELP_ROWS})


def scalar(model: DataModel, text: str, state: SelectionState | None = None) -> float | None:
    state = state or SelectionState()
    sets = SetEvaluator(model, state, NoSources(), DEFAULT_LOCALE)
    value, num = evaluate_scalar(model, inference(model, state), text, DEFAULT_LOCALE, sets)
    if value is None:
        return None
    return num if not math.isnan(num) else value  # type: ignore[return-value]


def table(model: DataModel, dims: list[str], measures: list[str],
          state: SelectionState | None = None, **extra: Any) -> tuple[list[list[Any]], list[Any]]:
    """The rows (dimension texts, measure texts; None for NULL) and the total row."""
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 20, "qHeight": 500}],
        **extra,
    }
    cube = HyperCube(model, inference(model, state or SelectionState()), definition,
                     DEFAULT_LOCALE)
    layout = cube.layout()
    for info in layout["qMeasureInfo"]:
        assert "qError" not in info, info
    rows = [[None if c.get("qIsNull") or c["qText"] == "-" else c["qText"] for c in row]
            for row in layout["qDataPages"][0]["qMatrix"]]
    total = [None if c["qText"] == "-" else c["qText"] for c in layout["qGrandTotalRow"]]
    return rows, total


def test_help_average_of_customer_sums(help_model: DataModel) -> None:
    # Astrida 295, Betacab 715, Canutility 120, Divadip 89
    assert scalar(help_model, "Avg(Aggr(Sum(UnitSales*UnitPrice), Customer))") == 304.75
    assert scalar(help_model, "Sum(Aggr(Sum(UnitSales*UnitPrice), Customer))") == 1219
    assert scalar(help_model, "Max(Aggr(Sum(UnitSales*UnitPrice), Customer))") == 715
    assert scalar(help_model, "Count(Aggr(If(Sum(UnitSales*UnitPrice) > 200, 1), Customer))") == 2
    assert scalar(help_model, "Avg(TOTAL Aggr(Sum(UnitSales*UnitPrice), Customer))") == 304.75
    assert scalar(help_model, "FirstSortedValue(Customer, -Aggr(Sum(UnitSales), Customer))") \
        == "Betacab"
    # the max of the per-customer, per-product sums
    assert scalar(help_model, "Max(Aggr(Sum(UnitSales*UnitPrice), Customer, Product))") == 625


def test_nodistinct_repeats_a_value_per_record(help_model: DataModel) -> None:
    """Help: with NODISTINCT and one dimension, "an array with the same number of
    elements as there are rows in the source data"."""
    assert scalar(help_model, "Count(Aggr(NODISTINCT Max(UnitPrice), Customer))") == 10
    assert scalar(help_model, "Count(Aggr(Max(UnitPrice), Customer))") == 4
    assert scalar(help_model, "Sum(Aggr(NODISTINCT Max(UnitPrice), Customer))") \
        == 3 * 16 + 3 * 25 + 2 * 19 + 2 * 25


def test_help_table_distinct_and_nodistinct(help_model: DataModel) -> None:
    """Help: by Customer and Product, Aggr(NODISTINCT Max(UnitPrice), Customer) shows the
    customer's highest price on every row; the DISTINCT Aggr shows it on the customer's
    first row only (the others get NULL, Only() of nothing)."""
    rows, total = table(help_model, ["Customer", "Product"],
                        ["Aggr(NODISTINCT Max(UnitPrice), Customer)",
                         "Aggr(Max(UnitPrice), Customer)"])
    assert rows == [
        ["Astrida", "AA", "16", "16"], ["Astrida", "BB", "16", None],
        ["Betacab", "BB", "25", "25"], ["Betacab", "CC", "25", None],
        ["Betacab", "DD", "25", None],
        ["Canutility", "AA", "19", "19"], ["Canutility", "CC", "19", None],
        ["Divadip", "AA", "25", "25"], ["Divadip", "DD", "25", None],
    ]
    assert total == [None, None]  # no aggregation around it: NULL over several values


def test_grain_mismatch_distinct_counts_a_row_once() -> None:
    """A chart by Month of an Aggr by Customer: DISTINCT puts each customer's value in the
    first month it has records in; NODISTINCT in every record's month."""
    model = model_from_rows({"T": {"Customer": ["A", "A", "B", "B", "C"],
                                   "Month": [1, 2, 1, 2, 2], "Sales": [10, 20, 5, 5, 7]}})
    rows, total = table(model, ["Month"], [
        "Sum(Aggr(Sum(Sales), Customer))",
        "Sum(Aggr(NODISTINCT Sum(Sales), Customer))",
        "Sum(Aggr(Sum(Sales), Customer, Month))",
        "Aggr(Sum(Sales), Month)",
        "Count(Aggr(Sum(Sales), Customer))",
    ])
    assert rows == [["1", "40", "40", "15", "15", "2"], ["2", "7", "47", "32", "32", "1"]]
    assert total == ["47", "87", "47", None, "3"]


def test_total_inside_refers_to_the_aggr_dimensions() -> None:
    model = model_from_rows({"T": {"Customer": ["A", "A", "B", "B"],
                                   "Month": [1, 2, 1, 2], "Sales": [10, 30, 20, 40]}})
    # each month's share of its customer's total, largest: 40 of 60 for B
    got = scalar(model, "Max(Aggr(Sum(Sales) / Sum(TOTAL <Customer> Sales), Customer, Month))")
    assert got == pytest.approx(0.75)  # A: 30 of 40
    assert scalar(model, "Max(Aggr(Sum(Sales) / Sum(TOTAL Sales), Customer, Month))") == 0.4


def test_set_applies_to_the_inner_aggregations(help_model: DataModel) -> None:
    got = scalar(help_model, "Sum(Aggr({<Product={'AA'}>} Sum(UnitSales), Customer))")
    assert got == 4 + 10 + 8 + 4
    # the virtual rows are the set's: customers without AA do not count
    assert scalar(help_model, "Count(Aggr({<Product={'AA'}>} Sum(UnitSales), Customer))") == 3
    # an inner aggregation's own set is merged with Aggr's, as an outer set
    got = scalar(help_model,
                 "Sum(Aggr({<Product={'AA'}>} Sum({<Customer={'Astrida'}>} UnitSales), Customer))")
    assert got == 14
    # a selection is replaced on the set's fields only
    astrida = _select(help_model, "Customer", ["Astrida"])
    assert scalar(help_model, "Sum(Aggr({<Product={'BB'}>} Sum(UnitSales), Customer))",
                  astrida) == 9
    assert scalar(help_model, "Sum(Aggr({1} Sum(UnitSales), Customer))", astrida) == 68


def test_outer_set_limits_the_virtual_rows(help_model: DataModel) -> None:
    """The outer aggregation's own set picks the virtual rows that count (those with
    records in it); the inner expression keeps the Aggr's records (the Design Blog, "Set
    Analysis in the Aggr function": the virtual table is made first, the outer
    aggregation then reads it with its own condition)."""
    # customers with AA: Astrida 23, Canutility 8, Divadip 5 (their sums over all products)
    assert scalar(help_model, "Sum({<Product={'AA'}>} Aggr(Sum(UnitSales), Customer))") == 36
    assert scalar(help_model, "Count({<Product={'DD'}>} Aggr(Sum(UnitSales), Customer))") == 2
    assert scalar(help_model, "Max({<Product={'CC'}>} Aggr(Sum(UnitSales), Customer))") == 32
    # the same set inside and outside: the inner sums read it too
    assert scalar(help_model,
                  "Sum({<Product={'DD'}>} Aggr({<Product={'DD'}>} Sum(UnitSales), Customer))") \
        == 26
    # NODISTINCT: the row's value once per record of the outer set
    assert scalar(help_model,
                  "Sum({<Product={'AA'}>} Aggr(NODISTINCT Sum(UnitSales), Customer))") \
        == 2 * 23 + 8 + 5
    # an outer set wider than the selection: the Aggr's rows are the selection's
    astrida = _select(help_model, "Customer", ["Astrida"])
    assert scalar(help_model, "Sum({<Customer=>} Aggr(Sum(UnitSales), Customer))",
                  astrida) == 23
    # in a chart, a virtual row counts in the first chart row of its outer-set records
    rows, total = table(help_model, ["Product"], [
        "Sum({<Product={'AA','DD'}>} Aggr(Sum(UnitSales), Customer))",
        "Sum({<Product={'AA','DD'}>} Aggr(NODISTINCT Sum(UnitSales), Customer))"])
    assert rows == [["AA", "36", "59"], ["BB", "0", "0"], ["CC", "0", "0"],
                    ["DD", "32", "37"]]
    assert total == ["68", "96"]


def test_sets_in_charts(help_model: DataModel) -> None:
    rows, total = table(help_model, ["Customer"], [
        "Sum(Aggr({<Product={'AA'}>} Sum(UnitSales), Customer, Product))",
        "Sum(UnitSales)",
    ])
    assert rows == [["Astrida", "14", "23"], ["Betacab", "0", "32"],
                    ["Canutility", "8", "8"], ["Divadip", "4", "5"]]
    assert total == ["26", "68"]


def test_structured_dimensions_order_the_virtual_rows(help_model: DataModel) -> None:
    """Sort criteria order the virtual rows (what reads rows in order sees it) and leave
    order-free results alone."""
    import numpy as np

    from associa.calc.aggr import virtual
    from associa.calc.aggregate import GroupScope
    from associa.calc.records import associate
    from associa.expr import parse

    names = {"Customer", "UnitSales"}
    records = associate(help_model, inference(help_model, SelectionState()), names, names)
    scope = GroupScope(help_model, records, np.zeros(records.n, dtype=np.intp), 1,
                       DEFAULT_LOCALE)
    symbols = help_model.fields["Customer"].symbols

    def order(dim: str) -> list[str]:
        call = parse(f"Aggr(Sum(UnitSales), {dim})")
        assert not isinstance(call, str)
        virt = virtual(scope, call)  # type: ignore[arg-type]
        first = np.full(virt.n, -1)
        first[virt.key[::-1]] = np.arange(records.n)[::-1]
        codes = records.codes("Customer").materialize()[first]
        return [symbols.text(int(c)) for c in codes]

    load = ["Astrida", "Betacab", "Canutility", "Divadip"]
    assert order("Customer") == load
    assert order("(Customer, (TEXT, Z2A))") == load[::-1]
    assert order("(Customer, (LOAD_ORDER, ORIGINAL))") == load
    assert order("(Customer, (LOAD_ORDER, REVERSE))") == load[::-1]
    assert order("(Customer, (FREQUENCY, DESCENDING))") == ["Astrida", "Betacab", "Canutility",
                                                             "Divadip"]
    assert order("(Customer, (FREQUENCY, ASCENDING))") == ["Canutility", "Divadip", "Astrida",
                                                            "Betacab"]
    for dim in ("(Customer, (TEXT, DESCENDING))", "(Customer, (NUMERIC, ASCENDING))"):
        assert scalar(help_model, f"Sum(Aggr(Sum(UnitSales), {dim}))") == 68
        assert scalar(help_model, f"Max(Aggr(Sum(UnitSales), {dim}, Product))") == 25


def test_aggr_errors(help_model: DataModel) -> None:
    with pytest.raises(ExpressionError, match="must be a field"):
        scalar(help_model, "Sum(Aggr(Sum(UnitSales), Customer & Product))")
    with pytest.raises(ExpressionError, match="Field not found"):
        scalar(help_model, "Sum(Aggr(Sum(UnitSales), Nowhere))")
    rows, _ = table(help_model, ["Customer"], ["Sum(Aggr(Sum(UnitSales), Customer))"])
    assert rows[0] == ["Astrida", "23"]
    with pytest.raises(ExpressionError, match=r"aggregate each Aggr\(\) on its own"):
        scalar(help_model,
               "Sum(Aggr(Sum(UnitSales), Customer) + Aggr(Sum(UnitSales), Product))")


def test_nested_aggr(help_model: DataModel) -> None:
    # the largest per-customer maximum of per-product sums
    got = scalar(help_model,
                 "Max(Aggr(Max(Aggr(Sum(UnitSales), Customer, Product)), Customer))")
    assert got == 25
    got = scalar(help_model,
                 "Sum(Aggr(Max(Aggr(Sum(UnitSales), Customer, Product)), Customer))")
    assert got == 14 + 25 + 8 + 4


def _select(model: DataModel, name: str, texts: list[str]) -> SelectionState:
    import numpy as np
    symbols = model.fields[name].symbols
    mask = np.zeros(len(symbols), dtype=bool)
    for t in texts:
        idx = symbols.find_text(t)
        assert idx is not None
        mask[idx] = True
    return SelectionState().with_field(name, mask)


# -- differential against DuckDB ------------------------------------------------------

duckdb = pytest.importorskip("duckdb")

from tests.calc.test_differential import (  # noqa: E402
    CORNER_SELECTIONS,
    Selection,
    Star,
    build_star,
    random_selections,
    selection_id,
    selection_state,
    where_clause,
)

DIFF_SELECTIONS = CORNER_SELECTIONS + random_selections(10)
FACT_OR_CUSTOMER = "(has_fact OR has_cust)"

# (expression, SQL over the filtered rows ``sel``, rows taking part)
SCALARS: list[tuple[str, str, str]] = [
    ("Sum(Aggr(Sum(Sales), Category, Segment))",
     "SELECT COALESCE(SUM(s), 0) FROM (SELECT COALESCE(SUM(Sales), 0) s FROM sel "
     "GROUP BY Category, Segment)", "TRUE"),
    ("Max(Aggr(Sum(Sales), CustomerID))",
     "SELECT MAX(s) FROM (SELECT COALESCE(SUM(Sales), 0) s FROM sel GROUP BY CustomerID)",
     FACT_OR_CUSTOMER),
    ("Avg(Aggr(Count(DISTINCT ProductID), CustomerID))",
     "SELECT AVG(c) FROM (SELECT COUNT(DISTINCT ProductID) c FROM sel GROUP BY CustomerID)",
     "TRUE"),
    ("Count(Aggr(If(Sum(Sales) > 1000, 1), CustomerID))",
     "SELECT COUNT(*) FROM (SELECT COALESCE(SUM(Sales), 0) s FROM sel GROUP BY CustomerID) "
     "WHERE s > 1000", FACT_OR_CUSTOMER),
    ("Min(Aggr(Count(OrderID), Country, Segment))",
     "SELECT MIN(c) FROM (SELECT COUNT(OrderID) c FROM sel GROUP BY Country, Segment)",
     FACT_OR_CUSTOMER),
]


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Star:
    return build_star(Path(tmp_path_factory.mktemp("aggr")))


def _sql(star: Star, sel: Selection, query: str, present: str) -> float | None:
    where, params = where_clause(sel)
    full = f"WITH sel AS (SELECT * FROM universe WHERE ({where}) AND {present}) {query}"
    value = star.db.execute(full, params).fetchone()[0]
    return None if value is None else float(value)


@pytest.mark.slow
@pytest.mark.parametrize("sel", DIFF_SELECTIONS, ids=selection_id)
def test_aggr_scalars_equal_sql(star: Star, sel: Selection) -> None:
    state = selection_state(star.model, sel)
    for text, query, present in SCALARS:
        got = scalar(star.model, text, state)
        want = _sql(star, sel, query, present)
        if want is None:
            assert got is None, (text, sel)
        else:
            assert got == pytest.approx(want), (text, sel)


@pytest.mark.slow
@pytest.mark.parametrize("sel", DIFF_SELECTIONS[:8], ids=selection_id)
def test_aggr_with_set_equals_sql(star: Star, sel: Selection) -> None:
    state = selection_state(star.model, sel)
    text = "Max(Aggr({<Category={'Toys', 'Books'}>} Sum(Sales), CustomerID))"
    got = scalar(star.model, text, state)
    other = {k: v for k, v in sel.items() if k != "Category"}
    where, params = where_clause(other)
    want = star.db.execute(
        f"SELECT MAX(s) FROM (SELECT COALESCE(SUM(Sales), 0) s FROM universe WHERE ({where}) "
        "AND Category IN ('Toys', 'Books') GROUP BY CustomerID)", params).fetchone()[0]
    if want is None:
        assert got is None
    else:
        assert got == pytest.approx(float(want))


@pytest.mark.slow
@pytest.mark.parametrize("sel", DIFF_SELECTIONS, ids=selection_id)
def test_aggr_in_a_chart_by_country_equals_sql(star: Star, sel: Selection) -> None:
    state = selection_state(star.model, sel)
    rows, total = table(star.model, ["Country"], [
        "Sum(Aggr(Sum(Sales), Country, CustomerID))",
        "Max(Aggr(Sum(Sales), Country, CustomerID))",
        "Aggr(Sum(Sales), Country)",
    ], state)
    got = {r[0]: [None if v is None else float(v.replace(",", "")) for v in r[1:]]
           for r in rows}
    where, params = where_clause(sel)
    query = (f"WITH sel AS (SELECT * FROM universe WHERE ({where}) AND {FACT_OR_CUSTOMER}), "
             "per AS (SELECT Country, CustomerID, COALESCE(SUM(Sales), 0) s FROM sel "
             "GROUP BY Country, CustomerID) "
             "SELECT Country, SUM(s), MAX(s) FROM per GROUP BY Country")
    want = {r[0]: [float(r[1]), float(r[2]), float(r[1])]
            for r in star.db.execute(query, params).fetchall()}
    assert set(got) == set(want), sel
    for key, values in want.items():
        assert got[key] == pytest.approx(values), (key, sel)


@pytest.mark.slow
@pytest.mark.parametrize("sel", DIFF_SELECTIONS, ids=selection_id)
def test_calculated_dimension_equals_sql(star: Star, sel: Selection) -> None:
    state = selection_state(star.model, sel)
    rows, _ = table(star.model, ["=If(Quantity > 5, 'many', 'few')"],
                    ["Sum(Sales)", "Count(OrderID)"], state)
    got = {r[0]: [float(v.replace(",", "")) for v in r[1:]] for r in rows}
    where, params = where_clause(sel)
    query = (f"SELECT CASE WHEN Quantity > 5 THEN 'many' ELSE 'few' END k, "
             f"COALESCE(SUM(Sales), 0), COUNT(OrderID) FROM universe WHERE ({where}) "
             "AND has_fact GROUP BY k")
    want = {r[0]: [float(r[1]), float(r[2])] for r in star.db.execute(query, params).fetchall()}
    assert set(got) == set(want), sel
    for key, values in want.items():
        assert got[key] == pytest.approx(values), (key, sel)
