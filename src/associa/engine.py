"""The engine: apps (on disk and in memory) and sessions, without any I/O of its own.

The server asks the engine for a session when a socket connects and hands it every
message; in-process users (tests, notebooks) do the same with plain strings.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from associa.app.app import App
from associa.errors import AppAlreadyExists, AppInvalidName, AppNotFound
from associa.qix.session import Session
from associa.settings import Settings
from associa.store import AppStore

SESSION_APP_PREFIX = "SessionApp_"


class Engine:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = AppStore(self.settings.data_dir)
        self.apps: dict[str, App] = {}
        self.sessions: dict[str, Session] = {}
        self.lock = threading.RLock()
        # the QIX methods register themselves on import
        from associa.qix import api  # noqa: F401

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
        """Forget a session app once no live session holds it (sessions that connected
        to the same ``/app/SessionApp_<x>`` URL share it)."""
        with self.lock:
            app = self.apps.get(app_id)
            if app is None or not app.session_app:
                return
            if any(app_id in s.session_apps for s in self.sessions.values()):
                return
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

    # -- sessions -------------------------------------------------------------------

    def session(
        self, key: str | None, url_app: str | None = None, ttl: int | None = None
    ) -> tuple[Session, bool]:
        """The session for a connection and whether it already existed (re-attach)."""
        self.expire_sessions()
        ttl = self.settings.session_ttl if ttl is None else ttl
        ttl = max(0, min(ttl, self.settings.max_session_ttl))
        with self.lock:
            if key and key in self.sessions:
                session = self.sessions[key]
                session.ttl = ttl
                return session, True
            key = key or f"anonymous-{uuid.uuid4()}"
            session = Session(self, key, url_app, ttl)
            self.sessions[key] = session
        if url_app and url_app.startswith(SESSION_APP_PREFIX):
            app = self.create_session_app(url_app)
            session.session_apps[app.id] = app
            session.open_doc(app)
        return session, False

    def release(self, session: Session) -> None:
        """A socket closed; end the session unless others remain or a TTL keeps it."""
        with self.lock:
            if session.sinks:
                return
            if session.ttl > 0:
                session.expires_at = time.monotonic() + session.ttl
                return
            self.sessions.pop(session.key, None)
        session.close()

    def expire_sessions(self) -> None:
        now = time.monotonic()
        with self.lock:
            dead = [
                s for s in self.sessions.values()
                if not s.sinks and s.expires_at is not None and s.expires_at <= now
            ]
            for s in dead:
                self.sessions.pop(s.key, None)
        for s in dead:
            s.close()

    def shutdown(self) -> None:
        with self.lock:
            sessions = list(self.sessions.values())
            self.sessions.clear()
        for s in sessions:
            s.close()
