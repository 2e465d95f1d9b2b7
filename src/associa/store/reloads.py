"""Reload history in the metadata database (``store/meta.py``'s ``reloads`` table).

A reload queued through ``POST /api/v1/reloads`` (or by a reload task) is a row from the
moment it is queued: its status goes QUEUED → RELOADING → SUCCEEDED / FAILED /
CANCELED (CANCELING while a running one is being stopped), with the log and the error
of the run. The queue itself is in memory (``rest/reloadqueue.py``). Engines may share
the database, so every step that depends on the status is one conditional UPDATE
(``transition``: ``… WHERE status = <what it was>`` and a row count), and at most one
reload per app is unfinished (a unique index over the unfinished rows): two engines never
both start one reload (``claim``), nor queue two of one app. Each row names the engine
that queued or runs it; a reload whose engine's lease (``store/leases.py``) has expired
is marked FAILED (``fail_orphaned``): nothing will run it any more. An engine's last
write of a run (``finish``) is conditional too: only while the row is still its own and
unfinished, so an engine that stalled past its lease never writes over the FAILED a live
engine wrote meanwhile. ``queued_elsewhere`` lists the reloads queued by other live
engines that an idle engine may claim (reload balancing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from associa.store.items import new_id
from associa.store.leases import EngineLeaseRow
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
    engine_id: str
    groups: tuple[str, ...] = ()  # the groups of the credential that queued it

    @classmethod
    def of(cls, row: ReloadRow) -> Reload:
        values: dict[str, Any] = {f.name: getattr(row, f.name) for f in fields(cls)}
        values["variables"] = json.loads(row.variables or "{}")
        values["groups"] = tuple(json.loads(row.groups or "[]"))
        for key in ("created", "started", "ended"):
            values[key] = _aware(values[key])
        return cls(**values)


class ReloadStore:
    """Reloads over the metadata database's SQLAlchemy engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def add(self, app_id: str, user_id: str, user_directory: str, *, partial: bool = False,
            variables: dict[str, str] | None = None, type: str = "external",
            task_id: str = "", engine_id: str = "",
            groups: tuple[str, ...] = ()) -> Reload | None:
        """Queue a reload (a QUEUED row); None when one of the app is unfinished already
        (queued by this engine or by another one sharing the database)."""
        row = ReloadRow(id=new_id(), app_id=app_id, user_id=user_id,
                        user_directory=user_directory, type=type, status=QUEUED,
                        partial=partial, variables=json.dumps(variables or {}),
                        task_id=task_id, log="", error_code="", error_message="",
                        created=datetime.now(UTC), started=None, ended=None,
                        engine_id=engine_id, groups=json.dumps(list(groups)))
        try:
            with Session(self.db) as s, s.begin():
                s.add(row)
                s.flush()
                return Reload.of(row)
        except IntegrityError:  # uq_reloads_pending_app: one is unfinished
            return None

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

    def transition(self, reload_id: str, was: str, **values: Any) -> bool:
        """Set columns of the reload only if its status is still ``was``, in one
        statement; whether it was (so of two engines only one makes a step)."""
        with Session(self.db) as s, s.begin():
            result = s.execute(update(ReloadRow).where(ReloadRow.id == reload_id,
                                                       ReloadRow.status == was)
                               .values(**values))
            return bool(getattr(result, "rowcount", 0))

    def claim(self, reload_id: str, engine_id: str) -> Reload | None:
        """Start a queued reload on ``engine_id``: the reload, RELOADING, or None when it
        is not QUEUED any more (cancelled, or claimed by another engine)."""
        if not self.transition(reload_id, QUEUED, status=RELOADING, engine_id=engine_id,
                               started=datetime.now(UTC)):
            return None
        return self.get(reload_id)

    def finish(self, reload_id: str, engine_id: str, **values: Any) -> bool:
        """Write a run's end (status, log, error, ended) only while the reload is still
        ``engine_id``'s and unfinished (RELOADING or CANCELING), in one statement;
        whether it was. False: another engine ended it (its lease had expired, so the
        reload was failed), and the row keeps what that engine wrote."""
        with Session(self.db) as s, s.begin():
            result = s.execute(update(ReloadRow)
                               .where(ReloadRow.id == reload_id,
                                      ReloadRow.engine_id == engine_id,
                                      ReloadRow.status.in_((RELOADING, CANCELING)))
                               .values(**values))
            return bool(getattr(result, "rowcount", 0))

    def runs_on(self, reload_id: str, engine_id: str) -> bool:
        """Whether the reload is still running on ``engine_id`` (not ended by another)."""
        with Session(self.db) as s:
            return s.scalar(select(ReloadRow.id).where(
                ReloadRow.id == reload_id, ReloadRow.engine_id == engine_id,
                ReloadRow.status.in_((RELOADING, CANCELING)))) is not None

    def queued_elsewhere(self, engine_id: str, limit: int = 10,
                         now: datetime | None = None) -> list[Reload]:
        """The oldest reloads still QUEUED by other engines whose lease is live: an idle
        engine claims one of them (``claim``, the same conditional step as the queuing
        engine's own worker, so each runs once). The reloads of engines whose lease
        expired are not here: they are failed (``fail_orphaned``)."""
        now = now or datetime.now(UTC)
        live = select(EngineLeaseRow.id).where(EngineLeaseRow.expires > now)
        query = (select(ReloadRow).where(ReloadRow.status == QUEUED,
                                         ReloadRow.engine_id != engine_id,
                                         ReloadRow.engine_id.in_(live))
                 .order_by(ReloadRow.created, ReloadRow.id).limit(limit))
        with Session(self.db) as s:
            return [Reload.of(r) for r in s.scalars(query)]

    def pending(self, app_id: str) -> Reload | None:
        """The app's reload that has not finished, if any."""
        with Session(self.db) as s:
            row = s.scalar(select(ReloadRow).where(ReloadRow.app_id == app_id,
                                                   ReloadRow.status.in_(PENDING)))
            return Reload.of(row) if row is not None else None

    def find(self, app_id: str = "", partial: bool | None = None, status: str = "",
             task_id: str = "", engine_id: str = "") -> list[Reload]:
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
        if engine_id:
            query = query.where(ReloadRow.engine_id == engine_id)
        with Session(self.db) as s:
            return [Reload.of(r) for r in s.scalars(query)]

    def fail_orphaned(self, why: str, now: datetime | None = None) -> int:
        """Mark FAILED every unfinished reload whose engine has no live lease (it stopped
        or died; rows from before leases name no engine); how many. Reloads of live
        engines, this one's and others', are left alone."""
        now = now or datetime.now(UTC)
        live = select(EngineLeaseRow.id).where(EngineLeaseRow.expires > now)
        with Session(self.db) as s, s.begin():
            result = s.execute(update(ReloadRow)
                               .where(ReloadRow.status.in_(PENDING),
                                      ReloadRow.engine_id.not_in(live))
                               .values(status=FAILED, error_code="ENGINE_RESTARTED",
                                       error_message=why, ended=now))
            return int(getattr(result, "rowcount", 0) or 0)
