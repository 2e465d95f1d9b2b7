"""The conventions every /api/v1 answer follows: the error shape on 404, 405, 400, 413
and 500-free bad input, which changes nothing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from associa.engine import Engine
from associa.settings import Settings
from tests.rest.test_apps import create


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, rest_max_body_bytes=4096)


def test_unknown_paths_and_methods(api: httpx.Client) -> None:
    r = api.get("/no-such-resource")
    assert r.status_code == 404
    assert r.json()["errors"][0] == {"code": "HTTP-404", "title": "Not found", "status": "404",
                                     "detail": "No resource at /api/v1/no-such-resource"}
    r = api.patch("/items")
    assert r.status_code == 405
    assert r.json()["errors"][0]["code"] == "HTTP-405"


def test_bad_bodies_are_400_and_change_nothing(api: httpx.Client, rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    bad = [b"{", b"[]", b'"text"', b'{"attributes": {"name": 5}}',
           b'{"attributes": {"name": "x", "colour": "red"}}', b'{"extra": 1}',
           b'{"attributes": []}']
    for body in bad:
        for method, path in (("POST", "/apps"), ("PUT", f"/apps/{app_id}")):
            r = api.request(method, path, content=body,
                            headers={"content-type": "application/json"})
            assert r.status_code == 400, (method, body)
            assert r.json()["errors"][0]["title"] == "Bad request"
    assert api.post("/apps").status_code == 400  # no body at all
    assert [a["id"] for a in rest_engine.list_apps()] == [app_id]
    assert rest_engine.get_app(app_id).title == "Sales"


def test_huge_bodies_are_413(api: httpx.Client, rest_engine: Engine) -> None:
    big = b'{"attributes": {"name": "' + b"x" * 5000 + b'"}}'
    r = api.post("/apps", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["errors"][0]["code"] == "HTTP-413"

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(10):
            yield b"x" * 1000

    r = api.post("/apps/import", content=chunks(),
                 headers={"content-type": "application/octet-stream"})
    assert r.status_code == 413
    assert rest_engine.list_apps() == []
