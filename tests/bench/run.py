"""``make bench``: one click's refresh on a star schema, associa against a baseline measured
in the same run (DuckDB answering each list box and chart with its own SQL query, as a user
of a SQL engine would). Reports times and the ratio; asserts nothing.

    python -m tests.bench.run [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from associa.calc import HyperCube, ListObject
from associa.model import DataModel, SymbolTable, Table
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE

LISTS = ["Country", "Segment", "Category", "Brand", "Quantity"]
CUBES = [
    {"qDimensions": [{"qDef": {"qFieldDefs": ["Category"]}}],
     "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}, {"qDef": {"qDef": "Count(DISTINCT CustomerID)"}}]},
    {"qDimensions": [{"qDef": {"qFieldDefs": ["Country"]}}, {"qDef": {"qFieldDefs": ["Category"]}}],
     "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}]},
]


def star(n: int, seed: int = 1) -> tuple[DataModel, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    ncust, nprod = max(n // 100, 10), max(n // 1000, 10)
    cols = {
        "OrderID": np.arange(n),
        "CustomerID": rng.integers(0, ncust, n),
        "ProductID": rng.integers(0, nprod, n),
        "Quantity": rng.integers(1, 10, n),
        "Sales": np.round(rng.uniform(1, 500, n), 2),
        "cust_CustomerID": np.arange(ncust),
        "Country": rng.integers(0, 50, ncust),
        "Segment": rng.integers(0, 5, ncust),
        "prod_ProductID": np.arange(nprod),
        "Category": rng.integers(0, 20, nprod),
        "Brand": rng.integers(0, 100, nprod),
    }
    symbols: dict[str, SymbolTable] = {}

    def encode(name: str, values: np.ndarray, prefix: str = "") -> np.ndarray:
        sym = symbols.setdefault(name, SymbolTable())
        uniq, inv = np.unique(values, return_inverse=True)
        ids = np.array([sym.intern(f"{prefix}{u}" if prefix else str(u),
                                   float("nan") if prefix else float(u)) for u in uniq])
        return ids[inv].astype(np.int32)

    fact = Table("Fact", [], {}, n)
    for f in ("OrderID", "CustomerID", "ProductID", "Quantity", "Sales"):
        fact.add_column(f, encode(f, cols[f]))
    cust = Table("Customers", [], {}, ncust)
    cust.add_column("CustomerID", encode("CustomerID", cols["cust_CustomerID"]))
    cust.add_column("Country", encode("Country", cols["Country"], "C"))
    cust.add_column("Segment", encode("Segment", cols["Segment"], "S"))
    prod = Table("Products", [], {}, nprod)
    prod.add_column("ProductID", encode("ProductID", cols["prod_ProductID"]))
    prod.add_column("Category", encode("Category", cols["Category"], "K"))
    prod.add_column("Brand", encode("Brand", cols["Brand"], "B"))
    return DataModel([fact, cust, prod], symbols), cols


def associa_click(model: DataModel, state: SelectionState) -> None:
    inf = Inference(model, state)
    for f in LISTS:
        ListObject(model, inf, {"qDef": {"qFieldDefs": [f]}}).layout()
    for cube in CUBES:
        HyperCube(model, inf, {**cube, "qInitialDataFetch": [{"qWidth": 3, "qHeight": 50}]},
                  DEFAULT_LOCALE).layout()


def duckdb_click(con, where: dict[str, list[str]]) -> None:
    def cond(skip: str | None = None) -> str:
        parts = [f"{f} IN ({', '.join(repr(v) for v in vals)})" for f, vals in where.items()
                 if f != skip]
        return (" WHERE " + " AND ".join(parts)) if parts else ""

    join = ("fact f LEFT JOIN customers c USING (CustomerID) "
            "LEFT JOIN products p USING (ProductID)")
    for f in LISTS:
        con.execute(f"SELECT DISTINCT {f} FROM {join}{cond(f)}").fetchall()
    con.execute(f"SELECT Category, sum(Sales), count(DISTINCT CustomerID) FROM {join}{cond()} "
                "GROUP BY 1").fetchall()
    con.execute(f"SELECT Country, Category, sum(Sales) FROM {join}{cond()} GROUP BY 1, 2").fetchall()


def timed(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import duckdb

    model, cols = star(args.rows)
    con = duckdb.connect()
    n = args.rows
    con.execute("CREATE TABLE fact AS SELECT * FROM (SELECT unnest($1) AS CustomerID, "
                "unnest($2) AS ProductID, unnest($3) AS Quantity, unnest($4) AS Sales)",
                [cols["CustomerID"].tolist(), cols["ProductID"].tolist(),
                 [str(q) for q in cols["Quantity"]], cols["Sales"].tolist()])
    con.execute("CREATE TABLE customers AS SELECT unnest($1) AS CustomerID, unnest($2) AS Country, "
                "unnest($3) AS Segment", [cols["cust_CustomerID"].tolist(),
                                           [f"C{c}" for c in cols["Country"]],
                                           [f"S{s}" for s in cols["Segment"]]])
    con.execute("CREATE TABLE products AS SELECT unnest($1) AS ProductID, unnest($2) AS Category, "
                "unnest($3) AS Brand", [cols["prod_ProductID"].tolist(),
                                         [f"K{c}" for c in cols["Category"]],
                                         [f"B{b}" for b in cols["Brand"]]])
    clicks = {
        "Country = 3 values": {"Country": ["C1", "C2", "C3"]},
        "Segment = 2 values": {"Segment": ["S1", "S2"]},
        "Country + Category": {"Country": ["C1", "C2", "C3"], "Category": ["K1", "K2"]},
    }
    print(f"rows: {n:,} fact rows; median of {args.repeat} runs after one warm-up")
    print(f"{'click':<22} {'associa ms':>11} {'duckdb ms':>10} {'duckdb/associa':>15}")
    for label, where in clicks.items():
        state = SelectionState()
        for f, vals in where.items():
            sym = model.fields[f].symbols
            mask = np.zeros(len(sym), dtype=bool)
            for v in vals:
                hit = sym.find_text(v)
                if hit is not None:
                    mask[hit] = True
            state = state.with_field(f, mask)
        a = timed(lambda s=state: associa_click(model, s), args.repeat)
        d = timed(lambda w=where: duckdb_click(con, w), args.repeat)
        print(f"{label:<22} {a * 1000:>11.1f} {d * 1000:>10.1f} {d / a:>15.2f}")


if __name__ == "__main__":
    main()
