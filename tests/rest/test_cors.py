"""CORS on the REST API from the web integrations' origins."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from associa.settings import Settings
from tests.conftest import RunningServer

ADMIN_KEY = "cors-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_cors_follows_the_integrations(make_api, keys, rest_server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    base = f"http://127.0.0.1:{rest_server.port}/api/v1"
    auth = {"Authorization": f"Bearer {keys['ann']}"}
    preflight = {"Origin": "https://good.example", "Access-Control-Request-Method": "POST"}
    # nothing allowed yet
    r = httpx.options(f"{base}/users/me", headers=preflight)
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "HTTP-403"
    plain = httpx.get(f"{base}/users/me", headers={**auth, "Origin": "https://good.example"})
    assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers
    make_api(keys["admin"]).post("/web-integrations", json={
        "name": "w", "validOrigins": ["https://good.example"]})
    ok = httpx.options(f"{base}/users/me", headers=preflight)
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == "https://good.example"
    assert "Authorization" in ok.headers["access-control-allow-headers"]
    got = httpx.get(f"{base}/users/me", headers={**auth, "Origin": "https://good.example"})
    assert got.headers["access-control-allow-origin"] == "https://good.example"
    assert got.headers["access-control-allow-credentials"] == "true"
    other = httpx.get(f"{base}/users/me", headers={**auth, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    # errors carry the headers too, so the page can read them
    err = httpx.get(f"{base}/users/nope", headers={**auth, "Origin": "https://good.example"})
    assert err.status_code == 404
    assert err.headers["access-control-allow-origin"] == "https://good.example"
