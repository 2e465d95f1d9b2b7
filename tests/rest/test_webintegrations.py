"""/web-integrations: administrators manage allowed origins; once one exists, a browser
socket from another origin is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus

from associa.settings import Settings
from tests.conftest import RunningServer

ADMIN_KEY = "wi-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_manage_integrations(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    admin, ann = make_api(keys["admin"]), make_api(keys["ann"])
    body = {"name": "portal", "validOrigins": ["https://Portal.example.com", "http://localhost:3000"]}
    assert ann.post("/web-integrations", json=body).status_code == 403
    made = admin.post("/web-integrations", json=body)
    assert made.status_code == 201, made.text
    w = made.json()
    assert w["validOrigins"] == ["https://portal.example.com", "http://localhost:3000"]
    assert ann.get(f"/web-integrations/{w['id']}").status_code == 403
    patch = [{"op": "replace", "path": "/validOrigins", "value": ["https://a.example"]}]
    assert admin.patch(f"/web-integrations/{w['id']}", json=patch).status_code == 204
    assert admin.get(f"/web-integrations/{w['id']}").json()["validOrigins"] == ["https://a.example"]
    bad = [{"op": "replace", "path": "/validOrigins", "value": ["https://a.example/path"]}]
    assert admin.patch(f"/web-integrations/{w['id']}", json=bad).status_code == 400
    assert admin.get(f"/web-integrations/{w['id']}").json()["validOrigins"] == ["https://a.example"]
    assert admin.delete(f"/web-integrations/{w['id']}").status_code == 204
    assert admin.get("/web-integrations").json()["data"] == []


@pytest.mark.parametrize("origin", ["example.com", "ftp://x.example", "https://x.example/a",
                                    "https://u:p@x.example", "https://x.example:99999"])
def test_bad_origins_are_400(make_api, keys, origin: str) -> None:  # type: ignore[no-untyped-def]
    admin = make_api(keys["admin"])
    r = admin.post("/web-integrations", json={"name": "w", "validOrigins": [origin]})
    assert r.status_code == 400
    assert admin.get("/web-integrations").json()["data"] == []


def test_socket_origin_check(make_api, keys, rest_server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    # no integration: any origin may connect
    with rest_server.connect("/app/engineData", Origin="https://evil.example",
                             Authorization=f"Bearer {ADMIN_KEY}"):
        pass
    make_api(keys["admin"]).post("/web-integrations", json={
        "name": "w", "validOrigins": ["https://good.example"]})
    with pytest.raises(InvalidStatus) as refused:
        rest_server.connect("/app/engineData", Origin="https://evil.example")
    assert refused.value.response.status_code == 403
    with rest_server.connect("/app/engineData", Origin="https://good.example") as ws:
        assert ws.hello["method"] == "OnConnected"
    with rest_server.connect("/app/engineData") as ws:  # not a browser: no Origin
        assert ws.hello["method"] == "OnConnected"
