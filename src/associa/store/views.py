"""Views of items: how many times each user opened a resource, per day, in the metadata
database (``item_views``), for the ``itemViews`` of an item (Qlik Cloud's usage metrics:
https://qlik.dev/apis/rest/items/).

A view is an app opened over QIX (``OpenDoc``); reading an item or an app's attributes
over REST is not one. Rows are counted per (resource, user, day), so a busy app adds a row
per user and day, not per open; rows older than ``WINDOW`` are removed as new views of
the resource come in. ``summary`` gives, per resource, the views of the last 28 days:
their total, the unique users, each of the four weeks (oldest first) and the trend: the
slope of the least-squares line through the four weeks' unique users. Migration 0008.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, Engine, Integer, String, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from associa.store.meta import Base

WEEKS = 4
WINDOW = timedelta(days=7 * WEEKS)  # the last 28 days


class ItemViewRow(Base):
    __tablename__ = "item_views"

    resource_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class Week:
    start: datetime
    total: int
    unique: int


@dataclass(frozen=True, slots=True)
class Views:
    total: int
    unique: int
    trend: float
    weeks: tuple[Week, ...]


def trend(values: list[int]) -> float:
    """The slope of the least-squares line through ``values`` at x = 0, 1, 2 …"""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread


class ItemViews:
    """The ``item_views`` table over the metadata database's SQLAlchemy engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def add(self, user_id: str, resource_type: str, resource_id: str,
            now: datetime | None = None) -> None:
        """One view of the resource by the user (now)."""
        day = (now or datetime.now(UTC)).astimezone(UTC).date()
        key = (ItemViewRow.resource_type == resource_type,
               ItemViewRow.resource_id == resource_id)
        one = (*key, ItemViewRow.user_id == user_id, ItemViewRow.day == day)
        for _ in range(2):  # a first view of the day raced by another: count it again
            try:
                with Session(self.db) as s, s.begin():
                    s.execute(delete(ItemViewRow).where(*key, ItemViewRow.day < day - WINDOW))
                    counted = s.execute(update(ItemViewRow).where(*one)
                                        .values(count=ItemViewRow.count + 1))
                    if not getattr(counted, "rowcount", 0):
                        s.add(ItemViewRow(resource_type=resource_type,
                                          resource_id=resource_id, user_id=user_id,
                                          day=day, count=1))
                return
            except IntegrityError:
                continue

    def summary(self, resources: list[tuple[str, str]],
                now: datetime | None = None) -> dict[tuple[str, str], Views]:
        """(resource type, resource id) → its views over the last 28 days (today
        included), for each of ``resources``."""
        today = (now or datetime.now(UTC)).astimezone(UTC).date()
        first = today - WINDOW + timedelta(days=1)
        found: dict[tuple[str, str], list[tuple[str, date, int]]] = {r: [] for r in resources}
        ids = sorted({rid for _, rid in resources})
        if ids:
            query = select(ItemViewRow).where(ItemViewRow.resource_id.in_(ids),
                                              ItemViewRow.day >= first)
            with Session(self.db) as s:
                for row in s.scalars(query):
                    key = (row.resource_type, row.resource_id)
                    if key in found:
                        found[key].append((row.user_id, row.day, row.count))
        return {key: self._views(rows, first) for key, rows in found.items()}

    @staticmethod
    def _views(rows: list[tuple[str, date, int]], first: date) -> Views:
        weeks = []
        for n in range(WEEKS):
            start = first + timedelta(days=7 * n)
            inside = [(u, c) for u, d, c in rows if start <= d < start + timedelta(days=7)]
            weeks.append(Week(datetime.combine(start, time(), UTC),
                              sum(c for _, c in inside), len({u for u, _ in inside})))
        return Views(total=sum(c for _, _, c in rows), unique=len({u for u, _, _ in rows}),
                     trend=trend([w.unique for w in weeks]), weeks=tuple(weeks))

    def forget_resource(self, resource_type: str, resource_id: str) -> None:
        with Session(self.db) as s, s.begin():
            s.execute(delete(ItemViewRow).where(ItemViewRow.resource_type == resource_type,
                                                ItemViewRow.resource_id == resource_id))


def count_rows(db: Engine) -> int:
    """How many rows ``item_views`` holds (for tests of its pruning)."""
    with Session(db) as s:
        return int(s.scalar(select(func.count()).select_from(ItemViewRow)) or 0)
