"""Reload schedules in the metadata database (``store/meta.py``'s ``reload_tasks``).

A task reloads one app on the occurrences of its RFC 5545 recurrence rules
(``rest/recurrence.py``), from its start on, in its time zone, until its end. The row
keeps when it runs next (``next_run``, UTC; None once there is no occurrence left) so
that the scheduler (``rest/scheduler.py``) finds the due tasks with one query, and a
restarted engine knows which runs it missed. Engines sharing the database each run a
scheduler: an occurrence is taken by a conditional UPDATE of ``next_run``
(``claim_run``), so only one of them queues its reload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from associa.store.items import new_id
from associa.store.meta import ReloadTaskRow

ENABLED, DISABLED, COMPLETED = "Enabled", "Disabled", "Completed"


def _aware(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ReloadTask:
    id: str
    app_id: str
    owner_id: str
    owner_directory: str
    partial: bool
    time_zone: str
    recurrence: list[str]
    start_at: datetime
    end_at: datetime | None
    state: str
    last_run: datetime | None
    next_run: datetime | None
    last_reload_id: str
    created: datetime
    updated: datetime
    auto_reload: bool = False  # a reload when the app's data files change
    auto_reload_partial: bool = False
    groups: tuple[str, ...] = ()  # the owner's, on the credential that made the task

    @classmethod
    def of(cls, row: ReloadTaskRow) -> ReloadTask:
        values: dict[str, Any] = {f.name: getattr(row, f.name) for f in fields(cls)}
        values["recurrence"] = json.loads(row.recurrence or "[]")
        values["groups"] = tuple(json.loads(row.groups or "[]"))
        for key in ("start_at", "end_at", "last_run", "next_run", "created", "updated"):
            values[key] = _aware(values[key])
        return cls(**values)


def _column(key: str, value: Any) -> Any:
    return json.dumps(list(value)) if key in ("recurrence", "groups") else value


class ReloadTaskStore:
    def __init__(self, db: Engine) -> None:
        self.db = db

    def add(self, **values: Any) -> ReloadTask:
        now = datetime.now(UTC)
        row = ReloadTaskRow(id=new_id(), created=now, updated=now, last_run=None,
                            last_reload_id="",
                            **{k: _column(k, v) for k, v in values.items()})
        with Session(self.db) as s, s.begin():
            s.add(row)
            return ReloadTask.of(row)

    def get(self, task_id: str) -> ReloadTask | None:
        with Session(self.db) as s:
            row = s.get(ReloadTaskRow, task_id)
            return ReloadTask.of(row) if row is not None else None

    def change(self, task_id: str, **values: Any) -> ReloadTask | None:
        with Session(self.db) as s, s.begin():
            row = s.get(ReloadTaskRow, task_id)
            if row is None:
                return None
            for key, value in values.items():
                setattr(row, key, _column(key, value))
            row.updated = datetime.now(UTC)
            return ReloadTask.of(row)

    def claim_run(self, task_id: str, due: datetime, **values: Any) -> bool:
        """Set the task's columns (its next run …) only if its next run is still ``due``,
        in one statement: of engines sharing the database that find the task due at
        once, only the one whose claim succeeds queues its reload."""
        values = {k: _column(k, v) for k, v in values.items()}
        with Session(self.db) as s, s.begin():
            result = s.execute(update(ReloadTaskRow)
                               .where(ReloadTaskRow.id == task_id,
                                      ReloadTaskRow.next_run == due)
                               .values(updated=datetime.now(UTC), **values))
            return bool(getattr(result, "rowcount", 0))

    def delete(self, task_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(ReloadTaskRow, task_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def find(self, app_id: str = "", partial: bool | None = None) -> list[ReloadTask]:
        query = select(ReloadTaskRow).order_by(ReloadTaskRow.created, ReloadTaskRow.id)
        if app_id:
            query = query.where(ReloadTaskRow.app_id == app_id)
        if partial is not None:
            query = query.where(ReloadTaskRow.partial == partial)
        with Session(self.db) as s:
            return [ReloadTask.of(r) for r in s.scalars(query)]

    def auto_reloading(self) -> list[ReloadTask]:
        """Enabled tasks that reload their app when its data files change."""
        query = (select(ReloadTaskRow)
                 .where(ReloadTaskRow.state == ENABLED, ReloadTaskRow.auto_reload.is_(True))
                 .order_by(ReloadTaskRow.created, ReloadTaskRow.id))
        with Session(self.db) as s:
            return [ReloadTask.of(r) for r in s.scalars(query)]

    def due(self, now: datetime) -> list[ReloadTask]:
        """Enabled tasks whose next run is at or before ``now``, the earliest first."""
        query = (select(ReloadTaskRow)
                 .where(ReloadTaskRow.state == ENABLED, ReloadTaskRow.next_run.is_not(None),
                        ReloadTaskRow.next_run <= now)
                 .order_by(ReloadTaskRow.next_run))
        with Session(self.db) as s:
            return [ReloadTask.of(r) for r in s.scalars(query)]
