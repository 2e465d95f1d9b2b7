"""GetProgress while DoReload runs in another thread: the running LOAD's table and rows
read so far (qix-api.md §6.3 shape (b)), then the finished lines once, then shape (c);
CancelRequest in the middle of a file. The reload reads a big file in small batches, so
that it runs long enough to be watched."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from associa.script.sources import arrow_csv
from tests.conftest import BIG_ROWS as ROWS
from tests.conftest import Client

BIG = "Big:\nLOAD * FROM [lib://data/big.csv] (txt, utf8, embedded labels, delimiter is ',');\n"


@pytest.fixture
def big(client: Client, big_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Client:
    """A session app with a connection to big.csv, read a few hundred rows at a time."""
    monkeypatch.setattr(arrow_csv, "BLOCK_SIZE", 1024)
    client.call("CreateSessionApp")
    client.call("CreateConnection", {"qName": "data", "qConnectionString": str(big_folder),
                                     "qType": "folder"}, handle=1)
    return client


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


def poll(client: Client, rid: int, thread: threading.Thread,
         timeout: float = 60) -> list[dict[str, Any]]:
    """GetProgress(rid) until qFinished once the reload's thread is done (a request id the
    engine has not seen yet answers finished too); every answer."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = not thread.is_alive()
        data = client.call("GetProgress", rid)["qProgressData"]
        seen.append(data)
        if data.get("qFinished") and done:
            return seen
        time.sleep(0.002)
    raise AssertionError("the reload did not finish")


def test_rows_so_far_while_a_reload_runs(big: Client) -> None:
    client = big
    client.call("SetScript", "TRACE starting;\n" + BIG, handle=1)
    rid = 10**6
    thread, replies = reload_in_thread(client, rid)
    seen = poll(client, rid, thread)
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
    assert persistent == f"starting\nBig << big {ROWS} Lines fetched\n"
    messages = [m["qMessageParameters"][0] for d in seen for m in d["qPersistentProgressMessages"]]
    assert messages == ["starting", f"Big << big {ROWS} Lines fetched"]

    final = seen[-1]
    assert final["qFinished"] is True and "qTransientProgress" not in final
    assert final["qTransientProgressMessage"] == {"qMessageCode": 0, "qMessageParameters": [""]}
    assert client.call("Evaluate", "Count(N)", handle=1) == {"qReturn": str(ROWS)}


def test_cancel_stops_a_load_in_the_middle_of_a_file(big: Client) -> None:
    client = big
    client.call("SetScript", BIG, handle=1)
    rid = 10**6
    thread, replies = reload_in_thread(client, rid)
    deadline = time.monotonic() + 60
    text = ""
    while "Lines fetched" not in text:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.002)
        text = client.call("GetProgress", rid)["qProgressData"].get("qTransientProgress", "")
    assert client.call("CancelRequest", rid) == {}
    thread.join(60)
    assert replies[0]["error"]["code"] == 15
    found = re.fullmatch(r"Big << (\d+) Lines fetched", text)
    assert found and int(found.group(1)) < ROWS  # cancelled while the file was read
    data = client.call("GetProgress", rid)["qProgressData"]
    assert data["qFinished"] is True
    # the cancelled reload kept the (empty) model it had
    assert client.call("Evaluate", "Count(N)", handle=1)["qReturn"].startswith("Error")
