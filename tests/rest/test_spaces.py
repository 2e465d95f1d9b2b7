"""/spaces and assignments: members get the space roles' rights on the space's apps."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from associa.app.access import Right
from associa.engine import Engine
from associa.errors import AppAccessDenied
from associa.settings import Settings
from tests.rest.conftest import BOB

ADMIN_KEY = "spaces-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_space_members_get_rights_on_its_apps(make_api, keys, rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    space = ann.post("/spaces", json={"name": "Sales", "type": "shared"})
    assert space.status_code == 201, space.text
    sid = space.json()["id"]
    assert space.json()["ownerId"] == "ann" and "delete" in space.json()["meta"]["actions"]
    app = ann.post("/apps", json={"attributes": {"name": "A", "spaceId": sid}}).json()
    app_id = app["attributes"]["id"]
    # Bob is not a member: neither the space nor its app exist for him
    assert bob.get(f"/spaces/{sid}").status_code == 404
    assert bob.get(f"/apps/{app_id}").status_code == 404
    assert [s["id"] for s in bob.get("/spaces").json()["data"]] == []
    made = ann.post(f"/spaces/{sid}/assignments",
                    json={"type": "user", "assigneeId": "bob", "roles": ["consumer"]})
    assert made.status_code == 201, made.text
    assert bob.get(f"/apps/{app_id}").status_code == 200
    rest_engine.check_access(BOB, app_id, Right.CONSUME)  # the socket's check agrees
    with pytest.raises(AppAccessDenied):
        rest_engine.check_access(BOB, app_id, Right.EDIT)
    assert bob.put(f"/apps/{app_id}", json={"attributes": {"description": "x"}}
                   ).status_code == 403
    assert bob.post(f"/spaces/{sid}/assignments", json={
        "type": "user", "assigneeId": "eve", "roles": ["consumer"]}).status_code == 403
    # producer (Can edit) edits
    aid = made.json()["id"]
    assert ann.put(f"/spaces/{sid}/assignments/{aid}",
                   json={"roles": ["producer"]}).json()["roles"] == ["producer"]
    assert bob.put(f"/apps/{app_id}", json={"attributes": {"description": "x"}}
                   ).status_code == 200
    assert bob.delete(f"/apps/{app_id}").status_code == 403
    # removed: no right again
    assert ann.delete(f"/spaces/{sid}/assignments/{aid}").status_code == 204
    assert bob.get(f"/apps/{app_id}").status_code == 404


def test_group_assignment_and_roles_by_space_type(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    admin, ann, bob = make_api(keys["admin"]), make_api(keys["ann"]), make_api(keys["bob"])
    group = admin.post("/groups", json={"name": "sales"}).json()
    sid = bob.post("/spaces", json={"name": "M", "type": "managed"}).json()["id"]
    bad = bob.post(f"/spaces/{sid}/assignments",
                   json={"type": "group", "assigneeId": group["id"], "roles": ["producer"]})
    assert bad.status_code == 400 and "managed" in bad.json()["errors"][0]["detail"]
    ok = bob.post(f"/spaces/{sid}/assignments",
                  json={"type": "group", "assigneeId": group["id"], "roles": ["consumer"]})
    assert ok.status_code == 201
    again = bob.post(f"/spaces/{sid}/assignments",
                     json={"type": "group", "assigneeId": group["id"], "roles": ["consumer"]})
    assert again.status_code == 409
    app_id = bob.post("/apps", json={"attributes": {"name": "B", "spaceId": sid}}
                      ).json()["attributes"]["id"]
    assert ann.get(f"/apps/{app_id}").status_code == 200  # Ann is in the sales group
    assert [s["name"] for s in ann.get("/spaces").json()["data"]] == ["M"]
    # a space with apps in it is not deleted
    assert bob.delete(f"/spaces/{sid}").status_code == 409
    assert bob.delete(f"/apps/{app_id}").status_code == 200
    assert ann.delete(f"/spaces/{sid}").status_code == 403
    assert bob.delete(f"/spaces/{sid}").status_code == 204
    assert bob.get(f"/spaces/{sid}").status_code == 404


def test_bad_space_input_changes_nothing(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    ann = make_api(keys["ann"])
    assert ann.post("/spaces", json={"name": "S", "type": "personal"}).status_code == 400
    assert ann.post("/spaces", json={"name": " ", "type": "shared"}).status_code == 400
    assert ann.post("/spaces", json={"name": "S", "type": "shared", "x": 1}).status_code == 400
    assert ann.post("/spaces", json={"name": "S", "type": "shared"}).status_code == 201
    assert ann.post("/spaces", json={"name": "S", "type": "data"}).status_code == 409
    assert [s["type"] for s in ann.get("/spaces").json()["data"]] == ["shared"]


def test_space_listing_pages(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    admin = make_api(keys["admin"])
    for i in range(3):
        admin.post("/spaces", json={"name": f"s{i}", "type": "shared"})
    first = admin.get("/spaces", params={"limit": 2}).json()
    assert [s["name"] for s in first["data"]] == ["s0", "s1"]
    second = httpx.get(first["links"]["next"]["href"],
                       headers={"Authorization": f"Bearer {keys['admin']}"}).json()
    assert [s["name"] for s in second["data"]] == ["s2"]
