"""Items and script versions in the metadata database (``store/meta.py``'s ``items`` and
``app_scripts`` tables).

An item is how Qlik Cloud's items API lists a resource: an app (and later a data file,
an automation …) with a name, a space, an owner and dates. For an app the row also
holds the attributes the apps API keeps beside the app file (description, usage,
published, thumbnail, origin), so one row answers ``GET /apps/{id}`` and ``GET /items``.

Filters and sorts are SQL (the same on SQLite and PostgreSQL); ``name`` and ``query``
match case-insensitively anywhere in the text, as the items API documents
(``GET /api/v1/items``: "The case-insensitive string used to search for a resource by
name", https://qlik.dev/apis/rest/items/).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, func, or_, select
from sqlalchemy.orm import Session

from associa.store.meta import ItemRow, ScriptRow

# sort keys the items API takes → the column
SORTS: dict[str, str] = {"createdAt": "created_at", "updatedAt": "updated_at", "name": "name"}


def _aware(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=UTC)


def new_id() -> str:
    """A 24-hex-digit id, the form Qlik Cloud's item and script ids take."""
    return secrets.token_hex(12)


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    resource_type: str
    resource_id: str
    name: str
    description: str = ""
    space_id: str = ""
    owner_id: str = ""
    creator_id: str = ""
    updater_id: str = ""
    usage: str = "ANALYTICS"
    published: bool = False
    publish_time: datetime | None = None
    origin_id: str = ""
    thumbnail: str = ""
    size: int = 0
    created_at: datetime = datetime.fromtimestamp(0, UTC)
    updated_at: datetime = datetime.fromtimestamp(0, UTC)

    @classmethod
    def of(cls, row: ItemRow) -> Item:
        values = {f.name: getattr(row, f.name) for f in fields(cls)}
        for key in ("publish_time", "created_at", "updated_at"):
            values[key] = _aware(values[key])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ScriptVersion:
    id: str
    app_id: str
    script: str
    version_message: str
    modifier_id: str
    modified: datetime


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """What ``GET /items`` asks for (empty: no filter)."""

    resource_types: tuple[str, ...] = ()
    resource_id: str = ""
    space_id: str = ""  # "personal": items in no space
    owner_id: str = ""
    not_owner_id: str = ""
    creator_id: str = ""
    not_creator_id: str = ""
    item_id: str = ""
    name: str = ""
    query: str = ""
    # the items in these spaces ("" for no space, i.e. personal); None: any space
    space_ids: tuple[str, ...] | None = None
    resource_ids: tuple[str, ...] = ()
    # only these items (a collection's); None: any item
    item_ids: tuple[str, ...] | None = None


class ItemStore:
    """Items over the metadata database's SQLAlchemy engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def put(self, item: Item) -> Item:
        """Insert the item, or replace the one for the same resource (keeping its id)."""
        with Session(self.db) as s, s.begin():
            row = s.scalar(select(ItemRow).where(
                ItemRow.resource_type == item.resource_type,
                ItemRow.resource_id == item.resource_id))
            if row is None:
                row = ItemRow(id=item.id)
                s.add(row)
            else:
                item = replace(item, id=row.id)
            for f in fields(Item):
                if f.name != "id":
                    setattr(row, f.name, getattr(item, f.name))
        return item

    def get(self, resource_type: str, resource_id: str) -> Item | None:
        with Session(self.db) as s:
            row = s.scalar(select(ItemRow).where(ItemRow.resource_type == resource_type,
                                                 ItemRow.resource_id == resource_id))
            return Item.of(row) if row is not None else None

    def by_id(self, item_id: str) -> Item | None:
        with Session(self.db) as s:
            row = s.get(ItemRow, item_id)
            return Item.of(row) if row is not None else None

    def update(self, resource_type: str, resource_id: str, **changes: Any) -> Item | None:
        """Change some attributes of a resource's item; the item after, or None."""
        with Session(self.db) as s, s.begin():
            row = s.scalar(select(ItemRow).where(ItemRow.resource_type == resource_type,
                                                 ItemRow.resource_id == resource_id))
            if row is None:
                return None
            for key, value in changes.items():
                setattr(row, key, value)
            s.flush()
            return Item.of(row)

    def remove(self, resource_type: str, resource_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            done = s.execute(delete(ItemRow).where(ItemRow.resource_type == resource_type,
                                                   ItemRow.resource_id == resource_id))
            return bool(getattr(done, "rowcount", 0))

    def resource_ids(self, resource_type: str) -> set[str]:
        with Session(self.db) as s:
            return set(s.scalars(select(ItemRow.resource_id)
                                 .where(ItemRow.resource_type == resource_type)))

    def find(self, flt: ItemFilter, sort: str = "+createdAt") -> list[Item]:
        """The items that pass ``flt`` in the order of ``sort`` (``+``/``-`` and a key of
        SORTS; the id breaks ties so that pages are stable)."""
        where: list[ColumnElement[bool]] = []
        if flt.resource_types:
            where.append(ItemRow.resource_type.in_(flt.resource_types))
        if flt.resource_id:
            where.append(ItemRow.resource_id == flt.resource_id)
        if flt.space_id:
            where.append(ItemRow.space_id == ("" if flt.space_id == "personal"
                                              else flt.space_id))
        if flt.owner_id:
            where.append(ItemRow.owner_id == flt.owner_id)
        if flt.not_owner_id:
            where.append(ItemRow.owner_id != flt.not_owner_id)
        if flt.creator_id:
            where.append(ItemRow.creator_id == flt.creator_id)
        if flt.not_creator_id:
            where.append(ItemRow.creator_id != flt.not_creator_id)
        if flt.item_id:
            where.append(ItemRow.id == flt.item_id)
        if flt.resource_ids:
            where.append(ItemRow.resource_id.in_(flt.resource_ids))
        if flt.item_ids is not None:
            where.append(ItemRow.id.in_(flt.item_ids))
        if flt.space_ids is not None:
            where.append(ItemRow.space_id.in_(flt.space_ids))
        if flt.name:
            where.append(func.lower(ItemRow.name).contains(flt.name.lower(), autoescape=True))
        if flt.query:
            needle = flt.query.lower()
            where.append(or_(func.lower(ItemRow.name).contains(needle, autoescape=True),
                             func.lower(ItemRow.description).contains(needle,
                                                                      autoescape=True)))
        column = getattr(ItemRow, SORTS[sort[1:]])
        order = column.desc() if sort[0] == "-" else column.asc()
        with Session(self.db) as s:
            rows = s.scalars(select(ItemRow).where(*where).order_by(order, ItemRow.id))
            return [Item.of(r) for r in rows]

    # -- script versions ------------------------------------------------------------

    def add_script(self, app_id: str, script: str, message: str, modifier_id: str) -> ScriptVersion:
        version = ScriptVersion(new_id(), app_id, script, message, modifier_id,
                                datetime.now(UTC))
        with Session(self.db) as s, s.begin():
            s.add(ScriptRow(id=version.id, app_id=app_id, script=script,
                            version_message=message, modifier_id=modifier_id,
                            modified=version.modified))
        return version

    def scripts(self, app_id: str) -> Sequence[ScriptVersion]:
        """The app's saved versions, newest first."""
        with Session(self.db) as s:
            rows = s.scalars(select(ScriptRow).where(ScriptRow.app_id == app_id)
                             .order_by(ScriptRow.modified.desc(), ScriptRow.id.desc()))
            return [self._version(r) for r in rows]

    def script(self, app_id: str, version_id: str) -> ScriptVersion | None:
        with Session(self.db) as s:
            row = s.get(ScriptRow, version_id)
            if row is None or row.app_id != app_id:
                return None
            return self._version(row)

    @staticmethod
    def _version(row: ScriptRow) -> ScriptVersion:
        return ScriptVersion(row.id, row.app_id, row.script, row.version_message,
                             row.modifier_id, _aware(row.modified) or row.modified)
