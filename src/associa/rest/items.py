"""``/items``: every resource the caller may see, as Qlik Cloud's items API lists them.

Filters as documented for ``GET /api/v1/items`` (@qlik/api ``items``): ``resourceType``
(a comma-separated list, each type optionally with its subtypes in brackets:
``app[qvd,],dataset[qix-df]``, a trailing comma for the empty subtype),
``resourceSubType`` (a list; not with the bracket form), ``resourceId`` (needs
``resourceType``), ``id``, ``spaceId`` (``personal``: in no space), ``spaceType`` (a list
of ``shared``, ``managed``, ``data``, ``personal``), ``shared`` (deprecated by Qlik: true
is ``spaceType=shared``, false everything else), ``ownerId``/``notOwnerId``,
``createdByUserId``/``notCreatedByUserId``, ``name`` (case-insensitive, anywhere in the
name), ``query`` (the same over name and description), ``resourceIds`` (a list of at
most 100, needs ``resourceType``), ``resourceLink`` (the item's link, exactly),
``collectionId`` (the items of a collection the caller sees: ``rest/collections.py``),
``noActions`` (true: the caller's actions are not listed); ``sort`` one of
``±createdAt``, ``±updatedAt``, ``±name``, ``±recentlyUsed`` (the caller's last use: the
app opened over QIX, the item or the app read over REST; never used counts as oldest)
(default ``+createdAt``); ``limit`` 1–100 (default 10) with ``next``/``prev`` cursors.
An item shows the collections the caller sees it in (``collectionIds``) and whether it
is in the caller's favorites (``isFavorited``), and its views of the last 28 days
(``itemViews``: total, unique users, trend, per week; an app opened over QIX is a view,
``store/views.py``). ``PUT /items/{id}`` changes an item's name and description
(an app's name is its title: the app changes too); the other documented fields are
ignored, as Qlik documents ("Omitted and unsupported fields are ignored"). Only the items the caller may consume are listed, and an item
the caller may not see is a 404, as an app is. What an item of each kind shows (its
actions, attributes, link) comes from the resource module that owns the kind
(``rest/itemkinds.py``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from associa.rest.apps import iso
from associa.rest.catalog import Catalog
from associa.rest.errors import BadRequest, Forbidden, NotFound
from associa.rest.itemkinds import ItemKind
from associa.rest.models import TENANT_ID, Href, Links, Shape, Strict
from associa.rest.operations import Call, Operation
from associa.rest.paging import MAX_LIMIT, paginate
from associa.rest.ratelimit import Tier
from associa.store.collections import FAVORITE, Collections
from associa.store.directory import Directory
from associa.store.items import Item, ItemFilter
from associa.store.views import ItemViews, Views

Sort = Literal["+createdAt", "-createdAt", "+name", "-name", "+updatedAt", "-updatedAt",
               "+recentlyUsed", "-recentlyUsed"]
MAX_RESOURCE_IDS = 100


SpaceType = Literal["shared", "managed", "data", "personal"]
SPACE_TYPES = ("shared", "managed", "data", "personal")
# one entry of resourceType: a type, and optionally its subtypes in brackets
TYPE_ENTRY = re.compile(r"([^,\[\]]+)(?:\[([^\[\]]*)\])?(?:,|$)")


class ItemsQuery(Shape):
    resourceType: str | None = None
    resourceSubType: str | None = None
    resourceId: str | None = None
    id: str | None = None
    spaceId: str | None = None
    spaceType: str | None = None
    shared: bool | None = None
    ownerId: str | None = None
    notOwnerId: str | None = None
    createdByUserId: str | None = None
    notCreatedByUserId: str | None = None
    name: str | None = None
    query: str | None = None
    resourceIds: str | None = None
    resourceLink: str | None = None
    collectionId: str | None = None
    noActions: bool = False
    sort: Sort = "+createdAt"
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    next: str | None = None
    prev: str | None = None


class ItemMeta(Shape):
    actions: list[str]
    collections: list[str] = []
    isFavorited: bool = False
    tags: list[str] = []


class ItemViewsWeek(Shape):
    start: str  # the week's first day, 00:00 UTC
    total: int
    unique: int


class ItemViewsResult(Shape):
    """Views of the last 28 days (``store/views.py``): their total, the unique users,
    the trend (the slope of the four weeks' unique users) and each week, oldest first."""

    total: int
    unique: int
    trend: float
    week: list[ItemViewsWeek]


class ItemLinks(Shape):
    self: Href
    open: Href | None = None


class ItemResult(Shape):
    id: str
    name: str
    description: str
    resourceType: str
    resourceSubType: str | None = None
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
    itemViews: ItemViewsResult | None = None


class ItemsList(Shape):
    data: list[ItemResult]
    links: Links


class UpdateItem(Strict):
    """What ``PUT /items/{id}`` takes: name and description change; the other fields
    Qlik documents are accepted and ignored ("unsupported fields are ignored"); a field
    Qlik does not document is a 400, as in every request body here."""

    resourceType: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=512, pattern=r"\S")
    description: str | None = Field(default=None, max_length=4096)
    resourceId: str | None = None
    spaceId: str | None = None
    thumbnailId: str | None = None
    resourceSubType: str | None = None
    resourceLink: str | None = None
    resourceUpdatedAt: str | None = None
    resourceAttributes: dict[str, object] | None = None
    resourceCustomAttributes: dict[str, object] | None = None


def sync(call: Call) -> None:
    """Every kind's items up to date (apps through the catalog, the others their way)."""
    catalog: Catalog = call.state.catalog
    catalog.sync()
    from associa.rest.resources import item_kinds

    for kind in item_kinds().values():
        if kind.sync is not None:
            kind.sync(call)


def kind_of(item: Item) -> ItemKind | None:
    from associa.rest.resources import item_kinds

    return item_kinds().get(item.resource_type)


class Marks:
    """Which collections the caller sees each item in, and the caller's favorites."""

    def __init__(self, call: Call, items: list[Item]) -> None:
        self.favorites = ""
        self.seen: set[str] = set()
        self.of: dict[str, list[str]] = {}
        self.views: dict[tuple[str, str], Views] = {}
        if not items:
            return
        item_ids = [item.id for item in items]
        self.views = ItemViews(call.engine.meta.db).summary(
            [(item.resource_type, item.resource_id) for item in items])
        store = Collections(call.engine.meta.db)
        user = call.identity.user_id
        for c in store.visible(user, with_favorites=True):
            if c.type == FAVORITE:
                self.favorites = c.id
            else:
                self.seen.add(c.id)
        self.of = store.memberships(item_ids)

    def collections(self, item: Item) -> list[str]:
        return [c for c in self.of.get(item.id, []) if c in self.seen]

    def favorited(self, item: Item) -> bool:
        return bool(self.favorites) and self.favorites in self.of.get(item.id, [])

    def item_views(self, item: Item) -> ItemViewsResult | None:
        found = self.views.get((item.resource_type, item.resource_id))
        if found is None:
            return None
        return ItemViewsResult(
            total=found.total, unique=found.unique, trend=round(found.trend, 6),
            week=[ItemViewsWeek(start=iso(w.start) or "", total=w.total, unique=w.unique)
                  for w in found.weeks])


def item_result(call: Call, item: Item, kind: ItemKind, marks: Marks | None = None,
                no_actions: bool = False) -> ItemResult:
    actions = [] if no_actions else kind.actions(call, item)
    marks = marks if marks is not None else Marks(call, [item])
    collections, favorited = marks.collections(item), marks.favorited(item)
    created, updated = iso(item.created_at) or "", iso(item.updated_at) or ""
    link = call.url(kind.link(item))
    return ItemResult(
        id=item.id, name=item.name, description=item.description,
        resourceType=item.resource_type, resourceSubType=kind.subtype(item) or None,
        resourceId=item.resource_id, resourceLink=link,
        resourceAttributes=kind.attributes(call, item), resourceCreatedAt=created,
        resourceUpdatedAt=updated, resourceSize=kind.size(item),
        spaceId=item.space_id, ownerId=item.owner_id, creatorId=item.creator_id,
        updaterId=item.updater_id, tenantId=TENANT_ID, createdAt=created, updatedAt=updated,
        thumbnailId=item.thumbnail, actions=actions, isFavorited=favorited,
        collectionIds=collections,
        meta=ItemMeta(actions=actions, collections=collections, isFavorited=favorited),
        links=ItemLinks(self=Href(href=call.url(f"/items/{item.id}")),
                        open=Href(href=link)),
        itemViews=marks.item_views(item))


def shown(call: Call, item: Item, marks: Marks | None = None,
          no_actions: bool = False) -> ItemResult | None:
    """The item as the caller sees it, or None when the caller may not see it."""
    kind = kind_of(item)
    if kind is None or not kind.actions(call, item):
        return None
    return item_result(call, item, kind, marks, no_actions)


def parse_types(q: ItemsQuery) -> dict[str, frozenset[str] | None]:
    """resourceType (and resourceSubType) as {type: its subtypes, or None for any}."""
    text = q.resourceType or ""
    entries = list(TYPE_ENTRY.finditer(text))
    if "".join(m.group(0) for m in entries) != text:
        raise BadRequest(f"resourceType does not parse: {text!r}", parameter="resourceType")
    bracketed = any(m.group(2) is not None for m in entries)
    if bracketed and q.resourceSubType is not None:
        raise BadRequest("Give subtypes in resourceType's brackets or in resourceSubType, "
                         "not both", parameter="resourceSubType")
    subtypes = (frozenset(q.resourceSubType.split(","))
                if q.resourceSubType is not None else None)
    out: dict[str, frozenset[str] | None] = {}
    for m in entries:
        out[m.group(1).strip()] = (frozenset(m.group(2).split(","))
                                   if m.group(2) is not None else subtypes)
    if not out and subtypes is not None:
        out[""] = subtypes  # any type with one of these subtypes
    return out


def space_ids(call: Call, q: ItemsQuery) -> tuple[str, ...] | None:
    """The spaces spaceType and shared leave (None: no such filter)."""
    kinds: set[str] | None = None
    if q.spaceType is not None:
        kinds = {k.strip() for k in q.spaceType.split(",")}
        unknown = kinds - set(SPACE_TYPES)
        if unknown:
            raise BadRequest(f"spaceType must be among {', '.join(SPACE_TYPES)}",
                             parameter="spaceType")
    if q.shared is not None:
        wanted = {"shared"} if q.shared else set(SPACE_TYPES) - {"shared"}
        kinds = wanted if kinds is None else kinds & wanted
    if kinds is None:
        return None
    ids = [s.id for s in Directory(call.engine.meta.db).spaces() if s.type in kinds]
    return (*ids, "") if "personal" in kinds else tuple(ids)


def resource_ids(q: ItemsQuery, types: dict[str, frozenset[str] | None]) -> tuple[str, ...]:
    if q.resourceIds is None:
        return ()
    ids = tuple(i.strip() for i in q.resourceIds.split(",") if i.strip())
    if not [t for t in types if t]:
        raise BadRequest("resourceIds needs resourceType", parameter="resourceIds")
    if not ids or len(ids) > MAX_RESOURCE_IDS:
        raise BadRequest(f"resourceIds takes 1 to {MAX_RESOURCE_IDS} ids",
                         parameter="resourceIds")
    return ids


def by_recent_use(call: Call, items: list[Item], sort: str) -> list[Item]:
    """``items`` (in creation order) by the caller's last use of each: ``-``: most
    recent first, never used last; ``+``: the other way round."""
    uses = Collections(call.engine.meta.db).last_uses(call.identity.user_id)
    sign = -1 if sort[0] == "-" else 1

    def key(item: Item) -> float:
        used = uses.get((item.resource_type, item.resource_id))
        return sign * (used.timestamp() if used is not None else float("-inf"))

    return sorted(items, key=key)  # stable: ties stay in creation order


def list_items(call: Call, q: ItemsQuery,
               only: tuple[str, ...] | None = None) -> ItemsList:
    """The page of the items the caller sees that pass ``q`` (and are among ``only``)."""
    types = parse_types(q)
    if q.resourceId and not [t for t in types if t]:
        raise BadRequest("resourceId needs resourceType", parameter="resourceId")
    ids = resource_ids(q, types)
    spaces = space_ids(call, q)
    sync(call)
    recent = q.sort.endswith("recentlyUsed")
    found = call.engine.items.find(ItemFilter(
        resource_types=tuple(t for t in types if t), resource_id=q.resourceId or "",
        space_id=q.spaceId or "", owner_id=q.ownerId or "", not_owner_id=q.notOwnerId or "",
        creator_id=q.createdByUserId or "", not_creator_id=q.notCreatedByUserId or "",
        item_id=q.id or "", name=q.name or "", query=q.query or "", space_ids=spaces,
        resource_ids=ids, item_ids=only), "+createdAt" if recent else q.sort)
    visible = []
    for item in found:
        kind = kind_of(item)
        if kind is None or not kind.actions(call, item):
            continue
        wanted = types.get(item.resource_type, types.get("")) if types else None
        if wanted is not None and kind.subtype(item) not in wanted:
            continue
        if q.resourceLink is not None and call.url(kind.link(item)) != q.resourceLink:
            continue
        visible.append(item)
    if recent:
        visible = by_recent_use(call, visible, q.sort)
    page, links = paginate(call.request, visible, q.limit, q.next, q.prev)
    marks = Marks(call, page)
    results = [shown(call, item, marks, q.noActions) for item in page]
    return ItemsList(data=[r for r in results if r is not None], links=links)


def get_items(call: Call) -> ItemsList:
    q: ItemsQuery = call.query
    only = None
    if q.collectionId is not None:
        from associa.rest.collections import item_ids_of

        only = item_ids_of(call, q.collectionId)
    return list_items(call, q, only)


def update_item(call: Call) -> ItemResult:
    """Change an item's name and description; needs the ``update`` action on it."""
    body: UpdateItem = call.body
    sync(call)
    item = call.engine.items.by_id(call.path["itemId"])
    kind = kind_of(item) if item is not None else None
    actions = kind.actions(call, item) if kind is not None and item is not None else []
    if item is None or kind is None or not actions:
        raise NotFound(f"No item {call.path['itemId']}")
    if body.resourceType != item.resource_type:
        raise BadRequest(f"The item is of resourceType {item.resource_type}",
                         pointer="/resourceType")
    if "update" not in actions:
        raise Forbidden("The caller may not update the item")
    if body.name is not None and body.name != item.name and kind.rename is not None:
        kind.rename(call, item, body.name)
    changes: dict[str, object] = {}
    if body.name is not None:
        changes["name"] = body.name
    if body.description is not None:
        changes["description"] = body.description
    if not call.identity.anonymous:
        changes["updater_id"] = call.identity.user_id
    updated = call.engine.items.update(item.resource_type, item.resource_id, **changes)
    result = shown(call, updated) if updated is not None else None
    if result is None:
        raise NotFound(f"No item {call.path['itemId']}")
    return result


def visible_item(call: Call, item_id: str) -> Item:
    """The item, when the caller sees it (else 404)."""
    sync(call)
    item = call.engine.items.by_id(item_id)
    kind = kind_of(item) if item is not None else None
    if item is None or kind is None or not kind.actions(call, item):
        raise NotFound(f"No item {item_id}")
    return item


def get_item(call: Call) -> ItemResult:
    item = visible_item(call, call.path["itemId"])
    result = shown(call, item)
    if result is None:
        raise NotFound(f"No item {call.path['itemId']}")
    call.engine.note_use(call.identity, item.resource_type, item.resource_id)
    return result


OPERATIONS = [
    Operation("GET", "/items", get_items, "The items the caller may see", "items",
              query=ItemsQuery, response=ItemsList),
    Operation("GET", "/items/{itemId}", get_item, "One item", "items", response=ItemResult),
    Operation("PUT", "/items/{itemId}", update_item, "Change an item's name or description",
              "items", tier=Tier.TIER2, body=UpdateItem, response=ItemResult,
              errors=("409",)),
]
