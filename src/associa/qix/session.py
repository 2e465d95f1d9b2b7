"""A QIX session, sans I/O: texts in, texts out.

A session is what one or more sockets share (same ``X-Qlik-Session``): handles, the
open doc and its selection state, session objects. ``handle(text, sink)`` answers one
request and may be called from several threads at once (requests on a socket run
concurrently). Each attached socket is a *sink*: a callable that sends a text. When a
request changes layouts, its response lists the changed handles in ``change`` and the
session's other sockets get a pushed ``{"change": [...]}``; changes caused elsewhere
(another session reloading the app) are pushed to every socket of the session.

A socket may also come with a *closer* (``attach``): how the session ends that socket
with a close code. A request that meets a ``Refusal`` (too many apps, engine busy, no
permission) is answered, then its socket is closed with the refusal's code; when the open
app is deleted, every socket of the session closes with 4204.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from associa.app import library
from associa.app.doc import DocState
from associa.app.layout import Signature, layout_signature, object_layout, same_signature
from associa.app.section_access import open_view
from associa.errors import (
    AppGone,
    AppInvalid,
    AssociaError,
    InternalError,
    InvalidHandle,
    MethodNotFound,
    ProtocolError,
    Refusal,
)
from associa.identity import ANONYMOUS, Identity
from associa.logs import event, request_scope
from associa.qix import messages, rights
from associa.qix.dispatch import METHODS, bind
from associa.qix.handles import GLOBAL, Entry, HandleTable

if TYPE_CHECKING:
    from associa.app.app import App
    from associa.qix.sessions import SessionManager

log = logging.getLogger("associa.qix")
LIBRARY_CLASSES = ("GenericDimension", "GenericMeasure", "GenericVariable")
Sink = Callable[[str], None]
Closer = Callable[[int, str], None]  # ends a socket with a close code and reason


@dataclass(slots=True)
class Progress:
    """What GetProgress reports for one request (a reload): ``lines`` are the finished
    statements' lines (each sent once), ``transient`` the running LOAD's table and rows
    so far (``Sales << 65536 Lines fetched``); both are written by the reloading thread
    while other threads read them."""

    started: float = field(default_factory=time.monotonic)
    finished: bool = False
    lines: list[str] = field(default_factory=list)
    sent: int = 0
    transient: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    elapsed: float = 0.0


@dataclass(slots=True)
class Call:
    """What a handler gets besides its parameters."""

    session: Session
    entry: Entry
    request: messages.Request

    @property
    def target(self) -> Any:
        return self.entry.target


CHECK_THREADS = 4  # layouts made at once to tell which a selection changed
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _check_pool() -> ThreadPoolExecutor:
    """The threads that lay objects out after a selection (made on first use, shared by
    every session: the work is numpy's, which releases the GIL)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(CHECK_THREADS, thread_name_prefix="qix-change")
        return _pool


class Session:
    def __init__(
        self, manager: SessionManager, key: str, url_app: str | None = None, ttl: int = 0,
        identity: Identity = ANONYMOUS,
    ) -> None:
        self.manager = manager
        self.identity = identity  # who the session acts as (``associa.identity``)
        self.engine = manager.engine  # apps and the store, for the Global methods
        self.key = key
        self.url_app = url_app
        self.ttl = ttl
        self.handles = HandleTable()
        self.global_entry = Entry(GLOBAL, "Global", ("global",), self)
        self.doc: DocState | None = None
        # keyed by the sink itself: a bound method made anew at each access
        # (``lst.append``) is equal to, but not identical with, the one attached
        self.sinks: dict[Sink, Sink] = {}
        self.closers: dict[Sink, Closer] = {}  # how to end each socket (close codes)
        self.lock = threading.RLock()
        self._local = threading.local()
        self.cancelled: set[Any] = set()
        self.progress: dict[Any, Progress] = {}
        self.last_progress: Progress | None = None
        self.session_apps: dict[str, App] = {}
        self.expires_at: float | None = None
        # what tells which layouts a selection really changed: per object handle, the
        # signature of the layout its client last got (``app.layout.layout_signature``), and
        # the layouts computed to compare, good until the doc changes again
        self.generation = 0
        self.seen_layouts: dict[int, Signature] = {}
        self.checked_layouts: dict[int, tuple[int, dict[str, Any], Signature]] = {}
        # run once when the session ends (ExportData's files are deleted: qix/api/export.py)
        self.on_close: list[Callable[[], None]] = []

    # -- sockets --------------------------------------------------------------------

    def attach(self, sink: Sink, attached: bool, closer: Closer | None = None) -> str:
        """Register a socket (``closer`` ends it with a close code); returns the
        OnConnected notification to send first."""
        with self.lock:
            self.sinks[sink] = sink
            if closer is not None:
                self.closers[sink] = closer
            self.expires_at = None
        state = "SESSION_ATTACHED" if attached else "SESSION_CREATED"
        return messages.notification("OnConnected", {"qSessionState": state})

    def detach(self, sink: Sink) -> int:
        """Unregister a socket; returns how many are left."""
        with self.lock:
            self.sinks.pop(sink, None)
            self.closers.pop(sink, None)
            return len(self.sinks)

    def close_sockets(self, code: int, reason: str, only: Sink | None = None) -> None:
        """End the session's sockets (or the one of ``only``) with a close code."""
        with self.lock:
            closers = [c for k, c in self.closers.items() if only is None or k == only]
        for closer in closers:
            try:
                closer(code, reason)
            except Exception:  # a dead socket must not disturb the others
                log.debug("closing a socket failed", exc_info=True)

    def push(self, text: str, exclude: Sink | None = None) -> None:
        for key, sink in list(self.sinks.items()):
            if exclude is not None and key == exclude:
                continue
            try:
                sink(text)
            except Exception:  # a dead socket must not disturb the others
                log.debug("push to a closed socket failed", exc_info=True)

    def close(self) -> None:
        """End the session: release the doc and session apps."""
        with self.lock:
            if self.doc is not None:
                self.doc.close()
                self.doc = None
            self.handles.clear()
            self.session_apps.clear()  # owned by this session alone: gone with it
            hooks, self.on_close = self.on_close, []
        for hook in hooks:
            hook()

    # -- requests -------------------------------------------------------------------

    def handle(self, text: str | bytes, sink: Sink | None = None) -> str | None:
        """Answer one request text. Never raises. An error that ends the socket (a
        ``Refusal``: too many apps, engine busy) is answered, then the socket of
        ``sink`` is closed with its code; when that socket has a closer, the answer goes
        through ``sink`` before the close and None is returned."""
        stats = self.manager.stats
        stats.started()
        started = time.monotonic()
        rid: Any = None
        method = ""
        known = False
        failed: AssociaError | None = None
        changes: set[int] = set()
        closes: set[int] = set()
        self._local.changes, self._local.closes = changes, closes
        self._local.sink, self._local.close_after = sink, None
        with request_scope() as request_id:
            try:
                request = messages.decode(text)
                rid, method = request.id, request.method
                entry = self._entry(request.handle)
                spec = METHODS.get((entry.qtype, request.method))
                if spec is None:
                    raise MethodNotFound(request.method, "Method not found")
                known = True
                kwargs = bind(spec, request.params)
                call = Call(self, entry, request)
                rights.enforce(call, spec, kwargs)  # the right the method needs on the app
                value = spec.handler(call, **kwargs)
                body = spec.wrap(value)
                change, close = sorted(changes - closes), sorted(closes)
                reply = messages.result(rid, body, change, close)
            except AssociaError as err:
                failed = err
                if isinstance(err, ProtocolError) and err.request_id is not None:
                    rid = err.request_id
                change, close = sorted(changes - closes), sorted(closes)
                reply = messages.error(rid, err, change)
                event(log, logging.WARNING, "request failed", method=method or None,
                      code=err.code, message=err.message, parameter=err.parameter or None,
                      session=self.key)
            except Exception as exc:  # a bug must not take the session down
                log.exception("internal error in request method=%s session=%s request_id=%s",
                              method, self.key, request_id)
                failed = InternalError("Internal error", f"Internal error: {type(exc).__name__}")
                change, close = sorted(changes - closes), sorted(closes)
                reply = messages.error(rid, failed)
            finally:
                self._local.changes = None
                self._local.closes = None
                close_after: tuple[int, str] | None = self._local.close_after
                self._local.sink = self._local.close_after = None
            seconds = time.monotonic() - started
            event(log, logging.DEBUG, "request", method=method or None, id=rid,
                  session=self.key, seconds=seconds, error=failed.code if failed else None)
        stats.finished(method if known else "unknown", seconds, failed is not None)
        if change or close:
            self.push(messages.push(change, close), exclude=sink)
        if isinstance(failed, Refusal):
            close_after = (failed.close_code, failed.close_reason)
        if close_after is not None and sink is not None and sink in self.closers:
            sink(reply)  # answered first, then the socket ends
            self.close_sockets(*close_after, only=sink)
            return None
        return reply

    def _entry(self, handle: int) -> Entry:
        if handle == GLOBAL:
            return self.global_entry
        entry = self.handles.get(handle)
        if entry is None:
            raise InvalidHandle("Invalid handle", "Invalid Params")
        return entry

    # -- changes --------------------------------------------------------------------

    def mark_changed(self, handles: Iterable[int]) -> None:
        handles = set(handles)
        if not handles:
            return
        current = getattr(self._local, "changes", None)
        if current is not None:
            current.update(handles)
        else:
            self.push(messages.push(sorted(handles)))

    def mark_closed(self, handles: Iterable[int]) -> None:
        handles = set(handles)
        current = getattr(self._local, "closes", None)
        if current is not None:
            current.update(handles)
        elif handles:
            self.push(messages.push(close=sorted(handles)))

    def doc_changed(self, what: str, object_id: str | None) -> None:
        """DocState callback: work out which handles changed. A selection in one state
        (``object_id`` names it) changes the objects that depend on that state only
        (``DocState.states_of``): a chart in another alternate state keeps its layout."""
        if what == "deleted":
            self.app_deleted()
            return
        affected: set[int] = set()
        doc = self.doc
        # an object changed or destroyed: the objects linked to it (qExtendsId) with it
        linked = (doc.linking(object_id) if doc is not None and object_id is not None
                  and what in ("object", "destroy", "create") else set())
        if what != "selection":
            with self.lock:
                self.generation += 1
                self.checked_layouts.clear()
        for entry in self.handles.entries():
            if entry.qtype == "Doc":
                if what in ("selection", "reload", "properties"):
                    affected.add(entry.handle)
            elif entry.qtype == "GenericObject":
                if what == "selection" and object_id is not None and doc is not None:
                    obj = entry.key[1] if entry.key[0] == "obj" else None
                    if obj is None or object_id in doc.states_of(obj):
                        affected.add(entry.handle)
                elif what in ("selection", "reload") or entry.key == ("obj", object_id) or (
                        entry.key[0] == "obj" and entry.key[1] in linked):
                    affected.add(entry.handle)
            elif entry.qtype == "Field" and what == "reload":
                affected.add(entry.handle)
            elif entry.qtype in LIBRARY_CLASSES and doc is not None:
                # a master item or variable: changed itself, by a reload, or (a
                # variable computed from its definition) by a selection
                if what == "reload" or entry.key == ("library", object_id) or (
                        what == "selection" and library.reads_selections(doc, entry.key[1])):
                    affected.add(entry.handle)
        if what == "library" and object_id is not None and doc is not None:
            handle = self.handles.find(("library", object_id))
            if handle is not None and not library.exists(doc, object_id):
                self.handles.release(handle)  # destroyed: its handle closes
                affected.discard(handle)
                self.mark_closed([handle])
        if what == "bookmark" and object_id is not None and doc is not None:
            # a bookmark changed (its handle: change) or was destroyed (its handle closes)
            handle = self.handles.find(("bookmark", object_id))
            if handle is not None:
                if doc.app.get_bookmark(object_id) is None:
                    self.handles.release(handle)
                    self.mark_closed([handle])
                else:
                    affected.add(handle)
        if what == "destroy" and object_id is not None:
            handle = self.handles.find(("obj", object_id))
            if handle is not None:
                self.handles.release(handle)
                affected.discard(handle)
                self.mark_closed([handle])
        if what == "selection" and doc is not None:
            affected -= self._unchanged_layouts(affected, doc)
        self.mark_changed(affected)

    def _unchanged_layouts(self, handles: set[int], doc: DocState) -> set[int]:
        """The object handles among ``handles`` whose layout (and pages) the client last
        got is still what they show: a selection does not put them in ``change``. The
        layouts computed to tell are kept for the GetLayout calls that follow."""
        with self.lock:
            self.generation += 1
            generation = self.generation
            self.checked_layouts.clear()
        checks: list[tuple[int, Signature, str]] = []
        for handle in handles:
            seen = self.seen_layouts.get(handle)
            entry = self.handles.get(handle)
            if seen is not None and entry is not None and entry.qtype == "GenericObject":
                checks.append((handle, seen, entry.target.obj_id))

        def check(item: tuple[int, Signature, str]
                  ) -> tuple[int, Signature, dict[str, Any] | None, Signature | None]:
            handle, seen, obj_id = item
            try:
                found = doc.properties(obj_id)
                if found is None:
                    return handle, seen, None, None
                layout = object_layout(doc, obj_id, found[0])
                return handle, seen, layout, layout_signature(doc, obj_id, layout)
            except AssociaError:
                return handle, seen, None, None  # it cannot tell: changed

        # the layouts are made at once, as a client asks for them after a change; not
        # when this thread holds the doc's lock (a change made under it: a bookmark
        # applied), which the other threads would wait for
        owned = getattr(doc.lock, "_is_owned", lambda: True)()
        results = (map(check, checks) if len(checks) < 2 or owned
                   else _check_pool().map(check, checks))
        same: set[int] = set()
        for handle, seen, layout, signature in results:
            if layout is None or signature is None:
                continue
            if same_signature(signature, seen):
                same.add(handle)
            with self.lock:
                if self.generation == generation:
                    self.checked_layouts[handle] = (generation, layout, signature)
        return same

    def layout_for(self, handle: int) -> tuple[dict[str, Any], Signature] | None:
        """The layout the change check computed for a handle, and its signature, while
        still current."""
        with self.lock:
            hit = self.checked_layouts.get(handle)
            return (hit[1], hit[2]) if hit is not None and hit[0] == self.generation else None

    def layout_seen(self, handle: int, signature: Signature) -> None:
        with self.lock:
            self.seen_layouts[handle] = signature

    # -- docs -----------------------------------------------------------------------

    def app_deleted(self) -> None:
        """The open app was deleted (DeleteApp, here or in another session): the doc and
        its handles go, and every socket of the session closes with 4204."""
        with self.lock:
            if self.doc is not None:
                self.doc.close()
                self.doc = None
            self.handles.clear()
        current = getattr(self._local, "sink", None)
        with self.lock:
            others = [k for k in self.closers if k != current]
        for sink in others:
            self.close_sockets(AppGone.close_code, AppGone.close_reason, only=sink)
        if current is not None:  # the socket that asked: after its answer
            self._local.close_after = (AppGone.close_code, AppGone.close_reason)

    def find_app(self, app_id: str) -> App:
        """The app ``app_id`` as this session sees it: one of its own session apps, else
        the engine's (loaded within MaxAppsInMemory; another session's session app is
        as unknown as an app that does not exist)."""
        app = self.session_apps.get(app_id)
        if app is not None:
            return app
        return self.manager.open_app(app_id)

    def open_doc(self, app: App) -> Entry:
        # Section Access: SectionAccessDenied (4000) for a user the app does not let in,
        # else the model the user sees (app/section_access.py)
        view = open_view(app, self.identity)
        with self.lock:
            if self.doc is None or self.doc.app is not app:
                if self.doc is not None:
                    self.doc.close()
                self.doc = DocState(app, self.doc_changed, view)
                self.doc.identity = self.identity  # OSUser(), QVUser()
            entry = self.handles.acquire("Doc", ("doc", app.id), self.doc)
        if not app.session_app:
            # sort=recentlyUsed, and a view (itemViews)
            self.engine.note_use(self.identity, "app", app.id, view=True)
        return entry

    def active_doc(self) -> Entry:
        with self.lock:
            if self.doc is None:
                raise AppInvalid("No active document")
            return self.handles.acquire("Doc", ("doc", self.doc.app.id), self.doc)
