"""Reload history in the metadata database (``store/meta.py``'s ``reloads`` table).

A reload queued through ``POST /api/v1/reloads`` (or by a reload task) is a row from the
moment it is queued: its status goes QUEUED → RELOADING → SUCCEEDED / FAILED /
CANCELED (CANCELING while a running one is being stopped), with the log and the error
of the run. The queue itself is in memory (``rest/reloadqueue.py``); a row left QUEUED
or RELOADING by an engine that stopped is marked FAILED when the next one starts
(``fail_unfinished``), since nothing will run it any more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from associa.store.items import new_id
from associa.store.meta import ReloadRow

QUEUED, RELOADING, CANCELING = "QUEUED", "RELOADING", "CANCELING"
SUCCEEDED, FAILED, CANCELED = "SUCCEEDED", "FAILED", "CANCELED"
EXCEEDED_LIMIT = "EXCEEDED_LIMIT"  # stopped by the ReloadTimeLimit setting
PENDING = (QUEUED, RELOADING, CANCELING)  # not finished


def _aware(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Reload:
    id: str
    app_id: str
    user_id: str
    user_directory: str
    type: str
    status: str
    partial: bool
    variables: dict[str, str]
    task_id: str
    log: str
    error_code: str
    error_message: str
    created: datetime
    started: datetime | None
    ended: datetime | None

    @classmethod
    def of(cls, row: ReloadRow) -> Reload:
        values: dict[str, Any] = {f.name: getattr(row, f.name) for f in fields(cls)}
        values["variables"] = json.loads(row.variables or "{}")
        for key in ("created", "started", "ended"):
            values[key] = _aware(values[key])
        return cls(**values)


class ReloadStore:
    """Reloads over the metadata database's SQLAlchemy engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def add(self, app_id: str, user_id: str, user_directory: str, *, partial: bool = False,
            variables: dict[str, str] | None = None, type: str = "external",
            task_id: str = "") -> Reload:
        row = ReloadRow(id=new_id(), app_id=app_id, user_id=user_id,
                        user_directory=user_directory, type=type, status=QUEUED,
                        partial=partial, variables=json.dumps(variables or {}),
                        task_id=task_id, log="", error_code="", error_message="",
                        created=datetime.now(UTC), started=None, ended=None)
        with Session(self.db) as s, s.begin():
            s.add(row)
            return Reload.of(row)

    def get(self, reload_id: str) -> Reload | None:
        with Session(self.db) as s:
            row = s.get(ReloadRow, reload_id)
            return Reload.of(row) if row is not None else None

    def change(self, reload_id: str, **values: Any) -> Reload | None:
        """Set columns of one reload (status, log, times …); the reload as it is now."""
        with Session(self.db) as s, s.begin():
            row = s.get(ReloadRow, reload_id)
            if row is None:
                return None
            for key, value in values.items():
                setattr(row, key, value)
            return Reload.of(row)

    def pending(self, app_id: str) -> Reload | None:
        """The app's reload that has not finished, if any."""
        with Session(self.db) as s:
            row = s.scalar(select(ReloadRow).where(ReloadRow.app_id == app_id,
                                                   ReloadRow.status.in_(PENDING)))
            return Reload.of(row) if row is not None else None

    def find(self, app_id: str = "", partial: bool | None = None, status: str = "",
             task_id: str = "") -> list[Reload]:
        """Reloads, newest first."""
        query = select(ReloadRow).order_by(ReloadRow.created.desc(), ReloadRow.id)
        if app_id:
            query = query.where(ReloadRow.app_id == app_id)
        if partial is not None:
            query = query.where(ReloadRow.partial == partial)
        if status:
            query = query.where(ReloadRow.status == status)
        if task_id:
            query = query.where(ReloadRow.task_id == task_id)
        with Session(self.db) as s:
            return [Reload.of(r) for r in s.scalars(query)]

    def fail_unfinished(self, why: str) -> int:
        """Mark every reload left unfinished (by an engine that stopped) FAILED."""
        with Session(self.db) as s, s.begin():
            result = s.execute(update(ReloadRow).where(ReloadRow.status.in_(PENDING))
                               .values(status=FAILED, error_code="ENGINE_RESTARTED",
                                       error_message=why, ended=datetime.now(UTC)))
            return int(getattr(result, "rowcount", 0) or 0)
