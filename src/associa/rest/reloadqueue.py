"""The reload queue behind ``POST /api/v1/reloads``: reloads run in the background by a
pool of worker threads (the ``ReloadConcurrency`` setting), one pending per app.

A reload is queued as a row of the ``reloads`` table (``store/reloads.py``) and its id
put on an in-memory queue; a worker takes it, marks it RELOADING and runs it the way
QIX DoReload does: ``App.reload`` inside ``Engine.reloading`` (MaxConcurrentReloads
counts it; a worker waits for a free slot rather than failing), so sessions that have
the app open are told of the new data (``change``). A reload that succeeds is saved,
as a reload in Qlik Cloud is. Cancelling a queued reload ends it at once (CANCELED);
a running one becomes CANCELING and stops at the next statement the script checks
(the same check as QIX CancelReload), then CANCELED. A reload stopped by ``ReloadTimeLimit`` ends
EXCEEDED_LIMIT.

Rows left unfinished by an engine that stopped are marked FAILED when the queue of the
next one starts: nothing will run them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from associa.app.app import App
from associa.engine import Engine
from associa.errors import Aborted, AssociaError, EngineBusy, ReloadTimeLimit, ScriptError
from associa.identity import Identity
from associa.logs import event
from associa.rest.errors import Conflict, NotFound, TooManyRequests
from associa.store.reloads import (
    CANCELED,
    CANCELING,
    EXCEEDED_LIMIT,
    FAILED,
    QUEUED,
    RELOADING,
    SUCCEEDED,
    Reload,
    ReloadStore,
)

log = logging.getLogger("associa.rest.reloads")

BUSY_WAIT = 0.2  # seconds between tries for a reload slot (MaxConcurrentReloads)


class ReloadQueue:
    """Queued reloads and the threads that run them (started on first use)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.workers = max(1, engine.settings.reload_concurrency)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._cancel: set[str] = set()
        self._stopped = False
        # told of every reload that ended: (reload id, app id, its final values)
        self.on_finished: list[Callable[[str, str, dict[str, object]], None]] = []

    @property
    def store(self) -> ReloadStore:
        return ReloadStore(self.engine.meta.db)

    def start(self) -> None:
        with self._lock:
            if self._threads or self._stopped:
                return
            gone = self.store.fail_unfinished("The engine stopped before the reload ended")
            if gone:
                event(log, logging.WARNING, "unfinished reloads marked failed", count=gone)
            for n in range(self.workers):
                thread = threading.Thread(target=self._work, name=f"reload-worker-{n}",
                                          daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the workers (the reloads they run are cancelled; queued ones stay
        QUEUED, and are marked FAILED by the next start)."""
        with self._lock:
            self._stopped = True
            threads, self._threads = self._threads, []
            if not threads:  # never started: nothing runs (and no database to open)
                return
            self._cancel.update(r.id for r in self.store.find(status=RELOADING))
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)

    def submit(self, app_id: str, user_id: str, user_directory: str, *,
               partial: bool = False, variables: dict[str, str] | None = None,
               type: str = "external", task_id: str = "") -> Reload:
        """Queue a reload of the app: 429 when one is pending for it already."""
        self.start()
        store = self.store
        with self._lock:
            if store.pending(app_id) is not None:
                raise TooManyRequests(f"A reload of app {app_id} is already pending",
                                      headers={"Retry-After": "1"})
            reload = store.add(app_id, user_id, user_directory, partial=partial,
                               variables=variables, type=type, task_id=task_id)
        self._queue.put(reload.id)
        return reload

    def cancel(self, reload_id: str) -> Reload:
        """Cancel a queued or running reload (409 once it has ended)."""
        store = self.store
        with self._lock:
            reload = store.get(reload_id)
            if reload is None:
                raise NotFound(f"No reload {reload_id}")
            if reload.status == QUEUED:
                changed = store.change(reload_id, status=CANCELED, ended=datetime.now(UTC))
            elif reload.status == RELOADING:
                self._cancel.add(reload_id)
                changed = store.change(reload_id, status=CANCELING)
            elif reload.status == CANCELING:
                changed = reload
            else:
                raise Conflict(f"The reload has ended ({reload.status})")
        assert changed is not None
        return changed

    def wait(self, reload_id: str, timeout: float = 30.0) -> Reload:
        """The reload once it has ended (or as it is after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            reload = self.store.get(reload_id)
            if reload is None or reload.status in (SUCCEEDED, FAILED, CANCELED, EXCEEDED_LIMIT):
                assert reload is not None
                return reload
            if time.monotonic() > deadline:
                return reload
            time.sleep(0.05)

    # -- the workers ------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            reload_id = self._queue.get()
            if reload_id is None:
                return
            try:
                self.run(reload_id)
            except Exception as exc:  # a worker outlives any one reload
                event(log, logging.ERROR, "reload worker failed", reload=reload_id,
                      error=repr(exc))
                self.store.change(reload_id, status=FAILED, error_code="INTERNAL",
                                  error_message="The reload could not be run",
                                  ended=datetime.now(UTC))

    def run(self, reload_id: str) -> None:
        store = self.store
        with self._lock:
            reload = store.get(reload_id)
            if reload is None or reload.status != QUEUED:
                return  # cancelled while queued
            store.change(reload_id, status=RELOADING, started=datetime.now(UTC))
        app: App | None = None
        values: dict[str, object] = {}
        try:
            app = self.engine.get_app(reload.app_id)
            self._reload(app, reload)
            self.engine.reloaded(app, Identity(reload.user_id, reload.user_directory))
            self.engine.save_app(app)
            values = {"status": SUCCEEDED}
        except Aborted:
            values = {"status": CANCELED}
        except ReloadTimeLimit as exc:  # ReloadTimeLimit: Qlik's EXCEEDED_LIMIT
            values = {"status": EXCEEDED_LIMIT, "error_code": f"ENGINE-{exc.code}",
                      "error_message": str(exc)}
        except ScriptError as exc:
            values = {"status": FAILED, "error_code": f"ENGINE-{exc.code}",
                      "error_message": str(exc)}
        except AssociaError as exc:
            values = {"status": FAILED, "error_code": f"ENGINE-{exc.code}",
                      "error_message": exc.message}
        finally:
            with self._lock:
                self._cancel.discard(reload_id)
            if app is not None:
                values["log"] = app.reload_log
            values["ended"] = datetime.now(UTC)
            store.change(reload_id, **values)
        event(log, logging.INFO, "rest reload ended", reload=reload_id,
              app=reload.app_id, status=values.get("status"))
        for finished in list(self.on_finished):
            try:
                finished(reload_id, reload.app_id, values)
            except Exception:  # a listener's fault must not stop the worker
                log.exception("a reload listener failed")

    def _reload(self, app: App, reload: Reload) -> None:
        limit = self.engine.settings.reload_time_limit or None

        def cancelled() -> bool:
            return reload.id in self._cancel

        while True:
            try:
                with self.engine.reloading(app.id):
                    app.reload(None, cancelled, time_limit=limit, partial=reload.partial,
                               variables=reload.variables)
                return
            except EngineBusy:  # MaxConcurrentReloads: wait for a slot
                if cancelled():
                    raise Aborted() from None
                time.sleep(BUSY_WAIT)
