"""``/groups``: named groups of users (https://qlik.dev/apis/rest/groups/). A group's
name is what an identity's groups (from its token) are matched with, so a space assigned
to a group (``rest/spaces.py``) reaches everyone whose token names it. Everyone signed in
may list them; administrators create and delete them.
"""

from __future__ import annotations

from pydantic import Field

from associa.rest.apps import iso
from associa.rest.errors import Conflict, NotFound
from associa.rest.models import TENANT_ID, Href, Links, SelfLink, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import PageQuery, paginate
from associa.rest.ratelimit import Tier
from associa.rest.users import require_admin, store
from associa.store import directory


class CreateGroup(Strict):
    name: str = Field(min_length=1, max_length=256, pattern=r"\S")


class GroupEntry(Shape):
    id: str
    tenantId: str
    name: str
    status: str
    createdAt: str
    links: SelfLink


class GroupsList(Shape):
    data: list[GroupEntry]
    links: Links


def entry(call: Call, group: directory.Group) -> GroupEntry:
    return GroupEntry(id=group.id, tenantId=TENANT_ID, name=group.name, status=group.status,
                      createdAt=iso(group.created) or "",
                      links=SelfLink(self=Href(href=call.url(f"/groups/{group.id}"))))


def list_groups(call: Call) -> GroupsList:
    q: PageQuery = call.query
    page, links = paginate(call.request, store(call).groups(), q.limit, q.next, q.prev)
    return GroupsList(data=[entry(call, g) for g in page], links=links)


def create_group(call: Call) -> Reply:
    require_admin(call.identity, "create groups")
    group = store(call).add_group(call.body.name)
    if group is None:
        raise Conflict(f"A group named {call.body.name!r} exists")
    return Reply(entry(call, group), status=201)


def get_group(call: Call) -> GroupEntry:
    group = store(call).group(call.path["groupId"])
    if group is None:
        raise NotFound(f"No group {call.path['groupId']}")
    return entry(call, group)


def delete_group(call: Call) -> Reply:
    require_admin(call.identity, "delete groups")
    if not store(call).remove_group(call.path["groupId"]):
        raise NotFound(f"No group {call.path['groupId']}")
    return Reply(status=204)


OPERATIONS = [
    Operation("GET", "/groups", list_groups, "The tenant's groups", "groups",
              query=PageQuery, response=GroupsList),
    Operation("POST", "/groups", create_group, "Create a group (administrators)", "groups",
              tier=Tier.TIER2, body=CreateGroup, response=GroupEntry, status=201, errors=("409",)),
    Operation("GET", "/groups/{groupId}", get_group, "One group", "groups",
              response=GroupEntry),
    Operation("DELETE", "/groups/{groupId}", delete_group, "Delete a group (administrators)",
              "groups", tier=Tier.TIER2, status=204),
]
