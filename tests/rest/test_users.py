"""/users, /groups and /roles: administrators manage, everyone signed in reads."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from associa.engine import Engine
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.conftest import RunningServer
from tests.rest.conftest import ANN, BOB

ADMIN_KEY = "users-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_admin_manages_users(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    admin, ann = make_api(keys["admin"]), make_api(keys["ann"])
    group = admin.post("/groups", json={"name": "eu"}).json()
    made = admin.post("/users", json={
        "subject": "carl", "name": "Carl", "email": "carl@corp",
        "assignedRoles": [{"name": "Developer"}], "assignedGroups": [{"id": group["id"]}]})
    assert made.status_code == 201, made.text
    user = made.json()
    assert user["assignedRoles"][0]["name"] == "Developer"
    assert user["assignedGroups"] == [{"id": group["id"], "name": "eu"}]
    assert admin.post("/users", json={"subject": "carl"}).status_code == 409
    assert ann.get(f"/users/{user['id']}").json()["name"] == "Carl"
    assert [u["subject"] for u in ann.get("/users").json()["data"]] == ["carl"]
    # Ann may not change users
    assert ann.post("/users", json={"subject": "dan"}).status_code == 403
    patch = [{"op": "replace", "path": "/name", "value": "Carla"}]
    assert ann.patch(f"/users/{user['id']}", json=patch).status_code == 403
    assert admin.patch(f"/users/{user['id']}", json=patch).status_code == 204
    assert admin.get(f"/users/{user['id']}").json()["name"] == "Carla"
    bad = [{"op": "replace", "path": "/assignedRoles", "value": [{"name": "Nope"}]}]
    assert admin.patch(f"/users/{user['id']}", json=bad).status_code == 400
    assert admin.get(f"/users/{user['id']}").json()["assignedRoles"][0]["name"] == "Developer"
    assert admin.patch(f"/users/{user['id']}",
                       json=[{"op": "add", "path": "/name", "value": "x"}]).status_code == 400
    assert ann.delete(f"/users/{user['id']}").status_code == 403
    assert admin.delete(f"/users/{user['id']}").status_code == 204
    assert admin.get(f"/users/{user['id']}").status_code == 404
    assert admin.get("/users", params={"subject": "carl"}).json()["data"] == []


def test_users_me_still_answers_the_caller(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    assert make_api(keys["ann"]).get("/users/me").json()["id"] == "ann"


def test_groups(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    admin, ann = make_api(keys["admin"]), make_api(keys["ann"])
    assert ann.post("/groups", json={"name": "x"}).status_code == 403
    g = admin.post("/groups", json={"name": "x"}).json()
    assert admin.post("/groups", json={"name": "x"}).status_code == 409
    assert [x["name"] for x in ann.get("/groups").json()["data"]] == ["x"]
    assert ann.delete(f"/groups/{g['id']}").status_code == 403
    assert admin.delete(f"/groups/{g['id']}").status_code == 204
    assert ann.get(f"/groups/{g['id']}").status_code == 404


def test_roles_are_the_built_in_ones(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    ann = make_api(keys["ann"])
    roles = ann.get("/roles", params={"limit": 100}).json()["data"]
    names = {r["name"]: r["level"] for r in roles}
    assert names["TenantAdmin"] == "admin" and names["Developer"] == "user"
    assert ann.get("/roles/TenantAdmin").json()["type"] == "default"
    assert ann.get("/roles/Nope").status_code == 404


def test_anonymous_is_refused_when_keys_are_required(make_api) -> None:  # type: ignore[no-untyped-def]
    assert make_api().get("/users").status_code == 401
    assert make_api("wrong").post("/groups", json={"name": "y"}).status_code == 401


def test_a_tenant_admin_role_makes_an_administrator(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    admin, bob = make_api(keys["admin"]), make_api(keys["bob"])
    assert bob.post("/groups", json={"name": "by-bob"}).status_code == 403
    made = admin.post("/users", json={"subject": "bob",
                                      "assignedRoles": [{"name": "TenantAdmin"}]}).json()
    assert bob.post("/groups", json={"name": "by-bob"}).status_code == 201
    assert bob.get("/users/me").json()["assignedRoles"][0]["name"] == "TenantAdmin"
    # taking the role back (or disabling the user) ends it at the next request
    patch = [{"op": "replace", "path": "/assignedRoles", "value": [{"name": "Developer"}]}]
    assert admin.patch(f"/users/{made['id']}", json=patch).status_code == 204
    assert bob.post("/groups", json={"name": "by-bob-2"}).status_code == 403


def test_a_tenant_admin_role_reaches_the_socket(data_dir: Path) -> None:
    """The role given through /users makes the user an administrator on QIX too: Bob
    opens an app Ann owns only once he holds TenantAdmin."""
    engine = Engine(Settings(data_dir=data_dir, api_key=ADMIN_KEY, api_key_authentication=True))
    ann, _ = engine.meta.create_api_key(ANN)
    bob, _ = engine.meta.create_api_key(BOB)
    server = RunningServer(engine, SessionManager(engine))
    root = f"http://127.0.0.1:{server.port}/api/v1"
    try:
        made = httpx.post(f"{root}/apps", json={"attributes": {"name": "Ann's"}},
                          headers={"Authorization": f"Bearer {ann}"})
        app_id = made.json()["attributes"]["id"]

        def bob_opens() -> dict[str, object]:
            with server.connect("/app/", Authorization=f"Bearer {bob}") as ws:
                return ws.request("OpenDoc", app_id)

        assert bob_opens()["error"]["code"] == 5  # type: ignore[index]
        r = httpx.post(f"{root}/users", json={"subject": "bob",
                                              "assignedRoles": [{"name": "TenantAdmin"}]},
                       headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert r.status_code == 201
        assert "result" in bob_opens()
    finally:
        server.stop()
