"""/audits: changes and refusals are recorded; only administrators read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.app.access import Right
from associa.engine import Engine
from associa.errors import AppAccessDenied
from associa.settings import Settings
from tests.rest.conftest import BOB

ADMIN_KEY = "audits-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_changes_and_refusals_are_recorded(make_api, keys, rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    ann, bob, admin = make_api(keys["ann"]), make_api(keys["bob"]), make_api(keys["admin"])
    app_id = ann.post("/apps", json={"attributes": {"name": "A"}}).json()["attributes"]["id"]
    assert bob.delete(f"/apps/{app_id}").status_code == 404  # no right: not found
    assert make_api("nope").get("/users").status_code == 401
    with pytest.raises(AppAccessDenied):  # the engine's own check (the QIX socket's)
        rest_engine.check_access(BOB, app_id, Right.CONSUME)
    assert bob.get("/audits").status_code == 403
    events = admin.get("/audits", params={"limit": 100}).json()["data"]
    kinds = [(e["eventType"], e["userId"], e["source"]) for e in events]
    assert ("com.qlik.v1.apps.created", "ann", "rest") in kinds
    denied = [k for k in kinds if k[0] == "com.qlik.v1.access.denied"]
    assert ("com.qlik.v1.access.denied", "bob", "rest") in denied
    assert ("com.qlik.v1.access.denied", "bob", "qix") in denied
    assert ("com.qlik.v1.access.denied", "", "rest") in denied  # the bad credential
    assert ("com.qlik.v1.audits.created", "bob", "rest") not in kinds
    # newest first by default; filters
    times = [e["eventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    only = admin.get("/audits", params={"userId": "ann", "eventType":
                                        "com.qlik.v1.apps.created"}).json()["data"]
    assert len(only) == 1 and only[0]["data"]["path"] == "/api/v1/apps"
    one = admin.get(f"/audits/{only[0]['id']}").json()
    assert one["id"] == only[0]["id"]
    assert admin.get("/audits", params={"eventTime": "2000-01-01T00:00:00Z/2000-01-02T00:00:00Z"}
                     ).json()["data"] == []
    assert admin.get("/audits", params={"eventTime": "yesterday/"}).status_code == 400
