"""``/roles``: Qlik Cloud's built-in user roles, as data (https://qlik.dev/apis/rest/roles/
and https://qlik.dev/manage/access-control/user-roles/). Roles are not made or changed
here; a user holds them (``rest/users.py``), and the admin-level ones (``level: admin``)
are those of tenant administration.
"""

from __future__ import annotations

from dataclasses import dataclass

from associa.rest.errors import NotFound
from associa.rest.models import TENANT_ID, Href, Links, SelfLink, Shape
from associa.rest.operations import Call, Operation
from associa.rest.paging import PageQuery, paginate


@dataclass(frozen=True, slots=True)
class BuiltIn:
    description: str
    level: str  # "admin" | "user"


BUILT_IN: dict[str, BuiltIn] = {
    "TenantAdmin": BuiltIn("Manages the tenant: users, settings, security", "admin"),
    "AnalyticsAdmin": BuiltIn("Manages analytics content and spaces", "admin"),
    "DataAdmin": BuiltIn("Manages data content and data spaces", "admin"),
    "AuditAdmin": BuiltIn("Reads the audit log", "admin"),
    "Developer": BuiltIn("Creates API keys", "user"),
    "SharedSpaceCreator": BuiltIn("Creates shared spaces", "user"),
    "ManagedSpaceCreator": BuiltIn("Creates managed spaces", "user"),
    "DataSpaceCreator": BuiltIn("Creates data spaces", "user"),
    "PrivateAnalyticsContentCreator": BuiltIn("Creates apps in the personal space", "user"),
}


class RoleEntry(Shape):
    id: str
    tenantId: str
    name: str
    description: str
    type: str
    level: str
    links: SelfLink


class RolesList(Shape):
    data: list[RoleEntry]
    links: Links


def entry(call: Call, name: str) -> RoleEntry:
    role = BUILT_IN[name]
    return RoleEntry(id=name, tenantId=TENANT_ID, name=name, description=role.description,
                     type="default", level=role.level,
                     links=SelfLink(self=Href(href=call.url(f"/roles/{name}"))))


def list_roles(call: Call) -> RolesList:
    q: PageQuery = call.query
    page, links = paginate(call.request, list(BUILT_IN), q.limit, q.next, q.prev)
    return RolesList(data=[entry(call, n) for n in page], links=links)


def get_role(call: Call) -> RoleEntry:
    if call.path["roleId"] not in BUILT_IN:
        raise NotFound(f"No role {call.path['roleId']}")
    return entry(call, call.path["roleId"])


OPERATIONS = [
    Operation("GET", "/roles", list_roles, "The built-in roles", "roles", query=PageQuery,
              response=RolesList),
    Operation("GET", "/roles/{roleId}", get_role, "One role", "roles", response=RoleEntry),
]
