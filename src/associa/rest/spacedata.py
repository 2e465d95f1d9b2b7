"""The data of spaces: who may see, use and change a space's data files and data
connections, and the connection lookup the engine's scripts go through.

Roles (Qlik Cloud, "Managing permissions in shared spaces" and "Space roles",
https://qlik.dev/manage/access-control/space-roles): *Can consume data*
(``dataconsumer``) "can consume data sources, but cannot create or edit data sources";
*Can edit* (``producer``), *Can edit data in apps* (``codeveloper``), *Can manage*
(``facilitator``) and the space's owner also create and edit them; *Can operate*
(``operator``, managed and data spaces) runs the reloads, so it uses them; "users with
*Can view* cannot view the data sources in a space" (``consumer``, ``basicconsumer``,
``contributor``, ``publisher``, ``datapreview``: no data rights). Administrators and
development mode have every right. A personal file or connection (no space) is its
owner's.

Scripts (Qlik Cloud's LIB CONNECT and ``lib://`` syntax): ``Sales:name`` is the
connection ``name`` of the space called Sales (``Sales:DataFiles``: its files);
``:name`` the one of the app's own space; a name without a space is looked up in the
app's space first (an app in a shared space reads its space's ``lib://DataFiles/``),
then among the reloading user's own personal connections: a personal connection is
its owner's only, as in Qlik Cloud (another user's script does not find it; outside a
reload, with no user, none is found). A space named that the reloading user may not
use stops the reload with ``SpaceDataDenied`` (nothing of the app changes).

A member's roles are those of their own assignment and of their groups' (by name, as
``space_rules`` matches them): a REST request's groups are its credential's; a queued
or scheduled reload's are those the directory gives its user when it runs
(``rest/reloadqueue.reloader``).
"""

from __future__ import annotations

from enum import IntEnum

from associa.app import access
from associa.app.access import Owner
from associa.app.connections import DATA_FILES, Actor, Connection, space_files_folder
from associa.engine import Engine
from associa.errors import SpaceDataDenied
from associa.identity import Identity
from associa.store.dataconnections import DataConnectionStore
from associa.store.directory import Directory, Space


class DataRight(IntEnum):
    """What a user may do with a space's data files and connections."""

    USE = 1  # see them, read them in scripts
    WRITE = 2  # upload, replace, delete files; make, change, delete connections


OWNER = "owner"  # not an assignable role: the space's owner
ROLE_DATA_RIGHTS: dict[str, DataRight] = {
    OWNER: DataRight.WRITE, "facilitator": DataRight.WRITE, "producer": DataRight.WRITE,
    "codeveloper": DataRight.WRITE, "dataconsumer": DataRight.USE,
    "operator": DataRight.USE,
}


def roles_in(directory: Directory, identity: Identity, space: Space) -> set[str]:
    """The caller's roles in the space: their own assignment's, their groups', and
    ``owner`` for the space's owner."""
    found = {OWNER} if space.owner_id == identity.user_id else set()
    me = directory.user_by_subject(identity.user_id)
    ids = {identity.user_id, *([me.id] if me else [])}
    assigned = directory.assignments(space.id)
    if any(a.type == "group" for a in assigned) and identity.groups:
        names = set(identity.groups)
        groups = {g.id for g in directory.groups() if g.name in names}
    else:
        groups = set()
    for a in assigned:
        if (a.type == "user" and a.assignee_id in ids) or (
                a.type == "group" and a.assignee_id in groups):
            found.update(a.roles)
    return found


def data_right(directory: Directory, identity: Identity,
               space: Space) -> DataRight | None:
    """The caller's right on the space's data (None: none, or not a member)."""
    if access.unrestricted(identity):
        return DataRight.WRITE
    return max((ROLE_DATA_RIGHTS[r] for r in roles_in(directory, identity, space)
                if r in ROLE_DATA_RIGHTS), default=None)


def app_space(engine: Engine, app_id: str) -> Space | None:
    """The space the app is in (None: a personal app)."""
    item = engine.items.get("app", app_id)
    if item is None or not item.space_id:
        return None
    return Directory(engine.meta.db).space(item.space_id)


def space_named(directory: Directory, name: str) -> Space | None:
    return next((s for s in directory.spaces() if s.name == name), None)


def files_connection(engine: Engine, space: Space) -> Connection:
    """The space's DataFiles connection: a folder connection onto its files."""
    folder = space_files_folder(engine.settings.data_dir, space.id)
    return Connection(f"datafiles-{space.id}", DATA_FILES, str(folder), "folder")


def in_space(engine: Engine, space: Space, name: str) -> Connection | None:
    if name == DATA_FILES:
        return files_connection(engine, space)
    return DataConnectionStore(engine.meta.db).by_name(name, space.id)


def lookup(engine: Engine, name: str, actor: Actor | None) -> Connection | None:
    """The shared connection a script means by ``name`` (see the module's note)."""
    if not engine.meta_in_use() or actor is None:  # outside a reload: no user's
        return None
    space_name, qualified, conn_name = name.rpartition(":")
    directory = Directory(engine.meta.db)
    own = app_space(engine, actor.app_id)
    if not qualified:
        mine = DataConnectionStore(engine.meta.db).personal(name, Owner.of(actor.identity))
        if own is None:
            return mine
        allowed = data_right(directory, actor.identity, own) is not None
        if name == DATA_FILES and not allowed:  # an app in a space: its space's files
            raise denied(name, actor, own.name)
        found = in_space(engine, own, name) if allowed else None
        return found if found is not None else mine
    space = own if not space_name else space_named(directory, space_name)
    if space is None or data_right(directory, actor.identity, space) is None:
        raise denied(name, actor, space_name or (own.name if own else ""))
    return in_space(engine, space, conn_name)


def denied(name: str, actor: Actor, space_name: str) -> SpaceDataDenied:
    where = f"space '{space_name}'" if space_name else "the app's space (it is in none)"
    return SpaceDataDenied(f"Connection '{name}': {actor.identity.user_id} may not use the "
                           f"data of {where} (no such space, or no data role in it)")
