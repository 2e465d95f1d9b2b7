"""The connection's own requests, on both flavours: a long request watched through
GetProgress with its request id while it runs (what ``associa reload --engine`` shows)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from associa.client import EngineError, Global, connect
from tests.commands import free_port

SLOW = "Big: LOAD RecNo() AS N, Mod(RecNo(), 7) AS M AUTOGENERATE 150000;"


def test_a_long_request_tells_its_progress_while_it_runs(qix: Global) -> None:
    app = qix.create_session_app()
    app.set_script(SLOW)
    seen: list[dict[str, Any]] = []
    result = qix.connection.call_watching(app.handle, "DoReloadEx", {"qParams": {}},
                                          seen.append, 0.01)
    assert result["qResult"]["qSuccess"] is True
    # asked while it ran: this request's own progress (the running LOAD), which
    # another request id would not show (an unknown id answers an empty, finished one)
    running = [s for s in seen if not s.get("qFinished")]
    assert running and any("Big <<" in s["qTransientProgress"] for s in running)
    # once more when it has ended: finished, with its duration
    assert seen[-1]["qFinished"] is True and seen[-1]["qMillisecs"] > 0
    assert app.evaluate("Count(N)") == "150000"  # the reload's data is there


def test_a_failing_long_request_raises_the_engines_error(qix: Global) -> None:
    app = qix.create_session_app()
    app.set_script(SLOW)
    seen: list[dict[str, Any]] = []
    with pytest.raises(EngineError) as info:
        qix.connection.call_watching(app.handle, "DoReloadEx",
                                     {"qParams": {"qMode": "fast"}}, seen.append, 0.01)
    assert (info.value.code, info.value.parameter) == (8, "qMode")  # InvalidParameters
    assert app.get_tables_and_keys({}, {}, 0, False, False)["qtr"] == []  # nothing loaded


def test_a_connection_that_cannot_be_made_leaves_no_thread_behind() -> None:
    def notifiers() -> int:
        return sum(t.name == "associa-client-changes" for t in threading.enumerate())

    before = notifiers()
    with pytest.raises(OSError):
        connect(f"ws://127.0.0.1:{free_port()}/app/", reconnect_for=0)
    deadline = time.monotonic() + 5
    while notifiers() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert notifiers() == before
