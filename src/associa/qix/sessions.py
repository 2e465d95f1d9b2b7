"""The table of QIX sessions: which session a connection joins, how long a session
without sockets lives (its TTL), the limits on sessions, and the session apps a
``/app/SessionApp_<id>`` URL makes.

The rules are those of the Qlik Associative Engine's documentation (core-website
``docs/services/qix-engine/apis/qix/introduction.md``, published at
https://core.qlik.com/services/qix-engine/apis/qix/introduction/, "Session Sharing" and
"Session Time-to-Live"):

* with authentication on, a second connection shares a session only when it is the same
  user sending the same ``X-Qlik-Session`` header;
* with authentication off, it shares when it opens the same document omitting the header,
  or sends the same header value; a new header value forces a new session;
* ``SessionTTL`` (default 0) keeps a session that many seconds after its last socket,
  capped by ``MaxSessionTTL`` (default 1800); -1 is infinite when both allow it; a URL's
  ``/ttl/<n>`` overrides the global TTL and the latest TTL given is the effective one.

``session_key`` is that sharing rule as one pure function. The server makes one
``SessionManager`` over the engine and asks it for a session when a socket connects;
in-process users (tests, notebooks) pass keys of their own. Importing this module
registers the QIX methods (``associa.qix.api``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from associa.app.app import App
from associa.engine import SESSION_APP_PREFIX
from associa.errors import AppGone, EngineBusy, MemoryLimitReached
from associa.identity import ANONYMOUS, Identity
from associa.qix import api  # noqa: F401  (the QIX methods register themselves on import)
from associa.qix.session import Session
from associa.qix.stats import RequestStats
from associa.settings import INFINITE, effective_ttl

if TYPE_CHECKING:
    from associa.engine import Engine


def session_key(header: str | None, url_app: str | None, url_identity: str | None,
                identity: Identity = ANONYMOUS) -> str | None:
    """The key of the session a new socket joins; None: a session of its own.

    Authentication on (``identity`` not anonymous): the same user with the same
    ``X-Qlik-Session`` shares; without the header, no sharing. Authentication off: the
    same header shares, whatever the URL; without it, the same document (the URL's app
    id, with its ``/identity/<x>``, which Qlik's clients use to ask for a separate
    session of the same app) shares. A URL that names no document (``/``, ``/app/``,
    ``/app/engineData``) and has no identity gets a session of its own: there is no
    document to share, and Global-only clients (nebula's hub, tests) expect to be
    alone unless they send the header.
    """
    if not identity.anonymous:
        return f"user:{_part(identity.qualified)}:{_part(header)}" if header else None
    if header:
        return f"header:{_part(header)}"
    if url_app or url_identity:
        return f"doc:{_part(url_app or '')}/{_part(url_identity or '')}"
    return None


def _part(text: str) -> str:
    """A key's part, percent-encoded so that no part can pass for another's."""
    return quote(text, safe="")


class SessionManager:
    """Sessions by key, each kept for its TTL after its last socket closed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.sessions: dict[str, Session] = {}
        self.lock = threading.RLock()
        self.stats = RequestStats()  # requests per method, for /metrics
        self.created_total = 0
        self.expired_total = 0

    def ttl_for(self, requested: int | None) -> int:
        """The effective TTL of a connection asking for ``requested`` (None: SessionTTL)."""
        ttl = self.settings.session_ttl if requested is None else requested
        return effective_ttl(ttl, self.settings.max_session_ttl)

    def session(
        self, key: str | None, url_app: str | None = None, ttl: int | None = None,
        identity: Identity = ANONYMOUS, template: str | None = None,
    ) -> tuple[Session, bool]:
        """The session for a connection and whether it already existed (re-attach).

        A ``/app/SessionApp_<x>`` URL (``url_app``) makes that session app in a new
        session, owned by it alone (another session naming the same id gets its own);
        ``template`` (the URL's ``?from=``) makes it a copy of that app: script, objects,
        no data (AppGone, close 4204, when it does not exist). A re-attach keeps the
        session's app and ignores ``template``. Raises EngineBusy (4205) when MaxSessions
        sessions exist already.
        """
        self.expire()
        with self.lock:
            if key is not None and key in self.sessions:
                session = self.sessions[key]
                if ttl is not None:  # the latest TTL given is the effective one
                    session.ttl = self.ttl_for(ttl)
                session.expires_at = None
                return session, True
            limit = self.settings.max_sessions
            if limit and len(self.sessions) >= limit:
                raise EngineBusy("MaxSessions", f"The engine has its limit of {limit} sessions")
        app: App | None = None
        if url_app and url_app.startswith(SESSION_APP_PREFIX):
            app = self.make_session_app(url_app, template)
        with self.lock:
            if key is not None and key in self.sessions:  # made meanwhile by another socket
                return self.session(key, url_app, ttl, identity)
            key = key or f"own:{uuid.uuid4()}"
            session = Session(self, key, url_app, self.ttl_for(ttl), identity)
            self.sessions[key] = session
            self.created_total += 1
        if app is not None:
            session.session_apps[app.id] = app
            session.open_doc(app)
        return session, False

    def make_session_app(self, app_id: str, template: str | None) -> App:
        """A new session app ``app_id``: empty, or a copy of ``template`` without data."""
        if template is None:
            return self.engine.create_session_app(app_id)
        if template.startswith(SESSION_APP_PREFIX) or not self.engine.app_exists(template):
            raise AppGone(template, "Could not find app")
        return self.engine.session_app_from(template, app_id)

    def open_app(self, app_id: str) -> App:
        """The engine's app ``app_id``, loaded if need be within MaxAppsInMemory: when
        that many apps are loaded, one that no session has open is let go first;
        MemoryLimitReached (the socket closes with 4230) when every one is in use."""
        engine = self.engine
        limit = self.settings.max_apps_in_memory
        if limit and app_id not in engine.apps and engine.app_exists(app_id):
            with self.lock:
                loaded = engine.loaded()
                if len(loaded) >= limit:
                    held = {s.doc.app.id for s in self.sessions.values() if s.doc is not None}
                    idle = [a for a in loaded if a not in held]
                    if len(loaded) - len(idle) >= limit:
                        raise MemoryLimitReached(
                            app_id, f"{limit} apps are open, the most MaxAppsInMemory allows")
                    for other in idle[: len(loaded) - limit + 1]:
                        engine.unload(other)
        return engine.get_app(app_id)

    def release(self, session: Session, close: bool = True) -> bool:
        """A socket closed; end the session unless others remain or a TTL keeps it.
        Whether it ended (``close=False``: taken out of the table, left for the caller
        to ``close``)."""
        with self.lock:
            if session.sinks or self.sessions.get(session.key) is not session:
                return False
            if session.ttl == INFINITE:
                session.expires_at = None
                return False
            if session.ttl > 0:
                session.expires_at = time.monotonic() + session.ttl
                return False
            self.sessions.pop(session.key, None)
        if close:
            session.close()
        return True

    def expire(self) -> int:
        """End the sessions whose TTL ran out; returns how many."""
        now = time.monotonic()
        with self.lock:
            dead = [
                s for s in self.sessions.values()
                if not s.sinks and s.expires_at is not None and s.expires_at <= now
            ]
            for s in dead:
                self.sessions.pop(s.key, None)
            self.expired_total += len(dead)
        for s in dead:
            s.close()
        return len(dead)

    def each(self, visit: Callable[[Session], None]) -> None:
        """Call ``visit`` on every live session (outside the lock)."""
        with self.lock:
            sessions = list(self.sessions.values())
        for s in sessions:
            visit(s)

    def counts(self) -> dict[str, int]:
        """Sessions, those with sockets, sockets, and session apps: for /metrics."""
        with self.lock:
            sessions = list(self.sessions.values())
        return {
            "sessions": len(sessions),
            "attached": sum(1 for s in sessions if s.sinks),
            "sockets": sum(len(s.sinks) for s in sessions),
            "session_apps": sum(len(s.session_apps) for s in sessions),
        }

    def shutdown(self) -> None:
        """End every session (the server stops)."""
        with self.lock:
            sessions = list(self.sessions.values())
            self.sessions.clear()
        for s in sessions:
            s.close()
