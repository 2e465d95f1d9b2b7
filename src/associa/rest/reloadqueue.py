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

Engines may share the database (``database_url``). The queue holds a lease for its
engine (``store/leases.py``), taken when it starts and renewed by a heartbeat thread
every ``HEARTBEAT`` seconds; each reload row names the engine that queued or runs it.
Every step is a conditional UPDATE (``ReloadStore.transition``): a worker runs a
reload only when its claim (QUEUED → RELOADING) is the one that succeeds, and at most
one reload per app is unfinished across engines. At start and on every heartbeat, the
unfinished reloads of engines whose lease has expired (stopped or died) are marked
FAILED: nothing will run them; a live engine's reloads are left alone. A cancel made
through another engine reaches the one running the reload through its row (CANCELING),
read at most every ``CANCEL_POLL`` seconds while it runs.

A run's end is written only while its row is still this engine's and unfinished
(``ReloadStore.finish``): an engine that stalled past its lease, whose reload a live
engine failed meanwhile, leaves that FAILED as it is (nor saves the app, nor tells the
listeners). Reloads are balanced across engines: a worker with nothing queued on its
own engine for ``IDLE_POLL`` seconds claims the oldest reload still QUEUED by another
live engine (``ReloadStore.queued_elsewhere``; the same conditional claim, so each runs
once), when the app is one it has (engines that balance share the apps' folder, or hold
copies of the apps). Each engine runs at most ``ReloadConcurrency`` reloads at once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from associa.app.app import App
from associa.app.connections import Actor
from associa.engine import Engine
from associa.errors import Aborted, AssociaError, EngineBusy, ReloadTimeLimit, ScriptError
from associa.identity import ANONYMOUS, Identity
from associa.logs import event
from associa.rest.errors import Conflict, NotFound, TooManyRequests
from associa.rest.identity import ADMIN, with_roles
from associa.store.directory import Directory
from associa.store.leases import Leases, new_engine_id
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
HEARTBEAT = 5.0  # seconds between renewals of the engine's lease
LEASE = timedelta(seconds=30)  # a lease not renewed for this long has expired
CANCEL_POLL = 0.5  # seconds between looks at a running reload's row for a cancel
IDLE_POLL = 1.0  # seconds an idle worker waits before looking for others' queued reloads
ORPHANED = "The engine running the reload stopped before the reload ended"


class _Lost(Exception):
    """The reload is no longer this engine's (another one ended it)."""


def reloader(engine: Engine, reload: Reload) -> Identity:
    """Whom a queued reload runs as, for the space data its script may use: the user
    who queued it (a scheduled one: the task's owner, ``rest/scheduler.py``), with the
    groups and administrator flag the directory gives that user when the reload runs
    (``/users``' ``assignedGroups`` and TenantAdmin role: a membership or role changed
    since it was queued counts as it is now) and the groups the credential that queued
    it carried (a JWT's or API key's, which the directory may not know: kept with the
    record). Development mode's user stays unrestricted."""
    if (reload.user_id, reload.user_directory) == (ANONYMOUS.user_id,
                                                   ANONYMOUS.user_directory):
        return ANONYMOUS
    who = Identity(reload.user_id, reload.user_directory, groups=reload.groups,
                   method="local")
    if reload.user_id == ADMIN.user_id and reload.user_directory == ADMIN.user_directory:
        return ADMIN  # the administrator key's reloads
    if not engine.meta_in_use():
        return who
    directory = Directory(engine.meta.db)
    me = directory.user_by_subject(reload.user_id) or directory.user_by_subject(
        who.qualified)
    if me is not None and me.status == "active":
        names = {g.id: g.name for g in directory.groups()}
        assigned = tuple(names[g] for g in me.groups if g in names)
        who = replace(who, groups=tuple(dict.fromkeys(assigned + reload.groups)))
    return with_roles(engine, who)


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
        self.engine_id = new_engine_id()  # this engine's lease (store/leases.py)
        self._beat = threading.Event()
        # told of every reload that ended: (reload id, app id, its final values)
        self.on_finished: list[Callable[[str, str, dict[str, object]], None]] = []

    @property
    def store(self) -> ReloadStore:
        return ReloadStore(self.engine.meta.db)

    @property
    def leases(self) -> Leases:
        return Leases(self.engine.meta.db)

    def start(self) -> None:
        with self._lock:
            if self._threads or self._stopped:
                return
            self.leases.take(self.engine_id, LEASE)
            self._fail_orphaned()
            for n in range(self.workers):
                thread = threading.Thread(target=self._work, name=f"reload-worker-{n}",
                                          daemon=True)
                thread.start()
                self._threads.append(thread)
            beat = threading.Thread(target=self._heartbeat, name="reload-heartbeat",
                                    daemon=True)
            beat.start()
            self._threads.append(beat)

    def _fail_orphaned(self) -> None:
        gone = self.store.fail_orphaned(ORPHANED)
        if gone:
            event(log, logging.WARNING, "reloads of stopped engines marked failed",
                  count=gone)
        self.leases.prune()

    def _heartbeat(self) -> None:
        """Renew the lease, fail the reloads of engines whose lease expired, and take
        into the apps in memory the reloads other engines saved (``Engine.catch_up``)."""
        while not self._beat.wait(HEARTBEAT):
            try:
                if not self.leases.renew(self.engine_id, LEASE):
                    # pruned as expired (this process stalled): take it again, then
                    # the reloads failed meanwhile stay failed
                    self.leases.take(self.engine_id, LEASE)
                self._fail_orphaned()
                self.engine.catch_up()
            except Exception as exc:  # the database may be back at the next beat
                event(log, logging.ERROR, "reload heartbeat failed", error=repr(exc))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the workers (the reloads they run are cancelled; queued ones stay
        QUEUED) and end the lease: the next engine to start or beat marks them FAILED."""
        with self._lock:
            self._stopped = True
            threads, self._threads = self._threads, []
            if not threads:  # never started: nothing runs (and no database to open)
                return
            self._cancel.update(r.id for r in self.store.find(status=RELOADING,
                                                              engine_id=self.engine_id))
        self._beat.set()
        for _ in range(self.workers):
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)
        try:
            self.leases.release(self.engine_id)
        except Exception as exc:  # the lease expires by itself
            event(log, logging.ERROR, "reload lease not released", error=repr(exc))

    def submit(self, app_id: str, user_id: str, user_directory: str, *,
               partial: bool = False, variables: dict[str, str] | None = None,
               type: str = "external", task_id: str = "",
               groups: tuple[str, ...] = ()) -> Reload:
        """Queue a reload of the app (``groups``: those of the credential that asked,
        ``reloader``): 429 when one is pending for it already (on this engine or on
        another one sharing the database)."""
        self.start()
        reload = self.store.add(app_id, user_id, user_directory, partial=partial,
                                variables=variables, type=type, task_id=task_id,
                                engine_id=self.engine_id, groups=groups)
        if reload is None:
            raise TooManyRequests(f"A reload of app {app_id} is already pending",
                                  headers={"Retry-After": "1"})
        self._queue.put(reload.id)
        return reload

    def cancel(self, reload_id: str) -> Reload:
        """Cancel a queued or running reload (409 once it has ended). Each step is
        conditional on the status read, so a race with a worker (or with another
        engine) is lost cleanly and the loop looks again."""
        store = self.store
        while True:
            reload = store.get(reload_id)
            if reload is None:
                raise NotFound(f"No reload {reload_id}")
            if reload.status == QUEUED:
                if store.transition(reload_id, QUEUED, status=CANCELED,
                                    ended=datetime.now(UTC)):
                    break
            elif reload.status == RELOADING:
                if store.transition(reload_id, RELOADING, status=CANCELING):
                    with self._lock:
                        self._cancel.add(reload_id)  # when it runs here: at once
                    # as this step left it (the run may have ended CANCELED already)
                    return replace(reload, status=CANCELING)
            elif reload.status == CANCELING:
                return reload
            else:
                raise Conflict(f"The reload has ended ({reload.status})")
        changed = store.get(reload_id)
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
            try:
                reload_id = self._queue.get(timeout=IDLE_POLL)
            except queue.Empty:  # idle: run a reload another engine queued
                if self._stopped:
                    return
                reload_id = self._elsewhere()
                if reload_id is None:
                    continue
            if reload_id is None:
                return
            try:
                self.run(reload_id)
            except Exception as exc:  # a worker outlives any one reload
                event(log, logging.ERROR, "reload worker failed", reload=reload_id,
                      error=repr(exc))
                self.store.finish(reload_id, self.engine_id, status=FAILED,
                                  error_code="INTERNAL",
                                  error_message="The reload could not be run",
                                  ended=datetime.now(UTC))

    def _elsewhere(self) -> str | None:
        """A reload queued by another live engine, of an app this engine has (None:
        none); ``run`` claims it."""
        try:
            waiting = self.store.queued_elsewhere(self.engine_id)
        except Exception as exc:  # the database may be back at the next look
            event(log, logging.ERROR, "queued reloads not read", error=repr(exc))
            return None
        for reload in waiting:
            if self.engine.app_exists(reload.app_id):
                return reload.id
        return None

    def run(self, reload_id: str) -> None:
        """Run a queued reload, if this engine's claim on it is the one that wins (it
        may have been cancelled, or claimed by another engine sharing the database)."""
        store = self.store
        reload = store.claim(reload_id, self.engine_id)
        if reload is None:
            return
        app: App | None = None
        values: dict[str, object] = {}
        written = False
        try:
            app = self.engine.get_app(reload.app_id)
            self._reload(app, reload)
            if not store.runs_on(reload_id, self.engine_id):
                # ended by another engine while this one stalled: neither the new data
                # nor the status of this run is kept
                raise _Lost()
            self.engine.reloaded(app, Identity(reload.user_id, reload.user_directory))
            self.engine.save_app(app)
            values = {"status": SUCCEEDED}
        except _Lost:
            values = {}
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
            written = bool(values.get("status")) and store.finish(reload_id, self.engine_id,
                                                                  **values)
        if not written:
            event(log, logging.WARNING, "reload ended by another engine; its end stays",
                  reload=reload_id, app=reload.app_id)
            return
        event(log, logging.INFO, "rest reload ended", reload=reload_id,
              app=reload.app_id, status=values.get("status"))
        for finished in list(self.on_finished):
            try:
                finished(reload_id, reload.app_id, values)
            except Exception:  # a listener's fault must not stop the worker
                log.exception("a reload listener failed")

    def _reload(self, app: App, reload: Reload) -> None:
        limit = self.engine.settings.reload_time_limit or None

        store = self.store
        looked = [time.monotonic()]

        def cancelled() -> bool:
            if reload.id in self._cancel:
                return True
            now = time.monotonic()
            if now - looked[0] >= CANCEL_POLL:  # cancelled through another engine?
                looked[0] = now
                row = store.get(reload.id)
                # CANCELING; or ended by another engine (this one stalled past its lease):
                # nothing of this run will be kept, so it stops
                if row is None or row.status != RELOADING or row.engine_id != self.engine_id:
                    with self._lock:
                        self._cancel.add(reload.id)
                    return True
            return False

        who = reloader(self.engine, reload)
        while True:
            try:
                with self.engine.reloading(app.id):
                    app.reload(None, cancelled, time_limit=limit, partial=reload.partial,
                               variables=reload.variables, actor=Actor(app.id, who))
                return
            except EngineBusy:  # MaxConcurrentReloads: wait for a slot
                if cancelled():
                    raise Aborted() from None
                time.sleep(BUSY_WAIT)
