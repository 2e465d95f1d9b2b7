"""The thread that starts the reloads of reload tasks when they are due.

Every ``interval`` seconds (and whenever a test calls ``tick`` with its own clock) the
due tasks (enabled, ``next_run`` passed) each queue one reload (``rest/reloadqueue.py``,
type ``chronos``, recorded with the task's id) and get their next run: the first
occurrence after *now*, not after the run that was due. So a task whose runs were
missed while the engine was stopped runs once when it is back, not once per missed
occurrence (what the issue asks for: "run once, not many times"; Qlik's help and
qlik.dev, searched for it, say nothing of missed runs). An occurrence that
comes while a reload of the app is still pending is skipped, as a second POST /reloads
would be refused. A task with no occurrence left is ``Completed``. Engines sharing the
database each tick: an occurrence is claimed by a conditional UPDATE of the task's next
run (``ReloadTaskStore.claim_run``), so one engine queues its reload, not each of them.

The clock is injectable (``clock``: a function giving the time as an aware datetime),
so tests step through time without waiting; ``stop`` ends the thread.

``data_changed`` is the other way a task runs (``autoReload``, ``rest/reloadtasks.py``):
a data file the app's last reload read was uploaded or replaced.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from associa.app.connections import DATA_FILES
from associa.engine import Engine
from associa.errors import AssociaError
from associa.logs import event
from associa.rest.errors import TooManyRequests
from associa.rest.recurrence import BadSchedule, next_run, zone
from associa.rest.reloadqueue import ReloadQueue
from associa.store.reloadtasks import COMPLETED, ReloadTask, ReloadTaskStore

log = logging.getLogger("associa.rest.scheduler")

INTERVAL = 15.0  # seconds between looks at the due tasks
# a lineage entry that read a data file: its name
READ_FILE = re.compile(rf"^(?i:lib)://(?:[^/]*:)?{DATA_FILES}/(.+)$")


def files_read(lineage: list[tuple[str, str]]) -> set[str]:
    """The data file names a reload read (its lineage's ``lib://DataFiles/<name>``, or
    a space's ``lib://<space>:DataFiles/<name>``). A name is unique per space (a
    personal one per owner) only, so a file of one space or user also wakes the apps
    that read the same name in another's: more auto-reloads, never fewer."""
    found = (READ_FILE.match(origin.strip("[]'\"")) for origin, _ in lineage)
    return {m.group(1) for m in found if m is not None}


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(self, engine: Engine, reloads: ReloadQueue,
                 clock: Callable[[], datetime] = utc_now, interval: float = INTERVAL) -> None:
        self.engine = engine
        self.reloads = reloads
        self.clock = clock
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> ReloadTaskStore:
        return ReloadTaskStore(self.engine.meta.db)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="reload-scheduler",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception as exc:  # the scheduler outlives a bad tick
                event(log, logging.ERROR, "reload scheduler failed", error=repr(exc))

    def tick(self, now: datetime | None = None) -> list[str]:
        """Queue the reloads of the tasks due at ``now`` (the clock's time by default);
        the ids of the reloads queued."""
        if not self.engine.meta_in_use():
            return []  # no database: no tasks (and none is made by looking)
        now = now or self.clock()
        store = self.store
        queued: list[str] = []
        for task in store.due(now):
            try:
                following = next_run(task.recurrence, task.start_at, task.end_at,
                                     zone(task.time_zone), now)
            except BadSchedule:
                following = None
            changes: dict[str, object] = {"last_run": now, "next_run": following}
            if following is None:
                changes["state"] = COMPLETED
            assert task.next_run is not None  # due() finds only tasks with a next run
            if not store.claim_run(task.id, task.next_run, **changes):
                continue  # another engine sharing the database took this occurrence
            made = self._submit(task, task.partial, "scheduled")
            if made is not None:
                queued.append(made)
                store.change(task.id, last_reload_id=made)
        return queued

    def _submit(self, task: ReloadTask, partial: bool, kind: str) -> str | None:
        """Queue ``task``'s reload (type chronos); None when its app has one pending."""
        try:
            return self.reloads.submit(task.app_id, task.owner_id, task.owner_directory,
                                       partial=partial, type="chronos", task_id=task.id,
                                       groups=task.groups).id
        except TooManyRequests:
            event(log, logging.INFO, f"{kind} reload skipped: one is pending",
                  task=task.id, app=task.app_id)
            return None

    def data_changed(self, name: str) -> list[str]:
        """Queue a reload for each enabled ``autoReload`` task whose app's last reload
        read the data file ``name``; the ids of the reloads queued."""
        if not self.engine.meta_in_use():
            return []
        store = self.store
        queued: list[str] = []
        for task in store.auto_reloading():
            try:
                lineage = self.engine.get_app(task.app_id).lineage
            except AssociaError:
                continue  # the app is gone
            if name not in files_read(lineage):
                continue
            made = self._submit(task, task.auto_reload_partial, "auto")
            if made is not None:
                queued.append(made)
                store.change(task.id, last_run=self.clock(), last_reload_id=made)
        return queued
