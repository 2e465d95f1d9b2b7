"""Collections of items and each user's last use of an item, in the metadata database.

* ``collections``: a named group of items (https://qlik.dev/apis/rest/collections/):
  ``private`` (its creator's only), ``public`` and ``publicgoverned`` (every user sees
  them; Qlik shows them as tags, so their names are unique among the public ones), and
  each user's ``favorite`` collection, made the first time it is asked for.
* ``collection_items``: which item (by item id) is in which collection, since when.
* ``item_uses``: when a user last used a resource (opened the app over QIX, read the
  item or the app over REST): what ``GET /items?sort=-recentlyUsed`` orders by. Kept by
  resource, not by item id, as an app may be opened before its item is made.

Who may see or change a collection is the REST layer's (``rest/collections.py``).
Migration 0007.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from associa.store.meta import Base, ItemRow, _aware

FAVORITE = "favorite"
PUBLIC_TYPES = ("public", "publicgoverned")
TYPES = ("private", *PUBLIC_TYPES)  # what a client may create
FAVORITES_NAME = "Favorites"
# sort keys of GET /collections → the column
SORTS: dict[str, str] = {"createdAt": "created", "updatedAt": "updated", "name": "name"}


class CollectionRow(Base):
    __tablename__ = "collections"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16), index=True)
    creator_id: Mapped[str] = mapped_column(String(512), index=True)
    updater_id: Mapped[str] = mapped_column(String(512), default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CollectionItemRow(Base):
    __tablename__ = "collection_items"

    collection_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    added: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ItemUseRow(Base):
    __tablename__ = "item_uses"

    user_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    used: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    name: str
    description: str
    type: str
    creator_id: str
    updater_id: str
    created: datetime
    updated: datetime

    @classmethod
    def of(cls, row: CollectionRow) -> Collection:
        values = {f.name: getattr(row, f.name) for f in fields(cls)}
        values["created"] = _aware(row.created) or row.created
        values["updated"] = _aware(row.updated) or row.updated
        return cls(**values)

    @property
    def public(self) -> bool:
        return self.type in PUBLIC_TYPES


class NameTaken(ValueError):
    """A public collection of that name exists."""


class AlreadyIn(ValueError):
    """The item is in the collection already."""


class Collections:
    """Collections, their items, and uses of items, over the metadata database."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    # -- collections ------------------------------------------------------------------

    def create(self, name: str, type_: str, creator_id: str, description: str = "") -> Collection:
        now = datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            if type_ in PUBLIC_TYPES:
                self._check_name(s, name, "")
            row = CollectionRow(id=secrets.token_hex(12), name=name, description=description,
                                type=type_, creator_id=creator_id, updater_id=creator_id,
                                created=now, updated=now)
            s.add(row)
            return Collection.of(row)

    def get(self, collection_id: str) -> Collection | None:
        with Session(self.db) as s:
            row = s.get(CollectionRow, collection_id)
            return Collection.of(row) if row is not None else None

    def favorites(self, user_id: str) -> Collection:
        """The user's favorites collection, made on the first call."""
        with Session(self.db) as s, s.begin():
            row = s.scalar(select(CollectionRow).where(CollectionRow.type == FAVORITE,
                                                       CollectionRow.creator_id == user_id))
            if row is None:
                now = datetime.now(UTC)
                row = CollectionRow(id=secrets.token_hex(12), name=FAVORITES_NAME,
                                    description="", type=FAVORITE, creator_id=user_id,
                                    updater_id=user_id, created=now, updated=now)
                s.add(row)
            return Collection.of(row)

    def visible(self, user_id: str, sort: str = "+createdAt",
                with_favorites: bool = False) -> list[Collection]:
        """The public collections and the user's private ones (and favorites, when
        asked), in the order of ``sort`` (``±`` and a key of SORTS; the id breaks ties)."""
        column = getattr(CollectionRow, SORTS[sort[1:]])
        order = column.desc() if sort[0] == "-" else column.asc()
        own = ("private", FAVORITE) if with_favorites else ("private",)
        with Session(self.db) as s:
            rows = s.scalars(select(CollectionRow).where(
                CollectionRow.type.in_(PUBLIC_TYPES)
                | (CollectionRow.type.in_(own) & (CollectionRow.creator_id == user_id))
            ).order_by(order, CollectionRow.id))
            return [Collection.of(r) for r in rows]

    def update(self, collection_id: str, updater_id: str, **changes: Any) -> Collection | None:
        """Change name, description (and type); NameTaken for a public name in use."""
        with Session(self.db) as s, s.begin():
            row = s.get(CollectionRow, collection_id)
            if row is None:
                return None
            name = changes.get("name", row.name)
            if changes.get("type", row.type) in PUBLIC_TYPES:
                self._check_name(s, name, row.id)
            for key, value in changes.items():
                setattr(row, key, value)
            row.updater_id, row.updated = updater_id, datetime.now(UTC)
            s.flush()
            return Collection.of(row)

    def remove(self, collection_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(CollectionRow, collection_id)
            if row is None:
                return False
            s.execute(delete(CollectionItemRow)
                      .where(CollectionItemRow.collection_id == collection_id))
            s.delete(row)
            return True

    @staticmethod
    def _check_name(s: Session, name: str, own_id: str) -> None:
        taken = s.scalar(select(CollectionRow.id).where(
            CollectionRow.type.in_(PUBLIC_TYPES), CollectionRow.name == name,
            CollectionRow.id != own_id))
        if taken is not None:
            raise NameTaken(f"A public collection named {name!r} exists")

    # -- items in collections ---------------------------------------------------------

    def add_item(self, collection_id: str, item_id: str, by: str) -> None:
        """Put the item in the collection (AlreadyIn when it is there)."""
        now = datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            if s.get(CollectionItemRow, (collection_id, item_id)) is not None:
                raise AlreadyIn(f"The item {item_id} is in the collection already")
            s.add(CollectionItemRow(collection_id=collection_id, item_id=item_id, added=now))
            row = s.get(CollectionRow, collection_id)
            if row is not None:
                row.updater_id, row.updated = by, now

    def remove_item(self, collection_id: str, item_id: str, by: str) -> bool:
        with Session(self.db) as s, s.begin():
            found = s.get(CollectionItemRow, (collection_id, item_id))
            if found is None:
                return False
            s.delete(found)
            row = s.get(CollectionRow, collection_id)
            if row is not None:
                row.updater_id, row.updated = by, datetime.now(UTC)
            return True

    def item_ids(self, collection_id: str) -> list[str]:
        """The ids of the collection's items that still exist, in the order added."""
        with Session(self.db) as s:
            return list(s.scalars(
                select(CollectionItemRow.item_id)
                .join(ItemRow, ItemRow.id == CollectionItemRow.item_id)
                .where(CollectionItemRow.collection_id == collection_id)
                .order_by(CollectionItemRow.added, CollectionItemRow.item_id)))

    def memberships(self, item_ids: list[str] | None = None) -> dict[str, list[str]]:
        """item id → the ids of the collections (of any type) it is in."""
        query = select(CollectionItemRow.item_id, CollectionItemRow.collection_id).order_by(
            CollectionItemRow.added, CollectionItemRow.collection_id)
        if item_ids is not None:
            query = query.where(CollectionItemRow.item_id.in_(item_ids))
        out: dict[str, list[str]] = {}
        with Session(self.db) as s:
            for item_id, collection_id in s.execute(query):
                out.setdefault(item_id, []).append(collection_id)
        return out

    def forget_items(self, item_ids: list[str]) -> None:
        """The items are gone: out of every collection."""
        with Session(self.db) as s, s.begin():
            s.execute(delete(CollectionItemRow).where(CollectionItemRow.item_id.in_(item_ids)))

    # -- uses ----------------------------------------------------------------------------

    def note_use(self, user_id: str, resource_type: str, resource_id: str) -> None:
        """The user used the resource now."""
        now = datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            row = s.get(ItemUseRow, (user_id, resource_type, resource_id))
            if row is None:
                s.add(ItemUseRow(user_id=user_id, resource_type=resource_type,
                                 resource_id=resource_id, used=now))
            else:
                row.used = now

    def last_uses(self, user_id: str) -> dict[tuple[str, str], datetime]:
        """(resource type, resource id) → when the user last used it."""
        with Session(self.db) as s:
            return {(r.resource_type, r.resource_id): _aware(r.used) or r.used
                    for r in s.scalars(select(ItemUseRow).where(ItemUseRow.user_id == user_id))}

    def forget_resource(self, resource_type: str, resource_id: str) -> None:
        with Session(self.db) as s, s.begin():
            s.execute(delete(ItemUseRow).where(ItemUseRow.resource_type == resource_type,
                                               ItemUseRow.resource_id == resource_id))
