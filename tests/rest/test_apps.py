"""/apps over a real server: create, read, change, copy, delete, export and import,
owner and publish; every answer checked against the served OpenAPI document."""

from __future__ import annotations

import httpx

from associa.app.app import App
from associa.engine import Engine
from tests.conftest import SALES_SCRIPT


def create(api: httpx.Client, name: str = "Sales", **attrs: object) -> dict:
    r = api.post("/apps", json={"attributes": {"name": name, **attrs}})
    assert r.status_code == 200, r.text
    return r.json()


def loaded(api: httpx.Client, engine: Engine) -> tuple[str, App]:
    """A new app, made over REST, with the sales data loaded and saved."""
    app_id = create(api)["attributes"]["id"]
    app = engine.get_app(app_id)
    app.set_script(SALES_SCRIPT)
    app.reload()
    engine.save_app(app)
    return app_id, app


def test_create_get_update_delete(api: httpx.Client, rest_engine: Engine) -> None:
    made = create(api, description="Numbers", spaceId="space-1", usage="ANALYTICS")
    attrs = made["attributes"]
    app_id = attrs["id"]
    assert len(app_id) == 36 and attrs["name"] == "Sales"
    assert attrs["description"] == "Numbers" and attrs["spaceId"] == "space-1"
    assert "read" in made["privileges"] and "delete" in made["privileges"]
    assert rest_engine.get_app(app_id).title == "Sales"  # a real app in the engine

    got = api.get(f"/apps/{app_id}").json()["attributes"]
    assert got["name"] == "Sales" and got["createdDate"] == attrs["createdDate"]

    changed = api.put(f"/apps/{app_id}", json={"attributes": {"name": "Revenue",
                                                              "description": "New"}})
    assert changed.status_code == 200
    assert changed.json()["attributes"]["name"] == "Revenue"
    assert api.get(f"/apps/{app_id}").json()["attributes"]["description"] == "New"
    assert rest_engine.get_app(app_id).title == "Revenue"

    assert api.delete(f"/apps/{app_id}").status_code == 200
    assert not rest_engine.app_exists(app_id)
    assert api.get(f"/apps/{app_id}").status_code == 404
    assert api.delete(f"/apps/{app_id}").status_code == 404


def test_a_name_is_needed_and_checked(api: httpx.Client) -> None:
    r = api.post("/apps", json={"attributes": {}})
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"pointer": "/attributes/name"}
    assert api.post("/apps", json={"attributes": {"name": ""}}).status_code == 400
    assert api.post("/apps", json={"attributes": {"name": " \t"}}).status_code == 400
    assert api.post("/apps", json={"attributes": {"name": "x", "usage": "NOPE"}}).status_code == 400


def test_copy_keeps_script_and_data(api: httpx.Client, rest_engine: Engine) -> None:
    app_id, app = loaded(api, rest_engine)
    r = api.post(f"/apps/{app_id}/copy", json={"attributes": {"name": "Sales copy"}})
    assert r.status_code == 200
    copy = r.json()["attributes"]
    assert copy["id"] != app_id and copy["name"] == "Sales copy"
    assert copy["originAppId"] == app_id
    copied = rest_engine.get_app(copy["id"])
    assert copied.script == SALES_SCRIPT
    assert set(copied.model.data_tables) == set(app.model.data_tables)
    # without a body: the source's name
    assert api.post(f"/apps/{app_id}/copy").json()["attributes"]["name"] == "Sales"


def test_export_then_import(api: httpx.Client, rest_engine: Engine) -> None:
    app_id, app = loaded(api, rest_engine)
    r = api.post(f"/apps/{app_id}/export")
    assert r.status_code == 201
    location = r.headers["location"]
    assert location.startswith("http://127.0.0.1:") and "/api/v1/temp-contents/" in location
    download = api.get(location)
    assert download.status_code == 200 and download.content[:2] == b"PK"

    r = api.post("/apps/import", params={"name": "Imported"}, content=download.content,
                 headers={"content-type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    imported = r.json()["attributes"]
    assert imported["name"] == "Imported" and imported["id"] != app_id
    again = rest_engine.get_app(imported["id"])
    assert again.script == SALES_SCRIPT
    assert set(again.model.data_tables) == set(app.model.data_tables)

    nodata = api.post("/apps/import", params={"NoData": "true"}, content=download.content,
                      headers={"content-type": "application/octet-stream"}).json()
    assert nodata["attributes"]["name"] == "Sales"
    assert not rest_engine.get_app(nodata["attributes"]["id"]).model.data_tables


def test_import_of_a_bad_file_changes_nothing(api: httpx.Client, rest_engine: Engine) -> None:
    before = rest_engine.list_apps()
    for body in (b"", b"not a zip", b"PK\x03\x04broken"):
        r = api.post("/apps/import", content=body,
                     headers={"content-type": "application/octet-stream"})
        assert r.status_code == 400, body
    assert api.post("/apps/import", content=b"{}",
                    headers={"content-type": "application/json"}).status_code == 415
    assert rest_engine.list_apps() == before


def test_a_download_is_the_exporters_only(make_api, rest_engine: Engine, keys) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = create(ann)["attributes"]["id"]
    location = ann.post(f"/apps/{app_id}/export").headers["location"]
    assert bob.get(location).status_code == 404
    assert ann.get(location).status_code == 200
    assert ann.get(location.rsplit("/", 1)[0] + "/unknown").status_code == 404


def test_owner_and_publish(api: httpx.Client, rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    r = api.put(f"/apps/{app_id}/owner", json={"ownerId": "corp\\ann"})
    assert r.status_code == 200 and r.json()["attributes"]["ownerId"] == "ann"
    owner = rest_engine.app_access(app_id).owner
    assert owner is not None and (owner.user_id, owner.user_directory) == ("ann", "corp")
    assert api.put(f"/apps/{app_id}/owner", json={}).status_code == 400

    published = api.post(f"/apps/{app_id}/publish", json={"spaceId": "managed-1"}).json()
    attrs = published["attributes"]
    assert attrs["id"] != app_id and attrs["published"] is True
    assert attrs["spaceId"] == "managed-1" and attrs["originAppId"] == app_id
    assert attrs["publishTime"]
    moved = api.post(f"/apps/{app_id}/publish", json={"spaceId": "s2", "moveApp": True})
    assert moved.json()["attributes"]["id"] == app_id
    assert moved.json()["attributes"]["spaceId"] == "s2"


def test_rights_are_the_sockets(make_api, rest_engine: Engine, keys) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    made = create(ann)
    app_id = made["attributes"]["id"]
    assert made["attributes"]["ownerId"] == "ann"
    # Bob has no right: the app does not exist for him
    for r in (bob.get(f"/apps/{app_id}"), bob.delete(f"/apps/{app_id}"),
              bob.put(f"/apps/{app_id}", json={"attributes": {"name": "x"}})):
        assert r.status_code == 404
    # consume: he reads it, but may not change or delete it
    rest_engine.grant(app_id, "user", "bob", "consume")
    assert bob.get(f"/apps/{app_id}").json()["privileges"] == ["read", "exportdata"]
    assert bob.put(f"/apps/{app_id}", json={"attributes": {"name": "x"}}).status_code == 403
    assert bob.delete(f"/apps/{app_id}").status_code == 403
    assert bob.put(f"/apps/{app_id}/owner", json={"ownerId": "bob"}).status_code == 403
    assert rest_engine.get_app(app_id).title == "Sales"
    # the owner deletes it
    assert ann.delete(f"/apps/{app_id}").status_code == 200


def _import(api: httpx.Client, content: bytes, **params: object) -> httpx.Response:
    return api.post("/apps/import", params=params, content=content,
                    headers={"content-type": "application/octet-stream"})


def test_import_autoreplace(make_api, rest_engine: Engine, keys) -> None:
    """A file replaces the app in place: its script, objects and data become the file's;
    its id, owner, space and item stay."""
    ann = make_api(keys["ann"])
    app_id, _ = loaded(ann, rest_engine)
    ann.put(f"/apps/{app_id}", json={"attributes": {"description": "Kept"}})
    item_id = ann.get("/items", params={"resourceType": "app"}).json()["data"][0]["id"]
    other = create(ann, "Other")["attributes"]["id"]
    donor = rest_engine.get_app(other)
    donor.set_script("T: LOAD * INLINE [a\n1\n2\n3];")
    donor.reload()
    rest_engine.save_app(donor)
    file = ann.get(ann.post(f"/apps/{other}/export").headers["location"]).content

    r = _import(ann, file, mode="AUTOREPLACE", appId=app_id)
    assert r.status_code == 200, r.text
    attrs = r.json()["attributes"]
    assert attrs["id"] == app_id and attrs["name"] == "Sales"  # keeps its name
    assert attrs["ownerId"] == "ann" and attrs["description"] == "Kept"
    replaced = rest_engine.get_app(app_id)
    assert replaced.script == "T: LOAD * INLINE [a\n1\n2\n3];"
    assert set(replaced.model.data_tables) == {"T"}
    assert [i["id"] for i in ann.get("/items").json()["data"]
            if i["resourceId"] == app_id] == [item_id]
    fields = {f["name"] for f in ann.get(f"/apps/{app_id}/data/metadata").json()["fields"]}
    assert "a" in fields
    # a new name, and NoData: the script changes, the data stay
    sales = ann.get(ann.post(f"/apps/{app_id}/export").headers["location"]).content
    again = _import(ann, sales, mode="AUTOREPLACE", appId=other, NoData="true",
                    name="Renamed").json()["attributes"]
    assert again["id"] == other and again["name"] == "Renamed"
    assert rest_engine.get_app(other).script == "T: LOAD * INLINE [a\n1\n2\n3];"
    assert set(rest_engine.get_app(other).model.data_tables) == {"T"}


def test_import_autoreplace_refuses_and_changes_nothing(make_api, rest_engine: Engine,
                                                        keys) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id, _ = loaded(ann, rest_engine)
    file = ann.get(ann.post(f"/apps/{app_id}/export").headers["location"]).content
    before = rest_engine.store.path(app_id).read_bytes()
    r = _import(ann, file, mode="AUTOREPLACE")
    assert r.status_code == 400 and r.json()["errors"][0]["source"] == {"parameter": "appId"}
    assert _import(ann, file, mode="AUTOREPLACE", appId="nope").status_code == 404
    assert _import(ann, b"not a zip", mode="AUTOREPLACE", appId=app_id).status_code == 400
    assert _import(bob, file, mode="AUTOREPLACE", appId=app_id).status_code == 404
    rest_engine.grant(app_id, "user", "bob", "consume")
    assert _import(bob, file, mode="AUTOREPLACE", appId=app_id).status_code == 403
    assert _import(ann, file, mode="SOMETIMES").status_code == 400
    assert rest_engine.store.path(app_id).read_bytes() == before


def test_republish_updates_the_published_copy(api: httpx.Client, rest_engine: Engine) -> None:
    app_id, _ = loaded(api, rest_engine)
    copy = api.post(f"/apps/{app_id}/publish", json={"spaceId": "managed-1"}).json()
    target = copy["attributes"]["id"]
    first = copy["attributes"]["publishTime"]
    source = rest_engine.get_app(app_id)
    source.set_script("T: LOAD * INLINE [a\n1\n2];")
    source.reload()
    rest_engine.save_app(source)

    r = api.put(f"/apps/{app_id}/publish",
                json={"targetId": target, "checkOriginAppId": True,
                      "attributes": {"description": "Fresh"}})
    assert r.status_code == 200, r.text
    attrs = r.json()["attributes"]
    assert attrs["id"] == target and attrs["spaceId"] == "managed-1"
    assert attrs["published"] is True and attrs["publishTime"] >= first
    assert attrs["description"] == "Fresh" and attrs["originAppId"] == app_id
    assert set(rest_engine.get_app(target).model.data_tables) == {"T"}
    # data=target: the script is the source's, the copy keeps its data
    source.set_script("U: LOAD 1 AS b AUTOGENERATE 1;")
    rest_engine.save_app(source)
    api.put(f"/apps/{app_id}/publish", json={"targetId": target, "data": "target"})
    assert rest_engine.get_app(target).script.startswith("U:")
    assert set(rest_engine.get_app(target).model.data_tables) == {"T"}


def test_republish_refuses_and_changes_nothing(api: httpx.Client, rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    other = create(api, "Other")["attributes"]["id"]
    target = api.post(f"/apps/{other}/publish",
                      json={"spaceId": "m"}).json()["attributes"]["id"]
    before = rest_engine.store.path(target).read_bytes()
    bad = [({}, 400), ({"targetId": "nope"}, 404), ({"targetId": other}, 400),
           ({"targetId": target, "checkOriginAppId": True}, 400),
           ({"targetId": target, "data": "both"}, 400)]
    for body, status in bad:
        r = api.put(f"/apps/{app_id}/publish", json=body)
        assert r.status_code == status, (body, r.text)
    assert rest_engine.store.path(target).read_bytes() == before
    assert api.put("/apps/nope/publish", json={"targetId": target}).status_code == 404
