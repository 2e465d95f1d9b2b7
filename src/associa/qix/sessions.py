"""The table of QIX sessions: which session a connection joins, and how long a session
without sockets lives (its TTL).

The server makes one ``SessionManager`` over the engine and asks it for a session when a
socket connects; in-process users (tests, notebooks) do the same with plain strings. The
engine (apps and the store) knows nothing of sessions, so other front ends can use it
without QIX. Importing this module registers the QIX methods (``associa.qix.api``).
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING

from associa.engine import SESSION_APP_PREFIX
from associa.identity import ANONYMOUS, Identity
from associa.qix import api  # noqa: F401  (the QIX methods register themselves on import)
from associa.qix.session import Session

if TYPE_CHECKING:
    from associa.engine import Engine


class SessionManager:
    """Sessions by key, each kept for its TTL after its last socket closed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.sessions: dict[str, Session] = {}
        self.lock = threading.RLock()

    def session(
        self, key: str | None, url_app: str | None = None, ttl: int | None = None,
        identity: Identity = ANONYMOUS,
    ) -> tuple[Session, bool]:
        """The session for a connection and whether it already existed (re-attach). A
        ``/app/SessionApp_<x>`` URL opens (or shares) that session app in a new session."""
        self.expire()
        ttl = self.settings.session_ttl if ttl is None else ttl
        ttl = max(0, min(ttl, self.settings.max_session_ttl))
        with self.lock:
            if key and key in self.sessions:
                session = self.sessions[key]
                session.ttl = ttl
                return session, True
            key = key or f"anonymous-{uuid.uuid4()}"
            session = Session(self, key, url_app, ttl, identity)
            self.sessions[key] = session
            if url_app and url_app.startswith(SESSION_APP_PREFIX):
                # under the lock: a session closing meanwhile must see this one hold it
                app = self.engine.create_session_app(url_app)
                session.session_apps[app.id] = app
        if session.session_apps:
            session.open_doc(next(iter(session.session_apps.values())))
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

    def expire(self) -> None:
        """End the sessions whose TTL ran out."""
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

    def drop_session_app(self, app_id: str) -> None:
        """A session let go of a session app: the engine forgets it once no live session
        holds it (sessions that connected to the same ``/app/SessionApp_<x>`` URL share
        it)."""
        with self.lock:
            if any(app_id in s.session_apps for s in self.sessions.values()):
                return
            self.engine.drop_session_app(app_id)

    def shutdown(self) -> None:
        """End every session (the server stops)."""
        with self.lock:
            sessions = list(self.sessions.values())
            self.sessions.clear()
        for s in sessions:
            s.close()
