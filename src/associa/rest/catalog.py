"""The catalog: the items of apps kept in step with the engine's apps.

Apps are made, saved and deleted through REST and through QIX (CreateApp, DoSave,
DeleteApp) alike. The engine tells its observers of each (``Engine.observers``); the
catalog notes what it was told and brings the ``items`` rows up to date before the next
REST request reads them, so the QIX path never waits for (or opens) the metadata
database. The first use compares every stored app with the items once, which picks up
apps made before the REST API was there.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

from associa.app.app import App
from associa.engine import Engine
from associa.errors import AssociaError
from associa.identity import Identity
from associa.store.items import Item, ItemStore, new_id

APP = "app"


def parse_time(text: object) -> datetime:
    """An app's ISO time (``2026-12-02T08:00:00.000Z``) as an aware datetime."""
    if isinstance(text, str) and text:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


class Catalog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._pending: dict[str, str] = {}  # app id → its last event
        self._synced = False
        self._syncing = threading.Lock()  # one sync at a time: the first one is long
        engine.observers.append(self.observe)

    @property
    def items(self) -> ItemStore:
        return self.engine.items

    def observe(self, what: str, app_id: str) -> None:
        with self._lock:
            self._pending[app_id] = what

    def sync(self) -> None:
        """Apply what the engine reported (all apps, the first time); a request that
        comes meanwhile waits, so it never reads half a first comparison."""
        with self._syncing:
            self._sync()

    def _sync(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            first, self._synced = not self._synced, True
        store = self.items
        if first:
            known = store.resource_ids(APP)
            stored = {meta["id"] for meta in self.engine.list_apps()
                      if isinstance(meta.get("id"), str)
                      and self.engine.store.exists(meta["id"])}
            for app_id in known - stored:
                store.remove(APP, app_id)
            for app_id in stored - known:
                pending.setdefault(app_id, "created")
        for app_id, what in pending.items():
            if what == "deleted" or not self.engine.store.exists(app_id):
                store.remove(APP, app_id)
            else:
                try:
                    self.refresh(app_id)
                except AssociaError:
                    continue  # a damaged file: listed by nobody

    def refresh(self, app_id: str, updater: Identity | None = None) -> Item:
        """The app's item made or brought up to date from the app (name, size, dates,
        owner), keeping the attributes only the item holds."""
        facts = self.facts(app_id)
        title, created, modified = (str(facts[k]) for k in ("title", "created", "modified"))
        store = self.items
        item = store.get(APP, app_id)
        owner = self.engine.app_access(app_id).owner
        size = self._size(app_id)
        if item is None:
            item = Item(id=new_id(), resource_type=APP, resource_id=app_id, name=title,
                        owner_id=owner.user_id if owner else "",
                        creator_id=owner.user_id if owner else "",
                        created_at=parse_time(created))
        changes: dict[str, object] = dict(name=title, size=size, updated_at=parse_time(modified),
                       owner_id=owner.user_id if owner else "")
        if updater is not None and not updater.anonymous:
            changes["updater_id"] = updater.user_id
        return store.put(replace(item, **changes))  # type: ignore[arg-type]

    def app_item(self, app_id: str) -> Item:
        """The item of an existing app (made now when it has none yet)."""
        self.sync()
        item = self.items.get(APP, app_id)
        return item if item is not None else self.refresh(app_id)

    def record(self, app: App, creator: Identity, **attributes: object) -> Item:
        """A new app's item, with the attributes the request gave."""
        self.sync()
        item = self.refresh(app.id)
        if not creator.anonymous:
            attributes.setdefault("creator_id", creator.user_id)
            attributes.setdefault("updater_id", creator.user_id)
        return self.items.put(replace(item, **attributes))  # type: ignore[arg-type]

    def facts(self, app_id: str) -> dict[str, str | bool]:
        """What the app itself says about it (title, created, modified, lastReloadTime,
        hasSectionAccess): from memory when it is open, else from its file's
        ``app.json`` (never loading its data)."""
        with self.engine.lock:
            app = self.engine.apps.get(app_id)
        if app is not None:
            return {"title": app.title, "created": app.created, "modified": app.modified,
                    "lastReloadTime": app.last_reload_time,
                    "hasSectionAccess": bool(app.section_access)}
        meta = self.engine.store.read_meta(app_id)
        return {"title": str(meta.get("title") or app_id),
                "created": str(meta.get("created", "")),
                "modified": str(meta.get("modified", "")),
                "lastReloadTime": str(meta.get("lastReloadTime", "")),
                "hasSectionAccess": bool(meta.get("sectionAccess"))}

    def _size(self, app_id: str) -> int:
        try:
            return self.engine.store.path(app_id).stat().st_size
        except OSError:
            return 0
