"""/apps/{id}/media: upload, read, list, delete images, the thumbnail; paths that would
leave the app's folder, files that are not images and bodies over the limits are
refused and change nothing."""

from __future__ import annotations

import httpx
import pytest

from associa.engine import Engine
from associa.settings import Settings
from associa.store import media
from tests.conftest import RunningServer
from tests.rest.test_apps import _import, create

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
OCTET = {"content-type": "application/octet-stream"}


def put(api: httpx.Client, app_id: str, path: str, content: bytes = PNG) -> httpx.Response:
    return api.put(f"/apps/{app_id}/media/files/{path}", content=content, headers=OCTET)


def test_upload_read_list_delete(api: httpx.Client, rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    assert api.get(f"/apps/{app_id}/media/list").json()["data"] == []
    assert put(api, app_id, "logo.png").status_code == 200
    assert put(api, app_id, "icons/flags/se.svg", b"<svg/>").status_code == 200
    got = api.get(f"/apps/{app_id}/media/files/logo.png")
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    svg = api.get(f"/apps/{app_id}/media/files/icons/flags/se.svg")
    assert svg.content == b"<svg/>" and "sandbox" in svg.headers["content-security-policy"]

    top = api.get(f"/apps/{app_id}/media/list").json()
    assert [(e["name"], e["type"]) for e in top["data"]] == [("icons", "folder"),
                                                             ("logo.png", "image")]
    assert top["data"][1]["link"].endswith(f"/api/v1/apps/{app_id}/media/files/logo.png")
    flags = api.get(f"/apps/{app_id}/media/list/icons/flags").json()
    assert flags["subpath"] == "icons/flags" and [e["id"] for e in flags["data"]] == [
        "icons/flags/se.svg"]
    every = api.get(f"/apps/{app_id}/media/list", params={"show": "recursive"}).json()
    assert [e["id"] for e in every["data"]] == ["icons/flags/se.svg", "logo.png"]
    with_folders = api.get(f"/apps/{app_id}/media/list", params={"show": "af"}).json()
    assert [e["id"] for e in with_folders["data"]] == [
        "icons", "icons/flags", "icons/flags/se.svg", "logo.png"]

    assert put(api, app_id, "logo.png", b"\x89PNG new").status_code == 200  # replaced
    assert api.get(f"/apps/{app_id}/media/files/logo.png").content == b"\x89PNG new"
    assert api.delete(f"/apps/{app_id}/media/files/icons/flags/se.svg").status_code == 200
    assert api.get(f"/apps/{app_id}/media/files/icons/flags/se.svg").status_code == 404
    assert api.get(f"/apps/{app_id}/media/list/icons").status_code == 404  # emptied, gone
    assert api.delete(f"/apps/{app_id}/media/files/logo.png").status_code == 200
    assert api.delete(f"/apps/{app_id}/media/files/logo.png").status_code == 404


def test_media_follow_the_app(api: httpx.Client, rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    put(api, app_id, "logo.png")
    copy = api.post(f"/apps/{app_id}/copy").json()["attributes"]["id"]
    assert api.get(f"/apps/{copy}/media/files/logo.png").content == PNG
    folder = media.MediaStore(rest_engine.settings.data_dir).folder(app_id)
    assert folder.is_dir()
    api.delete(f"/apps/{app_id}")
    assert not folder.exists()
    assert api.get(f"/apps/{copy}/media/files/logo.png").content == PNG


def test_media_travel_in_the_exported_file(api: httpx.Client, rest_engine: Engine) -> None:
    """An exported app file carries the app's media; an import (new, or over an app)
    brings them; a file with an unsafe media path is refused and makes nothing."""
    import io
    import zipfile

    app_id = create(api)["attributes"]["id"]
    put(api, app_id, "logo.png")
    put(api, app_id, "icons/se.svg", b"<svg/>")
    exported = api.get(api.post(f"/apps/{app_id}/export").headers["location"]).content
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert sorted(n for n in archive.namelist() if n.startswith("media/")) == [
            "media/icons/se.svg", "media/logo.png"]
    made = _import(api, exported, name="Imported").json()["attributes"]["id"]
    assert api.get(f"/apps/{made}/media/files/logo.png").content == PNG
    assert api.get(f"/apps/{made}/media/files/icons/se.svg").content == b"<svg/>"
    # over another app: its media become the file's
    other = create(api, "Other")["attributes"]["id"]
    put(api, other, "old.png")
    assert _import(api, exported, mode="AUTOREPLACE", appId=other).status_code == 200
    listed = api.get(f"/apps/{other}/media/list", params={"show": "recursive"}).json()
    assert [e["id"] for e in listed["data"]] == ["icons/se.svg", "logo.png"]
    # an unsafe path in the file: 400, no app made, the replaced app's media kept
    bad = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(bad, "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr("media/../../escape.png", PNG)
    before = rest_engine.list_apps()
    for params in ({}, {"mode": "AUTOREPLACE", "appId": other}):
        r = _import(api, bad.getvalue(), **params)
        assert r.status_code == 400 and "media" in r.json()["errors"][0]["detail"], r.text
    assert rest_engine.list_apps() == before
    assert api.get(f"/apps/{other}/media/files/logo.png").content == PNG
    assert not list(rest_engine.settings.data_dir.rglob("escape.png"))


def test_thumbnail_is_the_media_file_qthumbnail_points_at(api: httpx.Client,
                                                           rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    assert api.get(f"/apps/{app_id}/media/thumbnail").status_code == 404
    put(api, app_id, "thumbs/cover.png")
    app = rest_engine.get_app(app_id)
    app.set_properties({**app.properties, "qThumbnail": {"qStaticContentUrlDef": {
        "qUrl": f"/api/v1/apps/{app_id}/media/files/thumbs/cover.png"}}})
    got = api.get(f"/apps/{app_id}/media/thumbnail")
    assert got.status_code == 200 and got.content == PNG


def test_the_qix_media_list_lists_them(api: httpx.Client, rest_server: RunningServer) -> None:
    """qMediaListDef over the socket: the app's images, at the URLs REST serves them."""
    app_id = create(api)["attributes"]["id"]
    put(api, app_id, "logo.png")
    put(api, app_id, "icons/a.gif", b"GIF89a")
    with rest_server.connect(f"/app/{app_id}") as ws:
        doc = ws.call("OpenDoc", app_id)["qReturn"]["qHandle"]
        obj = ws.call("CreateSessionObject", {"qInfo": {"qType": "media"},
                                              "qMediaListDef": {}},
                      handle=doc)["qReturn"]["qHandle"]
        items = ws.call("GetLayout", handle=obj)["qLayout"]["qMediaList"]["qItems"]
    urls = [i["qUrl"] for i in items]
    assert urls == [f"/api/v1/apps/{app_id}/media/files/icons/a.gif",
                    f"/api/v1/apps/{app_id}/media/files/logo.png"]
    for url in urls:
        assert api.get(url.removeprefix("/api/v1")).status_code == 200


@pytest.mark.parametrize("path", [
    # dots encoded, as httpx would resolve plain ones before sending
    "..%2F..%2Fapps%2Fx.png", "%2E%2E/%2E%2E/x.png", "a/%2E/x.png", "a//x.png", "x.exe",
    "a%5Cb.png", "c:x.png", "noextension", "a%00.png", "x" * 300 + ".png"])
def test_bad_paths_are_refused(api: httpx.Client, rest_engine: Engine, path: str) -> None:
    app_id = create(api)["attributes"]["id"]
    r = put(api, app_id, path)
    assert r.status_code in (400, 404), r.text  # a path the router cannot route is 404
    assert api.get(f"/apps/{app_id}/media/list",
                   params={"show": "af"}).json()["data"] == []
    root = rest_engine.settings.data_dir
    assert not list((root / "apps").glob("*.png")) and not (root / "x.png").exists()


def test_limits_and_rights(make_api, rest_engine: Engine, keys,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    app_id = create(ann)["attributes"]["id"]
    monkeypatch.setattr(media, "APP_LIMIT", 3000)
    assert put(ann, app_id, "a.png", b"x" * 2000).status_code == 200
    assert put(ann, app_id, "b.png", b"x" * 2000).status_code == 413
    assert put(ann, app_id, "a.png", b"y" * 2500).status_code == 200  # a replacement
    r = ann.put(f"/apps/{app_id}/media/files/c.png", content=b"x",
                headers={"content-type": "image/png"})
    assert r.status_code == 415
    assert bob.get(f"/apps/{app_id}/media/files/a.png").status_code == 404
    rest_engine.grant(app_id, "user", "bob", "consume")
    assert bob.get(f"/apps/{app_id}/media/files/a.png").content == b"y" * 2500
    assert put(bob, app_id, "c.png").status_code == 403
    assert bob.delete(f"/apps/{app_id}/media/files/a.png").status_code == 403
    assert [e["name"] for e in bob.get(f"/apps/{app_id}/media/list").json()["data"]] == [
        "a.png"]
    assert ann.get("/apps/nope/media/list").status_code == 404


@pytest.fixture
def rest_settings(data_dir) -> Settings:  # a small request limit, for the 413
    return Settings(data_dir=data_dir, rest_max_body_bytes=64 * 1024)


def test_a_body_over_the_request_limit(api: httpx.Client) -> None:
    app_id = create(api)["attributes"]["id"]
    assert put(api, app_id, "big.png", b"x" * (65 * 1024)).status_code == 413
    assert api.get(f"/apps/{app_id}/media/list").json()["data"] == []
