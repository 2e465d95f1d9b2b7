"""Data connections in the metadata database (``store/meta.py``'s ``data_connections``),
as ``app/connections.py``'s ``Connection`` values, each personal (``space_id`` "") or
of a space: scripts find them by name (``LIB CONNECT TO 'name'``, ``lib://Space:name/``)
after their own connections (``rest/spacedata.py``). A name is unique per space, a
personal connection's per owner (as in Qlik Cloud; migration 0010), and a personal one
is found only for its owner. Their credentials are stored only sealed
(``app/credentials.py``), as an app file keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from associa.app.access import Owner
from associa.app.connections import Connection
from associa.store.meta import DataConnectionRow


class NameTaken(ValueError):
    """Another data connection has the name."""


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DataConnection:
    connection: Connection
    owner: Owner
    created: datetime
    updated: datetime
    space_id: str = ""  # "" = the owner's personal connection

    @classmethod
    def of(cls, row: DataConnectionRow) -> DataConnection:
        conn = Connection(row.id, row.name, row.connect_statement, row.type,
                          _aware(row.updated).isoformat(), row.credentials)
        return cls(conn, Owner(row.owner_id, row.owner_directory), _aware(row.created),
                   _aware(row.updated), row.space_id or "")


class DataConnectionStore:
    def __init__(self, db: Engine) -> None:
        self.db = db

    def add(self, conn: Connection, owner: Owner, space_id: str = "") -> DataConnection:
        now = datetime.now(UTC)
        row = DataConnectionRow(id=conn.id, name=conn.name, type=conn.type,
                                connect_statement=conn.connection_string,
                                credentials=conn.credentials, owner_id=owner.user_id,
                                owner_directory=owner.user_directory, space_id=space_id,
                                created=now, updated=now)
        try:
            with Session(self.db) as s, s.begin():
                s.add(row)
        except IntegrityError:
            raise NameTaken(conn.name) from None
        made = self.get(conn.id)
        assert made is not None
        return made

    def update(self, conn: Connection) -> DataConnection | None:
        try:
            with Session(self.db) as s, s.begin():
                row = s.get(DataConnectionRow, conn.id)
                if row is None:
                    return None
                row.name, row.type = conn.name, conn.type
                row.connect_statement, row.credentials = conn.connection_string, conn.credentials
                row.updated = datetime.now(UTC)
        except IntegrityError:
            raise NameTaken(conn.name) from None
        return self.get(conn.id)

    def get(self, conn_id: str) -> DataConnection | None:
        with Session(self.db) as s:
            row = s.get(DataConnectionRow, conn_id)
            return DataConnection.of(row) if row is not None else None

    def by_name(self, name: str, space_id: str) -> Connection | None:
        """The connection ``name`` of the space."""
        with Session(self.db) as s:
            row = s.scalar(select(DataConnectionRow).where(
                DataConnectionRow.name == name, DataConnectionRow.space_id == space_id))
            return DataConnection.of(row).connection if row is not None else None

    def personal(self, name: str, owner: Owner) -> Connection | None:
        """The personal connection ``name`` of ``owner`` (no one else's)."""
        with Session(self.db) as s:
            row = s.scalar(select(DataConnectionRow).where(
                DataConnectionRow.name == name, DataConnectionRow.space_id == "",
                DataConnectionRow.owner_id == owner.user_id,
                DataConnectionRow.owner_directory == owner.user_directory))
            return DataConnection.of(row).connection if row is not None else None

    def find(self) -> list[DataConnection]:
        query = select(DataConnectionRow).order_by(DataConnectionRow.created,
                                                   DataConnectionRow.id)
        with Session(self.db) as s:
            return [DataConnection.of(r) for r in s.scalars(query)]

    def delete(self, conn_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(DataConnectionRow, conn_id)
            if row is None:
                return False
            s.delete(row)
            return True
