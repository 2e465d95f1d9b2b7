"""``/items``: every resource the caller may see, as Qlik Cloud's items API lists them.

Filters as documented for ``GET /api/v1/items`` (@qlik/api ``items``): ``resourceType``
(a comma-separated list), ``resourceId`` (needs ``resourceType``), ``spaceId``
(``personal``: in no space), ``ownerId``, ``name`` (case-insensitive, anywhere in the
name), ``query`` (the same over name and description); ``sort`` one of ``±createdAt``,
``±updatedAt``, ``±name`` (default ``+createdAt``); ``limit`` 1–100 (default 10) with
``next``/``prev`` cursors. Only the items the caller may consume are listed, and an item
the caller may not see is a 404, as an app is. What an item of each kind shows (its
actions, attributes, link) comes from the resource module that owns the kind
(``rest/itemkinds.py``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from associa.rest.apps import iso
from associa.rest.catalog import Catalog
from associa.rest.errors import BadRequest, NotFound
from associa.rest.itemkinds import ItemKind
from associa.rest.models import TENANT_ID, Href, Links, Shape
from associa.rest.operations import Call, Operation
from associa.rest.paging import MAX_LIMIT, paginate
from associa.store.items import Item, ItemFilter

Sort = Literal["+createdAt", "-createdAt", "+name", "-name", "+updatedAt", "-updatedAt"]


class ItemsQuery(Shape):
    resourceType: str | None = None
    resourceId: str | None = None
    spaceId: str | None = None
    ownerId: str | None = None
    name: str | None = None
    query: str | None = None
    sort: Sort = "+createdAt"
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    next: str | None = None
    prev: str | None = None


class ItemMeta(Shape):
    actions: list[str]
    collections: list[str] = []
    isFavorited: bool = False
    tags: list[str] = []


class ItemLinks(Shape):
    self: Href
    open: Href | None = None


class ItemResult(Shape):
    id: str
    name: str
    description: str
    resourceType: str
    resourceId: str
    resourceLink: str
    resourceAttributes: dict[str, object]
    resourceCustomAttributes: dict[str, object] = {}
    resourceCreatedAt: str
    resourceUpdatedAt: str
    resourceSize: dict[str, int]
    spaceId: str
    ownerId: str
    creatorId: str
    updaterId: str
    tenantId: str
    createdAt: str
    updatedAt: str
    thumbnailId: str
    isFavorited: bool = False
    actions: list[str]
    collectionIds: list[str] = []
    meta: ItemMeta
    links: ItemLinks


class ItemsList(Shape):
    data: list[ItemResult]
    links: Links


def kind_of(item: Item) -> ItemKind | None:
    from associa.rest.resources import item_kinds

    return item_kinds().get(item.resource_type)


def item_result(call: Call, item: Item, kind: ItemKind) -> ItemResult:
    actions = kind.actions(call, item)
    created, updated = iso(item.created_at) or "", iso(item.updated_at) or ""
    link = call.url(kind.link(item))
    return ItemResult(
        id=item.id, name=item.name, description=item.description,
        resourceType=item.resource_type, resourceId=item.resource_id, resourceLink=link,
        resourceAttributes=kind.attributes(call, item), resourceCreatedAt=created,
        resourceUpdatedAt=updated, resourceSize=kind.size(item),
        spaceId=item.space_id, ownerId=item.owner_id, creatorId=item.creator_id,
        updaterId=item.updater_id, tenantId=TENANT_ID, createdAt=created, updatedAt=updated,
        thumbnailId=item.thumbnail, actions=actions, meta=ItemMeta(actions=actions),
        links=ItemLinks(self=Href(href=call.url(f"/items/{item.id}")),
                        open=Href(href=link)))


def shown(call: Call, item: Item) -> ItemResult | None:
    """The item as the caller sees it, or None when the caller may not see it."""
    kind = kind_of(item)
    if kind is None or not kind.actions(call, item):
        return None
    return item_result(call, item, kind)


def get_items(call: Call) -> ItemsList:
    q: ItemsQuery = call.query
    types = tuple(t for t in (q.resourceType or "").split(",") if t)
    if q.resourceId and not types:
        raise BadRequest("resourceId needs resourceType", parameter="resourceId")
    catalog: Catalog = call.state.catalog
    catalog.sync()
    found = call.engine.items.find(ItemFilter(
        resource_types=types, resource_id=q.resourceId or "", space_id=q.spaceId or "",
        owner_id=q.ownerId or "", name=q.name or "", query=q.query or ""), q.sort)
    visible = [item for item in found
               if (kind := kind_of(item)) is not None and kind.actions(call, item)]
    page, links = paginate(call.request, visible, q.limit, q.next, q.prev)
    results = [shown(call, item) for item in page]
    return ItemsList(data=[r for r in results if r is not None], links=links)


def get_item(call: Call) -> ItemResult:
    catalog: Catalog = call.state.catalog
    catalog.sync()
    item = call.engine.items.by_id(call.path["itemId"])
    result = shown(call, item) if item is not None else None
    if result is None:
        raise NotFound(f"No item {call.path['itemId']}")
    return result


OPERATIONS = [
    Operation("GET", "/items", get_items, "The items the caller may see", "items",
              query=ItemsQuery, response=ItemsList),
    Operation("GET", "/items/{itemId}", get_item, "One item", "items", response=ItemResult),
]
