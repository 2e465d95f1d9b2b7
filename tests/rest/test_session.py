"""The web hub's session cookie: /login, cookie-authenticated requests, and the CSRF
token their unsafe methods need."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from associa.settings import Settings
from tests.conftest import RunningServer

ADMIN_KEY = "session-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_cookie_and_csrf(rest_server: RunningServer, keys) -> None:  # type: ignore[no-untyped-def]
    root = f"http://127.0.0.1:{rest_server.port}"
    with httpx.Client(base_url=root) as browser:
        assert browser.post("/login").status_code == 401
        assert browser.post("/login", headers={"Authorization": "Bearer bad"}).status_code == 401
        r = browser.post("/login", headers={"Authorization": f"Bearer {keys['ann']}"})
        assert r.status_code == 204
        cookie = r.headers["set-cookie"]
        assert "associa-session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert browser.get("/api/v1/users/me").json()["id"] == "ann"
        # an unsafe request without the CSRF token is refused and changes nothing
        refused = browser.post("/api/v1/spaces", json={"name": "S", "type": "shared"})
        assert refused.status_code == 403
        assert browser.get("/api/v1/spaces").json()["data"] == []
        token = browser.get("/api/v1/csrf-token").headers["qlik-csrf-token"]
        wrong = browser.post("/api/v1/spaces", json={"name": "S", "type": "shared"},
                             headers={"qlik-csrf-token": "0" * 40})
        assert wrong.status_code == 403
        ok = browser.post("/api/v1/spaces", json={"name": "S", "type": "shared"},
                          headers={"qlik-csrf-token": token})
        assert ok.status_code == 201
        # a bearer request needs no CSRF token
        assert httpx.post(f"{root}/api/v1/spaces", json={"name": "T", "type": "shared"},
                          headers={"Authorization": f"Bearer {keys['ann']}"}).status_code == 201
        assert browser.post("/logout").status_code == 204
        assert browser.get("/api/v1/users/me").status_code == 401


def test_a_forged_cookie_is_refused(rest_server: RunningServer) -> None:
    import jwt

    forged = jwt.encode({"iss": "associa-session", "sub": "ann", "admin": True,
                         "exp": 9999999999}, "k" * 64, algorithm="HS256")
    r = httpx.get(f"http://127.0.0.1:{rest_server.port}/api/v1/users/me",
                  cookies={"associa-session": forged})
    assert r.status_code == 401
