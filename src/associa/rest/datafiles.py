"""``/data-files``: upload, list, read, download, replace, rename and delete data files.

Shapes are Qlik Cloud's data-files API (@qlik/api ``data-files``;
https://qlik.dev/apis/rest/data-files/): ``POST /data-files`` is multipart/form-data with
a ``File`` part (the bytes) and a ``Json`` part (``{"name", "appId"?, "connectionId"?,
"spaceId"?}``;
without a name the file part's file name is used) and answers 201 with the file;
``PUT /data-files/{id}`` takes the same parts to replace the bytes and/or rename;
``GET /data-files`` pages them (filters ``name``, ``ownerId``, ``appId``,
``connectionId``; ``sort`` by
``name``, ``size`` or ``modifiedDate``, ``-`` for descending); ``GET /data-files/quotas``
gives the limits and the space used. ``GET /data-files/{id}/content`` (associa's own:
@qlik/api has no download) answers the bytes. A name taken is 409, a file over
``DataFileMaxBytes`` or past ``DataFilesQuotaBytes`` 413, a name that is not a safe
relative path (``..``, absolute, backslashes) 400.

A file a load script STOREs into ``lib://DataFiles/<name>`` is listed too, owned by the
user who ran the reload (``adopt_stored``; deleting it here removes it from the folder).

A file is in its uploader's personal space, or in a shared, managed or data space
(``spaceId`` or that space's ``connectionId`` in the ``Json`` part; the space's DataFiles
connection is ``datafiles-<spaceId>``, the personal one ``datafiles``, as
``GET /data-files/connections`` lists them). A personal file is its uploader's: only
they, and administrators, see it. A space's file is seen by the members with a data
role and changed by those who may edit data (``rest/spacedata.py``); for anyone else it
does not exist (404), and a member who may only use it gets 403 on a change. A
reload reads its user's personal files as ``lib://DataFiles/<name>`` (each user's in a
folder of their own) and a space's as ``lib://<space name>:DataFiles/<name>`` (an app in
the space: also ``lib://DataFiles/<name>``). A name is unique per space and a personal
one per owner, as in Qlik Cloud (409 when the space, or the uploader, has it).

A data file is also an item (``/items``), as Qlik Cloud lists an uploaded file: of
``resourceType`` ``dataset`` and ``resourceSubType`` ``qix-df``; renaming the item
renames the file. (Reload tasks and data connections are not items: Qlik Cloud's items
API has no resourceType for them.)
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import replace
from functools import partial
from typing import Literal

import orjson
from pydantic import Field, ValidationError
from starlette.responses import Response

from associa.app import access
from associa.app.access import Owner, Right
from associa.app.app import App
from associa.app.connections import DATA_FILES
from associa.engine import Engine
from associa.identity import Identity
from associa.rest import spacedata
from associa.rest.apps import iso
from associa.rest.errors import BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge
from associa.rest.itemkinds import ItemKind
from associa.rest.models import Links, Shape, Strict
from associa.rest.operations import OCTET, Call, Operation, Reply
from associa.rest.paging import MAX_LIMIT, paginate
from associa.rest.ratelimit import Tier
from associa.rest.rights import check_app
from associa.rest.spacedata import DataRight
from associa.settings import Settings
from associa.store.datafiles import BadName, DataFile, DataFileStore, NameTaken
from associa.store.directory import Directory
from associa.store.items import Item
from associa.store.items import new_id as new_item_id

PARTS = ("File", "Json")
ACTIONS = ["read", "update", "delete", "list"]
# a STORE into a DataFiles connection, with the space's name before it when qualified
STORED = re.compile(rf"^STORE (?i:lib)://(?:([^/]*):)?{DATA_FILES}/(.+)$")
CONNECTION_ID = "datafiles"  # the personal DataFiles connection (GET /data-files/connections)
SPACE_CONNECTION = "datafiles-"  # + a space's id: that space's DataFiles connection
SORTS = {"name": "name", "size": "size", "modifiedDate": "modified"}
Sort = Literal["name", "+name", "-name", "size", "+size", "-size", "modifiedDate",
               "+modifiedDate", "-modifiedDate"]


class UploadJson(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=1024)
    appId: str | None = None
    connectionId: str | None = Field(default=None, max_length=128)
    spaceId: str | None = Field(default=None, max_length=128)


class DataFilesQuery(Shape):
    name: str | None = None
    ownerId: str | None = None
    appId: str | None = None
    connectionId: str | None = Field(default=None, max_length=128)
    sort: Sort = "name"
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    next: str | None = None
    prev: str | None = None


class DataFileResult(Shape):
    id: str
    name: str
    baseName: str
    folder: bool = False
    folderPath: str
    ownerId: str
    appId: str | None = None
    spaceId: str | None = None
    connectionId: str
    size: int
    createdDate: str
    modifiedDate: str
    contentUpdatedDate: str
    qri: str
    actions: list[str]


class DataFiles(Shape):
    data: list[DataFileResult]
    links: Links


class Quotas(Shape):
    allowedExtensions: list[str]
    allowedInternalExtensions: list[str]
    maxFileSize: int
    maxLargeFileSize: int
    maxSize: int
    size: int


class DataFileConnection(Shape):
    id: str
    name: str
    type: str
    spaceId: str = ""
    connectStatement: str


class DataFileConnections(Shape):
    data: list[DataFileConnection]
    links: Links


class ConnectionsQuery(Shape):
    spaceId: str | None = Field(default=None, max_length=128)
    personal: bool = False
    name: str | None = None


def install(engine: Engine) -> None:
    """Files uploaded with an ``appId`` are bound to the app's lifecycle (the upload's
    ``appId``: "If this file should be bound to the lifecycle of a specific app, this is
    the ID of this app", https://qlik.dev/apis/rest/data-files/): deleting the app, over
    REST or QIX, deletes them."""
    def observe(what: str, app_id: str) -> None:
        if what == "deleted" and engine.meta_in_use():
            DataFileStore(engine.meta.db, engine.settings.data_dir).delete_of_app(app_id)

    engine.observers.append(observe)
    engine.reload_listeners.append(partial(adopt_stored, engine))
    if engine.meta_in_use():  # a data folder of an earlier version: one personal folder
        DataFileStore(engine.meta.db, engine.settings.data_dir).relocate()


def stored_names(lineage: list[tuple[str, str]]) -> list[tuple[str | None, str]]:
    """The data files a reload's STOREs wrote (``STORE lib://[<space>:]DataFiles/<name>``):
    (the space's name, None when unqualified; the file's name)."""
    found = (STORED.match(origin) for origin, _ in lineage)
    return list(dict.fromkeys((m.group(1), m.group(2)) for m in found if m is not None))


def adopt_stored(engine: Engine, app: App, identity: Identity) -> None:
    """List the files a reload STOREd into a DataFiles folder as data files of its space
    (the app's for ``lib://DataFiles/`` in a space app), owned by the user who reloaded
    (a file listed already keeps its owner and gets its new size)."""
    stored = stored_names(app.lineage)
    if not stored or app.connections.by_name(DATA_FILES) is not None:
        return  # nothing stored there, or the app's own DataFiles connection took it
    store = DataFileStore(engine.meta.db, engine.settings.data_dir)
    own = spacedata.app_space(engine, app.id)
    spaces = {s.name: s.id for s in Directory(engine.meta.db).spaces()}
    for space_name, name in stored:
        if space_name is None or space_name == "":
            space_id = own.id if own is not None else ""
        else:
            space_id = spaces.get(space_name, "")
            if not space_id:
                continue
        store.adopt(name, Owner.of(identity), space_id)


def files(call: Call) -> DataFileStore:
    return DataFileStore(call.engine.meta.db, call.engine.settings.data_dir)


def file_right(call: Call, file: DataFile) -> DataRight | None:
    """The caller's right on the file: its owner's (personal) or their space's data."""
    if access.unrestricted(call.identity):
        return DataRight.WRITE
    if not file.space_id:
        return DataRight.WRITE if file.owner.is_(call.identity) else None
    space = Directory(call.engine.meta.db).space(file.space_id)
    return None if space is None else spacedata.data_right(
        Directory(call.engine.meta.db), call.identity, space)


def may_see(call: Call, file: DataFile) -> bool:
    return file_right(call, file) is not None


def connection_id(space_id: str) -> str:
    return f"{SPACE_CONNECTION}{space_id}" if space_id else CONNECTION_ID


def result(file: DataFile, right: DataRight = DataRight.WRITE) -> DataFileResult:
    folder, _, base = file.name.rpartition("/")
    when = iso(file.modified) or ""
    where = file.space_id or "personal"
    return DataFileResult(
        id=file.id, name=file.name, baseName=base, folderPath=folder, ownerId=file.owner_id,
        appId=file.app_id or None, spaceId=file.space_id or None,
        connectionId=connection_id(file.space_id), size=file.size,
        createdDate=iso(file.created) or "", modifiedDate=when, contentUpdatedDate=when,
        qri=f"qri:qdf:space://{where}#{file.id}",
        actions=ACTIONS if right is DataRight.WRITE else ["read", "list"])


def the_file(call: Call, need: DataRight = DataRight.USE) -> tuple[DataFile, DataRight]:
    """The file of the path and the caller's right on it (404 when they may not see it,
    403 when they see it without ``need``)."""
    found = files(call).get(call.path["id"])
    right = file_right(call, found) if found is not None else None
    if found is None or right is None:
        raise NotFound(f"No data file {call.path['id']}")
    if right < need:
        raise Forbidden("Only the space's members who may edit data change its files")
    return found, right


def target_space(call: Call, meta: UploadJson) -> str:
    """The space an upload goes to ("" = personal), from ``spaceId`` or the space's
    ``connectionId``: one the caller may write data in (404 for a space they cannot
    see, 403 for one whose data they may only use)."""
    by_conn = ""
    if meta.connectionId not in (None, CONNECTION_ID):
        assert meta.connectionId is not None
        if not meta.connectionId.startswith(SPACE_CONNECTION):
            raise BadRequest(f"No DataFiles connection {meta.connectionId!r} (data files go "
                             f"into a DataFiles connection: GET /data-files/connections)",
                             parameter="connectionId")
        by_conn = meta.connectionId[len(SPACE_CONNECTION):]
    space_id = meta.spaceId or by_conn
    if meta.spaceId and meta.connectionId and by_conn != meta.spaceId:
        raise BadRequest("connectionId is not the DataFiles connection of spaceId",
                         parameter="connectionId")
    if not space_id:
        return ""
    directory = Directory(call.engine.meta.db)
    space = directory.space(space_id)
    right = spacedata.data_right(directory, call.identity, space) if space else None
    if space is None or right is None:
        raise NotFound(f"No space {space_id}")
    if right < DataRight.WRITE:
        raise Forbidden("Only the space's members who may edit data add files to it")
    return space_id


def parts(call: Call) -> tuple[UploadJson, tuple[str, bytes] | None]:
    form: dict[str, tuple[str, bytes] | str] = call.body
    raw = form.get("Json", "{}")
    if not isinstance(raw, str):
        raw = raw[1].decode("utf-8", "replace")
    try:
        meta = UploadJson.model_validate(orjson.loads(raw or "{}"))
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The Json part is not valid JSON: {exc}", parameter="Json") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BadRequest(f"Json: {first['msg']}", parameter="Json") from None
    upload = form.get("File")
    if isinstance(upload, str):
        upload = ("", upload.encode())
    return meta, upload


def check_size(settings: Settings, store: DataFileStore, size: int, freed: int = 0) -> None:
    if settings.data_file_max_bytes and size > settings.data_file_max_bytes:
        raise PayloadTooLarge(f"The file is over {settings.data_file_max_bytes} bytes")
    quota = settings.data_files_quota_bytes
    if quota and store.total_size() - freed + size > quota:
        raise PayloadTooLarge(f"The data files would be over their quota of {quota} bytes")


def checked_name(store: DataFileStore, name: str) -> str:
    try:
        store.path(name)
    except BadName as exc:
        raise BadRequest(f"{name!r}: {exc}", parameter="name") from None
    return name


def upload_data_file(call: Call) -> Reply:
    meta, content = parts(call)
    if content is None:
        raise BadRequest("The File part is missing", parameter="File")
    store = files(call)
    name = checked_name(store, meta.name or content[0])
    space_id = target_space(call, meta)
    if meta.appId:
        check_app(call.engine, call.identity, meta.appId, Right.EDIT)
    check_size(call.engine.settings, store, len(content[1]))
    try:
        made = store.add(name, content[1], Owner.of(call.identity), meta.appId or "",
                         space_id)
    except NameTaken:
        raise Conflict(f"A data file named {name!r} exists") from None
    call.state.scheduler.data_changed(made.name)  # reload tasks' autoReload
    return Reply(result(made), status=201)


def reupload_data_file(call: Call) -> DataFileResult:
    current, _ = the_file(call, DataRight.WRITE)
    meta, content = parts(call)
    if (meta.spaceId or meta.connectionId) and target_space(call, meta) != current.space_id:
        raise BadRequest("A data file stays in its space (spaceId, connectionId)",
                         parameter="spaceId")
    store = files(call)
    name = checked_name(store, meta.name) if meta.name else None
    if content is None and name is None:
        raise BadRequest("Give a File part, a new name, or both", parameter="File")
    if content is not None:
        check_size(call.engine.settings, store, len(content[1]), freed=current.size)
    try:
        made = store.replace(current.id, content[1] if content else None, name)
    except NameTaken:
        raise Conflict(f"A data file named {name!r} exists") from None
    call.state.scheduler.data_changed(made.name)  # reload tasks' autoReload
    return result(made)


def get_data_files(call: Call) -> DataFiles:
    q: DataFilesQuery = call.query
    space_id: str | None = None
    if q.connectionId == CONNECTION_ID:
        space_id = ""
    elif q.connectionId is not None:
        space_id = q.connectionId.removeprefix(SPACE_CONNECTION) or "-"
    listed = files(call).find(name=q.name or "", app_id=q.appId or "", space_id=space_id)
    rights = {f.id: file_right(call, f) for f in listed}
    found = [f for f in listed
             if rights[f.id] is not None and (not q.ownerId or f.owner_id == q.ownerId)]
    key = SORTS[q.sort.lstrip("+-")]
    found.sort(key=lambda f: getattr(f, key), reverse=q.sort.startswith("-"))
    page, links = paginate(call.request, found, q.limit, q.next, q.prev)
    return DataFiles(data=[result(f, rights[f.id] or DataRight.USE) for f in page],
                     links=links)


def get_data_file(call: Call) -> DataFileResult:
    return result(*the_file(call))


def download_data_file(call: Call) -> Response:
    found, _ = the_file(call)
    path = files(call).path(found.name, found.space_id, found.owner)
    kind = mimetypes.guess_type(found.name)[0] or OCTET
    base = found.name.rpartition("/")[2].replace('"', "")
    return Response(path.read_bytes(), media_type=kind,
                    headers={"Content-Disposition": f'attachment; filename="{base}"'})


def delete_data_file(call: Call) -> None:
    files(call).delete(the_file(call, DataRight.WRITE)[0].id)


def get_data_files_quotas(call: Call) -> Quotas:
    settings = call.engine.settings
    used = sum(f.size for f in files(call).find()) if call.engine.meta_in_use() else 0
    return Quotas(allowedExtensions=[], allowedInternalExtensions=[],
                  maxFileSize=settings.data_file_max_bytes,
                  maxLargeFileSize=settings.data_file_max_bytes,
                  maxSize=settings.data_files_quota_bytes, size=used)


def get_data_file_connections(call: Call) -> DataFileConnections:
    """The personal DataFiles connection and one per space whose data the caller may
    use (Qlik Cloud: "a set of hardcoded connections, along with one connection per
    team space that the given user has access to"); ``spaceId``, ``personal`` and
    ``name`` filter them."""
    q: ConnectionsQuery = call.query
    found = [DataFileConnection(id=CONNECTION_ID, name=DATA_FILES, type="qix-datafiles",
                                connectStatement=f"lib://{DATA_FILES}/")]
    if call.engine.meta_in_use() and not q.personal:
        directory = Directory(call.engine.meta.db)
        found += [DataFileConnection(
            id=connection_id(s.id), name=DATA_FILES, type="qix-datafiles", spaceId=s.id,
            connectStatement=f"lib://{s.name}:{DATA_FILES}/")
            for s in directory.spaces()
            if spacedata.data_right(directory, call.identity, s) is not None]
    if q.spaceId is not None:
        found = [c for c in found if c.spaceId == q.spaceId]
    if q.name is not None:
        found = [c for c in found if c.name == q.name]
    page, links = paginate(call.request, found, MAX_LIMIT, None, None)
    return DataFileConnections(data=page, links=links)


# -- data files as items -----------------------------------------------------------------

DATASET = "dataset"  # Qlik Cloud lists an uploaded data file as a dataset item …
SUBTYPE = "qix-df"  # … of this resourceSubType


def _item_of(file: DataFile, known: Item | None) -> Item:
    base = known or Item(id=new_item_id(), resource_type=DATASET, resource_id=file.id,
                         name=file.name)
    return replace(base, name=file.name, owner_id=file.owner_id, creator_id=file.owner_id,
                   space_id=file.space_id,
                   size=file.size, created_at=file.created, updated_at=file.modified)


def sync_items(call: Call) -> None:
    """The items table's datasets made to match the data files (new files added, gone
    ones removed, renamed or replaced ones changed)."""
    if not call.engine.meta_in_use():
        return
    items = call.engine.items
    current = {f.id: f for f in files(call).find()}
    for gone in items.resource_ids(DATASET) - set(current):
        items.remove(DATASET, gone)
    for file in current.values():
        known = items.get(DATASET, file.id)
        wanted = _item_of(file, known)
        if wanted != known:
            items.put(wanted)


def _file_of(call: Call, item: Item) -> DataFile | None:
    found = files(call).get(item.resource_id)
    return found if found is not None and may_see(call, found) else None


def _item_actions(call: Call, item: Item) -> list[str]:
    found = _file_of(call, item)
    if found is None:
        return []
    return ["read", "update", "delete"] if file_right(call, found) is DataRight.WRITE \
        else ["read"]


def _item_attributes(call: Call, item: Item) -> dict[str, object]:
    found = _file_of(call, item)
    return result(found).model_dump(mode="json", exclude_none=True) if found else {}


def _rename(call: Call, item: Item, name: str) -> None:
    found = _file_of(call, item)
    if found is not None and file_right(call, found) is not DataRight.WRITE:
        raise Forbidden("Only the space's members who may edit data rename its files")
    store = files(call)
    try:
        store.replace(item.resource_id, None, checked_name(store, name))
    except NameTaken:
        raise Conflict(f"A data file named {name!r} exists") from None


ITEM_KINDS = {
    DATASET: ItemKind(actions=_item_actions, attributes=_item_attributes,
                      link=lambda item: f"/data-files/{item.resource_id}",
                      subtype=lambda item: SUBTYPE, rename=_rename, sync=sync_items),
}


OPERATIONS = [
    Operation("POST", "/data-files", upload_data_file,
              "Upload a data file (File and Json parts)", "data-files", tier=Tier.TIER2,
              multipart=PARTS, response=DataFileResult, status=201),
    Operation("GET", "/data-files", get_data_files, "The data files the caller may see",
              "data-files", query=DataFilesQuery, response=DataFiles),
    Operation("GET", "/data-files/quotas", get_data_files_quotas,
              "The limits on data files and the space they use", "data-files",
              response=Quotas),
    Operation("GET", "/data-files/connections", get_data_file_connections,
              "The DataFiles connections (personal, and per space) scripts read files "
              "through", "data-files", query=ConnectionsQuery,
              response=DataFileConnections),
    Operation("GET", "/data-files/{id}", get_data_file, "One data file", "data-files",
              response=DataFileResult),
    Operation("GET", "/data-files/{id}/content", download_data_file, "A data file's bytes",
              "data-files", response_type=OCTET),
    Operation("PUT", "/data-files/{id}", reupload_data_file,
              "Replace a data file's bytes or rename it", "data-files", tier=Tier.TIER2,
              multipart=PARTS, response=DataFileResult),
    Operation("DELETE", "/data-files/{id}", delete_data_file, "Delete a data file",
              "data-files", tier=Tier.TIER2, status=204),
]
