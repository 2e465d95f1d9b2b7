"""/api-keys: the token once, hashed at rest, expiry, revocation, own keys only."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.engine import Engine
from associa.settings import Settings

ADMIN_KEY = "keys-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_create_use_list_revoke(make_api, keys, rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    ann, bob, admin = make_api(keys["ann"]), make_api(keys["bob"]), make_api(keys["admin"])
    made = ann.post("/api-keys", json={"description": "ci", "expiry": "PT1H"})
    assert made.status_code == 201, made.text
    key = made.json()
    token = key["token"]
    assert key["sub"] == "ann" and key["status"] == "active" and key["expiry"]
    # the token works as Ann, and is never shown again
    assert make_api(token).get("/users/me").json()["id"] == "ann"
    assert "token" not in ann.get(f"/api-keys/{key['id']}").json()
    assert all("token" not in k for k in ann.get("/api-keys").json()["data"])
    # stored hashed (the database's own rows, SQLite or PostgreSQL)
    from sqlalchemy import text
    with rest_engine.meta.db.connect() as db:
        assert token not in str(db.execute(text("SELECT * FROM api_keys")).fetchall())
    # Bob neither sees nor revokes it; the administrator sees all
    assert bob.get(f"/api-keys/{key['id']}").status_code == 404
    assert bob.delete(f"/api-keys/{key['id']}").status_code == 404
    assert key["id"] in {k["id"] for k in admin.get("/api-keys").json()["data"]}
    assert ann.delete(f"/api-keys/{key['id']}").status_code == 204
    assert make_api(token).get("/users/me").status_code == 401
    assert ann.get(f"/api-keys/{key['id']}").json()["status"] == "revoked"
    assert [k["id"] for k in ann.get("/api-keys", params={"status": "revoked"}
                                     ).json()["data"]] == [key["id"]]


@pytest.mark.parametrize("expiry", ["tomorrow", "-PT1H", "PT0S", "1"])
def test_bad_expiry_is_400_and_makes_no_key(make_api, keys, expiry: str) -> None:  # type: ignore[no-untyped-def]
    ann = make_api(keys["ann"])
    before = len(ann.get("/api-keys").json()["data"])
    r = ann.post("/api-keys", json={"description": "x", "expiry": expiry})
    assert r.status_code == 400
    assert len(ann.get("/api-keys").json()["data"]) == before


def test_an_expired_key_does_not_authenticate(make_api, keys, rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from tests.rest.conftest import ANN

    token, key = rest_engine.meta.create_api_key(ANN, timedelta(seconds=-1), "old")
    assert make_api(token).get("/users/me").status_code == 401
    got = make_api(keys["ann"]).get(f"/api-keys/{key.id}").json()
    assert got["status"] == "expired"
