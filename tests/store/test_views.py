"""Views of items per user and day (store/views.py), on SQLite and on PostgreSQL: the
last 28 days' total, unique users, weeks and trend; old days pruned; an app's deletion
forgets its views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from associa.store.meta import MetaStore
from associa.store.views import ItemViews, count_rows, trend
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server)
from tests.store.test_items import meta  # noqa: F401  (SQLite and PostgreSQL)

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def test_the_trend_is_the_slope_of_the_weeks() -> None:
    assert trend([0, 1, 2, 3]) == pytest.approx(1.0)
    assert trend([4, 4, 4, 4]) == 0.0
    assert trend([3, 2, 1, 0]) == pytest.approx(-1.0)
    assert trend([0, 0, 0, 2]) == pytest.approx(0.6)
    assert trend([5]) == 0.0


def test_views_by_week(meta: MetaStore) -> None:  # noqa: F811
    views = ItemViews(meta.db)
    for user, ago in [("ann", 0), ("ann", 0), ("bob", 1), ("ann", 10), ("carl", 27),
                      ("dan", 28), ("ann", 3)]:
        views.add(user, "app", "A", days_ago(ago))
    views.add("ann", "app", "B", days_ago(0))
    views.add("ann", "dataset", "A", days_ago(0))  # another resource of the same id
    got = views.summary([("app", "A"), ("app", "C")], NOW)
    a = got[("app", "A")]
    # 28 days, today included: dan's view 28 days ago is out of the window
    assert (a.total, a.unique) == (6, 3)
    assert [(w.total, w.unique) for w in a.weeks] == [(1, 1), (0, 0), (1, 1), (4, 2)]
    assert a.weeks[0].start == datetime(2026, 11, 5, tzinfo=UTC)
    assert a.weeks[3].start == datetime(2026, 11, 26, tzinfo=UTC)
    assert a.trend == pytest.approx(trend([1, 0, 1, 2]))
    none = got[("app", "C")]
    assert (none.total, none.unique, none.trend) == (0, 0, 0.0)
    assert [w.total for w in none.weeks] == [0, 0, 0, 0]


def test_old_days_are_pruned_and_a_deleted_app_forgets_its_views(
        meta: MetaStore) -> None:  # noqa: F811
    views = ItemViews(meta.db)
    views.add("ann", "app", "A", days_ago(40))
    views.add("bob", "app", "A", days_ago(20))
    assert count_rows(meta.db) == 2
    views.add("ann", "app", "A", NOW)  # a new view removes the days out of the window
    assert count_rows(meta.db) == 2
    meta.forget_app("A")
    assert count_rows(meta.db) == 0
