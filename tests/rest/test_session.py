"""The web hub's session cookie: /login, cookie-authenticated requests, and the CSRF
token their unsafe methods need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from websockets.exceptions import InvalidStatus

from associa.engine import Engine
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from associa.store.oauth import signing_key
from tests.conftest import RunningServer
from tests.rest.conftest import ANN

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
    forged = jwt.encode({"iss": "associa-session", "sub": "ann", "admin": True,
                         "exp": 9999999999}, "k" * 64, algorithm="HS256")
    r = httpx.get(f"http://127.0.0.1:{rest_server.port}/api/v1/users/me",
                  cookies={"associa-session": forged})
    assert r.status_code == 401


@pytest.fixture
def secured(data_dir: Path) -> Iterator[tuple[RunningServer, str]]:
    """A server whose sockets need a credential (API keys), and Ann's key."""
    engine = Engine(Settings(data_dir=data_dir, api_key=ADMIN_KEY, api_key_authentication=True))
    ann, _ = engine.meta.create_api_key(ANN)
    server = RunningServer(engine, SessionManager(engine))
    yield server, ann
    server.stop()


def login(server: RunningServer, key: str) -> str:
    r = httpx.post(f"http://127.0.0.1:{server.port}/login",
                   headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 204
    return r.cookies["associa-session"]


def refused(server: RunningServer, **headers: str) -> int:
    with pytest.raises(InvalidStatus) as info:
        server.connect("/app/engineData", **headers)
    return info.value.response.status_code


def test_the_session_cookie_opens_the_socket_as_its_user(
        secured: tuple[RunningServer, str]) -> None:
    server, ann = secured
    cookie = f"associa-session={login(server, ann)}"
    with server.connect("/app/engineData", Cookie=cookie) as ws:
        assert ws.call("GetAuthenticatedUser")["qReturn"] == \
            "UserDirectory=corp; UserId=ann"
    # from a page of the engine's own origin too
    same = f"http://127.0.0.1:{server.port}"
    with server.connect("/app/engineData", Cookie=cookie, Origin=same) as ws:
        assert ws.call("GetAuthenticatedUser")["qReturn"].endswith("UserId=ann")
    # without the cookie the socket needs another credential
    assert refused(server) == 401


def test_a_forged_expired_or_foreign_cookie_does_not_open_the_socket(
        secured: tuple[RunningServer, str]) -> None:
    server, ann = secured
    forged = jwt.encode({"iss": "associa-session", "sub": "ann", "admin": True,
                         "exp": 9999999999}, "k" * 64, algorithm="HS256")
    assert refused(server, Cookie=f"associa-session={forged}") == 401
    key = signing_key(server.engine.settings.data_dir)
    expired = jwt.encode({"iss": "associa-session", "sub": "ann", "exp": 1000}, key,
                         algorithm="HS256")
    assert refused(server, Cookie=f"associa-session={expired}") == 401
    assert refused(server, Cookie="associa-session=not-a-token") == 401
    # a page of another origin cannot use the browser's cookie (no CSRF token on sockets)
    good = f"associa-session={login(server, ann)}"
    assert refused(server, Cookie=good, Origin="https://evil.example") == 401
    # unless a web integration lists that origin
    made = httpx.post(f"http://127.0.0.1:{server.port}/api/v1/web-integrations",
                      json={"name": "hub", "validOrigins": ["https://hub.example"]},
                      headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert made.status_code == 201, made.text
    with server.connect("/app/engineData", Cookie=good, Origin="https://hub.example") as ws:
        assert ws.call("GetAuthenticatedUser")["qReturn"].endswith("UserId=ann")
