"""The caller's own resources: ``/users/me``, ``/tenants/me`` and ``/csrf-token``.

* ``GET /users/me``: the calling user. Qlik's specification answers 301 to
  ``/users/{id}``, but @qlik/api types it as 200 with the User (ecosystem.md, 2.2); the
  user is answered directly, as clients read it.
* ``GET /tenants/me``: the one tenant an engine serves.
* ``GET /csrf-token``: 204 with the ``qlik-csrf-token`` header
  (https://qlik.dev/apis/rest/csrf-token/). The token is an HMAC of the caller under a
  key of this process, so a cookie-authenticated request can be checked against it
  (``csrf_token``) without storing tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from associa.identity import Identity
from associa.rest.models import TENANT_ID, Href, Shape
from associa.rest.operations import Call, Operation, Reply

_CSRF_KEY = secrets.token_bytes(32)


def csrf_token(identity: Identity) -> str:
    """The CSRF token of ``identity`` in this process."""
    digest = hmac.new(_CSRF_KEY, identity.qualified.encode(), hashlib.sha256).digest()
    return digest.hex()[:40]


class Role(Shape):
    id: str
    name: str
    type: str = "default"
    level: str = "admin"


class Group(Shape):
    id: str
    name: str


class UserLinks(Shape):
    self: Href


class User(Shape):
    id: str
    tenantId: str
    subject: str
    status: str
    name: str | None = None
    email: str | None = None
    assignedRoles: list[Role] = []
    assignedGroups: list[Group] = []
    created: str | None = None
    lastUpdated: str | None = None
    links: UserLinks


class Tenant(Shape):
    id: str
    name: str
    hostnames: list[str]
    status: str
    created: str | None = None


def get_my_user(call: Call) -> User:
    me = call.identity
    roles = [Role(id="TenantAdmin", name="TenantAdmin")] if me.admin else []
    return User(
        id=me.user_id, tenantId=TENANT_ID, subject=me.qualified, status="active",
        name=me.name or me.user_id, email=me.email or None, assignedRoles=roles,
        assignedGroups=[Group(id=g, name=g) for g in me.groups],
        links=UserLinks(self=Href(href=call.url(f"/users/{me.user_id}"))))


def get_my_tenant(call: Call) -> Tenant:
    host = call.request.url.hostname or "localhost"
    return Tenant(id=TENANT_ID, name=TENANT_ID, hostnames=[host], status="active")


def get_csrf_token(call: Call) -> Reply:
    return Reply(status=204, headers={"qlik-csrf-token": csrf_token(call.identity)})


OPERATIONS = [
    Operation("GET", "/users/me", get_my_user, "The calling user", "users",
              response=User),
    Operation("GET", "/tenants/me", get_my_tenant, "The tenant of the calling user",
              "tenants", response=Tenant),
    Operation("GET", "/csrf-token", get_csrf_token, "A CSRF token for this user",
              "csrf-token", status=204, headers=("qlik-csrf-token",)),
]
