"""Audit events in the metadata database (migration 0003): every change made through the
REST API and every refused access, queryable through ``/audits``.

An event has Qlik Cloud's audit fields (https://qlik.dev/apis/rest/audits/): an id, a
type (``com.qlik.v1.<resource>.<action>``, or ``com.qlik.v1.access.denied``), who did
it (``userId``), when (``eventTime``), the source, and ``data`` (what was changed: the
method, path and status).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Engine, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from associa.store.meta import Base, _aware


class AuditRow(Base):
    __tablename__ = "audits"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(256), index=True)
    user_id: Mapped[str] = mapped_column(String(512), index=True)
    source: Mapped[str] = mapped_column(String(256))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    data: Mapped[str] = mapped_column(Text, default="{}")


@dataclass(frozen=True, slots=True)
class Audit:
    id: str
    event_type: str
    user_id: str
    source: str
    event_time: datetime
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    event_type: str = ""
    user_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


class AuditLog:
    def __init__(self, db: Engine) -> None:
        self.db = db

    def record(self, event_type: str, user_id: str, source: str,
               data: dict[str, Any]) -> Audit:
        audit = Audit(secrets.token_hex(12), event_type, user_id, source,
                      datetime.now(UTC), data)
        with Session(self.db) as s, s.begin():
            s.add(AuditRow(id=audit.id, event_type=event_type, user_id=user_id,
                           source=source, event_time=audit.event_time,
                           data=json.dumps(data)))
        return audit

    def find(self, flt: AuditFilter, newest_first: bool = True) -> list[Audit]:
        where: list[ColumnElement[bool]] = []
        if flt.event_type:
            where.append(AuditRow.event_type == flt.event_type)
        if flt.user_id:
            where.append(AuditRow.user_id == flt.user_id)
        if flt.since is not None:
            where.append(AuditRow.event_time >= flt.since)
        if flt.until is not None:
            where.append(AuditRow.event_time <= flt.until)
        order = AuditRow.event_time.desc() if newest_first else AuditRow.event_time.asc()
        with Session(self.db) as s:
            rows = s.scalars(select(AuditRow).where(*where).order_by(order, AuditRow.id))
            return [Audit(r.id, r.event_type, r.user_id, r.source,
                          _aware(r.event_time) or r.event_time, json.loads(r.data or "{}"))
                    for r in rows]

    def get(self, audit_id: str) -> Audit | None:
        with Session(self.db) as s:
            r = s.get(AuditRow, audit_id)
            if r is None:
                return None
            return Audit(r.id, r.event_type, r.user_id, r.source,
                         _aware(r.event_time) or r.event_time, json.loads(r.data or "{}"))
