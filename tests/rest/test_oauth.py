"""OAuth2 client credentials: clients, /oauth/token, tokens on REST and on the socket,
listing and revoking tokens, the server metadata."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from associa.engine import Engine
from associa.settings import Settings
from tests.conftest import RunningServer

ADMIN_KEY = "oauth-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    # the socket authenticates (API keys), so it has to take the OAuth tokens too
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY,
                    api_key_authentication=True)


def root(server: RunningServer) -> str:
    return f"http://127.0.0.1:{server.port}"


def test_client_credentials_on_rest_and_socket(make_api, keys, rest_server: RunningServer,
                                               rest_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    made = ann.post("/oauth-clients", json={"clientName": "ci"})
    assert made.status_code == 201, made.text
    client_id, secret = made.json()["clientId"], made.json()["clientSecret"]
    assert "clientSecret" not in ann.get(f"/oauth-clients/{client_id}").json()
    assert bob.get(f"/oauth-clients/{client_id}").status_code == 404
    # form body
    r = httpx.post(f"{root(rest_server)}/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["token_type"] == "bearer" and answer["expires_in"] == 3600
    token = answer["access_token"]
    assert make_api(token).get("/users/me").json()["id"] == "ann"
    # the socket takes it as well
    with rest_server.connect("/app/engineData", Authorization=f"Bearer {token}") as ws:
        user = ws.call("GetAuthenticatedUser")["qReturn"]
        assert "UserId=ann" in user
    # HTTP Basic
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    r2 = httpx.post(f"{root(rest_server)}/oauth/token", data={"grant_type": "client_credentials"},
                    headers={"Authorization": f"Basic {basic}"})
    assert r2.status_code == 200
    # tokens listed (own only) and revoked
    listed = ann.get("/oauth-tokens").json()["data"]
    assert len(listed) == 2 and all(t["clientId"] == client_id for t in listed)
    assert bob.get("/oauth-tokens").json()["data"] == []
    first = next(t for t in listed if not t["revoked"])
    assert bob.delete(f"/oauth-tokens/{first['id']}").status_code == 404
    assert ann.delete(f"/oauth-tokens/{first['id']}").status_code == 204
    statuses = {make_api(t).get("/users/me").status_code
                for t in (token, r2.json()["access_token"])}
    assert statuses == {200, 401}
    # deleting the client ends its tokens
    assert ann.delete(f"/oauth-clients/{client_id}").status_code == 204
    assert make_api(r2.json()["access_token"]).get("/users/me").status_code == 401
    with pytest.raises(InvalidStatus):
        rest_server.connect("/app/engineData", Authorization=f"Bearer {token}")


@pytest.mark.parametrize("data,status,error", [
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, 401, "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}, 401,
     "invalid_client"),
])
def test_token_errors(rest_server: RunningServer, data, status, error) -> None:  # type: ignore[no-untyped-def]
    r = httpx.post(f"{root(rest_server)}/oauth/token", data=data)
    assert r.status_code == status and r.json()["error"] == error
    assert r.headers["cache-control"] == "no-store"


def test_a_forged_token_is_refused(make_api, keys, rest_server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    import jwt

    forged = jwt.encode({"iss": "associa-oauth", "aud": "associa-oauth", "sub": "ann",
                         "client_id": "x", "jti": "y", "exp": 9999999999}, "g" * 64,
                        algorithm="HS256")
    assert make_api(forged).get("/users/me").status_code == 401


def test_server_metadata(rest_server: RunningServer) -> None:
    meta = httpx.get(f"{root(rest_server)}/.well-known/oauth-authorization-server").json()
    assert meta["token_endpoint"] == f"{root(rest_server)}/oauth/token"
    assert meta["grant_types_supported"] == ["client_credentials"]
