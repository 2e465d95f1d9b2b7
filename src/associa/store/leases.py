"""Engine leases in the metadata database: which engines sharing it are alive.

Several engines may share one database (the ``database_url`` setting). Each engine that
runs reloads (``rest/reloadqueue.py``) takes a lease, a row of ``engine_leases`` with its
own id and an expiry time, and renews it while it runs (a heartbeat): a reload row names
the engine that runs it (``reloads.engine_id``), and a reload whose engine's lease has
expired (the engine stopped or died) is failed by any live engine
(``ReloadStore.fail_orphaned``), never one a live engine is running. Migration 0006.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Engine, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from associa.store.meta import Base, _aware

LEASE = timedelta(seconds=30)  # how long a lease lasts unless renewed


class EngineLeaseRow(Base):
    """One engine's lease: alive while ``expires`` is in the future."""

    __tablename__ = "engine_leases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def new_engine_id() -> str:
    return uuid.uuid4().hex


class Leases:
    """The ``engine_leases`` table over the metadata database's SQLAlchemy engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def take(self, engine_id: str, length: timedelta = LEASE) -> None:
        """Start (or restart) the engine's lease, ``length`` from now."""
        now = datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            row = s.get(EngineLeaseRow, engine_id)
            if row is None:
                s.add(EngineLeaseRow(id=engine_id, host=socket.gethostname()[:255],
                                     pid=os.getpid(), started=now, expires=now + length))
            else:
                row.expires = now + length

    def renew(self, engine_id: str, length: timedelta = LEASE) -> bool:
        """Push the lease's end ``length`` from now (the heartbeat); False when the row is
        gone (another engine removed it as expired): the caller takes a new one."""
        with Session(self.db) as s, s.begin():
            result = s.execute(update(EngineLeaseRow).where(EngineLeaseRow.id == engine_id)
                               .values(expires=datetime.now(UTC) + length))
            return bool(getattr(result, "rowcount", 0))

    def release(self, engine_id: str) -> None:
        """The engine stops: its lease ends now."""
        with Session(self.db) as s, s.begin():
            s.execute(delete(EngineLeaseRow).where(EngineLeaseRow.id == engine_id))

    def live(self, now: datetime | None = None) -> dict[str, datetime]:
        """The engines whose lease has not expired, with when it expires."""
        now = now or datetime.now(UTC)
        with Session(self.db) as s:
            rows = s.scalars(select(EngineLeaseRow).where(EngineLeaseRow.expires > now))
            return {r.id: _aware(r.expires) or r.expires for r in rows}

    def prune(self, now: datetime | None = None) -> int:
        """Remove the leases that expired; how many."""
        now = now or datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            result = s.execute(delete(EngineLeaseRow).where(EngineLeaseRow.expires <= now))
            return int(getattr(result, "rowcount", 0) or 0)
