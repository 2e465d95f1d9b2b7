"""The engine: the registry of apps (in memory) over the store (apps on disk).

It sits below the protocols: QIX sessions (``associa.qix.sessions``) and any other front
end use it, and it imports none of them, so that a package beside ``qix/`` (a REST API,
a notebook) can open, create and reload apps without pulling in QIX.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from associa.app import access
from associa.app.access import AppAccess, Right, Rule
from associa.app.app import App
from associa.errors import (
    AppAccessDenied,
    AppAlreadyExists,
    AppInvalidName,
    AppNotFound,
    AssociaError,
    EngineBusy,
)
from associa.heap import freeze_startup, settle
from associa.identity import Identity
from associa.logs import event
from associa.settings import Settings
from associa.store import DB_NAME, AppStore
from associa.store.appstore import AppRecord
from associa.store.media import MediaStore

if TYPE_CHECKING:
    from associa.store.items import ItemStore
    from associa.store.meta import MetaStore

# what an observer of the engine's apps is told: (event, app id) with event "created",
# "saved" or "deleted" (the REST package keeps its items in step through it)
AppObserver = Callable[[str, str], None]

SESSION_APP_PREFIX = "SessionApp_"

log = logging.getLogger("associa.engine")


class Engine:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        freeze_startup()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = AppStore(self.settings.data_dir)
        self.apps: dict[str, App] = {}
        # each app file as this engine last read or wrote it (inode, mtime, size): one
        # that differs was written by another engine sharing the apps folder
        self._stamps: dict[str, tuple[int, int, int] | None] = {}
        self.lock = threading.RLock()
        self._meta: MetaStore | None = None
        # what stops the process serving this engine (the server registers it; Global
        # ShutdownProcess runs them)
        self.shutdown_hooks: list[Callable[[], None]] = []
        # work in progress, for limits, /metrics and a graceful stop
        self.activity = threading.Condition()
        self.reloads_running = 0
        self.saves_running = 0
        self.reload_seconds: list[float] = []  # finished reloads' durations (last 1000)
        self.reloads_total = 0
        # told of every app created, saved or deleted, whichever front end did it
        self.observers: list[AppObserver] = []
        # told of every successful reload and who ran it (QIX DoReload, REST /reloads)
        self.reload_listeners: list[Callable[[App, Identity], None]] = []

    # -- apps -----------------------------------------------------------------------

    def get_app(self, app_id: str) -> App:
        with self.lock:
            app = self.apps.get(app_id)
            if app is None:
                if not isinstance(app_id, str) or not app_id or not self.store.exists(app_id):
                    raise AppNotFound("Could not find app")
                stamp = self._stamp(app_id)  # before the read: a write meanwhile shows later
                app = App.from_record(self.store.load(app_id), self.settings.data_dir)
                self.apps[app_id] = app
                self._stamps[app_id] = stamp
                opened = True
            else:
                opened = False
        if opened:
            settle()
        else:
            self._catch_up(app)
        return app

    def _stamp(self, app_id: str) -> tuple[int, int, int] | None:
        try:
            st = self.store.path(app_id).stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size  # a save replaces the file: a new inode

    def _catch_up(self, app: App) -> None:
        """An app in memory whose file another engine wrote since this one read or
        wrote it (a reload that engine ran and saved: reload balancing over one apps
        folder): its reload's results become this app's, as a reload here would make
        them, and its sessions are told (``App.take_reload``). Other changes in the file
        (objects, script) are not taken: this engine's sessions own those here. The file
        is read outside the engine's lock: other apps' requests do not wait for it."""
        stamp = self._stamp(app.id)
        with self.lock:
            if stamp is None or stamp == self._stamps.get(app.id, stamp):
                return
            self._stamps[app.id] = stamp
        try:
            head = self.store.load(app.id, with_model=False)
            if head.meta.get("lastReloadTime", "") in ("", app.last_reload_time):
                return
            fresh = App.from_record(self.store.load(app.id), self.settings.data_dir)
        except AssociaError as exc:  # being written, or damaged: the next look tells
            log.warning("app %s changed on disk and could not be read: %s", app.id, exc)
            return
        app.take_reload(fresh)

    def catch_up(self) -> None:
        """Look at every app in memory for a reload another engine saved
        (``_catch_up``): the reload queue's heartbeat calls this, so that sessions with
        the app open see that reload's data without opening it again."""
        with self.lock:
            apps = list(self.apps.values())
        for app in apps:
            self._catch_up(app)

    def app_exists(self, app_id: str) -> bool:
        with self.lock:
            return app_id in self.apps or self.store.exists(app_id)

    def create_app(self, name: str, script: str | None = None,
                   owner: Identity | None = None, app_id: str | None = None) -> App:
        """A new app, saved; ``owner`` (an identified user, not development mode's
        ANONYMOUS) becomes its owner, else nobody owns it and it is open to all. Its id
        is its name (QIX CreateApp) unless ``app_id`` is given (the REST API's GUIDs)."""
        if not isinstance(name, str) or not name.strip() or len(name) > 512:
            raise AppInvalidName(str(name))
        app_id = name if app_id is None else app_id
        if app_id.startswith(SESSION_APP_PREFIX):
            raise AppInvalidName(app_id, "Names starting with SessionApp_ are reserved")
        with self.lock:
            if self.app_exists(app_id):
                raise AppAlreadyExists(app_id)
            app = App(app_id, name, script, base_dir=self.settings.data_dir)
            self.apps[app_id] = app
            self.store.save(app.to_record())
            self._stamps[app_id] = self._stamp(app_id)
            if owner is not None and not owner.anonymous:
                self.meta.set_owner(app_id, owner)
        self._tell("created", app_id)
        return app

    def add_app(self, app: App, owner: Identity | None = None) -> App:
        """Save an app made elsewhere (an imported file, a copy) under its own id."""
        if app.session_app or app.id.startswith(SESSION_APP_PREFIX):
            raise AppInvalidName(app.id, "Names starting with SessionApp_ are reserved")
        with self.lock:
            if self.app_exists(app.id):
                raise AppAlreadyExists(app.id)
            self.apps[app.id] = app
            self.store.save(app.to_record())
            self._stamps[app.id] = self._stamp(app.id)
            if owner is not None and not owner.anonymous:
                self.meta.set_owner(app.id, owner)
        self._tell("created", app.id)
        return app

    def replace_app(self, app: App) -> App:
        """Put ``app`` in place of the saved app with its id (an import with
        ``mode=AUTOREPLACE``): its script, objects and data go, its owner and rules
        stay. Sessions that had the old one open are told it is gone, as when it is
        deleted (they reopen it to see the new one)."""
        with self.lock:
            if not self.store.exists(app.id):
                raise AppNotFound("Could not find app")
            old = self.apps.pop(app.id, None)
            self.store.save(app.to_record())
            self._stamps[app.id] = self._stamp(app.id)
            self.apps[app.id] = app
        self._tell("saved", app.id)
        if old is not None:
            old.notify("deleted")
        return app

    def reloaded(self, app: App, identity: Identity) -> None:
        """Tell the reload listeners that ``identity`` reloaded ``app``; a listener's
        fault is logged, never the reload's."""
        for listener in list(self.reload_listeners):
            try:
                listener(app, identity)
            except Exception:
                logging.getLogger("associa.engine").exception("a reload listener failed")

    def _tell(self, what: str, app_id: str) -> None:
        for observer in list(self.observers):
            observer(what, app_id)

    def get_or_create_app(self, name: str, script: str | None = None) -> App:
        """The app ``name``: opened when it exists (in memory or saved in the data
        folder), else created (with ``script``, or the default script header). Running
        the same notebook cell twice gives the same app, not AppAlreadyExists."""
        with self.lock:
            if self.app_exists(name):
                return self.get_app(name)
            return self.create_app(name, script)

    def create_session_app(self, app_id: str | None = None) -> App:
        """A new, empty session app. The engine keeps no registry of session apps: the
        caller (a QIX session) owns it, nobody else can reach it, and it goes with its
        owner; it is never saved."""
        app_id = app_id or f"{SESSION_APP_PREFIX}{uuid.uuid4()}"
        return App(app_id, app_id, None, session_app=True, base_dir=self.settings.data_dir)

    def session_app_from(self, template_id: str, app_id: str | None = None) -> App:
        """A new session app made from the app ``template_id``: its script, objects,
        bookmarks, master items, variables, alternate states and connections, and no data
        until it is reloaded (the OpenRPC text of CreateSessionAppFromApp; qlik.dev
        "Session apps": after creating from an app, reload to get data)."""
        with self.lock:
            source = self.apps.get(template_id)
        if source is not None:
            meta = source.to_record().meta
        elif self.store.exists(template_id):
            meta = self.store.load(template_id, with_model=False).meta
        else:
            raise AppNotFound("Could not find app")
        app_id = app_id or f"{SESSION_APP_PREFIX}{uuid.uuid4()}"
        meta = {**meta, "title": app_id, "lastReloadTime": "", "reloadLog": "",
                "reloadMeta": {}}
        app = App.from_record(AppRecord(app_id, meta, None), self.settings.data_dir)
        app.session_app = True
        return app

    def unload(self, app_id: str) -> bool:
        """Let go of a loaded app (nobody holds it; what was not saved is lost, as when
        the Qlik engine unloads an app its last session closed). Whether it was loaded."""
        with self.lock:
            return self.apps.pop(app_id, None) is not None

    def loaded(self) -> list[str]:
        with self.lock:
            return list(self.apps)

    # -- work in progress -----------------------------------------------------------

    @contextmanager
    def reloading(self, app_id: str) -> Iterator[None]:
        """Hold a reload slot while a reload runs: EngineBusy when MaxConcurrentReloads
        reloads run already; the duration is kept for /metrics."""
        limit = self.settings.max_concurrent_reloads
        with self.activity:
            if limit and self.reloads_running >= limit:
                raise EngineBusy(app_id, f"{limit} reloads are running; try again later")
            self.reloads_running += 1
        started = time.monotonic()
        try:
            yield
        finally:
            with self.activity:
                self.reloads_running -= 1
                self.reloads_total += 1
                self.reload_seconds.append(time.monotonic() - started)
                del self.reload_seconds[:-1000]
                self.activity.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for running saves to end (a stopping server);
        whether none runs."""
        deadline = time.monotonic() + timeout
        with self.activity:
            while self.saves_running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.activity.wait(left)
        return True

    def save_app(self, app: App) -> None:
        with self.activity:
            self.saves_running += 1
        try:
            self.store.save(app.to_record())
            if not app.session_app:
                self._stamps[app.id] = self._stamp(app.id)
        finally:
            with self.activity:
                self.saves_running -= 1
                self.activity.notify_all()
        if not app.session_app:
            self._tell("saved", app.id)

    def delete_app(self, app_id: str) -> None:
        with self.lock:
            app = self.apps.pop(app_id, None)
            self._stamps.pop(app_id, None)
            if not self.store.exists(app_id):
                if app is None:
                    raise AppNotFound("Could not find app")
                return
            self.store.delete(app_id)
            MediaStore(self.settings.data_dir).remove_app(app_id)
            if self._meta is not None or self.meta_in_use():
                self.meta.forget_app(app_id)
        self._tell("deleted", app_id)
        if app is not None:
            app.notify("deleted")

    def list_apps(self) -> list[dict[str, Any]]:
        out = []
        seen = set()
        for meta in self.store.list():
            seen.add(meta.get("id"))
            out.append(meta)
        with self.lock:
            for app in self.apps.values():
                if app.id not in seen and not app.session_app:
                    out.append({"id": app.id, "title": app.title})
        return out

    def request_shutdown(self) -> bool:
        """Ask the serving process to stop (ShutdownProcess); whether one was there."""
        hooks = list(self.shutdown_hooks)
        for hook in hooks:
            hook()
        return bool(hooks)

    # -- owners and access rules (app/access.py; kept in store/meta.py) -------------

    @property
    def meta_path(self) -> Path:
        return self.settings.data_dir / DB_NAME

    def meta_in_use(self) -> bool:
        """Whether a metadata database exists (a URL is set, or the file was made)."""
        return bool(self.settings.database_url) or self.meta_path.exists()

    @property
    def meta(self) -> MetaStore:
        """The metadata database (owners, rules, API keys), opened and migrated on first
        use: development mode (every identity ANONYMOUS) never needs it."""
        with self.lock:
            if self._meta is None:
                from associa.store.meta import MetaStore

                self._meta = MetaStore.open(self.settings.data_dir,
                                            self.settings.database_url)
            return self._meta

    def close_meta(self) -> None:
        """Close the metadata database's connections, if it was opened (the next use
        opens it again)."""
        with self.lock:
            meta, self._meta = self._meta, None
        if meta is not None:
            meta.close()

    @property
    def items(self) -> ItemStore:
        """The items and script versions in the metadata database (``store/items.py``)."""
        from associa.store.items import ItemStore

        return ItemStore(self.meta.db)

    def note_use(self, identity: Identity, resource_type: str, resource_id: str,
                 view: bool = False) -> None:
        """Record that a user used a resource now (``GET /items?sort=-recentlyUsed``;
        in development mode the anonymous user's), and with ``view`` that the user viewed
        it (an app opened: its item's ``itemViews``); nothing without a database."""
        if not self.meta_in_use():
            return
        from sqlalchemy.exc import SQLAlchemyError

        from associa.store.collections import Collections
        from associa.store.views import ItemViews

        try:
            Collections(self.meta.db).note_use(identity.user_id, resource_type, resource_id)
            if view:
                ItemViews(self.meta.db).add(identity.user_id, resource_type, resource_id)
        except SQLAlchemyError as exc:  # a sort order is not worth failing the open for
            event(log, logging.WARNING, "use not recorded", resource=resource_id,
                  error=str(exc).splitlines()[0])

    def app_access(self, app_id: str) -> AppAccess:
        """The app's owner and rules (``access.OPEN`` when it has no owner)."""
        return self.meta.access(app_id)

    def rights(self, identity: Identity, app_id: str,
               need: Right | None = None) -> frozenset[Right]:
        """What ``identity`` may do with the app. An app the identity may not know about
        (it does not exist) gives an identity with restrictions no rights, so that a
        refusal does not tell whether an app exists. The app's space is looked up only
        when its own rules fall short (of ``need`` when given, else of manage)."""
        if access.unrestricted(identity):
            return access.ALL_RIGHTS
        if not self.app_exists(app_id):
            return access.NO_RIGHTS
        found = access.rights(identity, self.app_access(app_id))
        if Right.MANAGE in found or (need is not None and need in found):
            return found
        space = self.space_rules(app_id)
        if not space:
            return found
        return access.rights(identity, replace(self.app_access(app_id), space=space))

    def space_rules(self, app_id: str) -> tuple[Rule, ...]:
        """The rules the app's space gives its members (none: the app is in no space)."""
        from associa.store.directory import Directory

        item = self.items.get("app", app_id)
        if item is None or not item.space_id:
            return ()
        return Directory(self.meta.db).space_rules(item.space_id)

    def check_access(self, identity: Identity, app_id: str, right: Right) -> None:
        """Raise ``AppAccessDenied`` (QIX error 5; a socket opening the app by its URL
        closes with 4203) unless ``identity`` has ``right`` on the app."""
        if right not in self.rights(identity, app_id, need=right):
            self.audit("com.qlik.v1.access.denied", identity, "qix",
                       {"appId": app_id, "right": right.label})
            raise AppAccessDenied(app_id)

    def audit(self, event_type: str, identity: Identity, source: str,
              data: dict[str, Any]) -> None:
        """Record an audit event (``store/audits.py``) when the metadata database is in
        use (development mode keeps none)."""
        if not self.meta_in_use():
            return
        from associa.store.audits import AuditLog

        AuditLog(self.meta.db).record(event_type, identity.user_id, source, data)

    def set_owner(self, app_id: str, owner: Identity | None) -> None:
        """Give the app to ``owner`` (None: nobody owns it; open to all)."""
        if not self.app_exists(app_id):
            raise AppNotFound("Could not find app")
        self.meta.set_owner(app_id, owner)

    def set_rules(self, app_id: str,
                  rules: list[Rule] | list[tuple[str, str, str]]) -> tuple[Rule, ...]:
        """Replace the app's access rules: ``Rule`` or ``(kind, subject, right)`` with
        kind ``user``/``group`` and right ``consume``/``edit``/``manage``."""
        if not self.app_exists(app_id):
            raise AppNotFound("Could not find app")
        return self.meta.set_rules(app_id, rules)

    def grant(self, app_id: str, kind: str, subject: str, right: str | Right) -> None:
        """Give a user or group a right on the app (replacing the one it had)."""
        if not self.app_exists(app_id):
            raise AppNotFound("Could not find app")
        self.meta.grant(app_id, kind, subject, right)

    def revoke(self, app_id: str, kind: str, subject: str) -> bool:
        """Take a user's or group's rule off the app; whether it had one."""
        return self.meta.revoke_rule(app_id, kind, subject)

    def visible_apps(self, identity: Identity) -> list[dict[str, Any]]:
        """``list_apps`` less the apps ``identity`` may not consume (GetDocList)."""
        apps = self.list_apps()
        if access.unrestricted(identity):
            return apps
        recorded = self.meta.all_access()
        return [meta for meta in apps
                if access.allowed(identity, recorded.get(meta.get("id", "")), Right.CONSUME)
                or Right.CONSUME in self.rights(identity, meta.get("id", ""))]
