"""Uploaded data files: their bytes under ``<data dir>/datafiles`` (personal files,
which a load script reads as ``lib://DataFiles/<name>``, ``app/connections.py``) or
``<data dir>/spacefiles/<space id>`` (a space's, ``lib://<space>:DataFiles/<name>``),
their owner, space, size and dates in the metadata database (``store/meta.py``'s
``data_files`` table). A name is unique per space and a personal file's per owner, as in
Qlik Cloud (migration 0011): two spaces, or two users, may each have ``sales.csv``, each
in its own folder (``app/connections.py``: ``space_files_folder``,
``personal_files_folder``).

A name is a relative path (``sales/2024.csv``): segments of printable characters, none
``.`` or ``..``, no backslash, nothing absolute, and the file it names must stay inside
the folder: anything else is refused (``BadName``) before a byte is written. Bytes are
written to a temporary file first and moved into place once the row is in, so a failed
upload leaves neither a file nor a row, and a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from associa.app.access import Owner
from associa.app.connections import (
    DATA_FILES_FOLDER,
    personal_files_folder,
    space_files_folder,
)
from associa.store.items import new_id
from associa.store.meta import DataFileRow

MAX_NAME = 1024


class BadName(ValueError):
    """A name that is not a safe relative path."""


class NameTaken(ValueError):
    """Another data file has the name."""


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DataFile:
    id: str
    name: str
    owner_id: str
    owner_directory: str
    app_id: str
    space_id: str  # "" = the owner's personal file
    size: int
    created: datetime
    modified: datetime

    @classmethod
    def of(cls, row: DataFileRow) -> DataFile:
        values: dict[str, Any] = {f.name: getattr(row, f.name) for f in fields(cls)}
        values["created"], values["modified"] = _aware(row.created), _aware(row.modified)
        values["space_id"] = row.space_id or ""
        return cls(**values)

    @property
    def owner(self) -> Owner:
        return Owner(self.owner_id, self.owner_directory)


def check_name(name: str) -> str:
    """``name`` if it is a safe relative path, else BadName saying why."""
    if not name or len(name) > MAX_NAME:
        raise BadName(f"A name has 1 to {MAX_NAME} characters")
    if "\\" in name or name.startswith("/") or any(ord(c) < 32 or c == "\x7f" for c in name):
        raise BadName("A name is a relative path of printable characters, with / between "
                      "folders")
    parts = name.split("/")
    if any(p in ("", ".", "..") or p != p.strip() for p in parts):
        raise BadName("A name's folders and file name are not empty, '.' or '..', and do "
                      "not start or end with spaces")
    if ":" in parts[0]:
        raise BadName("A name is a relative path, not a drive or a URL")
    return name


class DataFileStore:
    """The data files of one data folder, over the metadata database."""

    def __init__(self, db: Engine, data_dir: Path) -> None:
        self.db = db
        self.data_dir = Path(data_dir)

    def folder(self, space_id: str = "", owner: Owner | None = None) -> Path:
        """The folder of a space's files, or (``space_id`` ``""``) of ``owner``'s
        personal files (None: the anonymous user's)."""
        if space_id:
            return space_files_folder(self.data_dir, space_id)
        if owner is None:
            return personal_files_folder(self.data_dir)
        return personal_files_folder(self.data_dir, owner.user_id, owner.user_directory)

    def path(self, name: str, space_id: str = "", owner: Owner | None = None) -> Path:
        """Where file ``name`` of the space (``""``: ``owner``'s personal files) is kept."""
        root = self.folder(space_id, owner)
        target = (root / check_name(name)).resolve()
        if not target.is_relative_to(root) or target == root:
            raise BadName("The name leads outside the data files folder")
        return target

    def get(self, file_id: str) -> DataFile | None:
        with Session(self.db) as s:
            row = s.get(DataFileRow, file_id)
            return DataFile.of(row) if row is not None else None

    def find(self, name: str = "", owner: Owner | None = None,
             app_id: str = "", space_id: str | None = None) -> list[DataFile]:
        """Files by name (case-insensitive, anywhere in it), owner, app and space
        (``""``: the personal files); by name."""
        query = select(DataFileRow).order_by(DataFileRow.name)
        if name:
            query = query.where(func.lower(DataFileRow.name).contains(name.lower(),
                                                                       autoescape=True))
        if owner is not None:
            query = query.where(DataFileRow.owner_id == owner.user_id,
                                DataFileRow.owner_directory == owner.user_directory)
        if app_id:
            query = query.where(DataFileRow.app_id == app_id)
        if space_id is not None:
            query = query.where(DataFileRow.space_id == space_id)
        with Session(self.db) as s:
            return [DataFile.of(r) for r in s.scalars(query)]

    def total_size(self) -> int:
        with Session(self.db) as s:
            return int(s.scalar(select(func.coalesce(func.sum(DataFileRow.size), 0))) or 0)

    def add(self, name: str, content: bytes, owner: Owner, app_id: str = "",
            space_id: str = "") -> DataFile:
        target = self.path(name, space_id, owner)
        now = datetime.now(UTC)
        row = DataFileRow(id=new_id(), name=name, owner_id=owner.user_id,
                          owner_directory=owner.user_directory, app_id=app_id,
                          space_id=space_id,
                          size=len(content), created=now, modified=now)
        return self._write(target, content, lambda s: s.add(row), row.id)

    def replace(self, file_id: str, content: bytes | None, name: str | None = None) -> DataFile:
        """New bytes and/or a new name for a file (NameTaken when the name is another's)."""
        current = self.get(file_id)
        if current is None:
            raise KeyError(file_id)
        new_name = current.name if name is None else name
        target = self.path(new_name, current.space_id, current.owner)
        old_path = self.path(current.name, current.space_id, current.owner)

        def change(s: Session) -> None:
            row = s.get(DataFileRow, file_id)
            if row is None:
                raise KeyError(file_id)
            row.name, row.modified = new_name, datetime.now(UTC)
            if content is not None:
                row.size = len(content)

        if content is None:
            content = old_path.read_bytes()
        made = self._write(target, content, change, file_id)
        if old_path != target:
            old_path.unlink(missing_ok=True)
        return made

    def adopt(self, name: str, owner: Owner, space_id: str = "") -> DataFile | None:
        """Record a file a load script wrote into the folder (``STORE … INTO
        lib://DataFiles/<name>``, into ``owner``'s personal files or the space's): a new
        row owned by ``owner``, or the known row's new size and date. None when the name
        is unsafe or no such file is there."""
        try:
            target = self.path(name, space_id, owner)
        except BadName:
            return None
        if not target.is_file():
            return None
        size, now = target.stat().st_size, datetime.now(UTC)
        known = select(DataFileRow).where(DataFileRow.name == name,
                                          DataFileRow.space_id == space_id)
        if not space_id:
            known = known.where(DataFileRow.owner_id == owner.user_id,
                                DataFileRow.owner_directory == owner.user_directory)
        try:
            with Session(self.db) as s, s.begin():
                row = s.scalar(known)
                if row is None:
                    row = DataFileRow(id=new_id(), name=name, owner_id=owner.user_id,
                                      owner_directory=owner.user_directory, app_id="",
                                      space_id=space_id, size=size, created=now, modified=now)
                    s.add(row)
                else:
                    row.size, row.modified = size, now
                s.flush()
                return DataFile.of(row)
        except IntegrityError:  # recorded meanwhile by another reload
            return None

    def relocate(self) -> int:
        """Move personal files kept where a data folder of an earlier version kept every
        user's (``datafiles/<name>``) into their owners' own folders; how many moved."""
        legacy = self.data_dir / DATA_FILES_FOLDER
        personal = self.find(space_id="")
        kept = {f.name for f in personal if self.folder("", f.owner) == legacy.resolve()}
        moved = 0
        for file in personal:
            old, target = legacy / file.name, self.path(file.name, "", file.owner)
            if file.name in kept or target.exists() or not old.is_file():
                continue  # the anonymous user's (kept there), or moved already
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
            moved += 1
        return moved

    def delete(self, file_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(DataFileRow, file_id)
            if row is None:
                return False
            name, space_id = row.name, row.space_id or ""
            owner = Owner(row.owner_id, row.owner_directory)
            s.delete(row)
        self.path(name, space_id, owner).unlink(missing_ok=True)
        return True

    def delete_of_app(self, app_id: str) -> int:
        """Delete the files bound to an app (uploaded with its ``appId``); how many."""
        gone = [f for f in self.find(app_id=app_id) if self.delete(f.id)]
        return len(gone)

    def _write(self, target: Path, content: bytes, change: Any, file_id: str) -> DataFile:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            try:
                with Session(self.db) as s, s.begin():
                    change(s)
            except IntegrityError:
                raise NameTaken(target.name) from None
            os.replace(temp, target)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        made = self.get(file_id)
        assert made is not None
        return made
