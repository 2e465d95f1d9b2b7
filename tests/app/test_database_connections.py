"""Database connections through the QIX API, against a real PostgreSQL server (started
for the session by ``tests.pg``): CreateConnection/ModifyConnection with credentials,
LIB CONNECT TO + SQL SELECT in DoReload, and the credentials never in clear text: not in
GetConnection(s), not in the saved app file."""

from __future__ import annotations

import json
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

from associa.app.credentials import KEY_FILE
from associa.engine import Engine
from associa.settings import Settings
from associa.store.appstore import AppStore
from tests.conftest import Client
from tests.pg import PgServer, postgres  # noqa: F401  (the session's PostgreSQL server)

SCRIPT = """
LIB CONNECT TO 'Warehouse';
Orders: SQL SELECT o.id, o.amount, o.placed, c.name AS customer
    FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id;
"""


@pytest.fixture(scope="module")
def shop(postgres: PgServer) -> PgServer:  # noqa: F811
    postgres.execute("DROP SCHEMA IF EXISTS shop CASCADE; CREATE SCHEMA shop;"
                     "CREATE TABLE shop.customers (id int PRIMARY KEY, name text);"
                     "CREATE TABLE shop.orders (id int, customer_id int, amount numeric(10,2),"
                     " placed date);"
                     "INSERT INTO shop.customers VALUES (1, 'Ann'), (2, 'Bob');"
                     "INSERT INTO shop.orders VALUES (10, 1, 12.50, '2024-05-01'),"
                     " (11, 2, 7.25, '2024-05-02'), (12, 1, NULL, NULL);")
    return postgres


def connection(server: PgServer, **extra: str) -> dict[str, str]:
    return {"qName": "Warehouse", "qType": "PostgreSQL",
            "qConnectionString": f"host={server.host} port={server.port} dbname=postgres",
            **extra}


def app_json(data_dir: Path, app_id: str) -> str:
    with zipfile.ZipFile(AppStore(data_dir).path(app_id)) as zf:
        return zf.read("app.json").decode("utf-8")


def test_reload_from_postgres_with_sealed_credentials(
        client: Client, engine: Engine, data_dir: Path, shop: PgServer) -> None:
    engine.create_app("shop", SCRIPT)
    client.call("OpenDoc", "shop")
    conn = connection(shop, qUserName=shop.user, qPassword=shop.password)
    conn_id = client.call("CreateConnection", conn, handle=1)["qConnectionId"]
    # the API never gives the credentials back
    (listed,) = client.call("GetConnections", handle=1)["qConnections"]
    got = client.call("GetConnection", conn_id, handle=1)["qConnection"]
    for shown in (listed, got):
        assert shown["qType"] == "postgresql" and shown["qName"] == "Warehouse"
        assert not {"qUserName", "qPassword", "qCredentials"} & set(shown)
        assert shop.password not in json.dumps(shown)
    assert client.call("DoReload", handle=1) == {"qReturn": True}
    assert client.call("Evaluate", "Sum(amount)", handle=1)["qReturn"] == "19.75"
    assert client.call("Evaluate", "Count(DISTINCT customer)", handle=1)["qReturn"] == "2"
    assert client.call("Evaluate", "Max(placed)", handle=1)["qReturn"] == "45414"
    assert client.call("DoSave", handle=1) == {}
    # the saved app holds a sealed token, never the user name or the password
    saved = app_json(data_dir, "shop")
    assert shop.password not in saved and shop.user not in saved
    (record,) = json.loads(saved)["connections"]
    assert record["qCredentials"] and "qPassword" not in record
    key = data_dir / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # another engine over the same data folder (a restart) reads them back
    again = Engine(Settings(data_dir=data_dir)).get_app("shop")
    result = again.reload()
    assert result.model.tables["Orders"].nrows == 3


def test_credentials_written_in_the_connection_string_are_sealed_too(
        client: Client, engine: Engine, data_dir: Path, shop: PgServer) -> None:
    engine.create_app("url", SCRIPT)
    client.call("OpenDoc", "url")
    url = (f"postgresql://{shop.user}:{shop.password}@{shop.host}:{shop.port}/postgres")
    conn_id = client.call("CreateConnection", {"qName": "Warehouse", "qType": "postgres",
                                               "qConnectionString": url},
                          handle=1)["qConnectionId"]
    shown = client.call("GetConnection", conn_id, handle=1)["qConnection"]
    assert shop.password not in shown["qConnectionString"]
    assert shop.user not in shown["qConnectionString"]
    assert client.call("DoReload", handle=1) == {"qReturn": True}
    client.call("DoSave", handle=1)
    assert shop.password not in app_json(data_dir, "url")


def test_modify_connection_and_credential_errors(
        client: Client, engine: Engine, data_dir: Path, shop: PgServer) -> None:
    engine.create_app("mod", SCRIPT)
    client.call("OpenDoc", "mod")
    conn_id = client.call("CreateConnection",
                          connection(shop, qUserName=shop.user, qPassword="wrong"),
                          handle=1)["qConnectionId"]
    assert client.call("DoReload", handle=1) == {"qReturn": False}
    failed = json.dumps(client.call("GetProgress", 0)["qProgressData"])
    assert "password authentication failed" in failed
    assert "wrong" not in failed  # the password is not in what the reload reports
    # without qOverrideCredentials the credentials stay as they were
    client.call("ModifyConnection", conn_id, connection(shop, qPassword=shop.password), handle=1)
    assert client.call("DoReload", handle=1) == {"qReturn": False}
    client.call("ModifyConnection", conn_id,
                connection(shop, qUserName=shop.user, qPassword=shop.password), True, handle=1)
    assert client.call("DoReload", handle=1) == {"qReturn": True}
    # the type of a connection cannot change
    err = client.error("ModifyConnection", conn_id, {"qType": "sqlite"}, handle=1)
    assert err["code"] == 8 and "qType cannot be modified" in err["message"]
    # a data folder whose key is gone cannot read the sealed credentials
    (data_dir / KEY_FILE).unlink()
    assert client.call("DoReload", handle=1) == {"qReturn": False}
    text = json.dumps(client.call("GetProgress", 0)["qProgressData"])
    assert "cannot be read with this engine's key" in text
    client.call("ModifyConnection", conn_id,
                connection(shop, qUserName=shop.user, qPassword=shop.password), True, handle=1)
    assert client.call("DoReload", handle=1) == {"qReturn": True}


def test_file_database_connections_and_unknown_types(loaded: Client, data_dir: Path) -> None:
    db = data_dir / "local.sqlite"
    with sqlite3.connect(db) as con:
        con.executescript("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (4), (5);")
    con.close()
    conn = {"qName": "Local", "qType": "sqlite", "qConnectionString": "local.sqlite"}
    loaded.call("CreateConnection", conn, handle=1)
    loaded.call("SetScript", "LIB CONNECT TO 'Local';\nT: SQL SELECT x FROM t;", handle=1)
    assert loaded.call("DoReload", handle=1) == {"qReturn": True}
    assert loaded.call("Evaluate", "Sum(x)", handle=1)["qReturn"] == "9"
    err = loaded.error("CreateConnection", {"qName": "O", "qType": "ODBC",
                                            "qConnectionString": "x"}, handle=1)
    assert err["code"] == 8 and "not supported" in err["message"]
    err = loaded.error("CreateConnection", {"qName": "E", "qType": "duckdb",
                                            "qConnectionString": ""}, handle=1)
    assert err["code"] == 8 and "needs a connection string" in err["message"]
    loaded.call("SetScript", "LIB CONNECT TO 'Nope';", handle=1)
    assert loaded.call("DoReload", handle=1) == {"qReturn": False}
    progress = loaded.call("GetProgress", 0)["qProgressData"]
    assert "Connection 'Nope' not found (line 1, column 1)" in json.dumps(progress)


def test_credentials_in_a_modified_string_replace_unreadable_ones(tmp_path: Path) -> None:
    from associa.app.connections import Connections
    from associa.script.sources.database import postgres_params

    conns = Connections(tmp_path)
    conn = conns.create({"qName": "pg", "qType": "postgresql",
                         "qConnectionString": "postgresql://ann:first-secret@db/shop"})
    assert conns.vault.open(conn.credentials, "pg") == ("ann", "first-secret")
    assert postgres_params(conn.connection_string) == {"host": "db", "dbname": "shop"}
    (tmp_path / KEY_FILE).unlink()  # another engine's key, as far as this one knows
    conns.modify(conn.id, {"qConnectionString": "postgresql://bobby:second-secret@db2/shop"})
    assert conns.vault.open(conn.credentials, "pg") == ("bobby", "second-secret")
    assert postgres_params(conn.connection_string) == {"host": "db2", "dbname": "shop"}
    # without a password in the new string, the user name alone is replaced
    conns.modify(conn.id, {"qConnectionString": "postgresql://carla@db3/shop"})
    assert conns.vault.open(conn.credentials, "pg") == ("carla", "second-secret")
    record = json.dumps(conns.to_record())
    assert "second-secret" not in record and "bobby" not in record and "carla" not in record
