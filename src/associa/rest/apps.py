"""``/apps``: create, read, change, copy, delete, import, export, owner, publish and
republish.

The shapes are Qlik Cloud's (@qlik/api ``apps``: ``CreateApp`` → ``NxApp``). An app made
here gets a GUID as its id (QIX CreateApp uses the name) and the caller as its owner;
its attributes beyond the app file (description, space, usage, published …) are its item
(``store/items.py``), kept by the catalog (``rest/catalog.py``).

Rights are the socket's, named in each row (``right``; checked by ``rest/rights.py``
before the handler runs): reading needs *consume*, changing or exporting the app *edit*,
deleting it, changing its owner or publishing it *manage*.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from associa.app.access import Right
from associa.app.app import App, now_iso
from associa.errors import InvalidParameters, PersistenceReadFailed
from associa.identity import Identity
from associa.rest.catalog import APP, Catalog
from associa.rest.errors import BadRequest
from associa.rest.itemkinds import ItemKind
from associa.rest.models import Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.ratelimit import Tier
from associa.rest.rights import check_app
from associa.store.appstore import AppRecord, read_record, write_record
from associa.store.items import Item
from associa.store.media import MediaStore, check_archive

Usage = Literal["ANALYTICS", "DATA_PREPARATION", "DATAFLOW_PREP", "SINGLE_TABLE_PREP",
                "DIRECT_QUERY_MODE"]
# what says where an app's data came from and what loading it cost: kept with the data
# when an import or a republish keeps the data (NoData, data=target)
RELOAD_KEYS = ("lastReloadTime", "reloadLog", "lineage", "reloadMeta")
# a name has a character that is not white space (the engine refuses blank names)
Name = Field(default=None, min_length=1, max_length=512, pattern=r"\S")

PRIVILEGES: dict[Right, tuple[str, ...]] = {
    Right.CONSUME: ("read", "exportdata"),
    Right.EDIT: ("update", "reload", "duplicate", "export", "source"),
    Right.MANAGE: ("delete", "change_owner", "change_space", "publish"),
}


# -- models ---------------------------------------------------------------------------


class AppAttributes(Strict):
    name: str = Field(min_length=1, max_length=512, pattern=r"\S")
    description: str | None = None
    locale: str | None = None
    spaceId: str | None = None
    usage: Usage | None = None


class CreateApp(Strict):
    attributes: AppAttributes


class AppUpdateAttributes(Strict):
    name: str | None = Name
    description: str | None = None


class UpdateApp(Strict):
    attributes: AppUpdateAttributes | None = None


class CopyAttributes(Strict):
    name: str | None = Name
    description: str | None = None
    spaceId: str | None = None


class CopyApp(Strict):
    attributes: CopyAttributes | None = None


class UpdateOwner(Strict):
    ownerId: str = Field(min_length=1, max_length=512)


class PublishApp(Strict):
    spaceId: str = Field(min_length=1, max_length=64)
    attributes: AppUpdateAttributes | None = None
    data: Literal["source", "target"] | None = None
    moveApp: bool | None = None
    originAppId: str | None = None


class RepublishApp(Strict):
    targetId: str = Field(min_length=1, max_length=512)
    attributes: AppUpdateAttributes | None = None
    data: Literal["source", "target"] | None = None
    checkOriginAppId: bool | None = None


class ImportQuery(Shape):
    name: str | None = Name
    spaceId: str | None = None
    mode: Literal["NEW", "AUTOREPLACE"] = "NEW"
    appId: str | None = Field(default=None, min_length=1, max_length=512)
    NoData: bool = False
    fallbackName: str | None = None


class ExportQuery(Shape):
    NoData: bool = False


class NxAttributes(Shape):
    id: str
    name: str
    description: str
    createdDate: str
    modifiedDate: str
    owner: str
    ownerId: str
    published: bool
    publishTime: str | None = None
    lastReloadTime: str | None = None
    thumbnail: str
    dynamicColor: str = ""
    encrypted: bool = False
    hasSectionAccess: bool
    isDirectQueryMode: bool = False
    originAppId: str
    spaceId: str | None = None
    usage: Usage
    custom: dict[str, object] = {}


class CreatePrivilege(Shape):
    resource: str
    canCreate: bool


class NxApp(Shape):
    attributes: NxAttributes
    privileges: list[str]
    create: list[CreatePrivilege]


# -- helpers --------------------------------------------------------------------------


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def catalog(call: Call) -> Catalog:
    return call.state.catalog


def nx_app(call: Call, item: Item) -> NxApp:
    app_id = item.resource_id
    facts = catalog(call).facts(app_id)
    rights = call.engine.rights(call.identity, app_id)
    owner = call.engine.app_access(app_id).owner
    edit = Right.EDIT in rights
    return NxApp(
        attributes=NxAttributes(
            id=app_id, name=item.name, description=item.description,
            createdDate=iso(item.created_at) or "", modifiedDate=iso(item.updated_at) or "",
            owner=Identity(owner.user_id, owner.user_directory).qualified if owner else "",
            ownerId=item.owner_id, published=item.published,
            publishTime=iso(item.publish_time),
            lastReloadTime=str(facts["lastReloadTime"]) or None,
            thumbnail=item.thumbnail, hasSectionAccess=bool(facts["hasSectionAccess"]),
            originAppId=item.origin_id, spaceId=item.space_id or None,
            usage=item.usage),  # type: ignore[arg-type]
        privileges=[p for r in sorted(rights) for p in PRIVILEGES[r]],
        create=[CreatePrivilege(resource=r, canCreate=edit)
                for r in ("sheet", "bookmark", "story", "dimension", "measure", "variable")],
    )


def _new_copy(call: Call, source: App, name: str, with_data: bool = True) -> App:
    record = source.to_record()
    meta = dict(record.meta, title=name, created=now_iso(), modified=now_iso())
    return App.from_record(AppRecord(str(uuid.uuid4()), meta,
                                     record.model if with_data else None),
                           call.engine.settings.data_dir)


def _copy_media(call: Call, source_id: str, target_id: str) -> None:
    MediaStore(call.engine.settings.data_dir).copy_app(source_id, target_id)


def retitle(call: Call, app_id: str, name: str) -> None:
    """A new name for the app, as SetAppProperties with a new qTitle gives it."""
    app = call.engine.get_app(app_id)
    app.set_properties({**app.properties, "qTitle": name})
    call.engine.save_app(app)


# -- handlers -------------------------------------------------------------------------


def create_app(call: Call) -> NxApp:
    attrs: AppAttributes = call.body.attributes
    app = call.engine.create_app(attrs.name, owner=call.identity, app_id=str(uuid.uuid4()))
    item = catalog(call).record(app, call.identity, description=attrs.description or "",
                                space_id=attrs.spaceId or "",
                                usage=attrs.usage or "ANALYTICS")
    return nx_app(call, item)


def get_app(call: Call) -> NxApp:
    app_id = call.path["appId"]
    answer = nx_app(call, catalog(call).app_item(app_id))
    call.engine.note_use(call.identity, APP, app_id)  # sort=recentlyUsed on /items
    return answer


def update_app(call: Call) -> NxApp:
    app_id = call.path["appId"]
    attrs = call.body.attributes or AppUpdateAttributes()
    if attrs.name is not None:
        retitle(call, app_id, attrs.name)
    cat = catalog(call)
    item = cat.refresh(app_id, updater=call.identity)
    if attrs.description is not None:
        item = cat.items.update(APP, app_id, description=attrs.description) or item
    return nx_app(call, item)


def copy_app(call: Call) -> NxApp:
    app_id = call.path["appId"]
    attrs = call.body.attributes or CopyAttributes()
    source_item = catalog(call).app_item(app_id)
    copy = _new_copy(call, call.engine.get_app(app_id), attrs.name or source_item.name)
    call.engine.add_app(copy, owner=call.identity)
    _copy_media(call, app_id, copy.id)
    item = catalog(call).record(
        copy, call.identity, description=(attrs.description if attrs.description is not None
                                          else source_item.description),
        space_id=attrs.spaceId or "", usage=source_item.usage, origin_id=app_id)
    return nx_app(call, item)


def delete_app(call: Call) -> Reply:
    app_id = call.path["appId"]
    call.engine.delete_app(app_id)
    catalog(call).sync()
    return Reply(status=200)


def update_owner(call: Call) -> NxApp:
    """``ownerId`` is a user id, or ``DIRECTORY\\id`` to name the user directory too."""
    app_id = call.path["appId"]
    directory, _, user = call.body.ownerId.rpartition("\\")
    call.engine.set_owner(app_id, Identity(user_id=user, user_directory=directory,
                                           method="local"))
    return nx_app(call, catalog(call).refresh(app_id, updater=call.identity))


def publish_app(call: Call) -> NxApp:
    """Publish into a space: a published copy (with ``originAppId`` the source), or the
    app itself moved there with ``moveApp``. Spaces are only recorded for now."""
    app_id = call.path["appId"]
    body: PublishApp = call.body
    cat = catalog(call)
    now = datetime.now(UTC)
    if body.moveApp:
        cat.app_item(app_id)
        item = cat.items.update(APP, app_id, space_id=body.spaceId, published=True,
                                publish_time=now)
        assert item is not None
        return nx_app(call, item)
    source_item = cat.app_item(app_id)
    name = body.attributes.name if body.attributes and body.attributes.name else None
    copy = _new_copy(call, call.engine.get_app(app_id), name or source_item.name,
                     with_data=body.data != "target")
    call.engine.add_app(copy, owner=call.identity)
    _copy_media(call, app_id, copy.id)
    item = cat.record(copy, call.identity, description=source_item.description,
                      space_id=body.spaceId, usage=source_item.usage, published=True,
                      publish_time=now, origin_id=body.originAppId or app_id)
    return nx_app(call, item)


def republish_app(call: Call) -> NxApp:
    """Bring a published copy (``targetId``) up to date from its source (the path's
    app): the source's script and objects, and its data (``data=source``, the default)
    or the copy's own (``data=target``). The copy keeps its id, space, owner and
    rights; ``checkOriginAppId`` refuses a copy published from another app. Needs
    *manage* on both."""
    app_id = call.path["appId"]
    body: RepublishApp = call.body
    check_app(call.engine, call.identity, body.targetId, Right.MANAGE)
    cat = catalog(call)
    target_item = cat.app_item(body.targetId)
    if body.targetId == app_id or not target_item.published:
        raise BadRequest(f"The app {body.targetId} is not a published copy",
                         pointer="/targetId")
    if body.checkOriginAppId and target_item.origin_id != app_id:
        raise BadRequest(f"The app {body.targetId} was not published from {app_id}",
                         pointer="/targetId")
    source = call.engine.get_app(app_id).to_record()
    target = call.engine.get_app(body.targetId).to_record()
    attrs = body.attributes or AppUpdateAttributes()
    meta = dict(source.meta, title=attrs.name or target.meta.get("title") or body.targetId,
                created=target.meta.get("created") or now_iso(), modified=now_iso())
    if body.data == "target":
        for key in RELOAD_KEYS:
            meta[key] = target.meta.get(key, meta.get(key))
    app = App.from_record(AppRecord(body.targetId, meta, target.model if body.data == "target"
                                    else source.model), call.engine.settings.data_dir)
    call.engine.replace_app(app)
    _copy_media(call, app_id, body.targetId)
    cat.refresh(body.targetId, updater=call.identity)
    changes: dict[str, object] = {"publish_time": datetime.now(UTC), "origin_id": app_id}
    if attrs.description is not None:
        changes["description"] = attrs.description
    item = cat.items.update(APP, body.targetId, **changes)
    assert item is not None
    return nx_app(call, item)


def import_app(call: Call) -> NxApp:
    """An app file as ``export`` writes it (associa's own zip: ``app.json`` and the data
    model) becomes a new app owned by the caller (``mode=NEW``), or replaces the app
    ``appId`` in place (``mode=AUTOREPLACE``, which needs *edit* on it): its script,
    objects and data become the file's, and it keeps its id, owner, rights, space and
    item; its name is ``name`` when given, else it keeps its own. ``NoData`` imports no
    data (a new app has none; a replaced one keeps the data it had, as documented)."""
    query: ImportQuery = call.query
    if query.mode == "AUTOREPLACE":
        if not query.appId:
            raise BadRequest("mode=AUTOREPLACE needs appId", parameter="appId")
        check_app(call.engine, call.identity, query.appId, Right.EDIT)
    try:
        record = read_record(io.BytesIO(call.body), "import")
        archive = zipfile.ZipFile(io.BytesIO(call.body))
        check_archive(archive)
    except PersistenceReadFailed as exc:
        raise BadRequest(f"The body is not an associa app file: {exc}") from None
    except InvalidParameters as exc:
        raise BadRequest(f"The app file's media: {exc.message}") from None
    media = MediaStore(call.engine.settings.data_dir)
    if query.mode == "AUTOREPLACE":
        made = _replace(call, query, query.appId or "", record)
        media.from_archive(query.appId or "", archive)
        return made
    title = query.name or str(record.meta.get("title") or "") or query.fallbackName
    if not title:
        raise BadRequest("The app file has no title; give one with name", parameter="name")
    meta = dict(record.meta, title=title, created=now_iso(), modified=now_iso())
    app = App.from_record(AppRecord(str(uuid.uuid4()), meta,
                                    None if query.NoData else record.model),
                          call.engine.settings.data_dir)
    call.engine.add_app(app, owner=call.identity)
    media.from_archive(app.id, archive)
    item = catalog(call).record(app, call.identity, space_id=query.spaceId or "")
    return nx_app(call, item)


def _replace(call: Call, query: ImportQuery, app_id: str, record: AppRecord) -> NxApp:
    old = call.engine.get_app(app_id).to_record()
    title = query.name or str(old.meta.get("title") or app_id)
    meta = dict(record.meta, title=title, created=old.meta.get("created") or now_iso(),
                modified=now_iso())
    if query.NoData:  # the data, and what says where it came from, stay
        for key in RELOAD_KEYS:
            meta[key] = old.meta.get(key, meta.get(key))
    app = App.from_record(AppRecord(app_id, meta, old.model if query.NoData
                                    else record.model), call.engine.settings.data_dir)
    call.engine.replace_app(app)
    return nx_app(call, catalog(call).refresh(app_id, updater=call.identity))


def export_app(call: Call) -> Reply:
    app_id = call.path["appId"]
    query: ExportQuery = call.query
    record = call.engine.get_app(app_id).to_record()
    if query.NoData:
        record = AppRecord(record.id, record.meta, None)
    buffer = io.BytesIO()
    write_record(record, buffer)
    with zipfile.ZipFile(buffer, "a") as archive:  # its media beside app.json
        MediaStore(call.engine.settings.data_dir).to_archive(app_id, archive)
    filename = f"{catalog(call).app_item(app_id).name}.associa"
    file_id = call.state.temp.put(buffer.getvalue(), filename, call.identity)
    return Reply(status=201, headers={"Location": call.url(f"/temp-contents/{file_id}")})


ITEM_ACTIONS: dict[Right, tuple[str, ...]] = {
    Right.CONSUME: ("read",),
    Right.EDIT: ("update", "reload"),
    Right.MANAGE: ("delete", "change_owner", "publish"),
}


def _item_actions(call: Call, item: Item) -> list[str]:
    rights = call.engine.rights(call.identity, item.resource_id)
    return [a for r in sorted(rights) for a in ITEM_ACTIONS[r]]


def _item_attributes(call: Call, item: Item) -> dict[str, object]:
    return nx_app(call, item).attributes.model_dump(mode="json", exclude_none=True)


ITEM_KINDS = {
    APP: ItemKind(actions=_item_actions, attributes=_item_attributes,
                  link=lambda item: f"/apps/{item.resource_id}",
                  size=lambda item: {"appFile": item.size},
                  rename=lambda call, item, name: retitle(call, item.resource_id, name)),
}

OPERATIONS = [
    Operation("POST", "/apps", create_app, "Create an app", "apps", tier=Tier.TIER2,
              body=CreateApp, response=NxApp),
    Operation("POST", "/apps/import", import_app, "Import an app file", "apps",
              tier=Tier.TIER2, query=ImportQuery, raw_body=True, response=NxApp),
    Operation("GET", "/apps/{appId}", get_app, "An app's attributes", "apps",
              response=NxApp,
              right=Right.CONSUME),
    Operation("PUT", "/apps/{appId}", update_app, "Change an app's attributes", "apps",
              tier=Tier.TIER2, body=UpdateApp, body_required=False, response=NxApp,
              right=Right.EDIT),
    Operation("DELETE", "/apps/{appId}", delete_app, "Delete an app", "apps",
              tier=Tier.TIER2,
              right=Right.MANAGE),
    Operation("POST", "/apps/{appId}/copy", copy_app, "Copy an app", "apps",
              tier=Tier.TIER2, body=CopyApp, body_required=False, response=NxApp,
              right=Right.EDIT),
    Operation("POST", "/apps/{appId}/export", export_app,
              "Export an app (201 with the Location of the file)", "apps",
              tier=Tier.TIER2, query=ExportQuery, status=201, headers=("Location",),
              right=Right.EDIT),
    Operation("PUT", "/apps/{appId}/owner", update_owner, "Change an app's owner", "apps",
              tier=Tier.TIER2, body=UpdateOwner, response=NxApp,
              right=Right.MANAGE),
    Operation("POST", "/apps/{appId}/publish", publish_app, "Publish an app into a space",
              "apps", tier=Tier.TIER2, body=PublishApp, response=NxApp,
              right=Right.MANAGE),
    Operation("PUT", "/apps/{appId}/publish", republish_app,
              "Republish an app: bring its published copy up to date", "apps",
              tier=Tier.TIER2, body=RepublishApp, response=NxApp,
              right=Right.MANAGE),
]
