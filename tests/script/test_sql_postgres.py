"""Load scripts against a real PostgreSQL server (started for the session by
``tests.pg``), through a connection whose credentials are sealed as the app seals them."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.app.connections import Connections
from associa.errors import ScriptError
from associa.script import run_script
from tests.pg import PgServer, postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.script.test_sql import cells, texts


@pytest.fixture(scope="module")
def sales(postgres: PgServer) -> PgServer:  # noqa: F811
    postgres.execute("DROP DATABASE IF EXISTS sales")
    postgres.execute("CREATE DATABASE sales")
    postgres.execute("""
        CREATE TABLE regions (region_id int PRIMARY KEY, region text NOT NULL);
        CREATE TABLE sales (id serial PRIMARY KEY, region_id int REFERENCES regions,
                            sold_on date, amount numeric(12, 2), units bigint, note text);
        INSERT INTO regions VALUES (1, 'North'), (2, 'South');
        INSERT INTO sales (region_id, sold_on, amount, units, note) VALUES
            (1, '2024-01-15', 100.25, 3, NULL), (1, '2024-02-01', 50, 1, 'rush'),
            (2, '2024-01-20', 75.5, 2, '0007'), (2, NULL, NULL, NULL, '');
    """, dbname="sales")
    return postgres


@pytest.fixture
def conns(sales: PgServer, tmp_path: Path) -> Connections:
    c = Connections(tmp_path)
    c.create({"qName": "Sales DB", "qType": "postgresql",
              "qConnectionString": f"host={sales.host};port={sales.port};database=sales",
              "qUserName": sales.user, "qPassword": sales.password})
    return c


def test_sql_select_from_postgres(conns: Connections) -> None:
    script = """
        SET DateFormat='D/M/YYYY';
        LIB CONNECT TO 'Sales DB';
        Regions: SQL SELECT region_id, region FROM regions;
        Sales:
        SQL SELECT s.id, s.region_id, s.sold_on, s.amount, s.units, s.note
        FROM sales s ORDER BY s.id;
    """
    result = run_script(script, connect=conns.connect)
    assert result.model.data_tables == ["Regions", "Sales"]
    assert texts(result, "Regions", "region") == ["North", "South"]
    assert cells(result, "Sales", "region_id") == [("1", 1), ("1", 1), ("2", 2), ("2", 2)]
    assert cells(result, "Sales", "sold_on") == [("15/1/2024", 45306), ("1/2/2024", 45323),
                                                 ("20/1/2024", 45311), None]
    assert cells(result, "Sales", "amount") == [("100.25", 100.25), ("50", 50), ("75.5", 75.5),
                                                None]
    assert cells(result, "Sales", "units")[:3] == [("3", 3), ("1", 1), ("2", 2)]
    assert texts(result, "Sales", "note") == [None, "rush", "0007", ""]
    assert result.log == ["Connected.", "Regions <<  2 Lines fetched",
                          "Sales <<  4 Lines fetched"]
    # the key field links the two tables
    assert len(result.model.fields["region_id"].symbols) == 2


def test_postgres_statements_and_expansion(conns: Connections) -> None:
    script = """
        LET vMin = 60;
        LIB CONNECT TO 'Sales DB';
        SQL CREATE TEMP TABLE big AS SELECT id, amount FROM sales WHERE amount > $(vMin);
        SQL INSERT INTO big VALUES (99, 1.5);
        Big: SQL SELECT id, amount::float8 AS amount, 'It''s' AS quote FROM big ORDER BY id;
    """
    result = run_script(script, connect=conns.connect)
    assert result.model.data_tables == ["Big"]
    assert cells(result, "Big", "id") == [("1", 1), ("3", 3), ("99", 99)]
    assert cells(result, "Big", "amount") == [("100.25", 100.25), ("75.5", 75.5), ("1.5", 1.5)]
    assert texts(result, "Big", "quote") == ["It's"] * 3


def test_postgres_error_points_into_the_script(conns: Connections) -> None:
    script = ("LIB CONNECT TO 'Sales DB';\nT:\nSQL SELECT id,\n"
              "       amout FROM sales;")
    with pytest.raises(ScriptError) as info:
        run_script(script, connect=conns.connect)
    err = info.value
    assert 'PostgreSQL: column "amout" does not exist' in err.detail
    assert (err.line, err.column) == (4, 8)


def test_postgres_wrong_credentials_fail_the_connect(conns: Connections, sales: PgServer) -> None:
    conn = conns.by_name("Sales DB")
    assert conn is not None
    conns.modify(conn.id, {"qUserName": sales.user, "qPassword": "nope"},
                 override_credentials=True)
    with pytest.raises(ScriptError) as info:
        run_script("\n  LIB CONNECT TO 'Sales DB';", connect=conns.connect)
    assert "Cannot connect to 'Sales DB'" in info.value.detail
    assert "password authentication failed" in info.value.detail
    assert "nope" not in str(info.value)
    assert (info.value.line, info.value.column) == (2, 3)


def test_preceding_load_over_postgres(conns: Connections) -> None:
    script = """
        LIB CONNECT TO 'Sales DB';
        Sales:
        LOAD id, If(amount > 60, 'big', 'small') AS size;
        SQL SELECT id, amount FROM sales WHERE amount IS NOT NULL ORDER BY id;
    """
    result = run_script(script, connect=conns.connect)
    assert texts(result, "Sales", "size") == ["big", "small", "big"]
