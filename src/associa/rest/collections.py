"""``/collections``: named groups of items, and each user's favorites, as Qlik Cloud's
collections API serves them (https://qlik.dev/apis/rest/collections/).

A collection is ``private`` (its creator's only: to anyone else it does not exist, a
404), ``public`` or ``publicgoverned`` (every signed-in user sees it; only its creator
or an administrator changes it or its items, others get 403; its name is unique among
the public ones, 409). ``GET /collections/favorites`` is the caller's favorites
collection (made on first use); items go in and out of it as of any collection, it is
not listed by ``GET /collections`` nor ``GET /items/{id}/collections``, and it is not
renamed or deleted (403). ``PUT`` changes name and description; ``PATCH`` takes JSON
Patch ``replace`` of ``/name`` and ``/description``. The items of a collection are
listed with the filters of ``GET /items`` (``rest/items.py``), the caller seeing only
those it may see; an item is added by its item id (``{"id": …}``; 404 when the caller
does not see it, 409 when it is in already).

``includeItems`` on the lists of collections (``GET /collections``, ``GET
/items/{id}/collections``) puts a first page of each collection's items in its
``meta.items`` (``{data, links}``, as ``GET /collections/{id}/items`` answers, whose
links it holds): its parameters ``limit``, ``sort`` and ``resourceType``, given as a
JSON object (``includeItems={"limit":5}``) or in deep-object style
(``includeItems[limit]=5``); any other parameter, or a bad value, is a 400.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import Field, RootModel, ValidationError
from starlette.requests import Request

from associa.rest.apps import iso
from associa.rest.errors import BadRequest, Conflict, Forbidden, NotFound
from associa.rest.items import (
    ItemResult,
    ItemsList,
    ItemsQuery,
    kind_of,
    list_items,
    shown,
    sync,
    visible_item,
)
from associa.rest.items import (
    Sort as ItemSort,
)
from associa.rest.models import TENANT_ID, Href, Links, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import MAX_LIMIT, paginate
from associa.rest.ratelimit import Tier
from associa.store.collections import FAVORITE, AlreadyIn, Collection, Collections, NameTaken
from associa.store.items import ItemFilter

Sort = Literal["+createdAt", "-createdAt", "+name", "-name", "+updatedAt", "-updatedAt"]
Type = Literal["private", "public", "publicgoverned"]


class CollectionsQuery(Shape):
    creatorId: str | None = None
    id: str | None = None
    name: str | None = None  # exactly (case-sensitive, as Qlik documents)
    query: str | None = None  # case-insensitive, in name or description
    type: Type | None = None
    sort: Sort = "+createdAt"
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    next: str | None = None
    prev: str | None = None
    includeItems: str | None = None  # a JSON object; or includeItems[<name>]=… each


class IncludeItems(Strict):
    """The parameters of ``includeItems``: which first page of items each collection
    holds in ``meta.items``."""

    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    sort: ItemSort = "+createdAt"
    resourceType: str | None = Field(default=None, min_length=1, max_length=256)


class CreateCollection(Strict):
    name: str = Field(min_length=1, max_length=256, pattern=r"\S")
    type: Type
    description: str = Field(default="", max_length=4096)


class UpdateCollection(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=256, pattern=r"\S")
    description: str | None = Field(default=None, max_length=4096)


class CollectionPatch(Strict):
    op: Literal["replace"]
    path: Literal["/name", "/description"]
    value: Any


class PatchCollection(RootModel[list[CollectionPatch]]):
    pass


class AddItem(Strict):
    id: str = Field(min_length=1, max_length=64)


class CollectionLinks(Shape):
    self: Href
    items: Href


class CollectionMeta(Shape):
    items: ItemsList | None = None


class CollectionResult(Shape):
    id: str
    name: str
    description: str
    type: str
    tenantId: str
    creatorId: str
    updaterId: str
    createdAt: str
    updatedAt: str
    itemCount: int
    links: CollectionLinks
    meta: CollectionMeta | None = None


class CollectionsList(Shape):
    data: list[CollectionResult]
    links: Links


def store(call: Call) -> Collections:
    return Collections(call.engine.meta.db)


def user(call: Call) -> str:
    """The caller's user id (in development mode, where every caller is anonymous and
    may do anything, the anonymous user's: one user owns all)."""
    return call.identity.user_id


def seen(call: Call, c: Collection) -> bool:
    return c.public or c.creator_id == user(call)


def visible_ids(call: Call, item_ids: list[str]) -> list[str]:
    """Those of ``item_ids`` the caller may see."""
    if not item_ids:
        return []
    found = call.engine.items.find(ItemFilter(item_ids=tuple(item_ids)))
    ok = set()
    for item in found:
        kind = kind_of(item)
        if kind is not None and kind.actions(call, item):
            ok.add(item.id)
    return [i for i in item_ids if i in ok]


def result(call: Call, c: Collection, count: int | None = None) -> CollectionResult:
    if count is None:
        count = len(visible_ids(call, store(call).item_ids(c.id)))
    return CollectionResult(
        id=c.id, name=c.name, description=c.description, type=c.type, tenantId=TENANT_ID,
        creatorId=c.creator_id, updaterId=c.updater_id, createdAt=iso(c.created) or "",
        updatedAt=iso(c.updated) or "", itemCount=count,
        links=CollectionLinks(self=Href(href=call.url(f"/collections/{c.id}")),
                              items=Href(href=call.url(f"/collections/{c.id}/items"))))


def one(call: Call) -> Collection:
    """The collection of the path, when the caller sees it (else 404)."""
    c = store(call).get(call.path["collectionId"])
    if c is None or not seen(call, c):
        raise NotFound(f"No collection {call.path['collectionId']}")
    return c


def changeable(call: Call, c: Collection, what: str) -> Collection:
    """``c`` when the caller may change it: its creator, or an administrator for a
    public one (403 else)."""
    if c.creator_id == user(call):
        return c
    if c.public and call.identity.admin:
        return c
    raise Forbidden(f"Only the collection's creator or an administrator may {what}")


def item_ids_of(call: Call, collection_id: str) -> tuple[str, ...]:
    """The item ids of a collection the caller sees (none for one it does not)."""
    c = store(call).get(collection_id)
    if c is None or not seen(call, c):
        return ()
    return tuple(store(call).item_ids(c.id))


def filtered(call: Call, found: list[Collection], q: CollectionsQuery) -> list[Collection]:
    needle = (q.query or "").lower()
    return [c for c in found
            if (q.creatorId is None or c.creator_id == q.creatorId)
            and (q.id is None or c.id == q.id)
            and (q.name is None or c.name == q.name)
            and (q.type is None or c.type == q.type)
            and (not needle or needle in c.name.lower() or needle in c.description.lower())]


def include_items(call: Call, q: CollectionsQuery) -> IncludeItems | None:
    """The ``includeItems`` of the request (None when not asked for): a JSON object, or
    deep-object parameters ``includeItems[<name>]``; a 400 for anything else."""
    deep = {key[len("includeItems["):-1]: value
            for key, value in call.request.query_params.items()
            if key.startswith("includeItems[") and key.endswith("]")}
    if q.includeItems is not None and deep:
        raise BadRequest("includeItems is either a JSON object or deep-object parameters",
                         parameter="includeItems")
    if q.includeItems is None and not deep:
        return None
    values: Any = deep
    if q.includeItems is not None:
        try:
            values = json.loads(q.includeItems) if q.includeItems.strip() else {}
        except ValueError:
            raise BadRequest("includeItems is not a JSON object",
                             parameter="includeItems") from None
        if not isinstance(values, dict):
            raise BadRequest("includeItems is not a JSON object", parameter="includeItems")
    try:
        return IncludeItems.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        raise BadRequest(f"includeItems {name}: {first['msg']}",
                         parameter="includeItems") from None


def first_items(call: Call, c: Collection, wanted: IncludeItems) -> ItemsList:
    """The first page of a collection's items, with the links ``GET
    /collections/{id}/items`` with these parameters answers (so ``next`` goes on there)."""
    params = {"limit": str(wanted.limit), "sort": wanted.sort}
    if wanted.resourceType is not None:
        params["resourceType"] = wanted.resourceType
    scope = {**call.request.scope, "path": f"/api/v1/collections/{c.id}/items",
             "raw_path": f"/api/v1/collections/{c.id}/items".encode(),
             "query_string": urlencode(params).encode()}
    there = dataclasses.replace(call, request=Request(scope))
    query = ItemsQuery(limit=wanted.limit, sort=wanted.sort,
                       resourceType=wanted.resourceType)
    return list_items(there, query, tuple(store(call).item_ids(c.id)))


def page_of(call: Call, found: list[Collection], q: CollectionsQuery) -> CollectionsList:
    wanted = include_items(call, q)
    sync(call)
    page, links = paginate(call.request, filtered(call, found, q), q.limit, q.next, q.prev)
    data = [result(call, c) for c in page]
    if wanted is not None:
        for shown_c, c in zip(data, page, strict=True):
            shown_c.meta = CollectionMeta(items=first_items(call, c, wanted))
    return CollectionsList(data=data, links=links)


def list_collections(call: Call) -> CollectionsList:
    q: CollectionsQuery = call.query
    return page_of(call, store(call).visible(user(call), q.sort), q)


def create_collection(call: Call) -> Reply:
    body: CreateCollection = call.body
    try:
        made = store(call).create(body.name, body.type, user(call), body.description)
    except NameTaken as exc:
        raise Conflict(str(exc), pointer="/name") from None
    return Reply(result(call, made, 0), status=201)


def get_collection(call: Call) -> CollectionResult:
    sync(call)
    return result(call, one(call))


def get_favorites(call: Call) -> CollectionResult:
    sync(call)
    return result(call, store(call).favorites(user(call)))


def _change(call: Call, changes: dict[str, Any]) -> CollectionResult:
    c = changeable(call, one(call), "change it")
    if c.type == FAVORITE:
        raise Forbidden("The favorites collection is not renamed")
    try:
        updated = store(call).update(c.id, user(call), **changes)
    except NameTaken as exc:
        raise Conflict(str(exc), pointer="/name") from None
    if updated is None:
        raise NotFound(f"No collection {c.id}")
    sync(call)
    return result(call, updated)


def put_collection(call: Call) -> CollectionResult:
    body: UpdateCollection = call.body
    return _change(call, body.model_dump(exclude_none=True))


def patch_collection(call: Call) -> CollectionResult:
    changes: dict[str, Any] = {}
    for i, patch in enumerate(call.body.root):
        key = patch.path[1:]
        value = patch.value
        if not isinstance(value, str) or (key == "name" and not value.strip()):
            raise BadRequest(f"{key} is a {'non-blank ' if key == 'name' else ''}string",
                             pointer=f"/{i}/value")
        if len(value) > (256 if key == "name" else 4096):
            raise BadRequest(f"{key} is too long", pointer=f"/{i}/value")
        changes[key] = value
    return _change(call, changes)


def delete_collection(call: Call) -> Reply:
    c = changeable(call, one(call), "delete it")
    if c.type == FAVORITE:
        raise Forbidden("The favorites collection is not deleted")
    store(call).remove(c.id)
    return Reply(status=204)


def collection_items(call: Call) -> ItemsList:
    c = one(call)
    return list_items(call, call.query, tuple(store(call).item_ids(c.id)))


def add_item(call: Call) -> Reply:
    body: AddItem = call.body
    c = changeable(call, one(call), "add items to it")
    item = visible_item(call, body.id)
    try:
        store(call).add_item(c.id, item.id, user(call))
    except AlreadyIn as exc:
        raise Conflict(str(exc), pointer="/id") from None
    answer = shown(call, item)
    return Reply(answer, status=201)


def get_collection_item(call: Call) -> ItemResult:
    c = one(call)
    item = visible_item(call, call.path["itemId"])
    answer = shown(call, item)
    if item.id not in store(call).item_ids(c.id) or answer is None:
        raise NotFound(f"No item {item.id} in the collection")
    return answer


def remove_item(call: Call) -> Reply:
    c = changeable(call, one(call), "remove items from it")
    if not store(call).remove_item(c.id, call.path["itemId"], user(call)):
        raise NotFound(f"No item {call.path['itemId']} in the collection")
    return Reply(status=204)


def item_collections(call: Call) -> CollectionsList:
    """The collections the caller sees an item in (not the favorites)."""
    q: CollectionsQuery = call.query
    item = visible_item(call, call.path["itemId"])
    holding = set(store(call).memberships([item.id]).get(item.id, []))
    return page_of(call, [c for c in store(call).visible(user(call), q.sort)
                          if c.id in holding], q)


ONE = "/collections/{collectionId}"
ITEM = "/collections/{collectionId}/items/{itemId}"
OPERATIONS = [
    Operation("GET", "/collections", list_collections,
              "The public collections and the caller's private ones", "collections",
              query=CollectionsQuery, response=CollectionsList),
    Operation("POST", "/collections", create_collection, "Create a collection",
              "collections", tier=Tier.TIER2, body=CreateCollection,
              response=CollectionResult, status=201, errors=("409",)),
    Operation("GET", "/collections/favorites", get_favorites,
              "The caller's favorites collection", "collections", response=CollectionResult),
    Operation("GET", ONE, get_collection, "One collection", "collections",
              response=CollectionResult),
    Operation("PUT", ONE, put_collection, "Change a collection's name or description",
              "collections", tier=Tier.TIER2, body=UpdateCollection,
              response=CollectionResult, errors=("409",)),
    Operation("PATCH", ONE, patch_collection, "Change a collection (JSON Patch)",
              "collections", tier=Tier.TIER2, body=PatchCollection,
              response=CollectionResult, errors=("409",)),
    Operation("DELETE", ONE, delete_collection, "Delete a collection", "collections",
              tier=Tier.TIER2, status=204),
    Operation("GET", ONE + "/items", collection_items, "The items of a collection",
              "collections", query=ItemsQuery, response=ItemsList),
    Operation("POST", ONE + "/items", add_item, "Add an item to a collection", "collections",
              tier=Tier.TIER2, body=AddItem, response=ItemResult, status=201,
              errors=("409",)),
    Operation("GET", ITEM, get_collection_item, "One item of a collection", "collections",
              response=ItemResult),
    Operation("DELETE", ITEM, remove_item, "Take an item out of a collection",
              "collections", tier=Tier.TIER2, status=204),
    Operation("GET", "/items/{itemId}/collections", item_collections,
              "The collections the caller sees an item in", "items",
              query=CollectionsQuery, response=CollectionsList),
]
