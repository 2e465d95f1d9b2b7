"""/data-connections: made over REST, used by name from every app's script; credentials
write-only."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from associa.app.credentials import Vault
from associa.engine import Engine
from associa.settings import Settings
from associa.store.dataconnections import DataConnectionStore
from tests.rest.conftest import ADMIN_KEY
from tests.rest.test_reloads import app_with_script, wait


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def sqlite_db(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE sales (region TEXT, amount INTEGER)")
        db.executemany("INSERT INTO sales VALUES (?, ?)",
                       [("North", 10), ("South", 20), ("East", 5)])
    return path


def test_scripts_use_a_rest_connection(make_api: Callable[..., httpx.Client],
                                       keys: dict[str, str], rest_engine: Engine,
                                       tmp_path: Path) -> None:
    ann = make_api(keys["ann"])
    db = sqlite_db(tmp_path / "shop.sqlite")
    r = ann.post("/data-connections", json={"qName": "Shop", "qType": "sqlite",
                                            "qConnectStatement": str(db)})
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["qName"], made["qType"], made["user"]) == ("Shop", "sqlite", "ann")
    assert made["id"] == made["qID"]
    app_id = app_with_script(ann, rest_engine,
                             "LIB CONNECT TO 'Shop';\nSales: SQL SELECT region, amount "
                             "FROM sales;\n")
    done = wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    assert rest_engine.get_app(app_id).model.tables["Sales"].nrows == 3
    listed = ann.get("/data-connections").json()["data"]
    assert [c["qName"] for c in listed] == ["Shop"]
    # renamed: the script's name no longer finds it
    body = {"qName": "Shop2", "qType": "sqlite", "qConnectStatement": str(db)}
    assert ann.put(f"/data-connections/{made['id']}", json=body).status_code == 204
    assert ann.get(f"/data-connections/{made['id']}").json()["qName"] == "Shop2"
    failed = wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])
    assert failed["status"] == "FAILED" and "Shop" in failed["errorMessage"]
    assert ann.delete(f"/data-connections/{made['id']}").status_code == 204
    assert ann.get(f"/data-connections/{made['id']}").status_code == 404


def test_credentials_are_write_only(make_api: Callable[..., httpx.Client],
                                    keys: dict[str, str], rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    r = ann.post("/data-connections", json={
        "qName": "Warehouse", "qType": "postgresql",
        "qConnectStatement": "postgresql://scott:tiger@db.example/sales",
        "qUsername": "scott", "qPassword": "s3cret"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert "tiger" not in r.text and "s3cret" not in r.text
    assert "qPassword" not in made and "qUsername" not in made
    got = ann.get(f"/data-connections/{made['id']}")
    assert "s3cret" not in got.text and "tiger" not in got.text
    stored = DataConnectionStore(rest_engine.meta.db).get(made["id"])
    assert stored is not None and "s3cret" not in stored.connection.credentials
    assert Vault(rest_engine.settings.data_dir).open(stored.connection.credentials,
                                                     "Warehouse") == ("scott", "s3cret")
    # a PUT without credentials keeps them
    body = {"qName": "Warehouse", "qType": "postgresql",
            "qConnectStatement": "postgresql://db.example/other"}
    assert ann.put(f"/data-connections/{made['id']}", json=body).status_code == 204
    kept = DataConnectionStore(rest_engine.meta.db).get(made["id"])
    assert kept is not None and Vault(rest_engine.settings.data_dir).open(
        kept.connection.credentials, "Warehouse") == ("scott", "s3cret")


def test_refusals(make_api: Callable[..., httpx.Client], keys: dict[str, str],
                  tmp_path: Path) -> None:
    ann, bob, admin = make_api(keys["ann"]), make_api(keys["bob"]), make_api(ADMIN_KEY)
    db = str(sqlite_db(tmp_path / "a.sqlite"))
    made = ann.post("/data-connections", json={"qName": "A", "qType": "sqlite",
                                               "qConnectStatement": db}).json()
    again = ann.post("/data-connections", json={"qName": "A", "qType": "duckdb",
                                                "qConnectStatement": ":memory:"})
    assert again.status_code == 409
    assert bob.get(f"/data-connections/{made['id']}").status_code == 404
    assert bob.put(f"/data-connections/{made['id']}",
                   json={"qName": "B", "qType": "sqlite",
                         "qConnectStatement": db}).status_code == 404
    assert bob.delete(f"/data-connections/{made['id']}").status_code == 404
    assert bob.get("/data-connections").json()["data"] == []
    assert admin.get(f"/data-connections/{made['id']}").status_code == 200
    folder = {"qName": "Disk", "qType": "folder", "qConnectStatement": "/"}
    assert ann.post("/data-connections", json=folder).status_code == 403
    assert admin.post("/data-connections", json=folder).status_code == 201
    for bad in ({"qName": "X", "qType": "oracle", "qConnectStatement": "x"},
                {"qName": "X", "qType": "sqlite", "qConnectStatement": ""},
                {"qName": "a/b", "qType": "sqlite", "qConnectStatement": db},
                {"qName": "X", "qType": "sqlite"},
                {"qName": "X", "qType": "sqlite", "qConnectStatement": db, "extra": 1}):
        r = ann.post("/data-connections", json=bad)
        assert r.status_code == 400, (bad, r.text)
    assert ann.post("/data-connections", json={"qName": "DataFiles", "qType": "sqlite",
                                               "qConnectStatement": db}).status_code == 409
    assert make_api().get("/data-connections").status_code == 401
    assert [c["qName"] for c in admin.get("/data-connections").json()["data"]] == ["A", "Disk"]
