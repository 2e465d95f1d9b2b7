"""Reload building blocks on the fact CSV of the star schema, each step timed in one run:

(a) the Python reader (``read_delimited``), (b) the native reader to Arrow
(``read_table``), (c) dictionary encoding of every column (Arrow's ``dictionary_encode``,
and ``encode_column``'s integer paths), (d) ``interpret_array`` over each dictionary;
DuckDB's ``read_csv`` of the same file as the baseline. Reports; asserts nothing.

    python -m tests.bench.reader [--rows 10000000] [--skip-python]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from associa.script.sources import decode, read_delimited, read_table
from associa.values import DEFAULT_LOCALE, encode_column, interpret_array

FACT = """COPY (SELECT range + 1 AS OrderID, hash(range) % 100000 + 1 AS CustomerID,
  hash(range * 7 + 1) % 10000 + 1 AS ProductID, hash(range * 13 + 5) % 3650 + 1 AS DateKey,
  hash(range * 17 + 3) % 100 + 1 AS Quantity,
  CAST((hash(range * 31 + 7) % 50000 + 100) / 100.0 AS DECIMAL(10, 2)) AS Sales
  FROM range({n})) TO '{path}' (HEADER, DELIMITER ',')"""


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-python", action="store_true", help="skip (a), the slow one")
    args = parser.parse_args()
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fact.csv"
        duckdb.sql(FACT.format(n=args.rows, path=path))
        data = path.read_bytes()
        print(f"fact.csv: {args.rows:,} rows, {len(data) / 1e6:.0f} MB")
        rows: list[tuple[str, float]] = []
        for label, opts in (("all varchar", ", all_varchar=true"), ("typed", "")):
            query = f"SELECT * FROM read_csv('{path}'{opts})"
            t, _ = timed(lambda q=query: duckdb.sql(q).arrow().read_all())
            rows.append((f"DuckDB read_csv ({label}) to Arrow", t))
        if not args.skip_python:
            t, _ = timed(lambda: read_delimited(decode(data)))
            rows.append(("(a) Python reader (read_delimited)", t))
        t, table = timed(lambda: read_table(data))
        rows.append(("(b) native reader (read_table) to Arrow", t))
        t, dicts = timed(lambda: [c.dictionary_encode() for c in table.columns])
        rows.append(("(c) Arrow dictionary_encode, every column", t))
        dictionaries = [d.chunk(0).dictionary for d in dicts]
        t, _ = timed(lambda: [interpret_array(d, DEFAULT_LOCALE) for d in dictionaries])
        rows.append(("(d) interpret_array over each dictionary", t))
        sizes = ", ".join(f"{n} {len(d):,}" for n, d in zip(table.column_names, dictionaries,
                                                            strict=True))
        t, encoded = timed(lambda: [encode_column(c, DEFAULT_LOCALE) for c in table.columns])
        rows.append(("(c+d) encode_column, every column", t))
        paths = ", ".join(
            f"{n} {'sequence' if e.sequence else 'integers' if e.texts is None else 'texts'}"
            for n, e in zip(table.column_names, encoded, strict=True)
        )
        del dicts, encoded
        t_read = dict(rows)["(b) native reader (read_table) to Arrow"]
        t_enc = dict(rows)["(c+d) encode_column, every column"]
        rows.append(("(b) + encode_column: read, encode, interpret", t_read + t_enc))
        width = max(len(name) for name, _ in rows)
        for name, secs in rows:
            print(f"  {name:<{width}}  {secs:7.2f} s")
        print(f"  distinct: {sizes}")
        print(f"  encode_column paths: {paths}")
        print(f"  Arrow table {table.nbytes / 1e6:.0f} MB; dictionary sum "
              f"{sum(len(pc.unique(c)) for c in table.columns[1:]):,} (without OrderID)")


if __name__ == "__main__":
    main()
