"""The authorization matrix of the directory's resources (users, groups, roles, spaces and
assignments, api-keys, audits, OAuth clients and tokens, web integrations, CSP origins,
quotas, webhooks): every operation × anonymous / another user / the owner (Ann: owner
of the space, the key, the OAuth client and its token) / the administrator → the status
it documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from associa.rest import (
    apikeys,
    audits,
    csporigins,
    groups,
    oauth,
    quotas,
    roles,
    spaces,
    users,
    webhooks,
    webintegrations,
)
from associa.settings import Settings

ADMIN_KEY = "directory-matrix-admin"
MODULES = (users, groups, roles, spaces, apikeys, audits, oauth, webintegrations, csporigins,
           quotas, webhooks)
OPS = [op for m in MODULES for op in m.OPERATIONS]

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/users"): {"subject": "new-user"},
    ("PATCH", "/users/{userId}"): [{"op": "replace", "path": "/name", "value": "N"}],
    ("POST", "/groups"): {"name": "new-group"},
    ("POST", "/spaces"): {"name": "new-space", "type": "shared"},
    ("PUT", "/spaces/{spaceId}"): {"description": "d"},
    ("POST", "/spaces/{spaceId}/assignments"): {"type": "user", "assigneeId": "carl",
                                                "roles": ["consumer"]},
    ("PUT", spaces.ASSIGNMENT): {"roles": ["producer"]},
    ("POST", "/api-keys"): {"description": "k"},
    ("POST", "/oauth-clients"): {"clientName": "c"},
    ("POST", "/web-integrations"): {"name": "w", "validOrigins": ["https://a.example"]},
    ("PATCH", webintegrations.PATH): [{"op": "replace", "path": "/name", "value": "n"}],
    ("POST", "/csp-origins"): {"name": "c", "origin": "https://a.example"},
    ("PUT", csporigins.PATH): {"name": "c", "origin": "https://b.example"},
    ("POST", "/webhooks"): {"name": "h", "url": "http://127.0.0.1:9/",
                            "eventTypes": ["com.qlik.v1.app.created"]},
    ("PUT", webhooks.HOOK): {"name": "h2", "url": "http://127.0.0.1:9/",
                             "eventTypes": ["com.qlik.v1.app.deleted"]},
}
READ_ALL = 200  # every signed-in user
ADMIN_ONLY = {"other": 403, "owner": 403}
MEMBERS = {"other": 404}  # the space, its assignments and the key are the owner's
# (method, path) → the status of each caller other than the administrator's success
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/users"): ADMIN_ONLY, ("PATCH", "/users/{userId}"): ADMIN_ONLY,
    ("DELETE", "/users/{userId}"): ADMIN_ONLY, ("POST", "/groups"): ADMIN_ONLY,
    ("DELETE", "/groups/{groupId}"): ADMIN_ONLY,
    ("GET", "/audits"): ADMIN_ONLY, ("GET", "/audits/{auditId}"): ADMIN_ONLY,
    ("GET", "/spaces/{spaceId}"): MEMBERS, ("PUT", "/spaces/{spaceId}"): MEMBERS,
    ("DELETE", "/spaces/{spaceId}"): MEMBERS,
    ("GET", "/spaces/{spaceId}/assignments"): MEMBERS,
    ("POST", "/spaces/{spaceId}/assignments"): MEMBERS,
    ("GET", spaces.ASSIGNMENT): MEMBERS, ("PUT", spaces.ASSIGNMENT): MEMBERS,
    ("DELETE", spaces.ASSIGNMENT): MEMBERS,
    ("GET", "/api-keys/{apiKeyId}"): MEMBERS, ("DELETE", "/api-keys/{apiKeyId}"): MEMBERS,
    ("GET", "/oauth-clients/{clientId}"): MEMBERS,
    ("DELETE", "/oauth-clients/{clientId}"): MEMBERS,
    ("DELETE", "/oauth-tokens/{tokenId}"): MEMBERS,
    **{(op.method, op.path): ADMIN_ONLY
       for op in (*webintegrations.OPERATIONS, *csporigins.OPERATIONS, *webhooks.OPERATIONS)
       if op.path != "/webhooks/event-types"},
}
# a path parameter's resource, by the path's first segment when the name is shared
PER_PREFIX = {("/web-integrations", "id"): "wiId", ("/csp-origins", "id"): "cspId",
              ("/quotas", "id"): "quotaId"}


@pytest.fixture(autouse=True)
def no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matrix's webhook points nowhere: one attempt, no waiting threads."""
    monkeypatch.setattr(webhooks, "RETRY_DELAYS", ())


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def resources(admin: httpx.Client, ann: httpx.Client) -> dict[str, str]:
    """A user, a group, Ann's space with an assignment, Ann's key and an audit event."""
    out = {"roleId": "Developer"}
    out["userId"] = admin.post("/users", json={"subject": f"u{len(admin.get('/users').json()['data'])}"}).json()["id"]
    out["groupId"] = admin.post("/groups", json={"name": out["userId"]}).json()["id"]
    out["spaceId"] = ann.post("/spaces", json={"name": out["userId"],
                                               "type": "shared"}).json()["id"]
    out["assignmentId"] = ann.post(f"/spaces/{out['spaceId']}/assignments", json={
        "type": "group", "assigneeId": out["groupId"], "roles": ["consumer"]}).json()["id"]
    out["apiKeyId"] = ann.post("/api-keys", json={"description": "m"}).json()["id"]
    out["auditId"] = admin.get("/audits").json()["data"][0]["id"]
    client = ann.post("/oauth-clients", json={"clientName": "m"}).json()
    out["clientId"] = client["clientId"]
    out["tokenId"] = issue_token(ann, client)
    out["wiId"] = admin.post("/web-integrations", json={
        "name": "m", "validOrigins": ["https://m.example"]}).json()["id"]
    out["cspId"] = admin.post("/csp-origins", json={"name": "m", "origin": "https://m.example"}
                              ).json()["id"]
    out["quotaId"] = "request_body_size"
    out["webhookId"] = admin.post("/webhooks", json={
        "name": "m", "url": "http://127.0.0.1:9/", "eventTypes": ["com.qlik.v1.app.created"]}
    ).json()["id"]
    admin.post("/apps", json={"attributes": {"name": out["userId"]}})  # makes a delivery
    out["deliveryId"] = admin.get(f"/webhooks/{out['webhookId']}/deliveries").json()[
        "data"][0]["id"]
    return out


def issue_token(client: httpx.Client, oauth_client: dict[str, str]) -> str:
    root = str(client.base_url).rstrip("/").removesuffix("/api/v1")
    httpx.post(f"{root}/oauth/token", data={"grant_type": "client_credentials",
                                             "client_id": oauth_client["clientId"],
                                             "client_secret": oauth_client["clientSecret"]})
    tokens = client.get("/oauth-tokens", params={"limit": 100}).json()["data"]
    return next(t["id"] for t in tokens if t["clientId"] == oauth_client["clientId"])


def send(client: httpx.Client, op, ids: dict[str, str]) -> httpx.Response:  # type: ignore[no-untyped-def]
    prefix = "/" + op.path.split("/")[1]
    path = re.sub(r"{(\w+)}", lambda m: ids[PER_PREFIX.get((prefix, m.group(1)),
                                                           m.group(1))], op.path)
    body = BODIES.get((op.method, op.path))
    if body is None:
        return client.request(op.method, path)
    if (op.method, op.path) == ("POST", "/spaces"):  # space names are unique
        body = {**body, "name": f"space-of-{id(client)}"}
    return client.request(op.method, path, json=body)


@pytest.mark.parametrize("op", OPS, ids=lambda op: f"{op.method} {op.path}")
def test_matrix(op, make_api, keys) -> None:  # type: ignore[no-untyped-def]
    admin, ann, bob = make_api(keys["admin"]), make_api(keys["ann"]), make_api(keys["bob"])
    expected = EXPECTED.get((op.method, op.path), {})
    ids = resources(admin, ann)
    assert send(make_api(), op, ids).status_code == 401
    assert send(bob, op, ids).status_code == expected.get("other", op.status)
    assert send(ann, op, ids).status_code == expected.get("owner", op.status)
    # the owner's call may have used the first ones up (a read uses nothing)
    fresh = ids if op.method == "GET" else resources(admin, ann)
    if op.method == "POST" and op.path in ("/users", "/groups", "/spaces"):
        BODY = dict(BODIES[(op.method, op.path)])
        BODY[next(iter(k for k in BODY if k in ("subject", "name")))] = "by-admin"
        path = op.path
        assert admin.post(path, json=BODY).status_code == op.status
        return
    if op.path == "/spaces/{spaceId}/assignments" and op.method == "POST":
        fresh["spaceId"] = ann.post("/spaces", json={"name": "adm", "type": "shared"}
                                    ).json()["id"]
    assert send(admin, op, fresh).status_code == op.status
