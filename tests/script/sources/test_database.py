"""The database drivers: DuckDB and SQLite files, and a real PostgreSQL server (started
for the session by ``tests.pg``): result sets as typed Arrow tables, statements without
one, errors with the database's message and position, connection strings."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from associa.script.sources.database import (
    DatabaseError,
    database_kind,
    open_database,
    postgres_params,
    rows_table,
    split_credentials,
    sql_table_name,
)
from associa.script.sources.typed import INTERPRET
from tests.pg import PgServer, postgres  # noqa: F401  (the session's PostgreSQL server)


def never() -> None:
    pass


@pytest.fixture
def duck(tmp_path: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER, customer VARCHAR, amount DECIMAL(10,2), "
                "placed DATE, paid BOOLEAN)")
    con.execute("INSERT INTO orders VALUES (1, 'Ann', 10.50, DATE '2024-01-02', true), "
                "(2, 'Bob', NULL, NULL, false)")
    con.close()
    return path


@pytest.fixture
def lite(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE t (k, v TEXT, r REAL); INSERT INTO t VALUES "
                      "(1, 'a', 1.5), ('x', NULL, NULL), (2.5, 'c', 2);")
    con.close()
    return path


def test_duckdb_result_keeps_its_types(duck: Path, tmp_path: Path) -> None:
    db = open_database("duckdb", "shop.duckdb", "", "", tmp_path)  # relative to base_dir
    try:
        table = db.run("SELECT * FROM orders ORDER BY id", never)
    finally:
        db.close()
    assert table is not None
    assert table.column_names == ["id", "customer", "amount", "placed", "paid"]
    assert table.schema.field("id").type == pa.int32()
    assert pa.types.is_decimal(table.schema.field("amount").type)
    assert table.schema.field("placed").type == pa.date32()
    assert table.column("amount").to_pylist() == [Decimal("10.50"), None]
    assert table.column("placed").to_pylist() == [dt.date(2024, 1, 2), None]


def test_duckdb_statements_without_a_result_set(duck: Path) -> None:
    db = open_database("duckdb", f"duckdb:///{duck}", "", "", Path("/"))
    try:
        assert db.run("CREATE TEMP TABLE x AS SELECT 42 AS n", never) is None
        assert db.run("INSERT INTO x VALUES (43)", never) is None
        table = db.run("SELECT n FROM x ORDER BY n", never)
        assert table is not None and table.column("n").to_pylist() == [42, 43]
    finally:
        db.close()


def test_duckdb_error_carries_the_position(duck: Path) -> None:
    db = open_database("duckdb", str(duck), "", "", Path("/"))
    sql = "SELECT id,\n  nope FROM orders"
    try:
        with pytest.raises(DatabaseError) as info:
            db.run(sql, never)
    finally:
        db.close()
    assert "nope" in info.value.message
    assert info.value.position == sql.index("nope")


def test_cancel_check_runs_between_batches(duck: Path) -> None:
    db = open_database("duckdb", str(duck), "", "", Path("/"))
    calls = []

    def check() -> None:
        calls.append(1)
        raise KeyboardInterrupt  # whatever the check raises ends the statement

    try:
        with pytest.raises(KeyboardInterrupt):
            db.run("SELECT * FROM range(200000)", check)
    finally:
        db.close()
    assert calls == [1]


def test_missing_database_file_is_an_error_not_a_new_database(tmp_path: Path) -> None:
    for kind in ("duckdb", "sqlite"):
        with pytest.raises(DatabaseError, match="Database file not found"):
            open_database(kind, "missing.db", "", "", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_sqlite_columns_typed_from_their_values(lite: Path) -> None:
    db = open_database("sqlite", str(lite), "", "", Path("/"))
    try:
        table = db.run("SELECT k, v, r FROM t", never)
        assert db.run("UPDATE t SET v = 'b' WHERE v IS NULL", never) is None
        assert db.run("SELECT count(*) AS n FROM t WHERE v = 'b'", never).column(0).to_pylist() == [1]  # type: ignore[union-attr]
        with pytest.raises(DatabaseError, match="no such table: nope"):
            db.run("SELECT * FROM nope", never)
    finally:
        db.close()
    assert table is not None
    # k mixes integers, texts and reals: its numbers kept, its texts to be interpreted
    assert pa.types.is_struct(table.schema.field("k").type)
    assert table.schema.field("k").metadata == {INTERPRET: b"1"}
    assert table.column("k").to_pylist() == [{"num": 1.0, "text": None},
                                             {"num": None, "text": "x"},
                                             {"num": 2.5, "text": None}]
    assert table.schema.field("v").type == pa.string() and not table.schema.field("v").metadata
    assert table.schema.field("r").type == pa.float64()
    assert table.column("r").to_pylist() == [1.5, None, 2.0]


def test_rows_table_values() -> None:
    import uuid

    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    table = rows_table(["a", "b", "c", "d"], [(None, {"x": 1}, u, b"\x01\xff"),
                                              (None, [1, 2], None, None)])
    assert table.schema.field("a").type == pa.null()
    assert table.column("b").to_pylist() == ['{"x": 1}', "[1, 2]"]
    assert table.column("c").to_pylist() == [str(u), None]
    assert table.column("d").to_pylist() == [b"\x01\xff", None]
    empty = rows_table(["a"], [])
    assert empty.num_rows == 0 and empty.column_names == ["a"]


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("SELECT * FROM orders", "orders"),
        ("select a from public.Orders where x", "Orders"),
        ('SELECT * FROM "sales"."Order Lines"', "Order Lines"),
        ("SELECT * FROM [dbo].[Customers]", "Customers"),
        ("SELECT extract(year from d) AS y FROM facts", "facts"),
        ("SELECT * FROM (SELECT 1 FROM inner_t) q", None),
        ("SELECT 'from x' AS t FROM real_t", "real_t"),
        ("SELECT 1 AS one", None),
        (f"SELECT * FROM {'t' * 40}", "t" * 32),
    ],
)
def test_default_table_name(sql: str, name: str | None) -> None:
    assert sql_table_name(sql) == name


def test_kinds() -> None:
    assert database_kind("DuckDB") == "duckdb"
    assert database_kind("PostgreSQL") == database_kind("postgres") == "postgresql"
    assert database_kind("sqlite") == "sqlite"
    assert database_kind("folder") is None and database_kind("ODBC") is None


@pytest.mark.parametrize(
    ("target", "params"),
    [
        ("host=db port=5433 dbname=shop", {"host": "db", "port": "5433", "dbname": "shop"}),
        ("postgresql://db:5433/shop?sslmode=disable",
         {"host": "db", "port": "5433", "dbname": "shop", "sslmode": "disable"}),
        ("host=db;port=5433;database=shop;", {"host": "db", "port": "5433", "dbname": "shop"}),
        ('CUSTOM CONNECT TO "provider=postgresql;host=db;db=shop;"',
         {"host": "db", "dbname": "shop"}),
    ],
)
def test_postgres_connection_strings(target: str, params: dict[str, str]) -> None:
    assert postgres_params(target) == params


def test_credentials_are_taken_out_of_a_postgres_connection_string() -> None:
    target, user, password = split_credentials(
        "postgresql", "postgresql://ann:pw%21@db:5432/shop")
    assert (user, password) == ("ann", "pw!")
    assert "pw" not in target and "ann" not in target
    assert postgres_params(target) == {"host": "db", "port": "5432", "dbname": "shop"}
    assert split_credentials("postgresql", "host=db") == ("host=db", "", "")
    assert split_credentials("duckdb", "x.duckdb") == ("x.duckdb", "", "")
    with pytest.raises(DatabaseError, match="Invalid connection string"):
        postgres_params("host=db port")


# -- PostgreSQL -----------------------------------------------------------------------


def test_postgres_types_and_credentials(postgres: PgServer) -> None:  # noqa: F811
    postgres.execute("DROP TABLE IF EXISTS typed; CREATE TABLE typed (i int, b bigint, "
                     "n numeric(12,3), f double precision, t text, d date, ts timestamp, "
                     "tz timestamptz, ok boolean, j jsonb, u uuid, iv interval); "
                     "INSERT INTO typed VALUES (1, 9007199254740993, 12.345, 0.5, 'x', "
                     "'2024-03-01', '2024-03-01 12:00', '2024-03-01 12:00+00', true, "
                     "'{\"a\": 1}', '12345678-1234-5678-1234-567812345678', '1 day'), "
                     "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
    target = f"host={postgres.host} port={postgres.port} dbname=postgres"
    db = open_database("postgresql", target, postgres.user, postgres.password, Path("/"))
    try:
        table = db.run("SELECT * FROM typed ORDER BY i NULLS LAST", never)
        assert db.run("CREATE TEMP TABLE tmp (x int)", never) is None
    finally:
        db.close()
    assert table is not None and table.num_rows == 2
    types = {f.name: f.type for f in table.schema}
    assert types["i"] == pa.int64() and types["b"] == pa.int64()
    assert pa.types.is_decimal(types["n"]) and types["f"] == pa.float64()
    assert types["t"] == pa.string() and types["d"] == pa.date32()
    assert pa.types.is_timestamp(types["ts"]) and types["tz"].tz is not None
    assert types["ok"] == pa.bool_() and types["j"] == pa.string() and types["u"] == pa.string()
    assert pa.types.is_duration(types["iv"])
    first = table.slice(0, 1).to_pylist()[0]
    assert first["b"] == 9007199254740993 and first["n"] == Decimal("12.345")
    assert first["j"] == '{"a": 1}' and first["d"] == dt.date(2024, 3, 1)
    assert all(v is None for v in table.slice(1, 1).to_pylist()[0].values())


def test_postgres_refuses_a_wrong_password(postgres: PgServer) -> None:  # noqa: F811
    target = f"host={postgres.host} port={postgres.port} dbname=postgres"
    with pytest.raises(DatabaseError, match="password authentication failed"):
        open_database("postgresql", target, postgres.user, "wrong", Path("/"))
    with pytest.raises(DatabaseError, match="Cannot connect to PostgreSQL"):
        open_database("postgresql", target, postgres.user, "", Path("/"))


def test_postgres_error_carries_the_position(postgres: PgServer) -> None:  # noqa: F811
    target = f"host={postgres.host} port={postgres.port} dbname=postgres"
    db = open_database("postgresql", target, postgres.user, postgres.password, Path("/"))
    sql = "SELECT 1 AS a,\n       missing_column FROM (SELECT 1) q"
    try:
        with pytest.raises(DatabaseError) as info:
            db.run(sql, never)
        # the connection stays usable after an error (autocommit)
        assert db.run("SELECT 2 AS b", never).column(0).to_pylist() == [2]  # type: ignore[union-attr]
    finally:
        db.close()
    assert 'column "missing_column" does not exist' in info.value.message
    assert info.value.position == sql.index("missing_column")


def test_file_databases_reach_no_other_file(duck: Path, lite: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text("a\n1\n")
    db = open_database("duckdb", str(duck), "", "", Path("/"))
    try:
        for sql in (f"SELECT * FROM read_csv('{outside}')", f"SELECT * FROM '{outside}'",
                    f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
                    f"COPY orders TO '{tmp_path / 'out.csv'}'"):
            with pytest.raises(DatabaseError, match="Permission Error"):
                db.run(sql, never)
    finally:
        db.close()
    db = open_database("sqlite", str(lite), "", "", Path("/"))
    try:
        with pytest.raises(DatabaseError, match="too many attached databases"):
            db.run(f"ATTACH DATABASE '{tmp_path / 'other.sqlite'}' AS other", never)
    finally:
        db.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.csv", "shop.duckdb",
                                                          "shop.sqlite"]


class Cancelled(Exception):
    pass


def cancel_after(seconds: float):  # type: ignore[no-untyped-def]
    """A check that raises once ``seconds`` have passed (a reload cancelled meanwhile)."""
    import time

    end = time.monotonic() + seconds

    def check() -> None:
        if time.monotonic() > end:
            raise Cancelled

    return check


LONG_QUERIES = {
    "duckdb": "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3",
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
              "SELECT count(*) FROM n",
}


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_cancel_interrupts_a_long_statement(kind: str, duck: Path, lite: Path) -> None:
    import time

    db = open_database(kind, str(duck if kind == "duckdb" else lite), "", "", Path("/"))
    started = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            db.run(LONG_QUERIES[kind], cancel_after(0.3))
        took = time.monotonic() - started
        # still usable afterwards
        assert db.run("SELECT 1 AS x", never).column(0).to_pylist() == [1]  # type: ignore[union-attr]
    finally:
        db.close()
    assert took < 20  # the query alone runs for minutes


def test_cancel_interrupts_a_postgres_query(postgres: PgServer) -> None:  # noqa: F811
    import time

    target = f"host={postgres.host} port={postgres.port} dbname=postgres"
    db = open_database("postgresql", target, postgres.user, postgres.password, Path("/"))
    started = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            db.run("SELECT pg_sleep(60)", cancel_after(0.3))
        took = time.monotonic() - started
        assert db.run("SELECT 1 AS x", never).column(0).to_pylist() == [1]  # type: ignore[union-attr]
    finally:
        db.close()
    assert took < 20
