"""GetProgress while DoReload runs in another thread: the running LOAD's table and rows
so far (qix-api.md §6.3 shape (b)), then the finished lines once, then shape (c)."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pytest

from associa.script import interpreter
from tests.conftest import Client

ROWS = 200_000
BIG = f"Big:\nLOAD RecNo() as N, 'k' & Mod(RecNo(), 97) as K AUTOGENERATE {ROWS};\n"


def reload_in_thread(client: Client, rid: int) -> tuple[threading.Thread, list[dict]]:
    replies: list[dict[str, Any]] = []
    text = json.dumps({"jsonrpc": "2.0", "id": rid, "handle": 1, "method": "DoReload",
                       "params": []})

    def run() -> None:
        reply = client.session.handle(text)
        assert reply is not None
        replies.append(json.loads(reply))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, replies


def poll(client: Client, rid: int, timeout: float = 60) -> list[dict[str, Any]]:
    """GetProgress(rid) until qFinished; every answer."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = client.call("GetProgress", rid)["qProgressData"]
        seen.append(data)
        if data.get("qFinished"):
            return seen
        time.sleep(0.002)
    raise AssertionError("the reload did not finish")


def test_rows_so_far_while_a_reload_runs(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreter, "CHUNK_ROWS", 2000)  # many updates for a short test
    client.call("CreateSessionApp")
    client.call("SetScript", "TRACE starting;\n" + BIG, handle=1)
    rid = 10**6
    thread, replies = reload_in_thread(client, rid)
    seen = poll(client, rid)
    thread.join(60)
    assert replies and replies[0]["result"] == {"qReturn": True}

    running = [d for d in seen if "qFinished" not in d]
    counts = []
    for data in running:
        assert data["qStarted"] is True and data["qErrorData"] == []
        text = data.get("qTransientProgress", "")
        assert data["qTransientProgressMessage"] == {"qMessageCode": 0,
                                                     "qMessageParameters": [text]}
        found = re.fullmatch(r"Big << (\d+) Lines fetched", text)
        if found:
            counts.append(int(found.group(1)))
    assert any(0 < n < ROWS for n in counts), [d.get("qTransientProgress") for d in running]
    assert counts == sorted(counts)

    # every finished line arrives exactly once, each ending in \n
    persistent = "".join(d.get("qPersistentProgress", "") for d in seen)
    assert persistent == f"starting\nBig << AUTOGENERATE {ROWS} Lines fetched\n"
    messages = [m["qMessageParameters"][0] for d in seen for m in d["qPersistentProgressMessages"]]
    assert messages == ["starting", f"Big << AUTOGENERATE {ROWS} Lines fetched"]

    final = seen[-1]
    assert final["qFinished"] is True and "qTransientProgress" not in final
    assert final["qTransientProgressMessage"] == {"qMessageCode": 0, "qMessageParameters": [""]}
    assert client.call("Evaluate", "Count(N)", handle=1) == {"qReturn": str(ROWS)}


def test_cancel_stops_a_load_in_the_middle(client: Client,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreter, "CHUNK_ROWS", 1000)
    client.call("CreateSessionApp")
    client.call("SetScript", BIG, handle=1)
    rid = 10**6
    thread, replies = reload_in_thread(client, rid)
    deadline = time.monotonic() + 60
    while "Lines fetched" not in client.call("GetProgress", rid)["qProgressData"].get(
            "qTransientProgress", ""):
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.002)
    assert client.call("CancelRequest", rid) == {}
    thread.join(60)
    assert replies[0]["error"]["code"] == 15
    data = client.call("GetProgress", rid)["qProgressData"]
    assert data["qFinished"] is True
    # the cancelled reload kept the (empty) model it had
    assert client.call("Evaluate", "Count(N)", handle=1)["qReturn"].startswith("Error")
