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

    names = {"Customer", "UnitSales", "Product", "UnitPrice"}
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
    # without an ordering: the sort type's first in the help's table
    assert order("(Customer, (TEXT))") == load
    assert order("(Customer, (FREQUENCY))") == ["Astrida", "Betacab", "Canutility", "Divadip"]
    # nested: by the first of another field's sorted values among the customer's records
    # (the least product text: Astrida AA, Betacab BB, Canutility AA, Divadip AA; ties
    # by load order)
    assert order("(Customer, (Product, (TEXT, ASCENDING)))") == ["Astrida", "Canutility",
                                                                  "Divadip", "Betacab"]
    # the greatest product text: BB, DD, CC, DD
    assert order("(Customer, (Product, (TEXT, Z2A)))") == ["Betacab", "Divadip",
                                                            "Canutility", "Astrida"]
    # the highest price: 16, 25, 19, 25
    assert order("(Customer, (UnitPrice, (NUMERIC, DESCENDING)))") == [
        "Betacab", "Divadip", "Canutility", "Astrida"]
    # two levels: Customer by Product by the product's lowest price (AA 15, BB 9,
    # CC 19, DD 25): Astrida (BB 9), Betacab (BB 9), Canutility (AA 15), Divadip (AA 15)
    assert order("(Customer, (Product, (UnitPrice, (NUMERIC))))") == load
    assert order("(Customer, (Product, (UnitPrice, (NUMERIC, DESCENDING))))") == [
        "Betacab", "Divadip", "Canutility", "Astrida"]
    for dim in ("(Customer, (TEXT, DESCENDING))", "(Customer, (NUMERIC, ASCENDING))",
                "(Customer, (Product, (NUMERIC, ASCENDING)))"):
        assert scalar(help_model, f"Sum(Aggr(Sum(UnitSales), {dim}))") == 68
        assert scalar(help_model, f"Max(Aggr(Sum(UnitSales), {dim}, Product))") == 25


def test_aggr_errors(help_model: DataModel) -> None:
    with pytest.raises(ExpressionError, match="must be a field"):
        scalar(help_model, "Sum(Aggr(Sum(UnitSales), Customer & Product))")
    with pytest.raises(ExpressionError, match="Field not found"):
        scalar(help_model, "Sum(Aggr(Sum(UnitSales), Nowhere))")
    rows, _ = table(help_model, ["Customer"], ["Sum(Aggr(Sum(UnitSales), Customer))"])
    assert rows[0] == ["Astrida", "23"]
    # NODISTINCT Aggr calls over different records (sets) in one aggregation: refused
    with pytest.raises(ExpressionError, match=r"different set expressions"):
        scalar(help_model, "Sum(Aggr({<Product={'AA'}>} NODISTINCT Sum(UnitSales), Customer) "
                           "+ Aggr(Sum(UnitSales), Customer, Product))")
    with pytest.raises(ExpressionError, match=r"outside the Aggr"):
        scalar(help_model, "Sum(UnitPrice * Aggr({<Product={'AA'}>} Sum(UnitSales), Customer) "
                           "+ Aggr(Sum(UnitSales), Customer, Product))")


def test_aggr_calls_over_different_sets(help_model: DataModel) -> None:
    """Calls reading different sets meet on the combinations any of their sets holds,
    a call giving NULL where its set has none. Sums of UnitSales per customer: of AA,
    Astrida 14, Canutility 8, Divadip 4; of BB, Astrida 9, Betacab 5."""
    aa = "Aggr({<Product={'AA'}>} Sum(UnitSales), Customer)"
    bb = "Aggr({<Product={'BB'}>} Sum(UnitSales), Customer)"
    assert scalar(help_model, f"Sum({aa} - {bb})") == 14 - 9  # only Astrida has both
    assert scalar(help_model, f"Count({aa} - {bb})") == 1
    assert scalar(help_model, f"Sum(RangeSum({aa}, -{bb}))") == 5 + 8 + 4 - 5
    # different dimensions too: each (customer, product) of either set; the AA sum of
    # its customer times its count of UnitSales over every record (Canutility CC: 0)
    got = scalar(help_model, f"Sum({aa} * Aggr({{1}} Count(UnitSales), Customer, Product))")
    assert got == 14 * 2 + 14 * 1 + 8 * 1 + 8 * 0 + 4 * 1 + 4 * 1
    rows, total = table(help_model, ["Customer"], [f"Sum({aa} - {bb})", f"Count({aa} - {bb})"])
    assert rows == [["Astrida", "5", "1"], ["Betacab", "0", "0"], ["Canutility", "0", "0"],
                    ["Divadip", "0", "0"]]
    assert total == ["5", "1"]


def test_nested_aggr(help_model: DataModel) -> None:
    # the largest per-customer maximum of per-product sums
    got = scalar(help_model,
                 "Max(Aggr(Max(Aggr(Sum(UnitSales), Customer, Product)), Customer))")
    assert got == 25
    got = scalar(help_model,
                 "Sum(Aggr(Max(Aggr(Sum(UnitSales), Customer, Product)), Customer))")
    assert got == 14 + 25 + 8 + 4


def test_several_aggr_calls_over_different_dimensions(help_model: DataModel) -> None:
    """The outer aggregation iterates over the finest grain, the (customer, product)
    combinations of the records: Astrida AA, Astrida BB, Betacab BB, Betacab CC, Betacab
    DD, Canutility AA, Canutility CC, Divadip AA, Divadip DD; each Aggr gives its own row's
    value there (customer sums 23, 32, 8, 5; product sums AA 26, BB 14, CC 2, DD 26)."""
    # 23+26, 23+14, 32+14, 32+2, 32+26, 8+26, 8+2, 5+26, 5+26
    got = scalar(help_model, "Sum(Aggr(Sum(UnitSales), Customer) + Aggr(Sum(UnitSales), Product))")
    assert got == 330
    assert scalar(help_model,
                  "Count(Aggr(Sum(UnitSales), Customer) + Aggr(Sum(UnitSales), Product))") == 9
    # per-customer sums times the per-(customer, product) counts of UnitSales:
    # 23*2 + 23*1 + 32*(1+1+1) + 8*1 + 8*0 + 5*1 + 5*1
    got = scalar(help_model, "Sum(Aggr(Sum(UnitSales), Customer) "
                             "* Aggr(Count(UnitSales), Customer, Product))")
    assert got == 183
    # 9, 14, 27, 30, 7, 0, 8, 1, 4 over 9 rows
    got = scalar(help_model, "Avg(Aggr(Sum(UnitSales), Customer) "
                             "- Aggr(Sum(UnitSales), Customer, Product))")
    assert got == pytest.approx(100 / 9)
    # the argument order does not matter
    assert scalar(help_model, "Sum(Aggr(Sum(UnitSales), Customer, Product) "
                              "+ Aggr(Sum(UnitSales), Product, Customer))") == 2 * 68
    # in a chart the finest rows go to the chart row of their records
    rows, total = table(help_model, ["Product"], [
        "Sum(Aggr(Sum(UnitSales), Customer) + Aggr(Sum(UnitSales), Product))"])
    assert rows == [["AA", "114"], ["BB", "83"], ["CC", "44"], ["DD", "89"]]
    assert total == ["330"]
    rows, total = table(help_model, ["Customer"], [
        "Sum(Aggr(Sum(UnitSales), Customer) + Aggr(Sum(UnitSales), Product))"])
    assert rows == [["Astrida", "86"], ["Betacab", "138"], ["Canutility", "44"],
                    ["Divadip", "62"]]
    assert total == ["330"]
    # an outer set keeps the finest rows its records reach: Astrida AA, Canutility AA,
    # Divadip AA
    assert scalar(help_model, "Sum({<Product={'AA'}>} Aggr(Sum(UnitSales), Customer) "
                              "+ Aggr(Sum(UnitSales), Product))") == 49 + 34 + 31


def test_nodistinct_among_several_aggr_calls_counts_each_record(help_model: DataModel) -> None:
    """One NODISTINCT call makes the records the grain: each record takes every call's
    value of the rows holding it."""
    # Astrida AA twice (49), BB 37; Betacab 46, 34, 58; Canutility 34, 10; Divadip 31, 31
    got = scalar(help_model, "Sum(Aggr(NODISTINCT Sum(UnitSales), Customer) "
                             "+ Aggr(Sum(UnitSales), Product))")
    assert got == 2 * 49 + 37 + 46 + 34 + 58 + 34 + 10 + 31 + 31
    # the same dimensions, DISTINCT and NODISTINCT: twice each customer's sum per record
    got = scalar(help_model, "Sum(Aggr(NODISTINCT Sum(UnitSales), Customer) "
                             "+ Aggr(Sum(UnitSales), Customer))")
    assert got == 3 * 46 + 3 * 64 + 2 * 16 + 2 * 10
    assert scalar(help_model, "Count(Aggr(NODISTINCT Sum(UnitSales), Customer) "
                              "* Aggr(Sum(UnitSales), Customer, Product))") == 10


MONTHS: dict[str, list[Any]] = {  # loaded out of order: 3, 1, 2, 5, 4
    "Month": [3, 1, 2, 5, 4, 1, 3],
    "MonthName": ["Mar", "Jan", "Feb", "May", "Apr", "Jan", "Mar"],
    "Sales": [30, 10, 20, 50, 40, 1, 3],
}


def test_inter_record_functions_read_the_virtual_rows_in_order() -> None:
    """``expr``'s Above/RowNo read the virtual rows in their order: the structured
    dimensions' (help "Adding sorting criteria to the dimension in the structured
    parameter"), else the load order. Month sums: 1: 11, 2: 20, 3: 33, 4: 40, 5: 50."""
    model = model_from_rows({"T": MONTHS})
    rolling = "RangeSum(Above(Sum(Sales), 0, 3))"
    # load order 33, 11, 20, 50, 40: 33 + 44 + 64 + 81 + 110
    assert scalar(model, f"Sum(Aggr({rolling}, Month))") == 332
    # 11, 20, 33, 40, 50: 11 + 31 + 64 + 93 + 123
    assert scalar(model, f"Sum(Aggr({rolling}, (Month, (NUMERIC, ASCENDING))))") == 322
    assert scalar(model, f"Sum(Aggr({rolling}, (Month, (NUMERIC))))") == 322
    # 50, 40, 33, 20, 11: 50 + 90 + 123 + 93 + 64
    assert scalar(model, f"Sum(Aggr({rolling}, (Month, (NUMERIC, DESCENDING))))") == 420
    # month names by their month numbers: as NUMERIC, ASCENDING
    assert scalar(model, f"Sum(Aggr({rolling}, (MonthName, (Month, (NUMERIC, ASCENDING)))))") \
        == 322
    # alphabetically Apr 40, Feb 20, Jan 11, Mar 33, May 50: 40 + 60 + 71 + 64 + 94
    assert scalar(model, f"Sum(Aggr({rolling}, (MonthName, (TEXT, A2Z))))") == 329
    # order-free results do not change
    assert scalar(model, "Sum(Aggr(Sum(Sales), (MonthName, (Month, (NUMERIC, REVERSE)))))") \
        == 154


def test_inter_record_functions_in_aggr_segments() -> None:
    """With several dimensions the column segments are the rows sharing all but the last
    (running totals per customer, as in a straight table)."""
    model = model_from_rows({"T": {"Customer": ["B", "A", "A", "B", "A", "B"],
                                   "Month": [2, 1, 3, 1, 2, 3],
                                   "Sales": [5, 1, 4, 2, 3, 6]}})
    by = "(Customer, (TEXT, ASCENDING)), (Month, (NUMERIC, ASCENDING))"
    # A: 1, 1+3, 1+3+4; B: 2, 2+5, 2+5+6
    assert scalar(model, f"Sum(Aggr(RangeSum(Above(Sum(Sales), 0, RowNo())), {by}))") == 35
    # TOTAL: one segment, 1, 4, 8, 10, 15, 21
    assert scalar(model, "Sum(Aggr(RangeSum(Above(TOTAL Sum(Sales), 0, RowNo(TOTAL))), "
                         f"{by}))") == 59
    # B 2*1 + 5*2 + 6*3, A 1*1 + 3*2 + 4*3
    assert scalar(model, f"Sum(Aggr(RowNo() * Sum(Sales), {by}))") == 30 + 19
    # load order: B (2, 1, 3), A (2, 1, 3): B 5*1 + 2*2 + 6*3, A 3*1 + 1*2 + 4*3
    assert scalar(model, "Sum(Aggr(RowNo() * Sum(Sales), Customer, Month))") == 27 + 17
    assert scalar(model, "Sum(Aggr(NoOfRows(), Customer, Month))") == 18
    # in a chart
    rows, total = table(model, ["Customer"], [
        "Sum(Aggr(RangeSum(Above(Sum(Sales), 0, 2)), Customer, (Month, (NUMERIC, ASCENDING))))"])
    assert rows == [["B", "20"], ["A", "12"]]  # B: 2, 7, 11; A: 1, 4, 7
    assert total == ["32"]


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
    _scalars_equal_sql(star, sel, SCALARS)


def _scalars_equal_sql(star: Star, sel: Selection, cases: list[tuple[str, str, str]]) -> None:
    """Each (expression, SQL over ``sel``, which rows of the universe count) agrees."""
    state = selection_state(star.model, sel)
    for text, query, present in cases:
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
@pytest.mark.parametrize("sel", DIFF_SELECTIONS[:8], ids=selection_id)
def test_aggr_calls_over_different_sets_equal_sql(star: Star, sel: Selection) -> None:
    """The change per country from one segment to another: a full outer join of the two
    sets' per-country sums, the countries both reach counted."""
    state = selection_state(star.model, sel)
    text = ("Sum(Aggr({<Segment={'Consumer'}>} Sum(Sales), Country) "
            "- Aggr({<Segment={'Corporate'}>} Sum(Sales), Country))")
    got = scalar(star.model, text, state)
    other = {k: v for k, v in sel.items() if k != "Segment"}
    where, params = where_clause(other)

    def per_country(segment: str) -> str:
        return (f"SELECT Country, COALESCE(SUM(Sales), 0) AS s FROM universe WHERE ({where}) "
                f"AND Segment = '{segment}' GROUP BY Country")

    want = star.db.execute(
        f"SELECT SUM(a.s - b.s) FROM ({per_country('Consumer')}) AS a JOIN "
        f"({per_country('Corporate')}) AS b ON a.Country IS NOT DISTINCT FROM b.Country",
        params + params).fetchone()[0]
    assert got == pytest.approx(0.0 if want is None else float(want)), sel


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


# several Aggr calls over different dimensions in one aggregation: the SQL joins each
# call's GROUP BY on the finest grain's rows (DISTINCT: the distinct combinations of all
# the dimensions in ``sel``; a NODISTINCT call: ``sel``'s records themselves); NULL
# dimension values are rows of their own (IS NOT DISTINCT FROM)
def _on(*fields: str, left: str = "g", right: str) -> str:
    return " AND ".join(f"{left}.{f} IS NOT DISTINCT FROM {right}.{f}" for f in fields)


SEVERAL: list[tuple[str, str, str]] = [
    ("Sum(Aggr(Sum(Sales), CustomerID) * Aggr(Count(OrderID), CustomerID, ProductID))",
     "SELECT COALESCE(SUM(c.s * g.n), 0) FROM "
     "(SELECT CustomerID, ProductID, COUNT(OrderID) n FROM sel GROUP BY ALL) g JOIN "
     "(SELECT CustomerID, COALESCE(SUM(Sales), 0) s FROM sel GROUP BY ALL) c "
     f"ON {_on('CustomerID', right='c')}", "TRUE"),
    ("Avg(Aggr(Sum(Sales), Country) - Aggr(Sum(Quantity), Country, Segment))",
     "SELECT AVG(c.s - g.q) FROM "
     "(SELECT Country, Segment, COALESCE(SUM(Quantity), 0) q FROM sel GROUP BY ALL) g JOIN "
     "(SELECT Country, COALESCE(SUM(Sales), 0) s FROM sel GROUP BY ALL) c "
     f"ON {_on('Country', right='c')}", FACT_OR_CUSTOMER),
    ("Max(Aggr(Sum(Sales), Category) / Aggr(Sum(Sales), Category, Brand))",
     "SELECT MAX(c.s / NULLIF(g.s, 0)) FROM "
     "(SELECT Category, Brand, COALESCE(SUM(Sales), 0) s FROM sel GROUP BY ALL) g JOIN "
     "(SELECT Category, COALESCE(SUM(Sales), 0) s FROM sel GROUP BY ALL) c "
     f"ON {_on('Category', right='c')}", "(has_fact OR has_prod)"),
    ("Count(Aggr(Sum(Sales), Segment, Category) + Aggr(Max(Quantity), Category, Brand))",
     "SELECT COUNT(a.s + b.m) FROM (SELECT DISTINCT Segment, Category, Brand FROM sel) g "
     "JOIN (SELECT Segment, Category, COALESCE(SUM(Sales), 0) s FROM sel GROUP BY ALL) a "
     f"ON {_on('Segment', 'Category', right='a')} "
     "JOIN (SELECT Category, Brand, MAX(Quantity) m FROM sel GROUP BY ALL) b "
     f"ON {_on('Category', 'Brand', right='b')}", "TRUE"),
    ("Sum(Aggr(NODISTINCT Sum(Sales), CustomerID) + Aggr(Count(OrderID), CustomerID, "
     "ProductID))",
     "SELECT COALESCE(SUM(c.s + p.n), 0) FROM sel g "
     "JOIN (SELECT CustomerID, COALESCE(SUM(Sales), 0) s FROM sel GROUP BY ALL) c "
     f"ON {_on('CustomerID', right='c')} "
     "JOIN (SELECT CustomerID, ProductID, COUNT(OrderID) n FROM sel GROUP BY ALL) p "
     f"ON {_on('CustomerID', 'ProductID', right='p')}", "TRUE"),
]


@pytest.mark.slow
@pytest.mark.parametrize("sel", DIFF_SELECTIONS, ids=selection_id)
def test_several_aggr_calls_equal_sql(star: Star, sel: Selection) -> None:
    _scalars_equal_sql(star, sel, SEVERAL)


@pytest.mark.slow
@pytest.mark.parametrize("sel", DIFF_SELECTIONS, ids=selection_id)
def test_several_aggr_calls_in_a_chart_equal_sql(star: Star, sel: Selection) -> None:
    """By Country: the (Country, CustomerID) rows each in their country's chart row; the
    NODISTINCT one, each record in its own."""
    state = selection_state(star.model, sel)
    rows, total = table(star.model, ["Country"], [
        "Sum(Aggr(Sum(Sales), Country) * Aggr(Count(OrderID), Country, CustomerID))",
        "Sum(Aggr(NODISTINCT Sum(Quantity), Country) - Aggr(Count(OrderID), Country, "
        "Segment))",
    ], state)
    got = {r[0]: [float(v.replace(",", "")) for v in r[1:]] for r in rows}
    where, params = where_clause(sel)
    ctes = (f"WITH sel AS (SELECT * FROM universe WHERE ({where}) AND {FACT_OR_CUSTOMER}), "
            "c AS (SELECT Country, COALESCE(SUM(Sales), 0) s, COALESCE(SUM(Quantity), 0) q "
            "FROM sel GROUP BY ALL), "
            "cc AS (SELECT Country, CustomerID, COUNT(OrderID) n FROM sel GROUP BY ALL), "
            "cs AS (SELECT Country, Segment, COUNT(OrderID) n FROM sel GROUP BY ALL), "
            "one AS (SELECT cc.Country, c.s * cc.n v FROM cc JOIN c "
            f"ON {_on('Country', left='cc', right='c')}), "
            "two AS (SELECT sel.Country, c.q - cs.n v FROM sel JOIN c "
            f"ON {_on('Country', left='sel', right='c')} JOIN cs "
            f"ON {_on('Country', 'Segment', left='sel', right='cs')}) ")
    query = (ctes + "SELECT k, SUM(a), SUM(b) FROM (SELECT Country k, v a, 0 b FROM one "
             "UNION ALL SELECT Country, 0, v FROM two) GROUP BY k")
    want = {r[0]: [float(r[1]), float(r[2])] for r in star.db.execute(query, params).fetchall()}
    assert set(got) == set(want), sel
    for key, values in want.items():
        assert got[key] == pytest.approx(values), (key, sel)
    totals = star.db.execute(ctes + "SELECT (SELECT COALESCE(SUM(v), 0) FROM one), "
                             "(SELECT COALESCE(SUM(v), 0) FROM two)", params).fetchone()
    assert [float(t.replace(",", "")) for t in total] == pytest.approx(
        [float(totals[0]), float(totals[1])]), sel


# -- several Aggr calls and sorted virtual rows over small random apps ------------------

SMALL_SEEDS = range(12)
SMALL_FIELDS = {"A": ["a", "b", "c", "d", "e"], "B": ["p", "q", "r"], "C": ["x", "y"],
                "D": [1, 2, 3, 4, 5, 6]}


def _small_rows(seed: int) -> dict[str, list[Any]]:
    """One table of 20-60 rows: dimensions A, B, C (texts), D (numbers) with some NULLs,
    measures X, Y (whole numbers, some NULL)."""
    import numpy as np

    rng = np.random.default_rng(7000 + seed)
    n = int(rng.integers(20, 61))
    rows: dict[str, list[Any]] = {}
    for name, domain in SMALL_FIELDS.items():
        picks = rng.integers(0, len(domain), n)
        nulls = rng.random(n) < 0.12
        rows[name] = [None if z else domain[int(i)] for i, z in zip(picks, nulls, strict=True)]
    for name in ("X", "Y"):
        values = rng.integers(-5, 30, n)
        nulls = rng.random(n) < 0.15
        rows[name] = [None if z else int(v) for v, z in zip(values, nulls, strict=True)]
    return rows


def _small_selections(seed: int) -> list[Selection]:
    import numpy as np

    rng = np.random.default_rng(8000 + seed)
    out: list[Selection] = [{}]
    for _ in range(2):
        sel: Selection = {}
        for name in rng.choice(list(SMALL_FIELDS), int(rng.integers(1, 3)), replace=False):
            domain = SMALL_FIELDS[str(name)]
            k = int(rng.integers(1, len(domain)))
            sel[str(name)] = [domain[int(i)] for i in sorted(rng.choice(len(domain), k,
                                                                          replace=False))]
        out.append(sel)
    return out


_SMALL: dict[int, tuple[DataModel, Any]] = {}


def _small_app(seed: int) -> tuple[DataModel, Any]:
    """The app (model_from_rows) and the same rows in DuckDB (``t``, with ``rn``: the row
    number, for the load order of the values)."""
    if seed not in _SMALL:
        rows = _small_rows(seed)
        model = model_from_rows({"T": rows})
        db = duckdb.connect()
        db.execute("CREATE TABLE t (rn INTEGER, A VARCHAR, B VARCHAR, C VARCHAR, D INTEGER, "
                   "X INTEGER, Y INTEGER)")
        names = list(rows)
        db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [[i, *(rows[k][i] for k in names)] for i in range(len(rows["X"]))])
        _SMALL[seed] = (model, db)
    return _SMALL[seed]


def _small_state(model: DataModel, sel: Selection) -> SelectionState:
    import numpy as np

    state = SelectionState()
    for name, values in sel.items():
        symbols = model.fields[name].symbols
        mask = np.zeros(len(symbols), dtype=bool)
        for v in values:
            idx = symbols.find_number(float(v)) if name == "D" else symbols.find_text(v)
            if idx is not None:
                mask[idx] = True
        state = state.with_field(name, mask)
    return state


def _grain(keys: str, *parts: tuple[str, str, str]) -> str:
    """SQL: the distinct ``keys`` combinations of ``sel`` joined to each part (alias,
    its GROUP BY query, the fields it is joined on)."""
    joins = " ".join(f"JOIN ({q}) {a} ON {_on(*f.split(','), right=a)}" for a, q, f in parts)
    return f"(SELECT DISTINCT {keys} FROM sel) g {joins}"


def _per(fields: str, agg: str) -> str:
    return f"SELECT {fields}, {agg} v FROM sel GROUP BY ALL"


SMALL: list[tuple[str, str]] = [
    ("Sum(Aggr(Sum(X), A) * Aggr(Count(Y), A, B))",
     "SELECT COALESCE(SUM(a.v * b.v), 0) FROM "
     + _grain("A, B", ("a", _per("A", "COALESCE(SUM(X), 0)"), "A"),
              ("b", _per("A, B", "COUNT(Y)"), "A,B"))),
    ("Avg(Aggr(Sum(X), A) - Aggr(Sum(Y), A, B))",
     "SELECT AVG(a.v - b.v) FROM "
     + _grain("A, B", ("a", _per("A", "COALESCE(SUM(X), 0)"), "A"),
              ("b", _per("A, B", "COALESCE(SUM(Y), 0)"), "A,B"))),
    ("Count(Aggr(Sum(X), A, B) + Aggr(Max(Y), B, C))",
     "SELECT COUNT(a.v + b.v) FROM "
     + _grain("A, B, C", ("a", _per("A, B", "COALESCE(SUM(X), 0)"), "A,B"),
              ("b", _per("B, C", "MAX(Y)"), "B,C"))),
    ("Max(Aggr(Sum(X), B) + Aggr(Min(Y), C))",
     "SELECT MAX(a.v + b.v) FROM "
     + _grain("B, C", ("a", _per("B", "COALESCE(SUM(X), 0)"), "B"),
              ("b", _per("C", "MIN(Y)"), "C"))),
    ("Sum(Aggr(NODISTINCT Sum(X), A) + Aggr(Sum(Y), A, B))",
     "SELECT COALESCE(SUM(a.v + b.v), 0) FROM sel g "
     f"JOIN ({_per('A', 'COALESCE(SUM(X), 0)')}) a ON {_on('A', right='a')} "
     f"JOIN ({_per('A, B', 'COALESCE(SUM(Y), 0)')}) b ON {_on('A', 'B', right='b')}"),
    ("Sum(Aggr(NODISTINCT Max(X), C) * Aggr(Count(DISTINCT B), C))",
     "SELECT COALESCE(SUM(a.v * b.v), 0) FROM sel g "
     f"JOIN ({_per('C', 'MAX(X)')}) a ON {_on('C', right='a')} "
     f"JOIN ({_per('C', 'COUNT(DISTINCT B)')}) b ON {_on('C', right='b')}"),
    # the virtual rows in order: a window over the sorted per-row sums (NULL last)
    ("Sum(Aggr(RangeSum(Above(Sum(X), 0, 2)), (A, (TEXT, DESCENDING))))",
     "SELECT COALESCE(SUM(w), 0) FROM (SELECT SUM(v) OVER (ORDER BY A DESC NULLS LAST "
     f"ROWS 1 PRECEDING) w FROM ({_per('A', 'COALESCE(SUM(X), 0)')}))"),
    ("Sum(Aggr(RangeSum(Above(Sum(X), 0, 3)), (D, (NUMERIC, ASCENDING))))",
     "SELECT COALESCE(SUM(w), 0) FROM (SELECT SUM(v) OVER (ORDER BY D NULLS LAST "
     f"ROWS 2 PRECEDING) w FROM ({_per('D', 'COALESCE(SUM(X), 0)')}))"),
    # running totals per A over D (segments: all dimensions but the last)
    ("Sum(Aggr(RangeSum(Above(Sum(X), 0, RowNo())), (A, (TEXT, ASCENDING)), "
     "(D, (NUMERIC, DESCENDING))))",
     "SELECT COALESCE(SUM(w), 0) FROM (SELECT SUM(v) OVER (PARTITION BY A ORDER BY D DESC "
     f"NULLS LAST ROWS UNBOUNDED PRECEDING) w FROM ({_per('A, D', 'COALESCE(SUM(X), 0)')}))"),
    # nested: A's values ordered by the least D among their records, then by load order
    # (NULL A last)
    ("Sum(Aggr(RowNo() * Sum(X), (A, (D, (NUMERIC, ASCENDING)))))",
     "SELECT COALESCE(SUM(v * r), 0) FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY A IS NULL, "
     "d NULLS LAST, f) r FROM (SELECT A, COALESCE(SUM(X), 0) v, MIN(D) d, "
     "(SELECT MIN(rn) FROM t WHERE t.A IS NOT DISTINCT FROM sel.A) f FROM sel GROUP BY A))"),
]


def _small_cases() -> list[Any]:
    return [pytest.param(seed, i, id=f"app{seed}-sel{i}")
            for seed in SMALL_SEEDS for i in range(3)]


@pytest.mark.parametrize(("seed", "which"), _small_cases())
def test_several_aggr_calls_and_sorted_rows_equal_sql_on_small_apps(seed: int,
                                                                   which: int) -> None:
    model, db = _small_app(seed)
    sel = _small_selections(seed)[which]
    state = _small_state(model, sel)
    where, params = where_clause(sel)
    for text, query in SMALL:
        got = scalar(model, text, state)
        value = db.execute(f"WITH sel AS (SELECT * FROM t WHERE {where}) {query}",
                           params).fetchone()[0]
        if value is None:
            assert got is None, (text, sel)
        else:
            assert got == pytest.approx(float(value)), (text, sel)
