"""The authorization matrix: every operation on an app × no key / another user / a
consumer / the owner / the administrator, from the rights in the operations table."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from associa.app.access import Right
from associa.engine import Engine
from associa.rest.resources import operations
from associa.settings import Settings
from associa.store.media import MediaStore

ADMIN_KEY = "matrix-admin-key"
APP_OPS = [op for op in operations() if op.right is not None]

# a body each operation accepts (the rest need none)
BODIES = {
    ("PUT", "/apps/{appId}"): {"attributes": {"description": "d"}},
    ("PUT", "/apps/{appId}/owner"): {"ownerId": "corp\\ann"},
    ("POST", "/apps/{appId}/publish"): {"spaceId": "s", "moveApp": True},
    ("POST", "/apps/{appId}/scripts"): {"script": "X: LOAD 1 AS X AutoGenerate 1;"},
}


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


PNG = b"\x89PNG\r\n\x1a\n"
# the path parameters besides appId (an image of the app's media; a folder to list)
PARAMS = {"path": "pics/x.png"}
PER_OP = {("GET", "/apps/{appId}/media/list/{path:path}"): {"path": "pics"}}


def prepare(engine: Engine, ann: httpx.Client, app_id: str) -> dict[str, object]:
    """What the operations work on: an image in the app's media that its thumbnail
    shows, and a published copy of it (Ann's, to republish); the bodies that need them."""
    MediaStore(engine.settings.data_dir).write(app_id, "pics/x.png", PNG)
    app = engine.get_app(app_id)
    app.set_properties({**app.properties, "qThumbnail": {
        "qUrl": f"/api/v1/apps/{app_id}/media/files/pics/x.png"}})
    copy = ann.post(f"/apps/{app_id}/publish", json={"spaceId": "s"}).json()
    return {"targetId": copy["attributes"]["id"]}


def call(client: httpx.Client, op, app_id: str,  # type: ignore[no-untyped-def]
         made: dict[str, object] | None = None) -> httpx.Response:
    params = {**PARAMS, **PER_OP.get((op.method, op.path), {})}
    path = op.template.replace("{appId}", app_id)
    path = re.sub(r"{(\w+)}", lambda m: params.get(m.group(1), "x"), path)
    if op.raw_body:
        return client.request(op.method, path, content=PNG,
                              headers={"content-type": "application/octet-stream"})
    body = BODIES.get((op.method, op.path))
    if (op.method, op.path) == ("PUT", "/apps/{appId}/publish"):
        body = made
    return client.request(op.method, path, json=body)


def test_every_app_operation_names_a_right() -> None:
    assert {op.path for op in APP_OPS} >= {"/apps/{appId}", "/apps/{appId}/copy",
                                          "/apps/{appId}/scripts"}
    assert all("{appId}" in op.path for op in APP_OPS)


@pytest.mark.parametrize("op", APP_OPS, ids=lambda op: f"{op.method} {op.path}")
def test_matrix(op, make_api, rest_engine: Engine, keys) -> None:  # type: ignore[no-untyped-def]
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = ann.post("/apps", json={"attributes": {"name": "A"}}).json()["attributes"]["id"]
    made = prepare(rest_engine, ann, app_id)
    assert call(make_api(None), op, app_id, made).status_code == 401
    assert call(bob, op, app_id, made).status_code == 404  # no right: not there for him
    rest_engine.grant(app_id, "user", "bob", "consume")
    consumer = call(bob, op, app_id, made).status_code
    if op.right == Right.CONSUME:
        assert consumer == 200
    else:
        assert consumer == 403
    for client in (ann, make_api(ADMIN_KEY)):
        status = call(client, op, app_id, made).status_code
        assert status not in (401, 403), status
        assert status == op.status or (status == 404 and "{id}" in op.path)
        if op.method == "DELETE":
            app_id = ann.post("/apps", json={"attributes": {"name": "A"}}).json()[
                "attributes"]["id"]
            made = prepare(rest_engine, ann, app_id)


def test_a_change_of_rights_through_one_engine_holds_on_another_at_once(
        data_dir: Path, database_url: str) -> None:
    """Two engines on one database (and one apps folder), each caching the rules it read:
    a right lowered, revoked, an owner or a space membership changed through the first is
    what the second checks at its very next request, on REST (403, then 404) and on QIX (OpenDoc
    refused with error 5)."""
    from associa.qix.sessions import SessionManager
    from tests.conftest import RunningServer
    from tests.rest.conftest import ANN, BOB

    settings = Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY,
                        api_key_authentication=True)
    one, two = Engine(settings), Engine(settings)
    ann, _ = one.meta.create_api_key(ANN)
    bob, _ = one.meta.create_api_key(BOB)
    servers = [RunningServer(e, SessionManager(e)) for e in (one, two)]

    def client(server: RunningServer, token: str) -> httpx.Client:
        return httpx.Client(base_url=f"http://127.0.0.1:{server.port}/api/v1",
                            headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def opens(token: str, app_id: str) -> dict[str, object]:
        with servers[1].connect("/app/", Authorization=f"Bearer {token}") as ws:
            return ws.request("OpenDoc", app_id)  # type: ignore[no-any-return]

    ann_one, ann_two, bob_two = (client(servers[0], ann), client(servers[1], ann),
                                 client(servers[1], bob))
    try:
        app_id = ann_one.post("/apps", json={"attributes": {"name": "Shared"}}).json()[
            "attributes"]["id"]
        one.grant(app_id, "user", "bob", "edit")
        edit = {"attributes": {"description": "by Bob"}}
        assert bob_two.put(f"/apps/{app_id}", json=edit).status_code == 200  # cached: edit
        assert "result" in opens(bob, app_id)
        one.grant(app_id, "user", "bob", "consume")  # lowered through the first engine
        refused = bob_two.put(f"/apps/{app_id}", json=edit)
        assert refused.status_code == 403, refused.text
        assert bob_two.get(f"/apps/{app_id}").status_code == 200
        assert one.revoke(app_id, "user", "bob")
        assert bob_two.get(f"/apps/{app_id}").status_code == 404
        assert opens(bob, app_id)["error"]["code"] == 5  # type: ignore[index]
        # the owner changed over REST on the first engine: Ann is refused on the second
        assert ann_two.get(f"/apps/{app_id}").status_code == 200
        moved = ann_one.put(f"/apps/{app_id}/owner", json={"ownerId": "corp\\bob"})
        assert moved.status_code == 200, moved.text
        assert ann_two.get(f"/apps/{app_id}").status_code == 404
        assert opens(ann, app_id)["error"]["code"] == 5  # type: ignore[index]
        assert bob_two.put(f"/apps/{app_id}", json=edit).status_code == 200
        # a space's membership changed through the first engine (not cached: read at
        # each check), on the second at once
        sid = ann_one.post("/spaces", json={"name": "Sales", "type": "shared"}).json()["id"]
        in_space = ann_one.post("/apps", json={"attributes": {"name": "In", "spaceId": sid}}
                                ).json()["attributes"]["id"]
        assert bob_two.get(f"/apps/{in_space}").status_code == 404
        made = ann_one.post(f"/spaces/{sid}/assignments", json={
            "type": "user", "assigneeId": "bob", "roles": ["producer"]}).json()
        assert bob_two.put(f"/apps/{in_space}", json=edit).status_code == 200
        assert "result" in opens(bob, in_space)
        assert ann_one.put(f"/spaces/{sid}/assignments/{made['id']}",
                           json={"roles": ["consumer"]}).status_code == 200
        assert bob_two.put(f"/apps/{in_space}", json=edit).status_code == 403
        assert ann_one.delete(f"/spaces/{sid}/assignments/{made['id']}").status_code == 204
        assert bob_two.get(f"/apps/{in_space}").status_code == 404
        assert opens(bob, in_space)["error"]["code"] == 5  # type: ignore[index]
    finally:
        for c in (ann_one, ann_two, bob_two):
            c.close()
        for server in servers:
            server.stop()
        one.close_meta()
        two.close_meta()
