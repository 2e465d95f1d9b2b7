"""/data-files: multipart upload, list, download, replace, delete, quotas; scripts read
the files as lib://DataFiles/<name>."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from associa.app.connections import personal_files_folder
from associa.engine import Engine
from associa.identity import Identity
from associa.settings import Settings
from associa.store.datafiles import DataFileStore
from tests.conftest import RunningServer
from tests.rest.conftest import ADMIN_KEY, ANN
from tests.rest.test_apps import create
from tests.rest.test_reloads import wait

CSV = b"Region,Sales\nNorth,10\nSouth,20\nEast,5\n"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY, data_file_max_bytes=1000,
                    data_files_quota_bytes=2000)


def upload(client: httpx.Client, name: str | None, content: bytes = CSV,
           file_name: str = "upload.csv", **meta: object) -> httpx.Response:
    info = {"name": name, **meta} if name is not None else meta
    return client.post("/data-files", files={"File": (file_name, content)},
                       data={"Json": json.dumps(info)})


def personal(engine: Engine, who: Identity = ANN) -> Path:
    """The folder of a user's personal data files."""
    return personal_files_folder(engine.settings.data_dir, who.user_id, who.user_directory)


def test_upload_list_get_download_delete(make_api: Callable[..., httpx.Client],
                                         keys: dict[str, str], rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    r = upload(ann, "sales/2024.csv")
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["name"], made["baseName"], made["folderPath"]) == (
        "sales/2024.csv", "2024.csv", "sales")
    assert made["size"] == len(CSV) and made["ownerId"] == "ann"
    on_disk = personal(rest_engine) / "sales" / "2024.csv"
    assert on_disk.read_bytes() == CSV
    assert ann.get(f"/data-files/{made['id']}").json()["name"] == "sales/2024.csv"
    got = ann.get(f"/data-files/{made['id']}/content")
    assert got.content == CSV and got.headers["content-type"].startswith("text/csv")
    # no name in Json: the file part's name
    second = upload(ann, None, b"x\n1\n", file_name="other.csv").json()
    assert second["name"] == "other.csv"
    listed = ann.get("/data-files", params={"limit": 1}).json()
    assert [f["name"] for f in listed["data"]] == ["other.csv"]
    more = ann.get(listed["links"]["next"]["href"]).json()
    assert [f["name"] for f in more["data"]] == ["sales/2024.csv"]
    by_size = ann.get("/data-files", params={"sort": "-size"}).json()["data"]
    assert [f["name"] for f in by_size] == ["sales/2024.csv", "other.csv"]
    assert [f["name"] for f in ann.get("/data-files", params={"name": "SALES"})
            .json()["data"]] == ["sales/2024.csv"]
    quotas = ann.get("/data-files/quotas").json()
    assert quotas == {"allowedExtensions": [], "allowedInternalExtensions": [],
                      "maxFileSize": 1000, "maxLargeFileSize": 1000, "maxSize": 2000,
                      "size": len(CSV) + 4}
    assert ann.delete(f"/data-files/{made['id']}").status_code == 204
    assert not on_disk.exists()
    assert ann.get(f"/data-files/{made['id']}").status_code == 404
    assert [f["name"] for f in ann.get("/data-files").json()["data"]] == ["other.csv"]


def test_replace_and_rename(make_api: Callable[..., httpx.Client], keys: dict[str, str],
                            rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    made = upload(ann, "a.csv").json()
    upload(ann, "b.csv", b"b\n")
    r = ann.put(f"/data-files/{made['id']}", files={"File": ("x", b"N\n1\n")})
    assert r.status_code == 200 and r.json()["size"] == 4
    assert ann.get(f"/data-files/{made['id']}/content").content == b"N\n1\n"
    renamed = ann.put(f"/data-files/{made['id']}", data={"Json": '{"name": "c.csv"}'},
                      files={"File": ("x", b"N\n2\n")})
    assert renamed.json()["name"] == "c.csv"
    root = personal(rest_engine)
    assert sorted(p.name for p in root.iterdir()) == ["b.csv", "c.csv"]
    taken = ann.put(f"/data-files/{made['id']}", data={"Json": '{"name": "b.csv"}'},
                    files={"File": ("x", b"z")})
    assert taken.status_code == 409
    assert (root / "b.csv").read_bytes() == b"b\n" and (root / "c.csv").read_bytes() == b"N\n2\n"


def test_refusals_change_nothing(make_api: Callable[..., httpx.Client],
                                 keys: dict[str, str], rest_engine: Engine) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    made = upload(ann, "a.csv").json()
    assert upload(ann, "a.csv").status_code == 409
    assert upload(bob, "a.csv").status_code == 201  # his own, in a folder of his own
    assert upload(ann, "big.csv", b"x" * 1001).status_code == 413
    for i in range(17):  # 17 × 100 bytes more fit the quota of 2000, the 18th not
        assert upload(ann, f"f{i}.csv", b"y" * 100).status_code == 201
    r = upload(ann, "over.csv", b"z" * 300)
    assert r.status_code == 413 and "quota" in r.json()["errors"][0]["detail"]
    for bad in ("../escape.csv", "/etc/passwd", "a/../../b.csv", "a\\b.csv", "c:x.csv",
                "a//b.csv", "./a.csv", "x\n.csv", ""):
        r = upload(ann, bad)
        assert r.status_code == 400, bad
    assert ann.post("/data-files", json={"name": "a.csv"}).status_code == 415
    assert ann.post("/data-files", data={"Json": "{"},
                    files={"File": ("a", b"1")}).status_code == 400
    assert ann.post("/data-files", data={"Json": '{"bogus": 1}'},
                    files={"File": ("a", b"1")}).status_code == 400
    no_file = ann.post("/data-files", files={"Json": (None, '{"name": "n.csv"}')})
    assert no_file.status_code == 400 and "File" in no_file.text
    # Bob does not see Ann's file
    assert bob.get(f"/data-files/{made['id']}").status_code == 404
    assert bob.get(f"/data-files/{made['id']}/content").status_code == 404
    assert bob.delete(f"/data-files/{made['id']}").status_code == 404
    assert bob.put(f"/data-files/{made['id']}", files={"File": ("a", b"1")}).status_code == 404
    assert [f["ownerId"] for f in bob.get("/data-files").json()["data"]] == ["bob"]
    assert make_api(ADMIN_KEY).get(f"/data-files/{made['id']}").status_code == 200
    assert make_api().get("/data-files").status_code == 401
    store = DataFileStore(rest_engine.meta.db, rest_engine.settings.data_dir)
    assert len(store.find()) == 19  # Ann's 18 and Bob's a.csv
    root = personal(rest_engine)
    assert sorted(p.name for p in root.iterdir()) == sorted(
        f.name for f in store.find() if f.owner_id == "ann")
    assert not (rest_engine.settings.data_dir / "escape.csv").exists()
    assert (root / "a.csv").read_bytes() == CSV


def test_scripts_read_uploaded_files(make_api: Callable[..., httpx.Client],
                                     keys: dict[str, str], rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    upload(ann, "sales/2024.csv")
    app_id = create(ann)["attributes"]["id"]
    app = rest_engine.get_app(app_id)
    app.set_script("Sales: LOAD Region, Sales FROM [lib://DataFiles/sales/2024.csv] "
                   "(txt, embedded labels, delimiter is ',');")
    rest_engine.save_app(app)
    done = wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    table = rest_engine.get_app(app_id).model.tables["Sales"]
    assert table.nrows == 3
    # outside the folder stays refused
    app.set_script("LOAD * FROM [lib://DataFiles/../associa.db] (txt);")
    failed = wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])
    assert failed["status"] == "FAILED"
    assert rest_engine.get_app(app_id).model.tables["Sales"].nrows == 3


def test_the_datafiles_connection(make_api: Callable[..., httpx.Client],
                                  keys: dict[str, str]) -> None:
    listed = make_api(keys["ann"]).get("/data-files/connections").json()
    assert [(c["id"], c["name"]) for c in listed["data"]] == [("datafiles", "DataFiles")]


def test_files_bound_to_an_app_go_with_it(make_api: Callable[..., httpx.Client],
                                          keys: dict[str, str], rest_engine: Engine) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = create(ann)["attributes"]["id"]
    bound = upload(ann, "bound.csv", appId=app_id).json()
    assert bound["appId"] == app_id
    free = upload(ann, "free.csv").json()
    assert upload(bob, "b.csv", appId=app_id).status_code == 404  # not Bob's app
    assert [f["name"] for f in ann.get("/data-files", params={"appId": app_id})
            .json()["data"]] == ["bound.csv"]
    assert ann.delete(f"/apps/{app_id}").status_code == 200
    assert ann.get(f"/data-files/{bound['id']}").status_code == 404
    assert ann.get(f"/data-files/{free['id']}").status_code == 200
    root = personal(rest_engine)
    assert sorted(p.name for p in root.iterdir()) == ["free.csv"]


def test_files_a_script_stores_are_listed(make_api: Callable[..., httpx.Client],
                                          keys: dict[str, str], rest_engine: Engine) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = create(ann)["attributes"]["id"]
    app = rest_engine.get_app(app_id)
    app.set_script("T: LOAD RecNo() AS N AUTOGENERATE 3;\n"
                   "STORE T INTO [lib://DataFiles/stored.csv] (txt);")
    rest_engine.save_app(app)
    done = wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    path = personal(rest_engine) / "stored.csv"
    listed = ann.get("/data-files").json()["data"]
    assert [(f["name"], f["ownerId"], f["size"]) for f in listed] == [
        ("stored.csv", "ann", path.stat().st_size)]
    assert bob.get("/data-files").json()["data"] == []  # Ann's, as her uploads are
    # a reload storing more rows gives the listed file its new size, not a second row
    app.set_script("T: LOAD RecNo() AS N AUTOGENERATE 300;\n"
                   "STORE T INTO [lib://DataFiles/stored.csv] (txt);")
    assert wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])[
        "status"] == "SUCCEEDED"
    again = ann.get("/data-files").json()["data"]
    assert [(f["id"], f["size"]) for f in again] == [(listed[0]["id"], path.stat().st_size)]
    assert again[0]["size"] > listed[0]["size"]
    assert ann.get(f"/data-files/{again[0]['id']}/content").content == path.read_bytes()
    # deleting it through REST removes the file a script wrote
    assert ann.delete(f"/data-files/{again[0]['id']}").status_code == 204
    assert not path.exists()
    assert ann.get("/data-files").json()["data"] == []


def test_a_qix_reload_lists_what_it_stores(make_api: Callable[..., httpx.Client],
                                           keys: dict[str, str], rest_engine: Engine,
                                           rest_server: RunningServer) -> None:
    admin = make_api(keys["admin"])
    with rest_server.connect("/app/") as ws:  # this engine's sockets are anonymous
        handle = ws.call("CreateApp", "Storing")["qAppId"]
        doc = ws.call("OpenDoc", handle)["qReturn"]["qHandle"]
        ws.call("SetScript", "T: LOAD 1 AS N AUTOGENERATE 1;\n"
                "STORE T INTO [lib://DataFiles/from-qix.csv] (txt);", handle=doc)
        reloaded = ws.reply(ws.send("DoReload", handle=doc), timeout=120)  # a cold start
        assert reloaded["result"]["qReturn"] is True
    listed = admin.get("/data-files").json()["data"]
    assert [(f["name"], f["ownerId"]) for f in listed] == [("from-qix.csv", "anonymous")]
