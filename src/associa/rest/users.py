"""``/users``: the tenant's users (https://qlik.dev/apis/rest/users/).

Everyone signed in may list and read users (Qlik Cloud lists a tenant's users to its
members); creating, changing and deleting them is for administrators (``TenantAdmin``:
``Identity.admin``: the ``ApiKey`` administrator key, a JWT of the ``AdminGroup``, or a
user given the ``TenantAdmin`` role here, which ``rest/identity.with_roles`` reads at
every request and socket upgrade, so taking it back ends it at once). ``PATCH`` takes a JSON Patch
array of ``replace`` operations on ``/name``, ``/email``, ``/status``,
``/assignedRoles`` and ``/assignedGroups``, as the published API does. A user's
``subject`` is the user id its identities carry (a JWT's subject, an API key's user).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, RootModel

from associa.identity import Identity
from associa.rest.apps import iso
from associa.rest.errors import BadRequest, Conflict, Forbidden, NotFound
from associa.rest.me import Group, Role, User, UserLinks
from associa.rest.models import TENANT_ID, Href, Links, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import PageQuery, paginate
from associa.rest.ratelimit import Tier
from associa.rest.roles import BUILT_IN
from associa.store import directory


def require_admin(identity: Identity, what: str) -> None:
    """403 unless the caller administers the tenant."""
    if not identity.admin:
        raise Forbidden(f"Only a tenant administrator may {what}")


def store(call: Call) -> directory.Directory:
    return directory.Directory(call.engine.meta.db)


class RoleRef(Strict):
    name: str | None = None
    id: str | None = None


class GroupRef(Strict):
    id: str


class CreateUser(Strict):
    subject: str = Field(min_length=1, max_length=512)
    name: str | None = Field(default=None, max_length=512)
    email: str | None = Field(default=None, max_length=512)
    status: Literal["active", "invited", "disabled"] | None = None
    assignedRoles: list[RoleRef] = []
    assignedGroups: list[GroupRef] = []


class UserPatch(Strict):
    op: Literal["replace"]
    path: Literal["/name", "/email", "/status", "/assignedRoles", "/assignedGroups"]
    value: Any


class PatchUser(RootModel[list[UserPatch]]):
    pass


class UsersQuery(PageQuery):
    email: str | None = None
    subject: str | None = None
    status: str | None = None


class UsersList(Shape):
    data: list[User]
    links: Links


def role_names(refs: list[RoleRef] | list[Any]) -> list[str]:
    names = []
    for ref in refs:
        ref = RoleRef.model_validate(ref) if not isinstance(ref, RoleRef) else ref
        name = ref.name or ref.id or ""
        if name not in BUILT_IN:
            raise BadRequest(f"Unknown role {name!r}", pointer="/assignedRoles")
        names.append(name)
    return names


def group_ids(call: Call, refs: list[GroupRef] | list[Any]) -> list[str]:
    known = {g.id for g in store(call).groups()}
    ids = [r.id if isinstance(r, GroupRef) else GroupRef.model_validate(r).id for r in refs]
    for gid in ids:
        if gid not in known:
            raise BadRequest(f"Unknown group {gid!r}", pointer="/assignedGroups")
    return ids


def user_result(call: Call, user: directory.User) -> User:
    groups = {g.id: g.name for g in store(call).groups()}
    return User(id=user.id, tenantId=TENANT_ID, subject=user.subject, status=user.status,
                name=user.name or None, email=user.email or None,
                assignedRoles=[Role(id=r, name=r, level=BUILT_IN[r].level)
                               for r in user.roles if r in BUILT_IN],
                assignedGroups=[Group(id=g, name=groups.get(g, g)) for g in user.groups],
                created=iso(user.created), lastUpdated=iso(user.updated),
                links=UserLinks(self=Href(href=call.url(f"/users/{user.id}"))))


def _user(call: Call) -> directory.User:
    user = store(call).user(call.path["userId"])
    if user is None:
        raise NotFound(f"No user {call.path['userId']}")
    return user


def list_users(call: Call) -> UsersList:
    q: UsersQuery = call.query
    users = [u for u in store(call).users()
             if (q.email is None or u.email == q.email)
             and (q.subject is None or u.subject == q.subject)
             and (q.status is None or u.status == q.status)]
    page, links = paginate(call.request, users, q.limit, q.next, q.prev)
    return UsersList(data=[user_result(call, u) for u in page], links=links)


def create_user(call: Call) -> Reply:
    require_admin(call.identity, "create users")
    body: CreateUser = call.body
    user = store(call).add_user(body.subject, body.name or "", body.email or "",
                                role_names(body.assignedRoles),
                                group_ids(call, body.assignedGroups),
                                body.status or "active")
    if user is None:
        raise Conflict(f"A user with subject {body.subject!r} exists")
    return Reply(user_result(call, user), status=201)


def get_user(call: Call) -> User:
    return user_result(call, _user(call))


def patch_user(call: Call) -> Reply:
    require_admin(call.identity, "change users")
    user = _user(call)
    changes: dict[str, Any] = {}
    for i, patch in enumerate(call.body.root):
        key = patch.path[1:]
        if key == "assignedRoles":
            changes["roles"] = role_names(_list(patch.value, i))
        elif key == "assignedGroups":
            changes["groups"] = group_ids(call, _list(patch.value, i))
        elif key == "status" and patch.value not in ("active", "invited", "disabled"):
            raise BadRequest("status is active, invited or disabled", pointer=f"/{i}/value")
        elif not isinstance(patch.value, str):
            raise BadRequest(f"{key} is a string", pointer=f"/{i}/value")
        else:
            changes[key] = patch.value
    store(call).update_user(user.id, **changes)
    return Reply(status=204)


def _list(value: Any, index: int) -> list[Any]:
    if not isinstance(value, list):
        raise BadRequest("The value is a list", pointer=f"/{index}/value")
    return value


def delete_user(call: Call) -> Reply:
    require_admin(call.identity, "delete users")
    if not store(call).remove_user(_user(call).id):
        raise NotFound(f"No user {call.path['userId']}")
    return Reply(status=204)


OPERATIONS = [
    Operation("GET", "/users", list_users, "The tenant's users", "users",
              query=UsersQuery, response=UsersList),
    Operation("POST", "/users", create_user, "Create a user (administrators)", "users",
              tier=Tier.TIER2, body=CreateUser, response=User, status=201, errors=("409",)),
    Operation("GET", "/users/{userId}", get_user, "One user", "users", response=User),
    Operation("PATCH", "/users/{userId}", patch_user, "Change a user (administrators)",
              "users", tier=Tier.TIER2, body=PatchUser, status=204),
    Operation("DELETE", "/users/{userId}", delete_user, "Delete a user (administrators)",
              "users", tier=Tier.TIER2, status=204),
]
