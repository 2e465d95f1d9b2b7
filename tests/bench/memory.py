"""Memory of a reloaded model: bytes per fact row kept after a reload through the load
script (the CSV reader, the interpreter and ModelBuilder), measured in process.

    python -m tests.bench.memory [--rows 1000000] [--no-trace]

Prints the bytes per fact row that the model's arrays hold (``nbytes`` of columns and
symbol tables, when the model can say), what tracemalloc still sees allocated once the
reload's garbage is gone (everything the model keeps, Python objects included), and the
process's resident set growth. Asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import numpy as np

from associa.script import run_script

SCRIPT = "Fact: LOAD * FROM [lib://data/fact.csv] (txt, utf8, embedded labels, delimiter is ',');"


def fact_csv(n: int, seed: int = 1) -> bytes:
    """A fact table like the star schema's: OrderID in load order, CustomerID in n/100,
    ProductID in n/1000, DateKey in 3,650, Quantity 1-100, Sales with cents."""
    rng = np.random.default_rng(seed)
    cols = [
        np.arange(1, n + 1).astype(str),
        rng.integers(1, max(n // 100, 10) + 1, n).astype(str),
        rng.integers(1, max(n // 1000, 10) + 1, n).astype(str),
        (20200101 + rng.integers(0, 3650, n)).astype(str),
        rng.integers(1, 101, n).astype(str),
        np.char.mod("%.2f", np.round(rng.uniform(1, 500, n), 2)),
    ]
    head = "OrderID,CustomerID,ProductID,DateKey,Quantity,Sales\n"
    body = "\n".join(",".join(row) for row in zip(*(c.tolist() for c in cols), strict=True))
    return (head + body + "\n").encode()


def rss() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def model_nbytes(model) -> dict[str, int]:
    """Bytes in the model's arrays: columns, and symbol tables when they report them."""
    cols = sum(
        table.columns[f].nbytes
        for table in model.tables.values()
        for f in table.fields
        if not getattr(table, "is_identity", lambda _: False)(f)
    )
    syms = sum(getattr(fld.symbols, "nbytes", 0) for fld in model.fields.values())
    return {"columns": cols, "symbols": syms}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-trace", action="store_true", help="skip tracemalloc (faster)")
    args = parser.parse_args()
    n = args.rows
    data = fact_csv(n)
    gc.collect()
    rss0 = rss()
    if not args.no_trace:
        tracemalloc.start()
    t = time.perf_counter()
    result = run_script(SCRIPT, open_file=lambda path: data)
    elapsed = time.perf_counter() - t
    gc.collect()
    traced = tracemalloc.get_traced_memory() if not args.no_trace else (0, 0)
    tracemalloc.stop()
    rss1 = rss()
    model = result.model
    arrays = model_nbytes(model)
    print(f"rows: {n:,}; reload {elapsed:.1f} s{' (under tracemalloc)' if not args.no_trace else ''}")
    print(f"  model arrays: columns {arrays['columns'] / n:.1f} B/row, "
          f"symbol tables {arrays['symbols'] / n:.1f} B/row"
          + ("" if arrays["symbols"] else " (not reported by this version)"))
    if not args.no_trace:
        print(f"  tracemalloc: kept {traced[0] / n:.1f} B/row, peak {traced[1] / n:.1f} B/row")
    print(f"  RSS growth: {(rss1 - rss0) / n:.1f} B/row")
    del model, result


if __name__ == "__main__":
    main()
