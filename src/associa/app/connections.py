"""Data connections. A folder connection maps ``lib://<name>/<path>`` onto a directory;
paths that escape the directory are refused. A database connection (type ``duckdb``,
``sqlite`` or ``postgresql``) is what ``LIB CONNECT TO 'name'`` opens for the script's
SQL statements (``script.sources.database`` says what its connection string holds).

Credentials (``qUserName``, ``qPassword``; for PostgreSQL also a user or password written
in the connection string, which is taken out of it) are kept only sealed
(``credentials.Vault``): GetConnection(s) never returns them (the engine's "a call to
GetConnection does not return the user name/password"), the app file holds the token,
and ModifyConnection replaces them only with ``qOverrideCredentials`` (the API's "set
this parameter to true to override the user name and password"). ``qType`` cannot be
modified (help: ModifyConnection)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from associa.app.credentials import Vault
from associa.app.folders import FolderFiles
from associa.errors import (
    ConnectionAlreadyExists,
    ConnectionNameInvalid,
    ConnectionNotFound,
    InvalidParameters,
    LibConnectionNotFound,
    LibPathNotFound,
    ScriptError,
)
from associa.identity import ANONYMOUS, Identity
from associa.script.sources import Text
from associa.script.sources.database import (
    Database,
    DatabaseError,
    database_kind,
    open_database,
    split_credentials,
)

CONNECTION_TYPES = ("folder", "duckdb", "sqlite", "postgresql")  # and aliases (database_kind)
# the built-in folder connection of the files uploaded through the REST API's
# /data-files: ``lib://DataFiles/<name>`` reads ``<data dir>/datafiles/<name>`` unless the
# app has a connection of that name (Qlik Cloud's "DataFiles" connection, in which
# "files uploaded to Qlik Cloud" are found: https://help.qlik.com/en-US/cloud-services/
# Subsystems/Hub/Content/Sense_Hub/LoadData/data-files.htm)
DATA_FILES = "DataFiles"
DATA_FILES_FOLDER = "datafiles"

# the folder of a space's data files (``lib://<space>:DataFiles/<name>``):
# ``<data dir>/spacefiles/<space id>``
SPACE_FILES_FOLDER = "spacefiles"
# a user's personal data files (``lib://DataFiles/<name>`` in their reloads):
# ``<data dir>/userfiles/<key of the user>``; the anonymous user's (development mode,
# and reloads run by no one: the CLI, Python in process) are ``<data dir>/datafiles``
USER_FILES_FOLDER = "userfiles"


def space_files_folder(base_dir: Path, space_id: str) -> Path:
    """Where the data files of space ``space_id`` are kept ("" = the anonymous user's
    personal files)."""
    if not space_id:
        return (Path(base_dir) / DATA_FILES_FOLDER).resolve()
    return (Path(base_dir) / SPACE_FILES_FOLDER / space_id).resolve()


def personal_files_folder(base_dir: Path, user_id: str = ANONYMOUS.user_id,
                          user_directory: str = ANONYMOUS.user_directory) -> Path:
    """Where a user's personal data files are kept: each user's their own folder (two
    users may each have ``sales.csv``, as in Qlik Cloud), named by a digest of the user
    (any characters are safe in a user id)."""
    if (user_id, user_directory) == (ANONYMOUS.user_id, ANONYMOUS.user_directory):
        return space_files_folder(base_dir, "")
    key = hashlib.sha256(f"{user_directory}\\{user_id}".encode()).hexdigest()[:24]
    return (Path(base_dir) / USER_FILES_FOLDER / key).resolve()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who runs a script and for which app. The shared lookup decides with it which
    space's connection a name means (``Sales:DataFiles``, or the app's space for a name
    without one) and whether this user may use it; the lookup that knows spaces is
    given from above (``share``), so this module needs none of it."""

    app_id: str
    identity: Identity


# connections every app of a folder sees besides its own, by name (the REST API's
# /data-connections and the spaces' DataFiles, kept in the metadata database): the apps
# of a data folder find them through the lookup registered for that folder (``share``),
# which gets the name and the Actor of the reload (None outside a reload); an app's own
# connection of the same name wins
SharedLookup = Callable[[str, "Actor | None"], "Connection | None"]
_SHARED: dict[Path, SharedLookup] = {}


def share(base_dir: Path, lookup: SharedLookup) -> None:
    """Let the apps of ``base_dir`` use the connections ``lookup`` finds by name."""
    _SHARED[Path(base_dir).resolve()] = lookup


@dataclass(slots=True)
class Connection:
    id: str
    name: str
    connection_string: str  # the folder
    type: str = "folder"
    modified: str = ""
    credentials: str = ""  # the sealed user name and password (credentials.Vault)

    def to_json(self) -> dict[str, Any]:
        """As GetConnection(s) gives it: never the credentials."""
        return {
            "qId": self.id,
            "qName": self.name,
            "qConnectionString": self.connection_string,
            "qType": self.type,
            "qModifiedDate": self.modified,
        }

    def to_record(self) -> dict[str, Any]:
        """As the app file keeps it: the credentials sealed."""
        out = self.to_json()
        if self.credentials:
            out["qCredentials"] = self.credentials
        return out

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Connection:
        conn = cls.from_json(data)
        token = data.get("qCredentials")
        conn.credentials = token if isinstance(token, str) else ""
        return conn

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Connection:
        return cls(
            data.get("qId") or str(uuid.uuid4()),
            data.get("qName", ""),
            data.get("qConnectionString", ""),
            (data.get("qType") or "folder").lower(),
            data.get("qModifiedDate", ""),
        )


class Connections:
    """The connections of one app, by id, with name lookup."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir  # relative folder and file strings resolve against this
        self.items: dict[str, Connection] = {}
        self.vault = Vault(base_dir)  # its key lives in the engine's data folder

    def create(self, data: dict[str, Any]) -> Connection:
        if not isinstance(data, dict):
            raise InvalidParameters("qConnection", "qConnection must be an object")
        self._check_name(data.get("qName"))
        if not isinstance(data.get("qConnectionString", ""), str):
            raise InvalidParameters("qConnectionString", "qConnectionString must be a string")
        raw_type = data.get("qType") or "folder"
        if not isinstance(raw_type, str):
            raise InvalidParameters("qType", "qType must be a string")
        ctype = "folder" if raw_type.lower() == "folder" else database_kind(raw_type)
        if ctype not in CONNECTION_TYPES:
            raise InvalidParameters(
                "qType", f"Connection type '{raw_type}' is not supported yet (supported: "
                         f"{', '.join(CONNECTION_TYPES)})")
        user, password = _credentials(data)
        target, more_user, more_password = self._split(ctype, data.get("qConnectionString", ""))
        conn = Connection(str(uuid.uuid4()), data["qName"], target, ctype, _now())
        conn.credentials = self.vault.seal(user or more_user, password or more_password)
        self.items[conn.id] = conn
        return conn

    def _split(self, ctype: str, target: str) -> tuple[str, str, str]:
        """The connection string without the credentials written in it (PostgreSQL)."""
        if ctype == "folder":
            return target, "", ""
        if not target.strip():
            raise InvalidParameters("qConnectionString",
                                    f"A {ctype} connection needs a connection string")
        try:
            return split_credentials(ctype, target)
        except DatabaseError as exc:
            raise InvalidParameters("qConnectionString", exc.message) from None

    def _check_name(self, name: Any, own_id: str | None = None) -> None:
        if not isinstance(name, str) or not name.strip() or "/" in name or len(name) > 256:
            raise ConnectionNameInvalid("qName", "Connection name is invalid")
        if any(c.name == name and c.id != own_id for c in self.items.values()):
            raise ConnectionAlreadyExists(name, "Connection already exists")

    def get(self, conn_id: str) -> Connection:
        try:
            return self.items[conn_id]
        except KeyError:
            raise ConnectionNotFound(conn_id) from None

    def delete(self, conn_id: str) -> None:
        self.get(conn_id)
        del self.items[conn_id]

    def modify(self, conn_id: str, data: dict[str, Any], override_credentials: bool = False) -> None:
        conn = self.get(conn_id)
        if not isinstance(data, dict):
            raise InvalidParameters("qConnection", "qConnection must be an object")
        new_type = data.get("qType")
        if isinstance(new_type, str) and new_type and new_type.lower() != conn.type and (
                database_kind(new_type) != conn.type):
            raise InvalidParameters("qType", "qType cannot be modified")
        target, more_user, more_password = conn.connection_string, "", ""
        if isinstance(data.get("qConnectionString"), str) and data["qConnectionString"]:
            target, more_user, more_password = self._split(conn.type, data["qConnectionString"])
        if data.get("qName"):
            self._check_name(data["qName"], conn.id)  # the rules of create
            conn.name = data["qName"]
        conn.connection_string = target
        conn.modified = _now()
        if override_credentials:
            user, password = _credentials(data)
            conn.credentials = self.vault.seal(user or more_user, password or more_password)
        elif more_user or more_password:  # written in the new string: kept sealed
            try:
                old_user, old_password = self.vault.open(conn.credentials, conn.name)
            except ScriptError:  # sealed under another key: the new ones replace them
                old_user, old_password = "", ""
            conn.credentials = self.vault.seal(more_user or old_user,
                                               more_password or old_password)

    def by_name(self, name: str, actor: Actor | None = None) -> Connection | None:
        """The app's own connection ``name``, else the shared one for ``actor`` (which
        may refuse it: ``SpaceDataDenied``)."""
        for c in self.items.values():
            if c.name == name:
                return c
        shared = _SHARED.get(self.base_dir.resolve())
        return shared(name, actor) if shared is not None else None

    def connect(self, name: str, actor: Actor | None = None) -> Database:
        """The database of connection ``name``, opened for a reload (LIB CONNECT TO)."""
        conn = self.by_name(name, actor)
        if conn is None:
            raise LibConnectionNotFound(f"Connection '{name}' not found")
        if conn.type == "folder":
            raise ScriptError(f"Connection '{name}' is a folder connection: read its files "
                              f"with FROM 'lib://{name}/...'")
        user, password = self.vault.open(conn.credentials, conn.name)
        try:
            return open_database(conn.type, conn.connection_string, user, password,
                                 self.base_dir)
        except DatabaseError as exc:
            raise ScriptError(f"Cannot connect to '{name}': {exc.message}") from None

    def folder(self, conn: Connection) -> Path:
        path = Path(conn.connection_string).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        return path.resolve()

    def root_of(self, name: str, actor: Actor | None = None) -> Path:
        """The folder of connection ``name`` (LibPathNotFound when there is none)."""
        conn = self.by_name(name, actor)
        if conn is None and name == DATA_FILES:  # the reloading user's personal files
            who = actor.identity if actor is not None else ANONYMOUS
            return personal_files_folder(self.base_dir, who.user_id, who.user_directory)
        if conn is None:
            raise LibPathNotFound(f"Connection not found: {name}")
        if conn.type != "folder":
            raise LibPathNotFound(f"Connection '{name}' is a {conn.type} connection, "
                                  "not a folder: its data is read with SQL")
        return self.folder(conn)

    def files(self, actor: Actor | None = None) -> FolderFiles:
        """Reading, listing, writing and stat of files through these connections (as
        ``actor`` may use them, when given)."""
        return FolderFiles(lambda name: self.root_of(name, actor))

    def resolve(self, lib_path: str) -> Path:
        """The file a ``lib://name/path`` refers to; refuses paths outside the folder."""
        return self.files().resolve(lib_path)

    def open_file(self, lib_path: str) -> Text:
        """The file's bytes, as a read-only memory map (the reload reads it in place)."""
        return self.files().open(lib_path)

    def to_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.items.values()]

    def to_record(self) -> list[dict[str, Any]]:
        return [c.to_record() for c in self.items.values()]


def _now() -> str:
    """qModifiedDate: "generated by the engine", the creation or last modification."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _credentials(data: dict[str, Any]) -> tuple[str, str]:
    user, password = data.get("qUserName") or "", data.get("qPassword") or ""
    if not isinstance(user, str) or not isinstance(password, str):
        raise InvalidParameters("qUserName", "qUserName and qPassword must be strings")
    return user, password
