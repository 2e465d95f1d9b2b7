"""Request counts per method (for /metrics): answered, failed, seconds, in flight."""

from __future__ import annotations

from associa.qix.sessions import SessionManager
from associa.qix.stats import RequestStats
from tests.conftest import Client


def test_counts() -> None:
    stats = RequestStats()
    stats.started()
    stats.started()
    assert stats.in_flight == 2
    stats.finished("OpenDoc", 0.5, False)
    stats.finished("OpenDoc", 0.25, True)
    snap = stats.snapshot()
    assert stats.in_flight == 0
    assert (snap["OpenDoc"].requests, snap["OpenDoc"].errors, snap["OpenDoc"].seconds) == (2, 1, 0.75)
    snap["OpenDoc"].requests = 99  # a copy
    assert stats.snapshot()["OpenDoc"].requests == 2


def test_the_table_stays_bounded() -> None:
    stats = RequestStats()
    for i in range(1500):
        stats.started()
        stats.finished(f"m{i}", 0.0, False)
    snap = stats.snapshot()
    assert len(snap) == 1001 and snap["unknown"].requests == 500


def test_sessions_count_their_requests(sessions: SessionManager) -> None:
    """Requests are counted by the method the engine knows; anything else (unknown
    names, texts that are no request) as "unknown", so a client cannot grow the table."""
    c = Client(sessions, "k")
    c.call("QvVersion")
    c.error("NoSuchMethod")
    c.send_text("garbage")
    snap = sessions.stats.snapshot()
    assert snap["QvVersion"].requests == 1 and snap["QvVersion"].errors == 0
    assert snap["unknown"].requests == 2 and snap["unknown"].errors == 2
    assert "NoSuchMethod" not in snap
    c.close()
