"""The baseline's side of the benchmark, run in a child process of ``tests.bench.run``:

* reload: pyarrow's CSV reader reads each file's cells as text (what the engine must keep:
  ``37.20`` stays ``37.20``), each column is dictionary-encoded (one dictionary and one
  int32 index array per column, the shape of the engine's symbol tables and index
  columns), and each dictionary's distinct texts are interpreted as numbers once where
  they all are. This is the work a reload must do, done by native multi-threaded kernels.
  It was chosen over DuckDB ``read_csv`` with every column cast to an ENUM, which does the
  same work but took 130 s at 10 million rows (creating the 10-million-value ENUM of
  OrderID dominates), and over DuckDB's typed ``read_csv`` alone, which does not
  dictionary-encode and loses the texts. Timed as the median of a few runs; memory
  (resident after, peak during) from the first. pyarrow allocates from the system
  allocator here, as numpy does: its default (mimalloc) kept 125 MB resident for 43 MB of
  columns at 1 million rows, which would flatter the engine.
* clicks: DuckDB, with the three files loaded into tables (``read_csv``, typed) and each
  list box's distinct values in a table of its own (the counterpart of the engine's
  symbol tables, built before the clock starts), answers each of the 10 objects with one
  SQL query (see ``queries``).

Run by ``tests.bench.run``, which sends it commands (``workload.serve``).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench.star import FILES

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # before pyarrow is imported
from tests.bench.workload import (
    CHARTS,
    LISTS,
    NUMERIC,
    PAGE,
    TOTAL,
    Click,
    memory,
    reset_peak,
    serve,
)

# The table each list box's values come from (every key of the fact table is in its
# dimension table, so a dimension's keys are all of the key's values).
HOME = {"Country": "customers", "Segment": "customers", "Category": "products",
        "Brand": "products", "CustomerID": "customers", "ProductID": "products",
        "DateKey": "fact", "Quantity": "fact"}
DIMENSIONS = {"customers": "CustomerID", "products": "ProductID"}
STATES = "SOAX"  # selected, optional, alternative, excluded: the order a filter pane sorts


def log(msg: str) -> None:
    print(f"  baseline: {msg}", file=sys.stderr, flush=True)


# -- reload -----------------------------------------------------------------------------


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\r\n").split(",")


def arrow_reload(folder: Path) -> dict[str, list[Any]]:
    """Each file's columns as (dictionary-encoded texts, numbers of the dictionary)."""
    import pyarrow as pa
    import pyarrow.csv as csv

    out: dict[str, list[Any]] = {}
    for name in FILES:
        path = folder / name
        header = _header(path)
        table = csv.read_csv(path, convert_options=csv.ConvertOptions(
            column_types={h: pa.string() for h in header}))
        cols = []
        for column in table.columns:
            encoded = column.combine_chunks().dictionary_encode()
            try:
                numbers = encoded.dictionary.cast(pa.float64())
            except pa.ArrowInvalid:
                numbers = None  # text
            cols.append((encoded, numbers))
        del table
        out[name] = cols
    return out


def reload(folder: Path, runs: int) -> tuple[list[float], dict[str, Any]]:
    import pyarrow as pa

    pool = pa.default_memory_pool()
    gc.collect()
    before = memory()
    reset_peak()
    times: list[float] = []
    mem: dict[str, Any] = {}
    for i in range(runs):
        t = time.perf_counter()
        result = arrow_reload(folder)
        times.append(time.perf_counter() - t)
        if i == 0:
            during = memory()
            gc.collect()
            pool.release_unused()
            mem = {"before": before, "after_reload": memory(), "peak_reload": during["peak"]}
        del result
        gc.collect()
        pool.release_unused()
    return times, mem


# -- clicks -----------------------------------------------------------------------------


# Column types for DuckDB's tables: the narrowest that hold the star's values at 10 million
# rows (narrow columns make its scans and joins faster, as a careful SQL user would load).
TYPES = {"OrderID": "INTEGER", "CustomerID": "INTEGER", "ProductID": "INTEGER",
         "DateKey": "INTEGER", "Quantity": "UTINYINT", "Sales": "DECIMAL(9, 2)",
         "Country": "VARCHAR", "Segment": "VARCHAR", "Category": "VARCHAR", "Brand": "VARCHAR"}


def load_duckdb(folder: Path):
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for name in FILES:
        table = name.removesuffix(".csv")
        types = "{" + ", ".join(f"'{h}': '{TYPES[h]}'" for h in _header(folder / name)) + "}"
        con.execute(f"CREATE TABLE {table} AS FROM read_csv('{folder / name}', types = {types})")
    for field in LISTS:
        con.execute(f"CREATE TABLE dom_{field} AS SELECT DISTINCT {field} AS v FROM {HOME[field]}")
    return con


def join(fields: list[str]) -> str:
    """The fact table with the dimension tables that ``fields`` need, LEFT JOINed (a fact
    row whose key has no dimension row still counts, as in the engine's associations;
    here every key has one)."""
    out = "fact"
    for table, key in DIMENSIONS.items():
        if any(HOME.get(f, "fact") == table and f != key for f in fields):
            out += f" LEFT JOIN {table} USING ({key})"
    return out


def _in(field: str, values: list[str]) -> str:
    return f"{field} IN ({', '.join(_quote(v) for v in values)})"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _where(where: dict[str, list[str]], skip: str | None = None) -> str:
    parts = [_in(f, vals) for f, vals in where.items() if f != skip]
    return " AND ".join(parts)


def list_query(field: str, where: dict[str, list[str]]) -> str:
    """A list box's first page with every value's state: selected; else possible under the
    OTHER fields' selections (optional when the field has no selection, alternative when
    it has); else excluded. With no selection in other fields every value is possible
    (as in the engine: a field's values need no association to be possible then), so the
    join is only made when another field is selected."""
    own = where.get(field)
    others = _where(where, skip=field)
    possible = 1 if own is None else 2
    selected = f"WHEN {_in('d.v', own)} THEN 0 " if own else ""
    if others:
        rows = join([field, *(f for f in where if f != field)])
        source = (f"dom_{field} d LEFT JOIN (SELECT DISTINCT {field} AS v FROM {rows} "
                  f"WHERE {others}) p ON d.v = p.v")
        state = f"CASE {selected}WHEN p.v IS NOT NULL THEN {possible} ELSE 3 END"
    else:
        source = f"dom_{field} d"
        state = f"CASE {selected}WHEN true THEN {possible} END"
    return (f"SELECT d.v, {state} AS st, count(*) OVER () AS n FROM {source} "
            f"ORDER BY st, d.v LIMIT {PAGE}")


def chart_query(dims: tuple[str, ...], measures: tuple[str, ...],
                where: dict[str, list[str]]) -> str:
    """A chart's rows and its grand totals (one grouping set each), sorted by the
    dimensions, first page only; ``n`` counts the rows (and the total)."""
    cond = _where(where)
    d = ", ".join(dims)
    m = ", ".join(x.replace("Count(DISTINCT ", "count(DISTINCT ") for x in measures)
    rows = join([*dims, *where])
    return (f"SELECT {d}, {m}, grouping({d}) AS g, count(*) OVER () AS n FROM {rows}"
            f"{' WHERE ' + cond if cond else ''} GROUP BY GROUPING SETS (({d}), ()) "
            f"ORDER BY g DESC, {d} LIMIT {PAGE + 1}")


def queries(where: dict[str, list[str]]) -> list[str]:
    return [list_query(f, where) for f in LISTS] + [chart_query(d, m, where) for d, m in CHARTS]


def _text(field: str, value: Any) -> str:
    if field in NUMERIC and isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def answers(results: list[list[tuple]]) -> list[dict[str, Any]]:
    out = []
    for field, rows in zip(LISTS, results[: len(LISTS)], strict=True):
        out.append({"rows": rows[0][2] if rows else 0,
                    "page": [[_text(field, r[0]), STATES[r[1]]] for r in rows]})
    for (dims, measures), rows in zip(CHARTS, results[len(LISTS):], strict=True):
        total, body = rows[0], rows[1:]
        out.append({"rows": total[-1] - 1,
                    "page": [[str(v) for v in r[: len(dims)]] for r in body],
                    "totals": [float(v) for v in total[len(dims): len(dims) + len(measures)]]})
    return out


def set_chart_query(where: dict[str, list[str]]) -> str:
    """The set-analysis chart (workload.SET_CHART_MEASURES) in SQL: each measure over its
    own rows, the rows the categories any of them reaches, first page by category."""
    cond = _where(where)
    sel = f" AND {cond}" if cond else ""
    fact = "fact LEFT JOIN customers USING (CustomerID) LEFT JOIN products USING (ProductID)"
    segment_where = {k: v for k, v in where.items() if k != "Segment"}
    seg = _where(segment_where)
    return f"""
        WITH m1 AS (SELECT Category, sum(Sales) AS v FROM {fact}
                    WHERE Segment = 'Consumer'{' AND ' + seg if seg else ''} GROUP BY Category),
             m2 AS (SELECT Category, count(DISTINCT CustomerID) AS v FROM {fact}
                    WHERE Country LIKE 'Country 00%' GROUP BY Category),
             inner3 AS (SELECT Category, Segment, sum(Sales) AS s FROM {fact}
                        WHERE TRUE{sel} GROUP BY Category, Segment),
             m3 AS (SELECT Category, sum(s) AS v FROM inner3 GROUP BY Category),
             cats AS (SELECT Category FROM m1 UNION SELECT Category FROM m2
                      UNION SELECT Category FROM m3)
        SELECT cats.Category, coalesce(m1.v, 0), coalesce(m2.v, 0), coalesce(m3.v, 0)
        FROM cats LEFT JOIN m1 USING (Category) LEFT JOIN m2 USING (Category)
             LEFT JOIN m3 USING (Category)
        ORDER BY cats.Category LIMIT {PAGE}"""



def pivot_queries(where: dict[str, list[str]]) -> tuple[str, str]:
    """The straight page (GROUP BY) and the pivot (GROUP BY ROLLUP) of workload's pivot
    lines: Segment x Category, first page in the pivot's order (each segment's
    categories, then its subtotal; the grand total last)."""
    cond = _where(where)
    fact = "fact LEFT JOIN customers USING (CustomerID) LEFT JOIN products USING (ProductID)"
    aggs = "sum(Sales), sum(Quantity), count(OrderID)"
    base = f"FROM {fact} WHERE {cond or 'TRUE'}"
    straight = (f"SELECT Segment, Category, {aggs} {base} GROUP BY Segment, Category "
                f"ORDER BY Segment, Category LIMIT {PAGE}")
    pivot = (f"SELECT Segment, Category, {aggs}, GROUPING(Segment) AS gs, "
             f"GROUPING(Category) AS gc {base} GROUP BY ROLLUP (Segment, Category) "
             f"ORDER BY gs, Segment, gc, Category LIMIT {PAGE}")
    return straight, pivot

def click(con, run: Click) -> tuple[float, list[list[tuple]]]:
    sqls = queries(run.where)
    t = time.perf_counter()
    results = [con.execute(q).fetchall() for q in sqls]
    return time.perf_counter() - t, results


class Handlers:
    """The commands the parent sends (see ``workload.serve``)."""

    def __init__(self) -> None:
        self.con = None

    def reload(self, folder: str, runs: int) -> dict[str, Any]:
        log("reloading (pyarrow)")
        times, mem = reload(Path(folder), runs)
        log(f"reload {', '.join(f'{t:.2f}' for t in times)} s; loading DuckDB's tables")
        self.con = load_duckdb(Path(folder))
        return {"reload_s": statistics.median(times), "reload_runs_s": times, "memory": mem}

    def click(self, run: dict[str, Any]) -> dict[str, Any]:
        seconds, results = click(self.con, Click.from_json(run))
        return {"seconds": seconds, "answers": answers(results)}

    def sets(self, runs: list[dict[str, list[str]]]) -> dict[str, Any]:
        seconds: list[float] = []
        answers: list[list[list[Any]]] = []
        for where in runs:
            t = time.perf_counter()
            rows = self.con.execute(set_chart_query(where)).fetchall()
            seconds.append(time.perf_counter() - t)
            answers.append([[r[0], *(None if x is None else float(x) for x in r[1:])]
                            for r in rows])
        return {"seconds": seconds, "answers": answers}

    def pivots(self, runs: list[dict[str, list[str]]]) -> dict[str, Any]:
        out: dict[str, Any] = {"straight": [], "pivot": [], "answers": []}
        for where in runs:
            straight, pivot = pivot_queries(where)
            t = time.perf_counter()
            rows = self.con.execute(straight).fetchall()
            out["straight"].append(time.perf_counter() - t)
            t = time.perf_counter()
            prows = self.con.execute(pivot).fetchall()
            out["pivot"].append(time.perf_counter() - t)
            out["answers"].append([
                [[str(r[0]), str(r[1]), *(float(x) for x in r[2:5])] for r in rows],
                [[TOTAL if r[5] else str(r[0]), TOTAL if r[6] else str(r[1]),
                  *(float(x) for x in r[2:5])] for r in prows]])
        return out

    def end(self) -> dict[str, Any]:
        if self.con is not None:
            self.con.close()
        return {}


if __name__ == "__main__":
    h = Handlers()
    serve({"reload": h.reload, "click": h.click, "sets": h.sets, "pivots": h.pivots,
           "end": h.end})
