"""The engine: the registry of apps (in memory) over the store (apps on disk).

It sits below the protocols: QIX sessions (``associa.qix.sessions``) and any other front
end use it, and it imports none of them, so that a package beside ``qix/`` (a REST API,
a notebook) can open, create and reload apps without pulling in QIX.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from associa.app.app import App
from associa.errors import AppAlreadyExists, AppInvalidName, AppNotFound
from associa.heap import freeze_startup, settle
from associa.settings import Settings
from associa.store import AppStore

SESSION_APP_PREFIX = "SessionApp_"


class Engine:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        freeze_startup()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = AppStore(self.settings.data_dir)
        self.apps: dict[str, App] = {}
        self.lock = threading.RLock()

    # -- apps -----------------------------------------------------------------------

    def get_app(self, app_id: str) -> App:
        with self.lock:
            app = self.apps.get(app_id)
            if app is not None:
                return app
            if not isinstance(app_id, str) or not app_id or not self.store.exists(app_id):
                raise AppNotFound("Could not find app")
            app = App.from_record(self.store.load(app_id), self.settings.data_dir)
            self.apps[app_id] = app
        settle()
        return app

    def app_exists(self, app_id: str) -> bool:
        with self.lock:
            return app_id in self.apps or self.store.exists(app_id)

    def create_app(self, name: str, script: str | None = None) -> App:
        if not isinstance(name, str) or not name.strip() or len(name) > 512:
            raise AppInvalidName(str(name))
        if name.startswith(SESSION_APP_PREFIX):
            raise AppInvalidName(name, "Names starting with SessionApp_ are reserved")
        with self.lock:
            if self.app_exists(name):
                raise AppAlreadyExists(name)
            app = App(name, name, script, base_dir=self.settings.data_dir)
            self.apps[name] = app
            self.store.save(app.to_record())
            return app

    def get_or_create_app(self, name: str, script: str | None = None) -> App:
        """The app ``name``: opened when it exists (in memory or saved in the data
        folder), else created (with ``script``, or the default script header). Running
        the same notebook cell twice gives the same app, not AppAlreadyExists."""
        with self.lock:
            if self.app_exists(name):
                return self.get_app(name)
            return self.create_app(name, script)

    def create_session_app(self, app_id: str | None = None) -> App:
        app_id = app_id or f"{SESSION_APP_PREFIX}{uuid.uuid4()}"
        with self.lock:
            app = self.apps.get(app_id)
            if app is None:
                app = App(app_id, app_id, None, session_app=True, base_dir=self.settings.data_dir)
                self.apps[app_id] = app
            return app

    def drop_session_app(self, app_id: str) -> None:
        """Forget a session app (its last holder let go of it; session apps are never
        saved). Other apps are kept."""
        with self.lock:
            app = self.apps.get(app_id)
            if app is not None and app.session_app:
                del self.apps[app_id]

    def save_app(self, app: App) -> None:
        self.store.save(app.to_record())

    def delete_app(self, app_id: str) -> None:
        with self.lock:
            app = self.apps.pop(app_id, None)
            if app is not None and app.session_app:
                return
            if not self.store.exists(app_id):
                if app is None:
                    raise AppNotFound("Could not find app")
                return
            self.store.delete(app_id)
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
