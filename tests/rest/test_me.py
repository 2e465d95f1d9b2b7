"""/users/me, /tenants/me and /csrf-token in development mode."""

from __future__ import annotations

import httpx


def test_me_tenant_and_csrf(api: httpx.Client) -> None:
    me = api.get("/users/me").json()
    assert me["id"] == "anonymous" and me["tenantId"] == "associa"
    assert me["links"]["self"]["href"].endswith("/api/v1/users/anonymous")
    tenant = api.get("/tenants/me").json()
    assert tenant["id"] == "associa" and tenant["hostnames"] == ["127.0.0.1"]
    r = api.get("/csrf-token")
    assert r.status_code == 204 and r.content == b""
    token = r.headers["qlik-csrf-token"]
    assert len(token) == 40 and api.get("/csrf-token").headers["qlik-csrf-token"] == token
