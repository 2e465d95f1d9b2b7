"""Webhooks and their delivery log in the metadata database (migration 0003).

A webhook is a URL, the event types it wants, a secret (kept as given: every delivery
is signed with it, so it cannot be kept hashed) and whether it is enabled. Each
delivery attempt series is one row of ``webhook_deliveries``: what was sent, how many
attempts it took, the last status and the answer's first bytes.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Engine, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from associa.store.meta import Base, _aware


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[str] = mapped_column(Text, default="[]")
    secret: Mapped[str] = mapped_column(String(512), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_id: Mapped[str] = mapped_column(String(512), default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeliveryRow(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))  # pending | success | failed
    status_code: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text, default="")
    triggered: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    name: str
    url: str
    event_types: tuple[str, ...]
    secret: str
    enabled: bool
    owner_id: str
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    webhook_id: str
    event_type: str
    status: str
    status_code: int
    attempts: int
    payload: str
    response: str
    triggered: datetime


def _hook(r: WebhookRow) -> Webhook:
    return Webhook(r.id, r.name, r.url, tuple(json.loads(r.event_types or "[]")), r.secret,
                   bool(r.enabled), r.owner_id, _aware(r.created) or r.created,
                   _aware(r.updated) or r.updated)


def _delivery(r: DeliveryRow) -> Delivery:
    return Delivery(r.id, r.webhook_id, r.event_type, r.status, r.status_code, r.attempts,
                    r.payload, r.response, _aware(r.triggered) or r.triggered)


class Webhooks:
    def __init__(self, db: Engine) -> None:
        self.db = db

    def all(self) -> list[Webhook]:
        with Session(self.db) as s:
            return [_hook(r) for r in s.scalars(select(WebhookRow).order_by(
                WebhookRow.created, WebhookRow.id))]

    def get(self, ident: str) -> Webhook | None:
        with Session(self.db) as s:
            row = s.get(WebhookRow, ident)
            return _hook(row) if row is not None else None

    def add(self, name: str, url: str, event_types: list[str], secret: str, enabled: bool,
            owner_id: str) -> Webhook:
        now = datetime.now(UTC)
        row = WebhookRow(id=secrets.token_hex(12), name=name, url=url,
                         event_types=json.dumps(event_types), secret=secret, enabled=enabled,
                         owner_id=owner_id, created=now, updated=now)
        with Session(self.db) as s, s.begin():
            s.add(row)
            return _hook(row)

    def update(self, ident: str, **changes: Any) -> Webhook | None:
        with Session(self.db) as s, s.begin():
            row = s.get(WebhookRow, ident)
            if row is None:
                return None
            for key, value in changes.items():
                setattr(row, key, json.dumps(value) if key == "event_types" else value)
            row.updated = datetime.now(UTC)
            s.flush()
            return _hook(row)

    def remove(self, ident: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(WebhookRow, ident)
            if row is None:
                return False
            s.execute(delete(DeliveryRow).where(DeliveryRow.webhook_id == ident))
            s.delete(row)
            return True

    def subscribed(self, event_type: str) -> list[Webhook]:
        return [w for w in self.all() if w.enabled and event_type in w.event_types]

    # -- the delivery log -----------------------------------------------------------

    def start_delivery(self, webhook_id: str, event_type: str, payload: str) -> str:
        ident = secrets.token_hex(12)
        with Session(self.db) as s, s.begin():
            s.add(DeliveryRow(id=ident, webhook_id=webhook_id, event_type=event_type,
                              status="pending", status_code=0, attempts=0, payload=payload,
                              response="", triggered=datetime.now(UTC)))
        return ident

    def log_attempt(self, ident: str, status: str, status_code: int, response: str) -> None:
        with Session(self.db) as s, s.begin():
            row = s.get(DeliveryRow, ident)
            if row is None:
                return
            row.status, row.status_code, row.response = status, status_code, response[:2000]
            row.attempts += 1

    def deliveries(self, webhook_id: str) -> list[Delivery]:
        with Session(self.db) as s:
            rows = s.scalars(select(DeliveryRow).where(DeliveryRow.webhook_id == webhook_id)
                             .order_by(DeliveryRow.triggered.desc(), DeliveryRow.id))
            return [_delivery(r) for r in rows]

    def delivery(self, webhook_id: str, ident: str) -> Delivery | None:
        with Session(self.db) as s:
            row = s.get(DeliveryRow, ident)
            if row is None or row.webhook_id != webhook_id:
                return None
            return _delivery(row)
