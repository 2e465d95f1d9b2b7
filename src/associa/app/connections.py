"""Data connections. A folder connection maps ``lib://<name>/<path>`` onto a directory;
paths that escape the directory are refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from associa.app.folders import FolderFiles
from associa.errors import (
    ConnectionAlreadyExists,
    ConnectionNameInvalid,
    ConnectionNotFound,
    InvalidParameters,
    LibPathNotFound,
)
from associa.script.sources import Text

CONNECTION_TYPES = ("folder",)


@dataclass(slots=True)
class Connection:
    id: str
    name: str
    connection_string: str  # the folder
    type: str = "folder"
    modified: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "qId": self.id,
            "qName": self.name,
            "qConnectionString": self.connection_string,
            "qType": self.type,
            "qModifiedDate": self.modified,
        }

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
        self.base_dir = base_dir  # relative folder strings resolve against this
        self.items: dict[str, Connection] = {}

    def create(self, data: dict[str, Any]) -> Connection:
        if not isinstance(data, dict):
            raise InvalidParameters("qConnection", "qConnection must be an object")
        self._check_name(data.get("qName"))
        if not isinstance(data.get("qConnectionString", ""), str):
            raise InvalidParameters("qConnectionString", "qConnectionString must be a string")
        ctype = (data.get("qType") or "folder").lower()
        if ctype not in CONNECTION_TYPES:
            raise InvalidParameters("qType", f"Connection type '{ctype}' is not supported yet")
        conn = Connection.from_json({**data, "qId": str(uuid.uuid4()), "qType": ctype})
        self.items[conn.id] = conn
        return conn

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

    def modify(self, conn_id: str, data: dict[str, Any]) -> None:
        conn = self.get(conn_id)
        if not isinstance(data, dict):
            raise InvalidParameters("qConnection", "qConnection must be an object")
        if data.get("qName"):
            self._check_name(data["qName"], conn.id)  # the rules of create
            conn.name = data["qName"]
        if isinstance(data.get("qConnectionString"), str) and data["qConnectionString"]:
            conn.connection_string = data["qConnectionString"]

    def by_name(self, name: str) -> Connection | None:
        for c in self.items.values():
            if c.name == name:
                return c
        return None

    def folder(self, conn: Connection) -> Path:
        path = Path(conn.connection_string).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        return path.resolve()

    def root_of(self, name: str) -> Path:
        """The folder of connection ``name`` (LibPathNotFound when there is none)."""
        conn = self.by_name(name)
        if conn is None:
            raise LibPathNotFound(f"Connection not found: {name}")
        return self.folder(conn)

    def files(self) -> FolderFiles:
        """Reading, listing, writing and stat of files through these connections."""
        return FolderFiles(self.root_of)

    def resolve(self, lib_path: str) -> Path:
        """The file a ``lib://name/path`` refers to; refuses paths outside the folder."""
        return self.files().resolve(lib_path)

    def open_file(self, lib_path: str) -> Text:
        """The file's bytes, as a read-only memory map (the reload reads it in place)."""
        return self.files().open(lib_path)

    def to_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.items.values()]
