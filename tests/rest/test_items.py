"""/items: every app as an item, filters, sort, pages; items follow apps made and deleted
over QIX as well as REST."""

from __future__ import annotations

import httpx

from associa.engine import Engine
from tests.conftest import RunningServer
from tests.rest.test_apps import create


def names(page: dict) -> list[str]:
    return [item["name"] for item in page["data"]]


def test_filters_and_sort(api: httpx.Client) -> None:
    a = create(api, "Alpha sales", description="north")["attributes"]["id"]
    create(api, "Beta", description="Sales in the south", spaceId="s1")
    create(api, "Gamma")
    page = api.get("/items").json()
    assert names(page) == ["Alpha sales", "Beta", "Gamma"]  # +createdAt by default
    item = page["data"][0]
    assert item["resourceType"] == "app" and item["resourceId"] == a
    assert item["resourceLink"].endswith(f"/api/v1/apps/{a}")
    assert item["resourceAttributes"]["name"] == "Alpha sales"
    assert names(api.get("/items", params={"sort": "-name"}).json()) == [
        "Gamma", "Beta", "Alpha sales"]
    assert names(api.get("/items", params={"name": "SALES"}).json()) == ["Alpha sales"]
    assert names(api.get("/items", params={"query": "sales"}).json()) == [
        "Alpha sales", "Beta"]
    assert names(api.get("/items", params={"spaceId": "s1"}).json()) == ["Beta"]
    assert names(api.get("/items", params={"spaceId": "personal"}).json()) == [
        "Alpha sales", "Gamma"]
    assert names(api.get("/items", params={"resourceType": "app,qvapp"}).json()) == [
        "Alpha sales", "Beta", "Gamma"]
    assert names(api.get("/items", params={"resourceType": "dataset"}).json()) == []
    assert names(api.get("/items", params={"resourceType": "app",
                                           "resourceId": a}).json()) == ["Alpha sales"]
    assert api.get("/items", params={"resourceId": a}).status_code == 400
    assert api.get("/items", params={"sort": "+size"}).status_code == 400
    one = api.get(f"/items/{item['id']}").json()
    assert one["id"] == item["id"] and one["name"] == "Alpha sales"
    assert api.get("/items/nope").status_code == 404


def test_pages_follow_the_links(api: httpx.Client) -> None:
    for i in range(5):
        create(api, f"App {i}")
    seen: list[str] = []
    page = api.get("/items", params={"limit": 2}).json()
    assert "prev" not in page["links"]
    while True:
        seen += names(page)
        nxt = page["links"].get("next")
        if nxt is None:
            break
        assert nxt["href"].startswith("http://127.0.0.1:")
        page = api.get(nxt["href"]).json()
    assert seen == [f"App {i}" for i in range(5)]
    back = api.get(page["links"]["prev"]["href"]).json()
    assert names(back) == ["App 2", "App 3"]


def test_bad_paging_is_400(api: httpx.Client) -> None:
    create(api)
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"next": "garbage"},
                   {"prev": "!!!"}, {"next": "eyJvIjoxfQ"}):
        r = api.get("/items", params=params)
        assert r.status_code == 400, params
        assert r.json()["errors"][0]["source"]["parameter"] in ("limit", "next", "prev")
    # a cursor of another query
    for i in range(3):
        create(api, f"More {i}")
    nxt = api.get("/items", params={"limit": 1}).json()["links"]["next"]["href"]
    cursor = httpx.URL(nxt).params["next"]
    assert api.get("/items", params={"limit": 1, "name": "x", "next": cursor}).status_code == 400
    # another limit is the same query
    assert names(api.get("/items", params={"limit": 100, "next": cursor}).json()) == [
        "More 0", "More 1", "More 2"]


def test_items_follow_qix_create_and_delete(api: httpx.Client, rest_server: RunningServer,
                                            rest_engine: Engine) -> None:
    create(api, "Over REST")
    with rest_server.connect("/app/") as ws:
        ws.call("CreateApp", "Over QIX")
        assert "Over QIX" in names(api.get("/items").json())
    with rest_server.connect("/app/Over%20QIX") as ws:
        doc = ws.call("OpenDoc", "Over QIX")["qReturn"]["qHandle"]
        props = ws.call("GetAppProperties", handle=doc)["qProp"]
        ws.call("SetAppProperties", {**props, "qTitle": "Renamed"}, handle=doc)
        ws.call("DoSave", handle=doc)
        assert "Renamed" in names(api.get("/items").json())
    with rest_server.connect("/app/") as ws:
        ws.call("DeleteApp", "Over QIX")
    assert names(api.get("/items").json()) == ["Over REST"]


def test_apps_made_before_are_listed(rest_engine: Engine, api: httpx.Client) -> None:
    rest_engine.create_app("Old app")  # no REST request yet: found at the first one
    assert names(api.get("/items").json()) == ["Old app"]
    rest_engine.store.delete("Old app")  # the file removed behind the engine's back
    rest_engine.apps.pop("Old app")
    rest_engine.observers[0]("deleted", "Old app")
    assert names(api.get("/items").json()) == []


def test_only_visible_items_are_listed(make_api, rest_engine: Engine, keys) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = create(ann, "Ann's")["attributes"]["id"]
    create(bob, "Bob's")
    assert names(ann.get("/items").json()) == ["Ann's"]
    assert names(bob.get("/items").json()) == ["Bob's"]
    item_id = ann.get("/items").json()["data"][0]["id"]
    assert bob.get(f"/items/{item_id}").status_code == 404
    rest_engine.grant(app_id, "group", "sales", "consume")  # Ann's group, not Bob's
    assert bob.get(f"/items/{item_id}").status_code == 404
    rest_engine.grant(app_id, "user", "bob", "consume")
    assert names(bob.get("/items", params={"sort": "+name"}).json()) == ["Ann's", "Bob's"]
    assert names(bob.get("/items", params={"ownerId": "ann"}).json()) == ["Ann's"]
    assert bob.get(f"/items/{item_id}").json()["actions"] == ["read"]


def test_other_kinds_come_from_their_modules(api: httpx.Client, rest_engine: Engine,
                                             monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from associa.rest import resources
    from associa.rest.itemkinds import ItemKind
    from associa.store.items import Item, new_id

    create(api, "An app")
    rest_engine.items.put(Item(id=new_id(), resource_type="note", resource_id="n1",
                               name="A note"))
    assert names(api.get("/items").json()) == ["An app"]  # no module declares notes
    kinds = resources.item_kinds()
    note = ItemKind(actions=lambda call, item: ["read"],
                    attributes=lambda call, item: {"text": "hello"},
                    link=lambda item: f"/notes/{item.resource_id}")
    monkeypatch.setattr(resources, "item_kinds", lambda: {**kinds, "note": note})
    page = api.get("/items", params={"resourceType": "note"}).json()
    assert names(page) == ["A note"]
    assert page["data"][0]["resourceAttributes"] == {"text": "hello"}
    assert page["data"][0]["resourceLink"].endswith("/api/v1/notes/n1")


def test_update_an_item(make_api, rest_engine: Engine, keys) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = create(ann, "Sales")["attributes"]["id"]
    item = ann.get("/items").json()["data"][0]
    r = ann.put(f"/items/{item['id']}", json={"resourceType": "app", "name": "Revenue",
                                              "description": "Money", "thumbnailId": "t",
                                              "resourceAttributes": {"x": 1}})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Revenue" and r.json()["description"] == "Money"
    assert r.json()["id"] == item["id"]
    assert rest_engine.get_app(app_id).title == "Revenue"  # the app's name is its title
    attrs = ann.get(f"/apps/{app_id}").json()["attributes"]
    assert attrs["name"] == "Revenue" and attrs["description"] == "Money"
    # refused, and nothing changes
    for body, status in (({"name": "x"}, 400), ({"resourceType": "dataset", "name": "x"}, 400),
                         ({"resourceType": "app", "name": ""}, 400),
                         ({"resourceType": "app", "name": 5}, 400),
                         ({"resourceType": "app", "unknown": 1}, 400)):
        assert ann.put(f"/items/{item['id']}", json=body).status_code == status, body
    assert ann.put("/items/nope", json={"resourceType": "app"}).status_code == 404
    assert bob.put(f"/items/{item['id']}", json={"resourceType": "app",
                                                 "name": "x"}).status_code == 404
    rest_engine.grant(app_id, "user", "bob", "consume")
    assert bob.put(f"/items/{item['id']}", json={"resourceType": "app",
                                                 "name": "x"}).status_code == 403
    assert ann.get(f"/items/{item['id']}").json()["name"] == "Revenue"


def test_filters_by_creator_owner_space_type(make_api, rest_engine: Engine, keys) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    shared = ann.post("/spaces", json={"name": "Team", "type": "shared"})
    assert shared.status_code == 201, shared.text
    managed = ann.post("/spaces", json={"name": "Prod", "type": "managed"}).json()["id"]
    create(ann, "Mine")
    create(ann, "In team", spaceId=shared.json()["id"])
    create(ann, "In prod", spaceId=managed)
    made_by_bob = create(bob, "Bobs")["attributes"]["id"]
    rest_engine.grant(made_by_bob, "user", "ann", "consume")
    assert names(ann.get("/items", params={"createdByUserId": "bob"}).json()) == ["Bobs"]
    assert names(ann.get("/items", params={"notCreatedByUserId": "bob"}).json()) == [
        "Mine", "In team", "In prod"]
    assert names(ann.get("/items", params={"notOwnerId": "ann"}).json()) == ["Bobs"]
    assert names(ann.get("/items", params={"spaceType": "shared"}).json()) == ["In team"]
    assert names(ann.get("/items", params={"spaceType": "managed,personal"}).json()) == [
        "Mine", "In prod", "Bobs"]
    assert names(ann.get("/items", params={"shared": "true"}).json()) == ["In team"]
    assert names(ann.get("/items", params={"shared": "false"}).json()) == [
        "Mine", "In prod", "Bobs"]
    first = ann.get("/items").json()["data"][0]
    assert names(ann.get("/items", params={"id": first["id"]}).json()) == ["Mine"]
    # apps have no subtype: the empty subtype is theirs
    assert names(ann.get("/items", params={"resourceType": "app[]"}).json()) == [
        "Mine", "In team", "In prod", "Bobs"]
    assert names(ann.get("/items", params={"resourceType": "app[qvd]"}).json()) == []
    assert names(ann.get("/items", params={"resourceSubType": "qvd"}).json()) == []
    assert "resourceSubType" not in first
    for params in ({"spaceType": "public"}, {"shared": "maybe"},
                   {"resourceType": "app[qvd]", "resourceSubType": "qvd"},
                   {"resourceType": "app[qvd"}):
        r = ann.get("/items", params=params)
        assert r.status_code == 400, params


def test_data_files_are_dataset_items(make_api, rest_engine: Engine, keys) -> None:
    """An uploaded data file is a ``dataset`` item of subtype ``qix-df`` for whoever may
    see the file; renaming the item renames the file; a deleted file's item goes."""
    from tests.rest.test_datafiles import upload

    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    create(ann, "Sales")
    made = upload(ann, "sales.csv").json()
    data = ann.get("/items", params={"resourceType": "dataset"}).json()["data"]
    assert [(i["name"], i["resourceSubType"], i["resourceId"]) for i in data] == [
        ("sales.csv", "qix-df", made["id"])]
    item = data[0]
    assert item["resourceLink"].endswith(f"/api/v1/data-files/{made['id']}")
    assert item["resourceAttributes"]["size"] == made["size"] and item["ownerId"] == "ann"
    assert names(ann.get("/items", params={"resourceType": "dataset[qix-df]"}).json()) == [
        "sales.csv"]
    assert names(ann.get("/items", params={"resourceSubType": "qix-df"}).json()) == [
        "sales.csv"]
    assert names(ann.get("/items", params={"resourceType": "app,dataset"}).json()) == [
        "Sales", "sales.csv"]
    assert bob.get("/items", params={"resourceType": "dataset"}).json()["data"] == []
    assert bob.get(f"/items/{item['id']}").status_code == 404

    r = ann.put(f"/items/{item['id']}", json={"resourceType": "dataset", "name": "q1.csv"})
    assert r.status_code == 200 and r.json()["name"] == "q1.csv"
    assert ann.get(f"/data-files/{made['id']}").json()["name"] == "q1.csv"
    upload(ann, "other.csv")
    r = ann.put(f"/items/{item['id']}", json={"resourceType": "dataset", "name": "other.csv"})
    assert r.status_code == 409
    r = ann.put(f"/items/{item['id']}", json={"resourceType": "dataset", "name": "../x.csv"})
    assert r.status_code == 400
    assert ann.get(f"/items/{item['id']}").json()["name"] == "q1.csv"

    assert ann.delete(f"/data-files/{made['id']}").status_code in (200, 204)
    assert names(ann.get("/items", params={"resourceType": "dataset"}).json()) == [
        "other.csv"]
    assert ann.get(f"/items/{item['id']}").status_code == 404


def test_collections(api: httpx.Client) -> None:
    create(api, "Sales")
    item = api.get("/items").json()["data"][0]
    made = api.post("/collections", json={"name": "Team", "type": "private"})
    assert made.status_code == 201
    added = api.post(f"/collections/{made.json()['id']}/items", json={"id": item["id"]})
    assert added.status_code == 201
    assert [c["name"] for c in api.get(f"/items/{item['id']}/collections").json()["data"]] == [
        "Team"]


def test_sort_by_recently_used(api: httpx.Client) -> None:
    create(api, "Old")
    recent = create(api, "Recent")["attributes"]["id"]
    api.get(f"/apps/{recent}")
    r = api.get("/items", params={"sort": "-recentlyUsed"})
    assert r.status_code == 200 and names(r.json())[0] == "Recent"


def test_resource_ids_link_and_no_actions(api: httpx.Client) -> None:
    a = create(api, "A")["attributes"]["id"]
    b = create(api, "B")["attributes"]["id"]
    create(api, "C")
    assert names(api.get("/items", params={"resourceType": "app",
                                           "resourceIds": f"{b},{a}"}).json()) == ["A", "B"]
    assert names(api.get("/items", params={"resourceType": "app",
                                           "resourceIds": "nope"}).json()) == []
    for params in ({"resourceIds": a}, {"resourceType": "app", "resourceIds": ","},
                   {"resourceType": "app", "resourceIds": ",".join(["x"] * 101)}):
        r = api.get("/items", params=params)
        assert r.status_code == 400, params
        assert r.json()["errors"][0]["source"]["parameter"] == "resourceIds"
    link = api.get("/items", params={"name": "B"}).json()["data"][0]["resourceLink"]
    assert names(api.get("/items", params={"resourceLink": link}).json()) == ["B"]
    assert names(api.get("/items", params={"resourceLink": link + "x"}).json()) == []
    plain = api.get("/items", params={"name": "A"}).json()["data"][0]
    bare = api.get("/items", params={"name": "A", "noActions": "true"}).json()["data"][0]
    assert plain["actions"] and bare["actions"] == [] and bare["meta"]["actions"] == []
    assert bare["id"] == plain["id"]
    assert api.get("/items", params={"noActions": "maybe"}).status_code == 400


def test_collection_filter_of_an_unknown_collection_is_empty(api: httpx.Client) -> None:
    create(api, "A")
    assert api.get("/items", params={"collectionId": "nope"}).json()["data"] == []
