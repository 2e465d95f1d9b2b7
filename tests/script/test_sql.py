"""LIB CONNECT TO, SQL and DISCONNECT in a load script, against DuckDB and SQLite files
opened through the app's connections (as a reload opens them)."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import duckdb
import pytest

from associa.app.connections import Connections
from associa.errors import Aborted, LibConnectionNotFound, ScriptError
from associa.script import run_script
from associa.script.interpreter import ReloadResult
from associa.script.sources.database import Database


def cells(result: ReloadResult, table: str, field: str) -> list[tuple[str, float] | None]:
    """The (text, number) of each row of a field in a table (None for NULL)."""
    model = result.model
    sym = model.fields[field].symbols
    out: list[tuple[str, float] | None] = []
    for code in model.tables[table].columns[field]:
        if code == sym.null_code:
            out.append(None)
        else:
            out.append((sym.text(int(code)), sym.num(int(code))))
    return out


def texts(result: ReloadResult, table: str, field: str) -> list[str | None]:
    return [None if c is None else c[0] for c in cells(result, table, field)]


@pytest.fixture
def conns(tmp_path: Path) -> Connections:
    duck = duckdb.connect(str(tmp_path / "shop.duckdb"))
    duck.execute("""
        CREATE TABLE orders (id INTEGER, customer VARCHAR, amount DECIMAL(10, 2),
                             placed DATE, shipped TIMESTAMP, paid BOOLEAN, code VARCHAR);
        INSERT INTO orders VALUES
            (1, 'Ann', 10.50, DATE '2024-01-02', TIMESTAMP '2024-01-03 14:30:00', true, '0012'),
            (2, 'Bob', NULL, DATE '2024-02-29', NULL, false, NULL),
            (3, 'Ann', 7, NULL, NULL, NULL, '7');
        CREATE TABLE customers (customer VARCHAR, city VARCHAR);
        INSERT INTO customers VALUES ('Ann', 'Oslo'), ('Bob', 'Rome');
    """)
    duck.close()
    lite = sqlite3.connect(tmp_path / "legacy.sqlite")
    lite.executescript("CREATE TABLE items (k, label TEXT);"
                       "INSERT INTO items VALUES (1, 'one'), ('2', 'two'), ('n/a', 'none');")
    lite.close()
    c = Connections(tmp_path)
    c.create({"qName": "Shop", "qType": "duckdb", "qConnectionString": "shop.duckdb"})
    c.create({"qName": "Legacy", "qType": "SQLite", "qConnectionString": "legacy.sqlite"})
    c.create({"qName": "Files", "qConnectionString": "."})
    return c


def run(script: str, conns: Connections, **kw) -> ReloadResult:  # type: ignore[no-untyped-def]
    return run_script(script, connect=conns.connect, **kw)


def test_sql_select_loads_typed_fields(conns: Connections) -> None:
    result = run("SET DateFormat='DD.MM.YYYY';\nLIB CONNECT TO 'Shop';\n"
                 "Orders: SQL SELECT * FROM orders ORDER BY id;", conns)
    assert result.model.data_tables == ["Orders"]
    assert result.model.tables["Orders"].fields == ["id", "customer", "amount", "placed",
                                                    "shipped", "paid", "code"]
    assert cells(result, "Orders", "id") == [("1", 1.0), ("2", 2.0), ("3", 3.0)]
    assert texts(result, "Orders", "customer") == ["Ann", "Bob", "Ann"]
    assert cells(result, "Orders", "amount") == [("10.5", 10.5), None, ("7", 7.0)]
    # dates: serial numbers with the script's DateFormat; a leap day is kept
    assert cells(result, "Orders", "placed") == [("02.01.2024", 45293.0),
                                                 ("29.02.2024", 45351.0), None]
    shipped = cells(result, "Orders", "shipped")
    assert shipped[0] is not None and shipped[0][0] == "1/3/2024 2:30:00 PM"
    assert shipped[0][1] == pytest.approx(45294 + 14.5 / 24)
    assert cells(result, "Orders", "paid") == [("True", -1.0), ("False", 0.0), None]
    # a text column stays text, even where it reads as a number
    code = cells(result, "Orders", "code")
    assert code[0] is not None and code[0][0] == "0012" and math.isnan(code[0][1])
    assert code[1] is None
    assert result.log == ["Connected.", "Orders <<  3 Lines fetched"]


def test_select_without_sql_keyword_and_default_table_name(conns: Connections) -> None:
    result = run("LIB CONNECT TO Shop;\nSELECT customer, city FROM main.customers;\n"
                 "SQL SELECT 1 AS one;", conns)
    assert result.model.data_tables == ["customers", "SQL"]
    assert texts(result, "customers", "city") == ["Oslo", "Rome"]


def test_sql_text_is_expanded_and_sent_verbatim(conns: Connections) -> None:
    script = """
        LET vMin = 2;
        SET vTable = orders;
        LIB CONNECT TO [Shop];
        Late:
        SQL SELECT id, customer || '!' AS "Shout", amount * 2 AS double_amount
            FROM $(vTable) WHERE id >= $(vMin) ORDER BY id;
    """
    result = run(script, conns)
    assert cells(result, "Late", "id") == [("2", 2.0), ("3", 3.0)]
    assert texts(result, "Late", "Shout") == ["Bob!", "Ann!"]
    assert cells(result, "Late", "double_amount") == [None, ("14", 14.0)]


def test_sql_tables_concatenate_as_loads_do(conns: Connections) -> None:
    script = """
        LIB CONNECT TO 'Shop';
        A: SQL SELECT customer FROM customers;
        B: SQL SELECT customer FROM orders WHERE id = 2;
        C: NoConcatenate SQL SELECT customer FROM orders WHERE id = 3;
        Concatenate (C) SQL SELECT customer FROM customers WHERE city = 'Rome';
    """
    result = run(script, conns)
    assert result.model.data_tables == ["A", "C"]
    assert texts(result, "A", "customer") == ["Ann", "Bob", "Bob"]
    assert texts(result, "C", "customer") == ["Ann", "Bob"]


def test_statements_without_a_result_set_make_no_table(conns: Connections) -> None:
    script = """
        LIB CONNECT TO 'Shop';
        SQL CREATE TEMP TABLE big AS SELECT * FROM orders WHERE amount > 8;
        SQL INSERT INTO big SELECT * FROM orders WHERE id = 3;
        Big: SQL SELECT id FROM big ORDER BY id;
    """
    result = run(script, conns)
    assert result.model.data_tables == ["Big"]
    assert texts(result, "Big", "id") == ["1", "3"]


def test_resident_load_from_an_sql_table(conns: Connections) -> None:
    script = """
        LIB CONNECT TO 'Shop';
        Raw: SQL SELECT id, amount FROM orders;
        Net: NoConcatenate LOAD id AS key, amount * 0.8 AS net RESIDENT Raw WHERE amount > 0;
        DROP TABLE Raw;
    """
    result = run(script, conns)
    assert result.model.data_tables == ["Net"]
    assert cells(result, "Net", "net") == [("8.4", pytest.approx(8.4)), ("5.6", pytest.approx(5.6))]


def test_sqlite_and_switching_connections(conns: Connections) -> None:
    script = """
        LIB CONNECT TO 'Legacy';
        Items: SQL SELECT k, label FROM items;
        LIB CONNECT TO 'Shop';
        Customers: SQL SELECT * FROM customers;
        DISCONNECT;
    """
    result = run(script, conns)
    # k mixes integers and texts in SQLite: its cells are interpreted as text cells are
    assert cells(result, "Items", "k")[:2] == [("1", 1.0), ("2", 2.0)]
    last = cells(result, "Items", "k")[2]
    assert last is not None and last[0] == "n/a" and math.isnan(last[1])
    assert texts(result, "Customers", "city") == ["Oslo", "Rome"]


def test_sql_table_field_associates_with_loaded_fields(conns: Connections) -> None:
    script = """
        Cities: LOAD * INLINE [
        city, country
        Oslo, Norway
        Rome, Italy
        ];
        LIB CONNECT TO 'Shop';
        Customers: SQL SELECT * FROM customers;
    """
    result = run(script, conns)
    assert result.model.fields["city"].symbols is not None
    assert sorted(result.model.data_tables) == ["Cities", "Customers"]
    assert len(result.model.fields["city"].symbols) == 2  # one symbol table, shared


def test_sql_select_feeds_a_preceding_load(conns: Connections) -> None:
    script = """
        LIB CONNECT TO 'Shop';
        Orders:
        LOAD id, Upper(customer) AS Customer, id * 10 AS Tens;
        SQL SELECT * FROM orders ORDER BY id;
    """
    result = run(script, conns)
    assert result.model.data_tables == ["Orders"]
    assert result.model.tables["Orders"].fields == ["id", "Customer", "Tens"]
    assert texts(result, "Orders", "Customer") == ["ANN", "BOB", "ANN"]
    assert cells(result, "Orders", "Tens") == [("10", 10.0), ("20", 20.0), ("30", 30.0)]


# -- errors -----------------------------------------------------------------------------


def error_of(script: str, conns: Connections) -> ScriptError:
    with pytest.raises(ScriptError) as info:
        run(script, conns)
    return info.value


def test_missing_connection_is_error_11015_at_its_statement(conns: Connections) -> None:
    err = error_of("SET a = 1;\n  LIB CONNECT TO 'Nope';", conns)
    assert isinstance(err, LibConnectionNotFound) and err.code == 11015
    assert err.detail == "Connection 'Nope' not found"
    assert (err.line, err.column) == (2, 3)


def test_database_error_points_into_the_sql_text(conns: Connections) -> None:
    script = "LIB CONNECT TO 'Shop';\nOrders:\nSQL SELECT id,\n    nope FROM orders;"
    err = error_of(script, conns)
    assert err.code == ScriptError.code
    assert 'Referenced column "nope" not found' in err.detail
    assert (err.line, err.column) == (4, 5)
    assert "SQL SELECT id" in err.statement


def test_bad_sql_syntax_and_unknown_table(conns: Connections) -> None:
    err = error_of("LIB CONNECT TO 'Shop';\nSQL SELEC * FROM orders;", conns)
    assert "syntax error" in err.detail and err.line == 2
    err = error_of("LIB CONNECT TO 'Legacy';\n  SQL SELECT * FROM nope;", conns)
    assert err.detail == "SQLite: no such table: nope" and (err.line, err.column) == (2, 7)


def test_sql_needs_a_connection(conns: Connections) -> None:
    err = error_of("T: SQL SELECT 1;", conns)
    assert "SQL statement without a data connection" in err.detail
    err = error_of("LIB CONNECT TO 'Shop';\nDISCONNECT;\nSQL SELECT 1;", conns)
    assert "without a data connection" in err.detail and err.line == 3
    err = error_of("LIB CONNECT TO 'Files';", conns)
    assert "is a folder connection" in err.detail
    err = error_of("SQL;", conns)
    assert "SQL statement without text" in err.detail


def test_missing_database_file_fails_the_connect(conns: Connections, tmp_path: Path) -> None:
    (tmp_path / "shop.duckdb").unlink()
    err = error_of("LIB CONNECT TO 'Shop';", conns)
    assert err.detail.startswith("Cannot connect to 'Shop': Database file not found")


class Counting:
    """A connect callback that counts what it opened and closed."""

    def __init__(self, conns: Connections) -> None:
        self.conns = conns
        self.opened = 0
        self.closed = 0

    def __call__(self, name: str) -> Database:
        db = self.conns.connect(name)
        self.opened += 1
        close = db.close

        def counted() -> None:
            self.closed += 1
            close()

        db.close = counted  # type: ignore[method-assign]
        return db


def test_connections_are_closed_at_the_end_and_on_failure(conns: Connections) -> None:
    counting = Counting(conns)
    run_script("LIB CONNECT TO 'Shop';\nLIB CONNECT TO 'Legacy';\nT: SQL SELECT 1 AS x;",
               connect=counting)
    assert (counting.opened, counting.closed) == (2, 2)
    counting = Counting(conns)
    with pytest.raises(ScriptError):
        run_script("LIB CONNECT TO 'Shop';\nT: SQL SELECT * FROM nope;", connect=counting)
    assert (counting.opened, counting.closed) == (1, 1)


def test_cancel_while_rows_arrive(conns: Connections) -> None:
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 3  # after the statements have started

    with pytest.raises(Aborted):
        run("LIB CONNECT TO 'Shop';\nT: SQL SELECT * FROM range(300000);", conns,
            cancelled=cancelled)
