"""Web integrations and CSP origins in the metadata database.

* ``web_integrations``: a named list of allowed origins (https://qlik.dev/apis/rest/
  web-integrations/). Their union is what the engine lets browsers in from: CORS on the
  REST API (``rest/cors.py``) and the ``Origin`` check of the socket's upgrade.
* ``csp_origins``: origins added to the hub's Content-Security-Policy, per directive
  (https://qlik.dev/apis/rest/csp-origins/); kept and listed (associa serves no hub
  pages that would send the header).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from associa.store.meta import Base, _aware


class WebIntegrationRow(Base):
    __tablename__ = "web_integrations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    origins: Mapped[str] = mapped_column(Text, default="[]")
    created_by: Mapped[str] = mapped_column(String(512), default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CspOriginRow(Base):
    __tablename__ = "csp_origins"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    origin: Mapped[str] = mapped_column(String(1024))
    description: Mapped[str] = mapped_column(Text, default="")
    directives: Mapped[str] = mapped_column(Text, default="{}")  # directive → bool
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class WebIntegration:
    id: str
    name: str
    origins: tuple[str, ...]
    created_by: str
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class CspOrigin:
    id: str
    name: str
    origin: str
    description: str
    directives: dict[str, bool]
    created: datetime
    updated: datetime


def _integration(r: WebIntegrationRow) -> WebIntegration:
    return WebIntegration(r.id, r.name, tuple(json.loads(r.origins or "[]")), r.created_by,
                          _aware(r.created) or r.created, _aware(r.updated) or r.updated)


def _csp(r: CspOriginRow) -> CspOrigin:
    return CspOrigin(r.id, r.name, r.origin, r.description, json.loads(r.directives or "{}"),
                     _aware(r.created) or r.created, _aware(r.updated) or r.updated)


class Origins:
    def __init__(self, db: Engine) -> None:
        self.db = db

    def integrations(self) -> list[WebIntegration]:
        with Session(self.db) as s:
            return [_integration(r) for r in s.scalars(
                select(WebIntegrationRow).order_by(WebIntegrationRow.created,
                                                   WebIntegrationRow.id))]

    def allowed_origins(self) -> frozenset[str]:
        return frozenset(o for w in self.integrations() for o in w.origins)

    def add_integration(self, name: str, origins: list[str], by: str) -> WebIntegration:
        now = datetime.now(UTC)
        row = WebIntegrationRow(id=secrets.token_hex(12), name=name,
                                origins=json.dumps(origins), created_by=by, created=now,
                                updated=now)
        with Session(self.db) as s, s.begin():
            s.add(row)
            return _integration(row)

    def update_integration(self, ident: str, **changes: Any) -> WebIntegration | None:
        with Session(self.db) as s, s.begin():
            row = s.get(WebIntegrationRow, ident)
            if row is None:
                return None
            for key, value in changes.items():
                setattr(row, key, json.dumps(value) if key == "origins" else value)
            row.updated = datetime.now(UTC)
            s.flush()
            return _integration(row)

    def remove_integration(self, ident: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(WebIntegrationRow, ident)
            if row is None:
                return False
            s.delete(row)
            return True

    def csp_origins(self) -> list[CspOrigin]:
        with Session(self.db) as s:
            return [_csp(r) for r in s.scalars(select(CspOriginRow).order_by(
                CspOriginRow.created, CspOriginRow.id))]

    def add_csp(self, name: str, origin: str, description: str,
                directives: dict[str, bool]) -> CspOrigin:
        now = datetime.now(UTC)
        row = CspOriginRow(id=secrets.token_hex(12), name=name, origin=origin,
                           description=description, directives=json.dumps(directives),
                           created=now, updated=now)
        with Session(self.db) as s, s.begin():
            s.add(row)
            return _csp(row)

    def update_csp(self, ident: str, name: str, origin: str, description: str,
                   directives: dict[str, bool]) -> CspOrigin | None:
        with Session(self.db) as s, s.begin():
            row = s.get(CspOriginRow, ident)
            if row is None:
                return None
            row.name, row.origin, row.description = name, origin, description
            row.directives = json.dumps(directives)
            row.updated = datetime.now(UTC)
            s.flush()
            return _csp(row)

    def remove_csp(self, ident: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(CspOriginRow, ident)
            if row is None:
                return False
            s.delete(row)
            return True
