"""``/data-connections``: folder, DuckDB, SQLite and PostgreSQL connections every app's
script can use by name.

Shapes are Qlik Cloud's data-connections API (https://qlik.dev/apis/rest/data-connections/):
``POST /data-connections`` takes ``{qName, qConnectStatement, qType, qUsername?,
qPassword?, space?}`` and answers 201 with the connection (``id`` = ``qID``, ``qName``,
``qConnectStatement``, ``qType``, ``user``, ``created``, ``updated``, ``privileges``,
``links``); ``PUT`` replaces it (204; the credentials are kept unless new ones are
given), ``DELETE`` answers 204, ``GET /data-connections`` pages them. ``qType`` is
``folder``, ``duckdb``, ``sqlite`` or ``postgresql`` (the engine's connection types,
``app/connections.py``, which also checks the statement and takes a user or password
written in a PostgreSQL string out of it).

Credentials are write-only: they are sealed as an app file seals them and no answer
carries them (the engine's GetConnection does not either). A script reads a personal
connection as ``LIB CONNECT TO 'name'`` or ``lib://name/...`` and a space's as
``'Space:name'`` / ``lib://Space:name/...`` (an app in the space: also without the
space) after the app's own connections (``rest/spacedata.py``); a personal one is
found only for its owner's reloads. A name is unique per space, a personal one's per
owner (as in Qlik Cloud), so one taken there is 409.

Rights: a personal connection (no ``space``) is its maker's; only they and
administrators see, change or delete it. A space's connection (``space`` on create, a
space the caller may edit data in) is seen by the space's members with a data role and
changed by those who may edit data (``rest/spacedata.py``). Anyone else gets 404; a
member who may only use it gets 403 on a change. A folder connection opens a folder of
the server's disk to every script, so only administrators (and development mode) make
one.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import Field

from associa.app import access
from associa.app.connections import DATA_FILES, Connections, share
from associa.engine import Engine
from associa.identity import Identity
from associa.rest import spacedata
from associa.rest.apps import iso
from associa.rest.errors import BadRequest, Conflict, Forbidden, NotFound
from associa.rest.models import TENANT_ID, Href, Links, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import MAX_LIMIT, paginate
from associa.rest.ratelimit import Tier
from associa.rest.spacedata import DataRight
from associa.store.dataconnections import DataConnection, DataConnectionStore, NameTaken
from associa.store.directory import Directory

PRIVILEGES = ["read", "update", "delete", "list"]


class ConnectionBody(Strict):
    qName: str = Field(min_length=1, max_length=256)
    qConnectStatement: str = Field(max_length=4096)
    qType: str = Field(min_length=1, max_length=32)
    qUsername: str | None = Field(default=None, max_length=512)
    qPassword: str | None = Field(default=None, max_length=512)
    space: str | None = None
    qLogOn: int | None = Field(default=None, ge=0, le=1)
    qArchitecture: int | None = Field(default=None, ge=0, le=1)


class ConnectionsQuery(Shape):
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    next: str | None = None
    prev: str | None = None


class ConnectionLinks(Shape):
    self: Href


class DataConnectionResult(Shape):
    id: str
    qID: str
    qName: str
    qConnectStatement: str
    qType: str
    qLogOn: int = 0
    qArchitecture: int = 0
    qSeparateCredentials: bool = False
    space: str = ""
    user: str
    tenant: str
    created: str
    updated: str
    privileges: list[str]
    links: ConnectionLinks


class DataConnectionsList(Shape):
    data: list[DataConnectionResult]
    links: Links


def install(engine: Engine) -> None:
    """Let the engine's apps use the connections made here and the spaces' DataFiles
    (by name, after their own; as the reloading user may use them)."""
    share(engine.settings.data_dir, partial(spacedata.lookup, engine))


def store(call: Call) -> DataConnectionStore:
    return DataConnectionStore(call.engine.meta.db)


def shown(call: Call, made: DataConnection) -> DataConnectionResult:
    conn = made.connection
    return DataConnectionResult(
        id=conn.id, qID=conn.id, qName=conn.name, qConnectStatement=conn.connection_string,
        qType=conn.type, space=made.space_id, user=made.owner.user_id, tenant=TENANT_ID,
        created=iso(made.created) or "", updated=iso(made.updated) or "",
        privileges=PRIVILEGES,
        links=ConnectionLinks(self=Href(href=call.url(f"/data-connections/{conn.id}"))))


def engine_form(body: ConnectionBody, credentials: bool = True) -> dict[str, Any]:
    """The body as the engine's CreateConnection / ModifyConnection take it."""
    out: dict[str, Any] = {"qName": body.qName, "qConnectionString": body.qConnectStatement,
                           "qType": body.qType}
    if credentials:
        out["qUserName"] = body.qUsername or ""
        out["qPassword"] = body.qPassword or ""
    return out


def check_body(identity: Identity, body: ConnectionBody) -> None:
    if body.qName == DATA_FILES:
        raise Conflict(f"{DATA_FILES} is the connection of the data files")
    if body.qType.lower() == "folder" and not access.unrestricted(identity):
        raise Forbidden("Only an administrator makes folder connections")


def right_on(call: Call, conn: DataConnection) -> DataRight | None:
    """The caller's right on a connection: its maker's (personal) or their space's."""
    if access.unrestricted(call.identity):
        return DataRight.WRITE
    if not conn.space_id:
        return DataRight.WRITE if conn.owner.is_(call.identity) else None
    directory = Directory(call.engine.meta.db)
    space = directory.space(conn.space_id)
    return spacedata.data_right(directory, call.identity, space) if space else None


def the_connection(call: Call, need: DataRight = DataRight.USE) -> DataConnection:
    found = store(call).get(call.path["qID"])
    right = right_on(call, found) if found is not None else None
    if found is None or right is None:
        raise NotFound(f"No data connection {call.path['qID']}")
    if right < need:
        raise Forbidden("Only the space's members who may edit data change its connections")
    return found


def check_space(call: Call, space_id: str) -> None:
    """A space the caller may make connections in (400 for one they cannot see, as a
    body's reference to nothing; 403 for one whose data they may only use)."""
    directory = Directory(call.engine.meta.db)
    space = directory.space(space_id)
    right = spacedata.data_right(directory, call.identity, space) if space else None
    if space is None or right is None:
        raise BadRequest(f"No space {space_id}", pointer="/space")
    if right < DataRight.WRITE:
        raise Forbidden("Only the space's members who may edit data make connections in it")


def create_data_connection(call: Call) -> Reply:
    body: ConnectionBody = call.body
    check_body(call.identity, body)
    if body.space:
        check_space(call, body.space)
    conn = Connections(call.engine.settings.data_dir).create(engine_form(body))
    try:
        made = store(call).add(conn, access.Owner.of(call.identity), body.space or "")
    except NameTaken:
        raise Conflict(f"A data connection named {body.qName!r} exists") from None
    return Reply(shown(call, made), status=201)


def update_data_connection(call: Call) -> None:
    current = the_connection(call, DataRight.WRITE)
    body: ConnectionBody = call.body
    if (body.space or "") != current.space_id:
        raise BadRequest("A data connection stays in its space", pointer="/space")
    check_body(call.identity, body)
    conns = Connections(call.engine.settings.data_dir)
    conns.items[current.connection.id] = current.connection
    new_credentials = body.qUsername is not None or body.qPassword is not None
    conns.modify(current.connection.id, engine_form(body, new_credentials),
                 override_credentials=new_credentials)
    try:
        store(call).update(conns.get(current.connection.id))
    except NameTaken:
        raise Conflict(f"A data connection named {body.qName!r} exists") from None


def get_data_connection(call: Call) -> DataConnectionResult:
    return shown(call, the_connection(call))


def delete_data_connection(call: Call) -> None:
    store(call).delete(the_connection(call, DataRight.WRITE).connection.id)


def get_data_connections(call: Call) -> DataConnectionsList:
    q: ConnectionsQuery = call.query
    mine = [c for c in store(call).find() if right_on(call, c) is not None]
    page, links = paginate(call.request, mine, q.limit, q.next, q.prev)
    return DataConnectionsList(data=[shown(call, c) for c in page], links=links)


OPERATIONS = [
    Operation("POST", "/data-connections", create_data_connection,
              "Make a data connection", "data-connections", tier=Tier.TIER2,
              body=ConnectionBody, response=DataConnectionResult, status=201),
    Operation("GET", "/data-connections", get_data_connections,
              "The data connections the caller may see", "data-connections",
              query=ConnectionsQuery, response=DataConnectionsList),
    Operation("GET", "/data-connections/{qID}", get_data_connection,
              "One data connection (never its credentials)", "data-connections",
              response=DataConnectionResult),
    Operation("PUT", "/data-connections/{qID}", update_data_connection,
              "Replace a data connection (credentials kept unless given)",
              "data-connections", tier=Tier.TIER2, body=ConnectionBody, status=204),
    Operation("DELETE", "/data-connections/{qID}", delete_data_connection,
              "Delete a data connection", "data-connections", tier=Tier.TIER2, status=204),
]
