"""Load-script statements in ``make bench`` (issue 7): a JOIN of the fact table with the
customers, a GROUP BY of the fact table by customer and a CROSSTABLE of a wide table of
12 month columns, each timed on its own against DuckDB doing the same work on the same
files in the same run.

    associa  LEFT JOIN (Fact) LOAD * RESIDENT Customers;
             LOAD CustomerID, Sum(Sales) …, Count(Quantity) … RESIDENT Fact GROUP BY CustomerID;
             CROSSTABLE (Month, Value) LOAD * RESIDENT Wide;
    DuckDB   CREATE TABLE … AS SELECT * FROM fact LEFT JOIN customers USING (CustomerID);
             CREATE TABLE … AS SELECT CustomerID, SUM(Sales), COUNT(Quantity) … GROUP BY 1;
             CREATE TABLE … AS UNPIVOT wide ON COLUMNS(* EXCLUDE Id) INTO NAME Month VALUE Value;

Each side runs in a child process of its own (``python -m tests.bench.statements``): the
files are loaded first (not timed), then each statement is timed alone (associa: the
statement's execution inside the reload, as its progress line marks it). The wide table
has a tenth of the fact table's rows (1,000,000 × 12 at 10 million). The engine's compiled
loops are loaded first, as a running server has them. Both sides report
their row counts and a sum, which must agree.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MONTHS = [f"M{i:02d}" for i in range(1, 13)]
FORMAT = "(txt, utf8, embedded labels, delimiter is ',', msq)"
WORK = {
    "JOIN": "LEFT JOIN of the fact table with the customers (all fields)",
    "GROUP BY": "GROUP BY CustomerID of the fact table: Sum, Count",
    "CROSSTABLE": "CROSSTABLE of a wide table, 12 month columns",
}


def ensure_wide(folder: Path, rows: int) -> Path:
    path = folder / f"wide-{rows}.csv"
    if path.exists():
        return path
    import duckdb

    cols = ", ".join(f"hash(i * 13 + {k}) % 1000 AS {m}" for k, m in enumerate(MONTHS))
    tmp = path.with_suffix(".tmp")
    duckdb.connect().execute(
        f"COPY (SELECT i AS Id, {cols} FROM range({rows}) t(i)) TO '{tmp}' (HEADER, FORMAT csv)")
    tmp.rename(path)
    return path


def associa_side(folder: Path, wide: Path) -> dict[str, Any]:
    from associa import kernels
    from associa.script.context import CURRENT
    from associa.script.interpreter import Interpreter
    from associa.script.scanner import split_statements

    statements = [
        ("", f"Fact: LOAD * FROM [lib://bench/fact.csv] {FORMAT};"),
        ("", f"Customers: LOAD * FROM [lib://bench/customers.csv] {FORMAT};"),
        ("", f"Wide: LOAD * FROM [lib://bench/{wide.name}] {FORMAT};"),
        ("JOIN", "LEFT JOIN (Fact) LOAD * RESIDENT Customers;"),
        ("GROUP BY", "G: LOAD CustomerID as GC, Sum(Sales) as S, Count(Quantity) as Q "
                     "RESIDENT Fact GROUP BY CustomerID;"),
        ("CROSSTABLE", "C: CROSSTABLE (Month, Value) LOAD * RESIDENT Wide;"),
    ]
    script = "\n".join(s for _, s in statements)

    def open_file(path: str) -> bytes:
        return (folder / path.removeprefix("lib://bench/")).read_bytes()

    kernels.warm()  # a server has its compiled loops loaded before any reload
    it = Interpreter(script, open_file)
    token = CURRENT.set(it.context)
    seconds: dict[str, float] = {}
    try:
        for (name, _), stmt in zip(statements, split_statements(script), strict=True):
            t0 = time.perf_counter()
            it.execute(stmt)
            if name:
                seconds[name] = time.perf_counter() - t0
    finally:
        CURRENT.reset(token)
    tables = it.builder.tables
    g = tables["G"]
    sym = it.builder.symbols_of("S")
    total = float(sym.nums_at(g.columns["S"]).sum())
    return {"seconds": seconds, "answers": {
        "JOIN": tables["Fact"].nrows, "GROUP BY": [g.nrows, round(total, 2)],
        "CROSSTABLE": tables["C"].nrows}}


def duckdb_side(folder: Path, wide: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    for name in ("fact", "customers"):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{folder / name}.csv')")
    con.execute(f"CREATE TABLE wide AS SELECT * FROM read_csv('{wide}')")
    queries = {
        "JOIN": "CREATE TABLE j AS SELECT * FROM fact LEFT JOIN customers USING (CustomerID)",
        "GROUP BY": "CREATE TABLE g AS SELECT CustomerID, SUM(Sales) AS S, COUNT(Quantity) AS Q "
                    "FROM fact GROUP BY CustomerID",
        "CROSSTABLE": "CREATE TABLE c AS UNPIVOT wide ON COLUMNS(* EXCLUDE Id) "
                      "INTO NAME Month VALUE Value",
    }
    seconds = {}
    for name, sql in queries.items():
        t0 = time.perf_counter()
        con.execute(sql)
        seconds[name] = time.perf_counter() - t0
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    return {"seconds": seconds, "answers": {
        "JOIN": one("SELECT count(*) FROM j")[0],
        "GROUP BY": [one("SELECT count(*) FROM g")[0], round(float(one(
            "SELECT sum(S) FROM g")[0]), 2)],
        "CROSSTABLE": one("SELECT count(*) FROM c")[0]}}


def measure(folder: Path, rows: int, log: Any = print) -> tuple[list[dict[str, Any]], list[str]]:
    """Both sides, one after the other, each in its own process: the table rows and the
    answers that differ."""
    wide = ensure_wide(folder, max(rows // 10, 1000))
    result = {}
    for side in ("associa", "duckdb"):
        log(f"statements: {side}")
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.statements", side, str(folder), str(wide)],
            cwd=ROOT, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise RuntimeError(f"statements ({side}) failed:\n{proc.stderr[-3000:]}")
        result[side] = json.loads(proc.stdout.strip().splitlines()[-1])
    ours, base = result["associa"], result["duckdb"]
    out = []
    for name, work in WORK.items():
        a, b = ours["seconds"][name], base["seconds"][name]
        out.append({"work": work, "key": name, "unit": "s", "associa": a, "baseline": b,
                    "ratio": a / b if b else None, "target": 3.0,
                    "baseline_is": "DuckDB, CREATE TABLE … AS the same query"})
    differ = [f"{n}: associa {ours['answers'][n]}, DuckDB {base['answers'][n]}"
              for n in WORK if ours["answers"][n] != base["answers"][n]]
    return out, differ


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| statement | associa | DuckDB | associa / DuckDB | issue 7 target |",
             "|---|---|---|---|---|"]
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(f"| {r['work']} | {r['associa']:.2f} s | {r['baseline']:.2f} s | "
                     f"{ratio} | ≤ {r['target']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("side", choices=("associa", "duckdb"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("wide", type=Path)
    args = parser.parse_args()
    run = associa_side if args.side == "associa" else duckdb_side
    print(json.dumps(run(args.folder, args.wide)))


if __name__ == "__main__":
    main()
