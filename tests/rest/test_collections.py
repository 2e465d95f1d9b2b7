"""/collections: private and public collections, their items, favorites, the items
filter collectionId, /items/{id}/collections; and sort=recentlyUsed per user, over
REST and QIX. Ann and Bob are signed-in users, the admin key an administrator."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from associa.engine import Engine
from associa.rest import collections
from associa.settings import Settings
from tests.conftest import RunningServer
from tests.rest.test_apps import create

ADMIN_KEY = "collections-admin"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    # API keys on the socket too: Bob opens an app over QIX as himself
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY,
                    api_key_authentication=True)


@pytest.fixture
def users(make_api: Callable[..., httpx.Client],
          keys: dict[str, str]) -> tuple[httpx.Client, httpx.Client, httpx.Client]:
    """Ann, Bob and the administrator."""
    return make_api(keys["ann"]), make_api(keys["bob"]), make_api(ADMIN_KEY)


def item_of(client: httpx.Client, name: str) -> dict:
    data = client.get("/items", params={"name": name}).json()["data"]
    assert len(data) == 1, data
    return data[0]


def names(page: dict) -> list[str]:
    return [e["name"] for e in page["data"]]


def shared_item(engine: Engine, ann: httpx.Client, name: str = "Shared") -> dict:
    """An app of Ann's that Bob may consume, as Ann's item."""
    app_id = create(ann, name)["attributes"]["id"]
    engine.grant(app_id, "user", "bob", "consume")
    return item_of(ann, name)


def test_create_list_get_change_delete(users) -> None:  # type: ignore[no-untyped-def]
    ann, bob, admin = users
    mine = ann.post("/collections", json={"name": "Mine", "type": "private",
                                          "description": "for me"})
    assert mine.status_code == 201
    c = mine.json()
    assert (c["name"], c["type"], c["description"], c["creatorId"], c["itemCount"]) == (
        "Mine", "private", "for me", "ann", 0)
    assert c["links"]["self"]["href"].endswith(f"/api/v1/collections/{c['id']}")
    tag = ann.post("/collections", json={"name": "Finance", "type": "public"}).json()
    assert names(ann.get("/collections").json()) == ["Mine", "Finance"]
    assert names(bob.get("/collections").json()) == ["Finance"]  # Ann's private one: no
    assert names(admin.get("/collections").json()) == ["Finance"]
    assert bob.get(f"/collections/{c['id']}").status_code == 404
    assert bob.get(f"/collections/{tag['id']}").json()["name"] == "Finance"
    # filters, sort, paging
    assert names(ann.get("/collections", params={"type": "public"}).json()) == ["Finance"]
    assert names(ann.get("/collections", params={"query": "FOR ME"}).json()) == ["Mine"]
    assert names(ann.get("/collections", params={"name": "Mine"}).json()) == ["Mine"]
    assert names(ann.get("/collections", params={"name": "mine"}).json()) == []
    assert names(ann.get("/collections", params={"sort": "-name"}).json()) == [
        "Mine", "Finance"]
    assert names(ann.get("/collections", params={"creatorId": "bob"}).json()) == []
    first = ann.get("/collections", params={"limit": 1}).json()
    assert names(first) == ["Mine"]
    assert names(ann.get(first["links"]["next"]["href"]).json()) == ["Finance"]
    # PUT and PATCH
    put = ann.put(f"/collections/{c['id']}", json={"name": "Mine 2"})
    assert put.status_code == 200 and put.json()["name"] == "Mine 2"
    assert put.json()["description"] == "for me"
    patch = ann.patch(f"/collections/{c['id']}", json=[
        {"op": "replace", "path": "/description", "value": "new"}])
    assert patch.status_code == 200 and patch.json()["description"] == "new"
    assert ann.get(f"/collections/{c['id']}").json()["description"] == "new"
    # Bob may not touch a public collection of Ann's; the administrator may
    assert bob.put(f"/collections/{tag['id']}", json={"name": "X"}).status_code == 403
    assert bob.delete(f"/collections/{tag['id']}").status_code == 403
    assert admin.put(f"/collections/{tag['id']}", json={"name": "Money"}).json()[
        "updaterId"] != "ann"
    assert ann.delete(f"/collections/{c['id']}").status_code == 204
    assert ann.get(f"/collections/{c['id']}").status_code == 404
    assert admin.delete(f"/collections/{tag['id']}").status_code == 204
    assert names(ann.get("/collections").json()) == []


def test_public_names_are_unique(users) -> None:  # type: ignore[no-untyped-def]
    ann, bob, _ = users
    assert ann.post("/collections", json={"name": "Tag", "type": "public"}).status_code == 201
    taken = bob.post("/collections", json={"name": "Tag", "type": "publicgoverned"})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["source"]["pointer"] == "/name"
    # private collections may share a name, with a public one or with each other
    for _ in range(2):
        assert bob.post("/collections", json={"name": "Tag", "type": "private"}
                        ).status_code == 201
    other = ann.post("/collections", json={"name": "Other", "type": "public"}).json()
    assert ann.put(f"/collections/{other['id']}", json={"name": "Tag"}).status_code == 409
    assert ann.get(f"/collections/{other['id']}").json()["name"] == "Other"


@pytest.mark.parametrize("body", [
    {}, {"name": "x"}, {"name": "x", "type": "favorite"}, {"name": "x", "type": "shared"},
    {"name": "", "type": "private"}, {"name": "   ", "type": "private"},
    {"name": "x", "type": "private", "color": "red"}, {"name": "x" * 257, "type": "private"},
    ["x"],
])
def test_bad_creations_are_400_and_make_nothing(users, body) -> None:  # type: ignore[no-untyped-def]
    ann, _, _ = users
    r = ann.post("/collections", json=body)
    assert r.status_code == 400
    assert r.json()["errors"][0]["title"] == "Bad request"
    assert ann.get("/collections").json()["data"] == []


def test_bad_changes_are_400_and_change_nothing(users) -> None:  # type: ignore[no-untyped-def]
    ann, _, _ = users
    c = ann.post("/collections", json={"name": "C", "type": "private"}).json()
    for body in ([{"op": "add", "path": "/name", "value": "x"}],
                 [{"op": "replace", "path": "/type", "value": "public"}],
                 [{"op": "replace", "path": "/name", "value": " "}],
                 [{"op": "replace", "path": "/name", "value": 3}],
                 {"name": "x"}):
        assert ann.patch(f"/collections/{c['id']}", json=body).status_code == 400, body
    for body in ({"name": ""}, {"type": "public"}, {"name": "x", "extra": 1}):
        assert ann.put(f"/collections/{c['id']}", json=body).status_code == 400, body
    assert ann.get(f"/collections/{c['id']}").json()["name"] == "C"
    assert ann.get("/collections", params={"sort": "+size"}).status_code == 400
    assert ann.get("/collections", params={"type": "favorite"}).status_code == 400


def test_items_in_collections(users, rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    ann, bob, _ = users
    item = shared_item(rest_engine, ann)
    secret = create(ann, "Secret")
    secret_item = item_of(ann, "Secret")
    assert secret["attributes"]["id"] == secret_item["resourceId"]
    private = ann.post("/collections", json={"name": "Mine", "type": "private"}).json()
    tag = ann.post("/collections", json={"name": "Tag", "type": "public"}).json()
    for c in (private, tag):
        added = ann.post(f"/collections/{c['id']}/items", json={"id": item["id"]})
        assert added.status_code == 201 and added.json()["id"] == item["id"]
    assert ann.post(f"/collections/{tag['id']}/items", json={"id": secret_item["id"]}
                    ).status_code == 201
    again = ann.post(f"/collections/{tag['id']}/items", json={"id": item["id"]})
    assert again.status_code == 409
    assert ann.post(f"/collections/{tag['id']}/items", json={"id": "nope"}).status_code == 404
    assert ann.post(f"/collections/{tag['id']}/items", json={}).status_code == 400
    # what Ann sees
    assert names(ann.get(f"/collections/{tag['id']}/items").json()) == ["Shared", "Secret"]
    assert ann.get(f"/collections/{tag['id']}").json()["itemCount"] == 2
    assert names(ann.get("/items", params={"collectionId": private["id"]}).json()) == [
        "Shared"]
    assert names(ann.get(f"/collections/{tag['id']}/items",
                         params={"name": "sec"}).json()) == ["Secret"]
    listed = item_of(ann, "Shared")
    assert sorted(listed["collectionIds"]) == sorted([private["id"], tag["id"]])
    assert listed["meta"]["collections"] == listed["collectionIds"]
    assert sorted(c["name"] for c in ann.get(f"/items/{item['id']}/collections").json()[
        "data"]) == ["Mine", "Tag"]
    one = ann.get(f"/collections/{tag['id']}/items/{item['id']}")
    assert one.status_code == 200 and one.json()["name"] == "Shared"
    # what Bob sees: the public collection, and in it only the item he may see
    assert names(bob.get(f"/collections/{tag['id']}/items").json()) == ["Shared"]
    assert bob.get(f"/collections/{tag['id']}").json()["itemCount"] == 1
    assert names(bob.get("/items", params={"collectionId": private["id"]}).json()) == []
    assert bob.get(f"/collections/{private['id']}/items").status_code == 404
    bob_view = item_of(bob, "Shared")
    assert bob_view["collectionIds"] == [tag["id"]]
    assert [c["name"] for c in bob.get(f"/items/{item['id']}/collections").json()[
        "data"]] == ["Tag"]
    assert bob.get(f"/collections/{tag['id']}/items/{secret_item['id']}").status_code == 404
    assert bob.post(f"/collections/{tag['id']}/items", json={"id": item["id"]}
                    ).status_code == 403
    assert bob.delete(f"/collections/{tag['id']}/items/{item['id']}").status_code == 403
    # taking out
    assert ann.delete(f"/collections/{tag['id']}/items/{item['id']}").status_code == 204
    assert ann.delete(f"/collections/{tag['id']}/items/{item['id']}").status_code == 404
    assert names(ann.get(f"/collections/{tag['id']}/items").json()) == ["Secret"]
    assert item_of(ann, "Shared")["collectionIds"] == [private["id"]]
    # a deleted app leaves its collections
    assert ann.delete(f"/apps/{secret['attributes']['id']}").status_code in (200, 204)
    assert ann.get(f"/collections/{tag['id']}/items").json()["data"] == []
    assert ann.get(f"/collections/{tag['id']}").json()["itemCount"] == 0


def test_favorites(users, rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    ann, bob, _ = users
    item = shared_item(rest_engine, ann)
    fav = ann.get("/collections/favorites")
    assert fav.status_code == 200
    fav_id = fav.json()["id"]
    assert fav.json()["type"] == "favorite"
    assert ann.get("/collections/favorites").json()["id"] == fav_id  # the same one
    assert bob.get("/collections/favorites").json()["id"] != fav_id  # each user's own
    assert ann.post(f"/collections/{fav_id}/items", json={"id": item["id"]}).status_code == 201
    listed = item_of(ann, "Shared")
    assert listed["isFavorited"] and listed["meta"]["isFavorited"]
    assert listed["collectionIds"] == []  # the favorites are not a listed collection
    assert not item_of(bob, "Shared")["isFavorited"]  # Ann's favorite, not Bob's
    assert names(ann.get("/items", params={"collectionId": fav_id}).json()) == ["Shared"]
    assert ann.get("/collections/favorites").json()["itemCount"] == 1
    assert ann.get("/collections").json()["data"] == []
    assert ann.get(f"/items/{item['id']}/collections").json()["data"] == []
    assert bob.get(f"/collections/{fav_id}").status_code == 404
    assert ann.put(f"/collections/{fav_id}", json={"name": "F"}).status_code == 403
    assert ann.delete(f"/collections/{fav_id}").status_code == 403
    assert ann.delete(f"/collections/{fav_id}/items/{item['id']}").status_code == 204
    assert not item_of(ann, "Shared")["isFavorited"]


def test_collections_need_a_caller(make_api: Callable[..., httpx.Client]) -> None:
    nobody = make_api()
    for method, path in (("GET", "/collections"), ("GET", "/collections/favorites"),
                         ("POST", "/collections"), ("GET", "/items/x/collections")):
        assert nobody.request(method, path).status_code == 401


def test_recently_used_per_user(users, rest_server: RunningServer,  # type: ignore[no-untyped-def]
                                rest_engine: Engine, keys: dict[str, str]) -> None:
    ann, bob, _ = users
    ids = {}
    for name in ("First", "Second", "Third"):
        ids[name] = shared_item(rest_engine, ann, name)
    ann.get(f"/items/{ids['First']['id']}")  # Ann reads an item over REST
    with rest_server.connect(f"/app/{ids['Second']['resourceId']}",
                             Authorization=f"Bearer {keys['bob']}") as ws:
        ws.call("OpenDoc", ids["Second"]["resourceId"])  # Bob opens an app over QIX
    recent = {"sort": "-recentlyUsed", "limit": 3}
    assert names(ann.get("/items", params=recent).json())[0] == "First"
    assert names(bob.get("/items", params=recent).json())[0] == "Second"
    # never used counts as oldest: first when the order is +recentlyUsed
    assert names(ann.get("/items", params={"sort": "+recentlyUsed"}).json()) == [
        "Second", "Third", "First"]
    bob.get(f"/apps/{ids['Third']['resourceId']}")
    assert names(bob.get("/items", params=recent).json()) == ["Third", "Second", "First"]
    # another user's use changes nothing for Ann
    assert names(ann.get("/items", params=recent).json()) == ["First", "Second", "Third"]


# -- the authorization matrix -------------------------------------------------------------

OWNER_ONLY = {"bob": 404, "admin": 404}  # a private collection is its creator's alone
CREATOR_OR_ADMIN = {"bob": 403}  # a public one: everyone sees it, Bob may not change it
CHANGES = {("PUT", collections.ONE), ("PATCH", collections.ONE), ("DELETE", collections.ONE),
           ("POST", collections.ONE + "/items"), ("DELETE", collections.ITEM)}
ON_ONE = {(op.method, op.path) for op in collections.OPERATIONS if "{collectionId}" in op.path}
MATRIX_BODIES: dict[tuple[str, str], Callable[[str], object]] = {  # from a fresh name
    ("POST", "/collections"): lambda name: {"name": name, "type": "public"},
    ("PUT", collections.ONE): lambda name: {"name": name},
    ("PATCH", collections.ONE): lambda name: [{"op": "replace", "path": "/name",
                                               "value": name}],
}
FRESH = itertools.count()


def expected(op, kind: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    key = (op.method, op.path)
    if key not in ON_ONE:
        return {}
    if kind == "private":
        return OWNER_ONLY
    return CREATOR_OR_ADMIN if key in CHANGES else {}


def matrix_resources(engine: Engine, ann: httpx.Client, kind: str) -> dict[str, str]:
    """Ann's collection of ``kind`` holding an item Bob may see, and another such item."""
    n = next(FRESH)
    held = shared_item(engine, ann, f"Held {n}")
    extra = shared_item(engine, ann, f"Extra {n}")
    c = ann.post("/collections", json={"name": f"C {n}", "type": kind}).json()
    ann.post(f"/collections/{c['id']}/items", json={"id": held["id"]})
    return {"collectionId": c["id"], "itemId": held["id"], "extra": extra["id"]}


def send(client: httpx.Client, op, ids: dict[str, str]) -> httpx.Response:  # type: ignore[no-untyped-def]
    path = op.template
    for name in ("collectionId", "itemId"):
        path = path.replace("{" + name + "}", ids[name])
    make = MATRIX_BODIES.get((op.method, op.path))
    body = make(f"Name {next(FRESH)}") if make is not None else None
    if (op.method, op.path) == ("POST", collections.ONE + "/items"):
        body = {"id": ids["extra"]}
    return client.request(op.method, path, json=body) if body is not None else \
        client.request(op.method, path)


@pytest.mark.parametrize("kind", ["private", "public"])
@pytest.mark.parametrize("op", collections.OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_matrix(op, kind: str, users, make_api, rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    ann, bob, admin = users
    want = expected(op, kind)
    ids = matrix_resources(rest_engine, ann, kind)
    assert send(make_api(), op, ids).status_code == 401
    for name, client in (("bob", bob), ("admin", admin), ("ann", ann)):
        got = send(client, op, ids).status_code
        assert got == want.get(name, op.status), name
        if got < 300 and op.method in ("DELETE", "POST", "PUT", "PATCH"):
            ids = matrix_resources(rest_engine, ann, kind)  # the call used them up


def test_include_items(users, rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    """includeItems puts each listed collection's first items in meta.items, with the
    links of its items list; as JSON or deep-object parameters; bad ones are 400s."""
    ann, bob, _ = users
    made = [shared_item(rest_engine, ann, name) for name in ("B1", "A2", "C3")]
    c = ann.post("/collections", json={"name": "Three", "type": "public"}).json()
    for item in made:
        assert ann.post(f"/collections/{c['id']}/items", json={"id": item["id"]}).status_code == 201
    empty = ann.post("/collections", json={"name": "Empty", "type": "private"}).json()
    plain = ann.get("/collections").json()
    assert all("meta" not in e or not e["meta"] for e in plain["data"])
    as_json = ann.get("/collections", params={
        "includeItems": '{"limit": 2, "sort": "+name"}', "sort": "+name"}).json()
    deep = ann.get("/collections", params={
        "includeItems[limit]": "2", "includeItems[sort]": "+name", "sort": "+name"}).json()
    for answer in (as_json, deep):
        by_name = {e["name"]: e for e in answer["data"]}
        three = by_name["Three"]["meta"]["items"]
        assert names(three) == ["A2", "B1"]
        assert three["data"][0]["resourceType"] == "app"
        assert by_name["Empty"]["meta"]["items"]["data"] == []
        # the links are the collection's items list's: following next gives the rest
        assert f"/collections/{c['id']}/items" in three["links"]["self"]["href"]
        rest = ann.get(three["links"]["next"]["href"]).json()
        assert names(rest) == ["C3"]
    assert empty["id"] in {e["id"] for e in deep["data"]}
    # Bob sees the public collection and, in it, the items he may see (all three here)
    bobs = bob.get("/collections", params={"includeItems": "{}"}).json()["data"]
    assert [len(e["meta"]["items"]["data"]) for e in bobs] == [3]
    typed = ann.get("/collections", params={"includeItems[resourceType]": "dataset",
                                            "name": "Three"}).json()["data"]
    assert typed[0]["meta"]["items"]["data"] == []
    for bad in ({"includeItems": "[1]"}, {"includeItems": "{"},
                {"includeItems": '{"limit": 0}'}, {"includeItems[limit]": "x"},
                {"includeItems[colour]": "red"}, {"includeItems": '{"sort": "up"}'},
                {"includeItems": "{}", "includeItems[limit]": "2"}):
        r = ann.get("/collections", params=bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["errors"][0]["source"]["parameter"] == "includeItems"
    # on the collections of an item too
    held = ann.get(f"/items/{made[0]['id']}/collections",
                   params={"includeItems[limit]": "1"}).json()["data"]
    assert [len(e["meta"]["items"]["data"]) for e in held] == [1]


def test_item_views(users, rest_server: RunningServer,  # type: ignore[no-untyped-def]
                    rest_engine: Engine, keys: dict[str, str]) -> None:
    """An app opened over QIX is a view: its item (in a collection, and in /items) shows
    the views of the last 28 days; reading it over REST is not one."""
    ann, bob, _ = users
    made = shared_item(rest_engine, ann, "Viewed")
    other = shared_item(rest_engine, ann, "Unseen")
    c = ann.post("/collections", json={"name": "Watched", "type": "public"}).json()
    for item in (made, other):
        ann.post(f"/collections/{c['id']}/items", json={"id": item["id"]})
    for who in ("ann", "ann", "bob"):
        with rest_server.connect(f"/app/{made['resourceId']}",
                                 Authorization=f"Bearer {keys[who]}") as ws:
            ws.call("OpenDoc", made["resourceId"])
    ann.get(f"/apps/{made['resourceId']}")  # not a view
    listed = {e["name"]: e for e in bob.get(f"/collections/{c['id']}/items").json()["data"]}
    views = listed["Viewed"]["itemViews"]
    assert (views["total"], views["unique"]) == (3, 2)
    assert [(w["total"], w["unique"]) for w in views["week"]] == [(0, 0), (0, 0), (0, 0),
                                                                  (3, 2)]
    assert views["trend"] == pytest.approx(0.6)  # the slope through 0, 0, 0, 2
    assert listed["Unseen"]["itemViews"]["total"] == 0
    one = ann.get(f"/collections/{c['id']}/items/{made['id']}").json()
    assert one["itemViews"] == views
    assert ann.get(f"/items/{made['id']}").json()["itemViews"] == views
