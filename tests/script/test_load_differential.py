"""Differential test: JOIN, KEEP, GROUP BY, CONCATENATE and CROSSTABLE against DuckDB SQL
over the same CSV files, with duplicate keys and NULLs.

Each seed writes two small random tables as CSV (integer keys with repeats, an empty cell
for NULL) and loads them twice: with a load script through ``run_script`` (a preceding
``If(Len(x) = 0, Null(), x)`` makes the empty cells NULL, as a database would give them),
and with DuckDB's ``read_csv``. The resulting rows are compared as multisets, each value
as its number (or text) and None for NULL.

What the SQL models:

* ``[kind] JOIN`` on the shared field ``K`` is ``SELECT … FROM a [kind] JOIN b USING (K)``
  (a natural join: the key is one field, NULL never matches, outer rows get NULLs);
* ``INNER KEEP`` reduces both tables to ``K IN (SELECT K FROM other)`` (semi joins);
  ``LEFT KEEP`` only the new one, ``RIGHT KEEP`` only the existing one;
* ``GROUP BY`` groups NULL keys together, as SQL does; Sum over no number is 0 (reference
  11.10), hence ``COALESCE(SUM(x), 0)``; Count counts non-NULL values;
* ``CONCATENATE`` of tables with different fields is ``UNION ALL BY NAME``;
* ``CROSSTABLE`` is one ``SELECT`` per spread column, ``UNION ALL`` (every cell becomes a
  row, NULL ones too).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

duckdb = pytest.importorskip("duckdb")

from associa.model import DataModel  # noqa: E402
from associa.script import run_script  # noqa: E402

pytestmark = pytest.mark.slow

SEEDS = [1, 2, 3, 4]


def _column(rng: np.random.Generator, n: int, high: int, nulls: float) -> list[str]:
    vals = rng.integers(0, high, n)
    return ["" if rng.random() < nulls else str(v) for v in vals]


def write_tables(root: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_a, n_b = 300 + seed * 17, 200 + seed * 11
    a = {"K": _column(rng, n_a, 60, 0.05), "X": _column(rng, n_a, 1000, 0.1),
         "G": _column(rng, n_a, 7, 0.05)}
    b = {"K": _column(rng, n_b, 80, 0.05), "Y": _column(rng, n_b, 1000, 0.1),
         "M1": _column(rng, n_b, 50, 0.1), "M2": _column(rng, n_b, 50, 0.1)}
    for name, cols in (("a.csv", a), ("b.csv", b)):
        lines = [",".join(cols)]
        n = len(next(iter(cols.values())))
        lines += [",".join(cols[c][i] for c in cols) for i in range(n)]
        (root / name).write_text("\n".join(lines) + "\n")


def _nulls(fields: list[str]) -> str:
    return ", ".join(f"If(Len({f}) = 0, Null(), {f}) as {f}" for f in fields)


def qlik(root: Path, script: str) -> DataModel:
    def open_file(path: str) -> bytes:
        return (root / path.removeprefix("lib://Data/")).read_bytes()

    return run_script(script, open_file=open_file).model


def rows_of(model: DataModel, table: str, fields: list[str]) -> Counter:
    t = model.tables[table]
    cols = []
    for f in fields:
        sym = model.fields[f].symbols
        codes = t.columns[f]
        vals = []
        for c in codes:
            if c == sym.null_code:
                vals.append(None)
            else:
                num = sym.num(int(c))
                vals.append(sym.text(int(c)) if math.isnan(num) else float(num))
        cols.append(vals)
    return Counter(zip(*cols, strict=True))


def sql_rows(con: duckdb.DuckDBPyConnection, query: str) -> Counter:
    out = Counter()
    for row in con.execute(query).fetchall():
        out[tuple(None if v is None else float(v) if isinstance(v, int | float) else v
                  for v in row)] += 1
    return out


@pytest.fixture(params=SEEDS)
def data(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, duckdb.DuckDBPyConnection]:
    write_tables(tmp_path, request.param)
    con = duckdb.connect()
    for name in ("a", "b"):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{tmp_path / name}.csv', "
                    "header = true, all_varchar = false)")
    return tmp_path, con


LOAD_A = f"A:\nLOAD {_nulls(['K', 'X', 'G'])};\nLOAD * FROM [lib://Data/a.csv] (txt);\n"


def load_b(prefix: str, label: str = "B") -> str:
    fields = ["K", "Y", "M1", "M2"]
    return f"{label}:\n{prefix} LOAD {_nulls(fields)};\nLOAD * FROM [lib://Data/b.csv] (txt);\n"


@pytest.mark.parametrize("kind", ["inner", "left", "right", "outer"])
def test_join(data: tuple[Path, duckdb.DuckDBPyConnection], kind: str) -> None:
    root, con = data
    model = qlik(root, LOAD_A + load_b(f"{kind.upper()} JOIN (A)"))
    fields = ["K", "X", "G", "Y", "M1", "M2"]
    assert model.data_tables == ["A"]
    sql = {"inner": "INNER", "left": "LEFT", "right": "RIGHT", "outer": "FULL OUTER"}[kind]
    want = sql_rows(con, f"SELECT K, X, G, Y, M1, M2 FROM a {sql} JOIN b USING (K)")
    assert rows_of(model, "A", fields) == want


@pytest.mark.parametrize("kind", ["inner", "left", "right"])
def test_keep(data: tuple[Path, duckdb.DuckDBPyConnection], kind: str) -> None:
    root, con = data
    model = qlik(root, LOAD_A + load_b(f"{kind.upper()} KEEP (A)"))
    assert model.data_tables == ["A", "B"]
    a_sql = "SELECT K, X, G FROM a"
    b_sql = "SELECT K, Y, M1, M2 FROM b"
    if kind in ("inner", "right"):
        a_sql += " WHERE K IN (SELECT K FROM b WHERE K IS NOT NULL)"
    if kind in ("inner", "left"):
        b_sql += " WHERE K IN (SELECT K FROM a WHERE K IS NOT NULL)"
    assert rows_of(model, "A", ["K", "X", "G"]) == sql_rows(con, a_sql)
    assert rows_of(model, "B", ["K", "Y", "M1", "M2"]) == sql_rows(con, b_sql)


def test_group_by(data: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    root, con = data
    script = LOAD_A + (
        "T:\nLOAD G, Sum(X) as S, Count(X) as C, Min(X) as Mn, Max(X) as Mx, Avg(X) as Av,\n"
        "  Count(DISTINCT K) as DK, Count(*) as N\nRESIDENT A GROUP BY G;\n"
        "U:\nLOAD G as G2, K as K2, Sum(X) as S2 RESIDENT A GROUP BY G, K;\n"
    )
    model = qlik(root, script)
    got = rows_of(model, "T", ["G", "S", "C", "Mn", "Mx", "Av", "DK", "N"])
    want = sql_rows(con, "SELECT G, COALESCE(SUM(X), 0), COUNT(X), MIN(X), MAX(X), AVG(X), "
                         "COUNT(DISTINCT K), COUNT(*) FROM a GROUP BY G")
    assert _close(got, want)
    got2 = rows_of(model, "U", ["G2", "K2", "S2"])
    want2 = sql_rows(con, "SELECT G, K, COALESCE(SUM(X), 0) FROM a GROUP BY G, K")
    assert got2 == want2


def _close(got: Counter, want: Counter) -> bool:
    """Multisets equal, floats within rounding (Avg)."""
    def key(row: tuple) -> tuple:
        return tuple(round(v, 9) if isinstance(v, float) else v for v in row)

    return Counter({key(r): c for r, c in got.items()}) == Counter(
        {key(r): c for r, c in want.items()})


def test_concatenate(data: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    root, con = data
    model = qlik(root, LOAD_A + load_b("CONCATENATE (A)"))
    fields = ["K", "X", "G", "Y", "M1", "M2"]
    want = sql_rows(con, "SELECT K, X, G, Y, M1, M2 FROM "
                         "(SELECT * FROM a UNION ALL BY NAME SELECT * FROM b)")
    assert rows_of(model, "A", fields) == want
    assert model.tables["A"].nrows == con.execute(
        "SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b)").fetchone()[0]


def test_crosstable(data: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    root, con = data
    script = (load_b("", "B") + "C:\nCROSSTABLE (Metric, Value, 2) LOAD K, Y, M1, M2 RESIDENT B;\n"
              "DROP TABLE B;\n")  # C alone (with B it would share K, Y: a synthetic key)
    model = qlik(root, script)
    got = rows_of(model, "C", ["K", "Y", "Metric", "Value"])
    want = sql_rows(con, "SELECT K, Y, 'M1', M1 FROM b UNION ALL SELECT K, Y, 'M2', M2 FROM b")
    assert got == want
