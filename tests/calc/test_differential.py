"""Differential test: hypercubes and list objects against DuckDB SQL over the same rows.

A star schema (Fact → Customers, Fact → Products) is generated with numpy, written as CSV
files, loaded with a real load script through ``run_script`` and, independently, into
DuckDB with ``read_csv``. For each of a set of seeded random selections (plus a few
hand-picked corner cases) every hypercube row, the grand total and the possible values of
every field must agree with SQL.

What the SQL models
-------------------
Qlik's associative model behaves like one *full outer join* (full disjunction) of the
tables on their shared key fields. For this schema, whose fact rows have at most one
customer and one product, the full disjunction is::

    fact FULL OUTER JOIN customers ON CustomerID FULL OUTER JOIN products ON ProductID

whose records are: every fact row with its customer and product (NULL columns where the
key has no partner: "orphan" orders of unknown customers), every customer without orders
(fact and product columns NULL) and every product never ordered (fact and customer columns
NULL). Key fields are the COALESCE of their columns.

* **Selections** are ``WHERE field IN (…)`` filters on that join (``universe``): a record
  whose selected field is NULL fails. This reproduces the ⊤ rule of the inference: with a
  selection in Customers only, customers without orders stay possible (their record passes)
  while products never ordered are excluded (their record has a NULL Country).
* **Possible values** of a field are its distinct non-NULL values in the filtered join.
* **A hypercube** only joins the tables that hold its fields (Fact, for the measures, plus
  the dimension tables). Its records are the filtered join projected on those tables, i.e.
  the filtered records that hold a row of at least one of them (``has_fact OR has_cust …``):
  a Category cube shows a category whose products were never ordered (Sum 0, Min/Max NULL)
  when nothing outside Products is selected, but is not affected by customers without
  orders, which only show up in cubes with a customer dimension (as a Country with a NULL
  Category in Country × Category).
* **Measures**: ``Sum`` over no numbers is 0 (reference 11.10), so SQL uses
  ``COALESCE(SUM(x), 0)``; ``Count`` counts non-NULL values; ``Avg``/``Min``/``Max`` over no
  numbers are NULL. ``Count(DISTINCT CustomerID)`` counts the key values associated with the
  row through any table, so a Country row counts its customers without orders too.
* **Grand total**: the same aggregation over all records of the cube, without grouping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

duckdb = pytest.importorskip("duckdb")

from associa.calc import HyperCube, ListObject  # noqa: E402
from associa.model import DataModel  # noqa: E402
from associa.script import run_script  # noqa: E402
from associa.select import Inference, SelectionState  # noqa: E402
from associa.values import DEFAULT_LOCALE  # noqa: E402

pytestmark = pytest.mark.slow

SEED = 20240611


@dataclass(frozen=True)
class Spec:
    """The size and the awkward rows of a generated star schema."""

    n_facts: int = 100_000
    n_customers: int = 600  # ids 1..n
    n_orderless: int = 25  # the last customers never order
    orphan_customers: tuple[int, ...] = (9001, 9002, 9003)  # in Fact only: unknown customers
    n_orphan_facts: int = 40
    n_products: int = 150  # ids 1..n
    n_unordered: int = 8  # the last products are never ordered
    # rows whose key is NULL (loaded by a second LOAD without the key field, which
    # concatenation fills with NULL): orders of no customer, customers and products
    # without an id
    n_keyless_facts: int = 0
    n_keyless_customers: int = 0
    n_keyless_products: int = 0
    n_random_selections: int = 24

    @property
    def n_records(self) -> int:
        """Records of the full outer join."""
        return (self.n_facts + self.n_keyless_facts + self.n_orderless
                + self.n_keyless_customers + self.n_unordered + self.n_keyless_products)


SPEC = Spec()
N_FACTS = SPEC.n_facts
N_CUSTOMERS = SPEC.n_customers
ORPHAN_CUSTOMERS = SPEC.orphan_customers

COUNTRIES = ["Sweden", "Germany", "France", "Spain", "Italy", "Norway", "Poland", "Japan"]
LONELY_COUNTRY = "Iceland"  # only customers without orders live here
SEGMENTS = ["Consumer", "Corporate", "Home Office"]
CATEGORIES = ["Books", "Toys", "Garden", "Music", "Tools", "Food"]
SPARE_CATEGORY = "Spares"  # only products never ordered
BRANDS = [f"Brand {c}" for c in "ABCDEFGHIJKL"]
SPARE_BRAND = "Brand Z"
KEYLESS_COUNTRY = "Greenland"  # only customers without an id live here
KEYLESS_CATEGORY = "Loose"  # only products without an id

SELECTABLE = ["Country", "Segment", "Category", "Brand", "Quantity", "CustomerID"]
FIELDS = [
    "OrderID",
    "CustomerID",
    "ProductID",
    "Quantity",
    "Sales",
    "Country",
    "Segment",
    "Category",
    "Brand",
]
NUMERIC_FIELDS = {"OrderID", "CustomerID", "ProductID", "Quantity", "Sales"}
# the tables (``has_…`` flags of ``universe``) that hold each dimension field
TABLES_OF = {
    "Country": ("cust",),
    "Segment": ("cust",),
    "Category": ("prod",),
    "Brand": ("prod",),
    "Quantity": ("fact",),
    "CustomerID": ("fact", "cust"),
    "ProductID": ("fact", "prod"),
}

MEASURES = [
    ("Sum(Sales)", "COALESCE(SUM(Sales), 0)"),
    ("Count(OrderID)", "COUNT(OrderID)"),
    ("Count(DISTINCT CustomerID)", "COUNT(DISTINCT CustomerID)"),
    ("Sum(Quantity)", "COALESCE(SUM(Quantity), 0)"),
    ("Avg(Sales)", "AVG(Sales)"),
    ("Min(Sales)", "MIN(Sales)"),
    ("Max(Sales)", "MAX(Sales)"),
]
CUBES = [
    ("Category",),
    ("Country",),
    ("Quantity",),
    ("Country", "Category"),
    ("Segment", "Brand"),
    ("CustomerID",),
    ("ProductID", "Segment"),
]

def load_script(spec: Spec) -> str:
    def load(table: str, fields: str, name: str, prefix: str = "") -> str:
        return (f"{prefix}LOAD {fields}\nFROM [lib://data/{name}.csv] "
                "(txt, utf8, embedded labels, delimiter is ',', msq);\n")

    parts = [
        "Customers:\n" + load("Customers", "CustomerID, Country, Segment", "customers"),
        "Products:\n" + load("Products", "ProductID, Category, Brand", "products"),
        "Fact:\n" + load("Fact", "OrderID, CustomerID, ProductID, Quantity, Sales", "fact"),
    ]
    if spec.n_keyless_customers:
        parts.append(load("", "Country, Segment", "customers_nokey", "Concatenate(Customers)\n"))
    if spec.n_keyless_products:
        parts.append(load("", "Category, Brand", "products_nokey", "Concatenate(Products)\n"))
    if spec.n_keyless_facts:
        parts.append(load("", "OrderID, ProductID, Quantity, Sales", "fact_nokey",
                          "Concatenate(Fact)\n"))
    return "\n".join(parts)


Selection = dict[str, list[Any]]


# -- the data --------------------------------------------------------------------------


def _write(path: Path, header: str, rows: Any) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header + "\n")
        fh.writelines(f"{','.join(map(str, r))}\n" for r in rows)


def write_star_schema(folder: Path, spec: Spec = SPEC) -> None:
    rng = np.random.default_rng(SEED)
    # customers: the orderless ones include every customer of the lonely country
    cust_ids = np.arange(1, spec.n_customers + 1)
    country = rng.choice(COUNTRIES, spec.n_customers).astype(object)
    country[-5:] = LONELY_COUNTRY
    segment = rng.choice(SEGMENTS, spec.n_customers)
    _write(folder / "customers.csv", "CustomerID,Country,Segment",
           zip(cust_ids, country, segment, strict=True))

    prod_ids = np.arange(1, spec.n_products + 1)
    category = rng.choice(CATEGORIES, spec.n_products).astype(object)
    brand = rng.choice(BRANDS, spec.n_products).astype(object)
    category[-3:] = SPARE_CATEGORY
    brand[-2:] = SPARE_BRAND
    _write(folder / "products.csv", "ProductID,Category,Brand",
           zip(prod_ids, category, brand, strict=True))

    # facts: skewed customers and products; a few orders of unknown customers
    n_ordering = spec.n_customers - spec.n_orderless
    weights = rng.pareto(1.5, n_ordering) + 0.1
    n_all = spec.n_facts + spec.n_keyless_facts
    customer = rng.choice(np.arange(1, n_ordering + 1), n_all, p=weights / weights.sum())
    orphan_at = rng.choice(spec.n_facts, spec.n_orphan_facts, replace=False)
    customer[orphan_at] = rng.choice(spec.orphan_customers, spec.n_orphan_facts)
    product = rng.integers(1, spec.n_products - spec.n_unordered + 1, n_all)
    quantity = rng.integers(1, 11, n_all)
    price = rng.integers(50, 20_000, spec.n_products + 1) / 100
    cents = np.round(quantity * price[product] * rng.uniform(0.8, 1.0, n_all) * 100)
    sales = [f"{c / 100:.2f}" for c in cents.tolist()]
    n = spec.n_facts
    _write(folder / "fact.csv", "OrderID,CustomerID,ProductID,Quantity,Sales",
           zip(range(1, n + 1), customer[:n].tolist(), product[:n].tolist(),
               quantity[:n].tolist(), sales[:n], strict=True))
    if spec.n_keyless_facts:
        _write(folder / "fact_nokey.csv", "OrderID,ProductID,Quantity,Sales",
               zip(range(n + 1, n_all + 1), product[n:].tolist(), quantity[n:].tolist(),
                   sales[n:], strict=True))
    if spec.n_keyless_customers:
        _write(folder / "customers_nokey.csv", "Country,Segment",
               zip(rng.choice([*COUNTRIES, KEYLESS_COUNTRY], spec.n_keyless_customers),
                   rng.choice(SEGMENTS, spec.n_keyless_customers), strict=True))
    if spec.n_keyless_products:
        _write(folder / "products_nokey.csv", "Category,Brand",
               zip(rng.choice([*CATEGORIES, KEYLESS_CATEGORY], spec.n_keyless_products),
                   rng.choice(BRANDS, spec.n_keyless_products), strict=True))


def random_selections(count: int, spec: Spec = SPEC) -> list[Selection]:
    """Seeded random selections of 1-3 fields with 1-4 values that exist in the data."""
    rng = np.random.default_rng(SEED + 1)
    keyless = bool(spec.n_keyless_customers)
    domains: dict[str, list[Any]] = {
        "Country": [*COUNTRIES, LONELY_COUNTRY, *([KEYLESS_COUNTRY] if keyless else [])],
        "Segment": SEGMENTS,
        "Category": [*CATEGORIES, SPARE_CATEGORY,
                     *([KEYLESS_CATEGORY] if spec.n_keyless_products else [])],
        "Brand": [*BRANDS, SPARE_BRAND],
        "Quantity": list(range(1, 11)),
        "CustomerID": [*range(1, spec.n_customers + 1), *spec.orphan_customers],
    }
    out: list[Selection] = []
    for _ in range(count):
        nfields = int(rng.integers(1, 4))
        fields = rng.choice(SELECTABLE, nfields, replace=False)
        sel: Selection = {}
        for f in fields:
            domain = domains[str(f)]
            k = min(int(rng.integers(1, 5)), len(domain))
            picks = rng.choice(len(domain), k, replace=False)
            sel[str(f)] = [domain[int(i)] for i in sorted(picks)]
        out.append(sel)
    return out


CORNER_SELECTIONS: list[Selection] = [
    {},
    {"Country": [LONELY_COUNTRY]},  # only customers without orders: facts all excluded
    {"Country": [LONELY_COUNTRY, "Sweden"], "Segment": ["Consumer"]},
    {"Category": [SPARE_CATEGORY, "Toys"]},  # products never ordered stay possible
    {"CustomerID": [ORPHAN_CUSTOMERS[0], 7]},  # orders of an unknown customer: NULL Country
    {"CustomerID": [N_CUSTOMERS, N_CUSTOMERS - 1]},  # customers without orders
    {"Brand": [SPARE_BRAND], "Segment": ["Corporate"]},  # nothing possible
]
SELECTIONS = CORNER_SELECTIONS + random_selections(SPEC.n_random_selections)


def selection_id(sel: Selection) -> str:
    if not sel:
        return "none"
    return ";".join(f"{f}={'|'.join(str(v) for v in vals)}" for f, vals in sel.items())


# -- both engines ----------------------------------------------------------------------


@dataclass
class Star:
    model: DataModel
    db: Any  # duckdb connection


def build_star(folder: Path, spec: Spec = SPEC) -> Star:
    """The generated schema loaded by the engine's script and, independently, by DuckDB."""
    write_star_schema(folder, spec)

    def open_file(path: str) -> bytes:
        prefix = "lib://data/"
        assert path.startswith(prefix), path
        return (folder / path[len(prefix) :]).read_bytes()

    result = run_script(load_script(spec), open_file)
    model = result.model
    assert model.tables["Fact"].nrows == spec.n_facts + spec.n_keyless_facts
    assert set(model.data_tables) == {"Customers", "Products", "Fact"}

    db = duckdb.connect()
    for name, nokey in (("fact", spec.n_keyless_facts), ("customers", spec.n_keyless_customers),
                        ("products", spec.n_keyless_products)):
        path = str(folder / f"{name}.csv")
        query = f"SELECT * FROM read_csv('{path}', header = true)"
        if nokey:  # the key column is NULL in the rows loaded without it
            query += (" UNION ALL BY NAME SELECT * FROM "
                      f"read_csv('{folder / (name + '_nokey.csv')}', header = true)")
        db.execute(f"CREATE TABLE {name} AS {query}")
    db.execute(
        """
        CREATE TABLE universe AS
        SELECT
            f.OrderID,
            COALESCE(f.CustomerID, c.CustomerID) AS CustomerID,
            COALESCE(f.ProductID, p.ProductID) AS ProductID,
            f.Quantity,
            f.Sales,
            c.Country,
            c.Segment,
            p.Category,
            p.Brand,
            f.OrderID IS NOT NULL AS has_fact,
            c.Country IS NOT NULL AS has_cust,
            p.Category IS NOT NULL AS has_prod
        FROM fact AS f
        FULL OUTER JOIN customers AS c ON f.CustomerID = c.CustomerID
        FULL OUTER JOIN products AS p ON f.ProductID = p.ProductID
        """
    )
    count = db.execute("SELECT count(*) FROM universe").fetchone()[0]
    # every fact, plus the customers and products no fact refers to (NULL keys included)
    alone = db.execute(
        """SELECT (SELECT count(*) FROM customers WHERE CustomerID IS NULL
                   OR CustomerID NOT IN (SELECT CustomerID FROM fact WHERE CustomerID IS NOT NULL))
                + (SELECT count(*) FROM products WHERE ProductID IS NULL
                   OR ProductID NOT IN (SELECT ProductID FROM fact))"""
    ).fetchone()[0]
    assert count == spec.n_facts + spec.n_keyless_facts + alone >= spec.n_records
    return Star(model, db)


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Star:
    return build_star(tmp_path_factory.mktemp("star"))


def selection_state(model: DataModel, sel: Selection) -> SelectionState:
    state = SelectionState()
    for name, values in sel.items():
        symbols = model.fields[name].symbols
        mask = np.zeros(len(symbols), dtype=bool)
        for v in values:
            idx = symbols.find_number(float(v)) if name in NUMERIC_FIELDS else symbols.find_text(v)
            assert idx is not None, (name, v)
            mask[idx] = True
        state = state.with_field(name, mask)
    return state


def where_clause(sel: Selection) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for name, values in sel.items():
        parts.append(f"{name} IN ({', '.join('?' for _ in values)})")
        params.extend(values)
    return (" AND ".join(parts) or "TRUE"), params


def same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def cell_number(cell: dict[str, Any]) -> float | None:
    if cell.get("qIsNull") or cell["qNum"] == "NaN":
        return None
    return float(cell["qNum"])


# -- hypercubes ------------------------------------------------------------------------


def engine_cube(
    model: DataModel, inference: Inference, dims: tuple[str, ...], suppress_zero: bool = False
) -> tuple[dict, list]:
    """{dimension texts: measure numbers} and the grand total, read page by page."""
    width = len(dims) + len(MEASURES)
    height = 10_000 // width
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m, _ in MEASURES],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": width, "qHeight": height}],
        "qSuppressZero": suppress_zero,
    }
    cube = HyperCube(model, inference, definition, DEFAULT_LOCALE)
    layout = cube.layout()
    assert "qError" not in layout
    for info in layout["qMeasureInfo"]:
        assert "qError" not in info, info
    assert layout["qSize"] == {"qcx": width, "qcy": layout["qSize"]["qcy"]}
    nrows = layout["qSize"]["qcy"]
    matrix = list(layout["qDataPages"][0]["qMatrix"])
    top = len(matrix)
    while top < nrows:
        page = cube.pages([{"qLeft": 0, "qTop": top, "qWidth": width, "qHeight": height}])[0]
        assert page["qArea"]["qTop"] == top
        matrix.extend(page["qMatrix"])
        top += len(page["qMatrix"])
    assert len(matrix) == nrows
    rows: dict[tuple, list] = {}
    for row in matrix:
        key = tuple(None if c.get("qIsNull") else c["qText"] for c in row[: len(dims)])
        for c in row[: len(dims)]:
            assert (c["qElemNumber"] == -2) == bool(c.get("qIsNull"))
        assert key not in rows, f"duplicate row {key}"
        rows[key] = [cell_number(c) for c in row[len(dims) :]]
    total = [cell_number(c) for c in layout["qGrandTotalRow"]]
    return rows, total


def sql_cube(db: Any, sel: Selection, dims: tuple[str, ...]) -> tuple[dict, list]:
    where, params = where_clause(sel)
    tables = dict.fromkeys(["fact", *(t for d in dims for t in TABLES_OF[d])])
    present = " OR ".join(f"has_{t}" for t in tables)
    aggs = ", ".join(sql for _, sql in MEASURES)
    base = f"WITH sel AS (SELECT * FROM universe WHERE {where}) SELECT"
    rows: dict[tuple, list] = {}
    group = ", ".join(dims)
    query = f"{base} {group}, {aggs} FROM sel WHERE {present} GROUP BY {group}"
    for rec in db.execute(query, params).fetchall():
        key = tuple(None if v is None else str(v) for v in rec[: len(dims)])
        rows[key] = [None if v is None else float(v) for v in rec[len(dims) :]]
    rec = db.execute(f"{base} {aggs} FROM sel WHERE {present}", params).fetchone()
    total = [None if v is None else float(v) for v in rec]
    return rows, total


def compare_cube(got: tuple[dict, list], want: tuple[dict, list], label: str) -> None:
    got_rows, got_total = got
    want_rows, want_total = want
    assert set(got_rows) == set(want_rows), (
        f"{label}: rows only in engine {sorted(set(got_rows) - set(want_rows), key=str)[:10]}, "
        f"only in SQL {sorted(set(want_rows) - set(got_rows), key=str)[:10]}"
    )
    names = [m for m, _ in MEASURES]
    for key, want_vals in want_rows.items():
        for name, g, w in zip(names, got_rows[key], want_vals, strict=True):
            assert same_number(g, w), f"{label} row {key} {name}: engine {g} SQL {w}"
    for name, g, w in zip(names, got_total, want_total, strict=True):
        assert same_number(g, w), f"{label} total {name}: engine {g} SQL {w}"


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_hypercubes_match_sql(star: Star, sel: Selection) -> None:
    check_hypercubes(star, sel)


def check_hypercubes(star: Star, sel: Selection) -> None:
    inference = Inference(star.model, selection_state(star.model, sel))
    for dims in CUBES:
        got = engine_cube(star.model, inference, dims)
        want = sql_cube(star.db, sel, dims)
        compare_cube(got, want, " x ".join(dims))
        if len(dims) == 2:
            # qSuppressZero drops the rows whose measures are all 0 or NULL
            got = engine_cube(star.model, inference, dims, suppress_zero=True)
            rows, total = want
            kept = {k: v for k, v in rows.items() if any(x not in (None, 0.0) for x in v)}
            compare_cube(got, (kept, total), " x ".join(dims) + " (suppress zero)")


# -- list objects ----------------------------------------------------------------------


def engine_possible(model: DataModel, inference: Inference, name: str) -> set:
    """Possible values (states S and O) read from a list object sorted by state, so that
    they come first; paging stops at the first other state."""
    definition = {
        "qDef": {"qFieldDefs": [name], "qSortCriterias": [{"qSortByState": 1}]},
        "qShowAlternatives": True,
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 10_000}],
    }
    lo = ListObject(model, inference, definition)
    layout = lo.layout()
    counts = layout["qDimensionInfo"]["qStateCounts"]
    size = layout["qSize"]["qcy"]
    assert size == len(model.fields[name].symbols)
    out: set = set()
    cells = layout["qDataPages"][0]["qMatrix"]
    top = len(cells)
    while True:
        for (cell,) in cells:
            if cell["qState"] not in ("S", "O"):
                break
            value = round(float(cell["qNum"]), 2) if name in NUMERIC_FIELDS else cell["qText"]
            out.add(value)
        else:
            if top < size:
                cells = lo.pages([{"qLeft": 0, "qTop": top, "qWidth": 1, "qHeight": 10_000}])[0][
                    "qMatrix"
                ]
                top += len(cells)
                continue
        break
    assert len(out) == counts["qSelected"] + counts["qOption"]
    return out


def sql_possible(db: Any, sel: Selection, name: str) -> set:
    where, params = where_clause(sel)
    query = f"SELECT DISTINCT {name} FROM universe WHERE ({where}) AND {name} IS NOT NULL"
    values = [r[0] for r in db.execute(query, params).fetchall()]
    if name in NUMERIC_FIELDS:
        return {round(float(v), 2) for v in values}
    return set(values)


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_possible_values_match_sql(star: Star, sel: Selection) -> None:
    check_possible(star, sel)


def check_possible(star: Star, sel: Selection) -> None:
    inference = Inference(star.model, selection_state(star.model, sel))
    for name in FIELDS:
        got = engine_possible(star.model, inference, name)
        want = sql_possible(star.db, sel, name)
        assert got == want, (
            f"{name}: only in engine {sorted(got - want, key=str)[:10]}, "
            f"only in SQL {sorted(want - got, key=str)[:10]}"
        )
        if name not in ("OrderID", "Sales"):  # (one row per fact: too slow to read here)
            # a cube with one dimension and no measures lists exactly the possible values
            assert engine_dimension_values(star.model, inference, name) == want, name


def engine_dimension_values(model: DataModel, inference: Inference, name: str) -> set:
    definition = {"qDimensions": [{"qDef": {"qFieldDefs": [name]}}], "qMeasures": []}
    cube = HyperCube(model, inference, definition, DEFAULT_LOCALE)
    out: set = set()
    top = 0
    while top < cube.size["qcy"]:
        page = cube.pages([{"qLeft": 0, "qTop": top, "qWidth": 1, "qHeight": 10_000}])[0]
        for (cell,) in page["qMatrix"]:
            if cell.get("qIsNull"):  # the row of records where the key is NULL ("-")
                assert cell["qElemNumber"] == -2, name
                continue
            out.add(round(float(cell["qNum"]), 2) if name in NUMERIC_FIELDS else cell["qText"])
        top += page["qArea"]["qHeight"]
    return out


def test_selections_are_varied(star: Star) -> None:
    """The random selections reach both empty and non-empty results, and at least 20 of
    them leave some fact rows possible (so that the comparisons above mean something)."""
    nonempty = 0
    for sel in SELECTIONS:
        where, params = where_clause(sel)
        n = star.db.execute(
            f"SELECT count(OrderID) FROM universe WHERE {where}", params
        ).fetchone()[0]
        nonempty += n > 0
    assert len(SELECTIONS) - len(CORNER_SELECTIONS) >= 20
    assert nonempty >= 20
    assert nonempty < len(SELECTIONS)


def test_the_fact_is_stored_grouped_in_the_customers_order(star: Star) -> None:
    """The comparisons above run over the fact as the engine stores a long table: grouped
    by CustomerID, the customers laid out by their Segment and Country (so that those
    selections reach the fact as runs)."""
    fact = star.model.tables["Fact"]
    assert fact.grouped_by == "CustomerID" and fact.group_order is not None
    assert fact.origin is not None
