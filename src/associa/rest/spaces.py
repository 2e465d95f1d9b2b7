"""``/spaces`` and their assignments (https://qlik.dev/apis/rest/spaces/).

A space (shared, managed or data) has an owner and assignments: a user or a group with
space roles (``store/directory.py`` lists the roles each type takes and the right each
gives on the space's apps: ``Engine.rights`` adds them to an app's own rules). The
caller's right on the space itself is the same: the owner and ``facilitator`` (*Can
manage*) manage the space and its members, administrators manage every space, any other
member reads it; a space the caller is not a member of is a 404, as an app is.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from associa.app.access import Right
from associa.rest.apps import iso
from associa.rest.errors import BadRequest, Conflict, Forbidden, NotFound
from associa.rest.models import TENANT_ID, Href, Links, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import PageQuery, paginate
from associa.rest.ratelimit import Tier
from associa.rest.users import store
from associa.store import directory
from associa.store.dataconnections import DataConnectionStore
from associa.store.datafiles import DataFileStore
from associa.store.items import ItemFilter

SpaceType = Literal["shared", "managed", "data"]
Name = Field(min_length=1, max_length=256, pattern=r"\S")


class CreateSpace(Strict):
    name: str = Name
    type: SpaceType
    description: str | None = Field(default=None, max_length=4096)


class UpdateSpace(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=256, pattern=r"\S")
    description: str | None = Field(default=None, max_length=4096)
    ownerId: str | None = Field(default=None, min_length=1, max_length=512)


class SpacesQuery(PageQuery):
    type: SpaceType | None = None
    name: str | None = None


SpaceAction = Literal["create", "read", "update", "delete", "publish"]


class SpaceMeta(Shape):
    actions: list[SpaceAction]
    roles: list[str]
    assignableRoles: list[str]


class SpaceLinks(Shape):
    self: Href
    assignments: Href


class SpaceEntry(Shape):
    id: str
    tenantId: str
    name: str
    type: str
    description: str
    ownerId: str
    createdAt: str
    createdBy: str
    updatedAt: str
    meta: SpaceMeta
    links: SpaceLinks


class SpacesList(Shape):
    data: list[SpaceEntry]
    links: Links


class CreateAssignment(Strict):
    type: Literal["user", "group"]
    assigneeId: str = Field(min_length=1, max_length=512)
    roles: list[str] = Field(min_length=1)


class UpdateAssignment(Strict):
    roles: list[str] = Field(min_length=1)


class AssignmentLinks(Shape):
    self: Href
    space: Href


class AssignmentEntry(Shape):
    id: str
    tenantId: str
    spaceId: str
    type: str
    assigneeId: str
    roles: list[str]
    createdAt: str
    links: AssignmentLinks


class AssignmentsList(Shape):
    data: list[AssignmentEntry]
    links: Links


# the space actions of each right (the published API's ActionName: create, read, update,
# delete, publish)
ACTIONS: dict[Right, tuple[SpaceAction, ...]] = {
    Right.CONSUME: ("read",),
    Right.EDIT: ("create",),
    Right.MANAGE: ("update", "delete", "publish"),
}


def caller_right(call: Call, space: directory.Space) -> Right | None:
    """The caller's right in the space: admins manage all; else the best of its rules."""
    if call.identity.admin:
        return Right.MANAGE
    rules = store(call).space_rules(space.id)
    return max((r.right for r in rules if r.applies_to(call.identity)), default=None)


def member(call: Call, space: directory.Space) -> bool:
    if caller_right(call, space) is not None:
        return True
    me = store(call).user_by_subject(call.identity.user_id)
    ids = {call.identity.user_id, *([me.id] if me else [])}
    names = set(call.identity.groups)
    groups = {g.id for g in store(call).groups() if g.name in names}
    return any((a.type == "user" and a.assignee_id in ids)
               or (a.type == "group" and a.assignee_id in groups)
               for a in store(call).assignments(space.id))


def entry(call: Call, space: directory.Space) -> SpaceEntry:
    right = caller_right(call, space)
    actions = [a for r in sorted(Right) if right is not None and r <= right
               for a in ACTIONS[r]]
    roles = [r for a in store(call).assignments(space.id) for r in a.roles
             if a.type == "user" and a.assignee_id == call.identity.user_id]
    return SpaceEntry(
        id=space.id, tenantId=TENANT_ID, name=space.name, type=space.type,
        description=space.description, ownerId=space.owner_id,
        createdAt=iso(space.created) or "", createdBy=space.owner_id,
        updatedAt=iso(space.updated) or "",
        meta=SpaceMeta(actions=actions, roles=roles,
                       assignableRoles=list(directory.SPACE_ROLES[space.type])),
        links=SpaceLinks(self=Href(href=call.url(f"/spaces/{space.id}")),
                         assignments=Href(href=call.url(f"/spaces/{space.id}/assignments"))))


def visible_space(call: Call) -> directory.Space:
    space = store(call).space(call.path["spaceId"])
    if space is None or not member(call, space):
        raise NotFound(f"No space {call.path['spaceId']}")
    return space


def managed_space(call: Call) -> directory.Space:
    space = visible_space(call)
    if caller_right(call, space) != Right.MANAGE:
        raise Forbidden("Only the space's owner and managers may change it")
    return space


def list_spaces(call: Call) -> SpacesList:
    q: SpacesQuery = call.query
    found = [s for s in store(call).spaces()
             if (q.type is None or s.type == q.type)
             and (q.name is None or q.name.lower() in s.name.lower())
             and member(call, s)]
    page, links = paginate(call.request, found, q.limit, q.next, q.prev)
    return SpacesList(data=[entry(call, s) for s in page], links=links)


def create_space(call: Call) -> Reply:
    body: CreateSpace = call.body
    space = store(call).add_space(body.name, body.type, call.identity.user_id,
                                  body.description or "")
    if space is None:
        raise Conflict(f"A space named {body.name!r} exists")
    return Reply(entry(call, space), status=201)


def get_space(call: Call) -> SpaceEntry:
    return entry(call, visible_space(call))


def update_space(call: Call) -> SpaceEntry:
    space = managed_space(call)
    body: UpdateSpace = call.body
    changes = {k: v for k, v in (("name", body.name), ("description", body.description),
                                 ("owner_id", body.ownerId)) if v is not None}
    if body.name is not None and body.name != space.name and any(
            s.name == body.name for s in store(call).spaces()):
        raise Conflict(f"A space named {body.name!r} exists")
    updated = store(call).update_space(space.id, **changes)
    assert updated is not None
    return entry(call, updated)


def delete_space(call: Call) -> Reply:
    space = managed_space(call)
    if call.engine.items.find(ItemFilter(space_id=space.id)) or holds_data(call, space):
        raise Conflict("The space holds resources: move or delete them first")
    store(call).remove_space(space.id)
    return Reply(status=204)


def holds_data(call: Call, space: directory.Space) -> bool:
    """Whether data files or data connections are in the space."""
    db = call.engine.meta.db
    return bool(DataFileStore(db, call.engine.settings.data_dir).find(space_id=space.id)
                or any(c.space_id == space.id for c in DataConnectionStore(db).find()))


def _roles(space: directory.Space, roles: list[str]) -> list[str]:
    allowed = directory.SPACE_ROLES[space.type]
    for role in roles:
        if role not in allowed:
            raise BadRequest(f"{role!r} is not a role of a {space.type} space "
                             f"({', '.join(allowed)})", pointer="/roles")
    return list(dict.fromkeys(roles))


def assignment_entry(call: Call, a: directory.Assignment) -> AssignmentEntry:
    path = f"/spaces/{a.space_id}"
    return AssignmentEntry(
        id=a.id, tenantId=TENANT_ID, spaceId=a.space_id, type=a.type,
        assigneeId=a.assignee_id, roles=list(a.roles), createdAt=iso(a.created) or "",
        links=AssignmentLinks(self=Href(href=call.url(f"{path}/assignments/{a.id}")),
                              space=Href(href=call.url(path))))


def list_assignments(call: Call) -> AssignmentsList:
    q: PageQuery = call.query
    space = visible_space(call)
    page, links = paginate(call.request, store(call).assignments(space.id), q.limit,
                           q.next, q.prev)
    return AssignmentsList(data=[assignment_entry(call, a) for a in page], links=links)


def create_assignment(call: Call) -> Reply:
    space = managed_space(call)
    body: CreateAssignment = call.body
    roles = _roles(space, body.roles)
    d = store(call)
    if body.type == "group" and d.group(body.assigneeId) is None:
        raise BadRequest(f"No group {body.assigneeId}", pointer="/assigneeId")
    made = d.assign(space.id, body.type, body.assigneeId, roles)
    if made is None:
        raise Conflict(f"The {body.type} is assigned to the space already")
    return Reply(assignment_entry(call, made), status=201)


def _assignment(call: Call, space: directory.Space) -> directory.Assignment:
    found = next((a for a in store(call).assignments(space.id)
                  if a.id == call.path["assignmentId"]), None)
    if found is None:
        raise NotFound(f"No assignment {call.path['assignmentId']}")
    return found


def get_assignment(call: Call) -> AssignmentEntry:
    return assignment_entry(call, _assignment(call, visible_space(call)))


def update_assignment(call: Call) -> AssignmentEntry:
    space = managed_space(call)
    current = _assignment(call, space)
    done = store(call).reassign(space.id, current.id, _roles(space, call.body.roles))
    assert done is not None
    return assignment_entry(call, done)


def delete_assignment(call: Call) -> Reply:
    space = managed_space(call)
    store(call).unassign(space.id, _assignment(call, space).id)
    return Reply(status=204)


ASSIGNMENT = "/spaces/{spaceId}/assignments/{assignmentId}"
OPERATIONS = [
    Operation("GET", "/spaces", list_spaces, "The spaces the caller is a member of",
              "spaces", query=SpacesQuery, response=SpacesList),
    Operation("POST", "/spaces", create_space, "Create a space", "spaces", tier=Tier.TIER2,
              body=CreateSpace, response=SpaceEntry, status=201, errors=("409",)),
    Operation("GET", "/spaces/{spaceId}", get_space, "One space", "spaces",
              response=SpaceEntry),
    Operation("PUT", "/spaces/{spaceId}", update_space, "Change a space", "spaces",
              tier=Tier.TIER2, body=UpdateSpace, response=SpaceEntry, errors=("409",)),
    Operation("DELETE", "/spaces/{spaceId}", delete_space, "Delete a space", "spaces",
              tier=Tier.TIER2, status=204, errors=("409",)),
    Operation("GET", "/spaces/{spaceId}/assignments", list_assignments,
              "The space's members", "spaces", query=PageQuery,
              response=AssignmentsList),
    Operation("POST", "/spaces/{spaceId}/assignments", create_assignment,
              "Add a member to a space", "spaces", tier=Tier.TIER2, body=CreateAssignment,
              response=AssignmentEntry, status=201, errors=("409",)),
    Operation("GET", ASSIGNMENT, get_assignment, "One member of a space", "spaces",
              response=AssignmentEntry),
    Operation("PUT", ASSIGNMENT, update_assignment, "Change a member's roles", "spaces",
              tier=Tier.TIER2, body=UpdateAssignment, response=AssignmentEntry),
    Operation("DELETE", ASSIGNMENT, delete_assignment, "Remove a member from a space",
              "spaces", tier=Tier.TIER2, status=204),
]
