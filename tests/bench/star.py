"""The benchmark's data: a star schema written as CSV files by DuckDB, cached by size and
seed so that reruns read the same files instead of writing them again.

    fact.csv       OrderID, CustomerID, ProductID, DateKey, Quantity, Sales
    customers.csv  CustomerID, Country, Segment
    products.csv   ProductID, Category, Brand

At 10 million fact rows the dimensions are those of issue 6: 100,000 customers, 10,000
products, 3,650 dates, Quantity 1-100, Sales 0.01-500.00 with cents (written as
``123.40``: a number whose text is not its default rendering), 100 countries, 5 segments,
50 categories, 500 brands. Smaller sizes scale customers (rows / 100) and products
(rows / 1,000) down with the fact table, and the other fields where they would
otherwise outnumber what they describe. The fact's values are drawn uniformly with a
seeded hash of the row number (DuckDB's ``hash``, so the files do not depend on its thread
count; a test checks that the fields come out independent); the dimensions' attributes are dealt round-robin in a seeded random order, so
each is used equally often at any size. Every key of the fact table is in its dimension
table.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

FILES = ("fact.csv", "customers.csv", "products.csv")
SEGMENTS = ("Consumer", "Corporate", "Home Office", "Small Business", "Public Sector")


@dataclass(frozen=True, slots=True)
class Shape:
    """How many rows and distinct values each part of the star has."""

    rows: int
    customers: int
    products: int
    dates: int
    countries: int
    segments: int
    categories: int
    brands: int
    seed: int

    @classmethod
    def for_rows(cls, rows: int, seed: int = 1) -> Shape:
        if not 1000 <= rows < 2**32:
            raise ValueError("the star has 1,000 to 4,294,967,295 fact rows")
        if not 0 <= seed < 2**15:
            raise ValueError("the seed is a whole number from 0 to 32,767")
        customers = max(rows // 100, 200)
        products = max(rows // 1000, 100)
        return cls(
            rows=rows,
            customers=customers,
            products=products,
            dates=min(3650, max(rows // 100, 30)),
            countries=min(100, customers // 2),
            segments=len(SEGMENTS),
            categories=min(50, products // 2),
            brands=min(500, max(products // 20, 10)),
            seed=seed,
        )

    def to_json(self) -> dict[str, int]:
        return asdict(self)


def label(prefix: str, i: int, count: int) -> str:
    """The text of value ``i`` (1-based) of a field with ``count`` values: zero-padded so
    that text order is number order."""
    return f"{prefix} {i:0{len(str(count))}d}"


def countries(shape: Shape) -> list[str]:
    return [label("Country", i, shape.countries) for i in range(1, shape.countries + 1)]


def categories(shape: Shape) -> list[str]:
    return [label("Category", i, shape.categories) for i in range(1, shape.categories + 1)]


def cache_root() -> Path:
    return Path(tempfile.gettempdir()) / "associa-bench"


# the files' layout: a change here must change the folder name, so that no older cached
# star is read as the new one
VERSION = 2


def folder_for(shape: Shape, root: Path | None = None) -> Path:
    return (root or cache_root()) / f"star-v{VERSION}-{shape.rows}-seed{shape.seed}"


def ensure(shape: Shape, root: Path | None = None, log=print) -> Path:
    """The folder holding the star's CSV files; written (by DuckDB) only when absent."""
    folder = folder_for(shape, root)
    done = folder / "complete"
    if done.exists() and all((folder / f).exists() for f in FILES):
        log(f"data: {folder} (cached)")
        return folder
    import time

    import duckdb

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        write(con, shape, folder)
    finally:
        con.close()
    done.write_text(f"{shape.to_json()}\n")
    log(f"data: {folder} (written by DuckDB in {time.perf_counter() - t:.1f} s)")
    return folder


def write(con, s: Shape, folder: Path) -> None:
    def key(salt: int) -> str:
        # one hash of one number per (row, field, seed): DuckDB's hash of several arguments
        # combines them so that draws of different fields come out correlated
        return f"hash(i + {salt} * 4294967296 + {s.seed} * 281474976710656)"

    def h(col: str, salt: int, mod: int) -> str:
        # a uniform draw in 0..mod-1 from the row number, the seed and a per-field salt
        assert col == "i"
        return f"({key(salt)} % {mod})::BIGINT"

    def deal(salt: int, mod: int) -> str:
        # dimension attributes: dealt round-robin over the rows in a seeded random order,
        # so that every value is used (and as often as any other) at any size
        return f"((row_number() OVER (ORDER BY {key(salt)}) - 1) % {mod})::BIGINT"

    def text(prefix: str, draw: str, count: int) -> str:
        return f"'{prefix} ' || lpad(({draw} + 1)::VARCHAR, {len(str(count))}, '0')"

    def copy(select: str, name: str) -> None:
        con.execute(f"COPY ({select}) TO '{folder / name}' (HEADER, DELIMITER ',')")

    segments = "[" + ", ".join(f"'{x}'" for x in SEGMENTS) + "]"
    copy(
        f"""SELECT i + 1 AS OrderID,
                   {h('i', 1, s.customers)} + 1 AS CustomerID,
                   {h('i', 2, s.products)} + 1 AS ProductID,
                   strftime(DATE '2015-01-01' + {h('i', 3, s.dates)}::INTEGER, '%Y%m%d')::INTEGER
                       AS DateKey,
                   {h('i', 4, 100)} + 1 AS Quantity,
                   (({h('i', 5, 50000)} + 1)::DECIMAL(9, 2) / 100)::DECIMAL(9, 2) AS Sales
            FROM range({s.rows}) t(i) ORDER BY i""",
        "fact.csv",
    )
    copy(
        f"""SELECT i + 1 AS CustomerID,
                   {text('Country', deal(6, s.countries), s.countries)} AS Country,
                   {segments}[{deal(7, s.segments)} + 1] AS Segment
            FROM range({s.customers}) t(i) ORDER BY i""",
        "customers.csv",
    )
    copy(
        f"""SELECT i + 1 AS ProductID,
                   {text('Category', deal(8, s.categories), s.categories)} AS Category,
                   {text('Brand', deal(9, s.brands), s.brands)} AS Brand
            FROM range({s.products}) t(i) ORDER BY i""",
        "products.csv",
    )
