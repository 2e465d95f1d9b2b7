"""The server's log, from a real ``associa serve`` process: one line per connection
(open, closed), per reload (its lines, then duration, tables and rows) and per error
answered; ``--log-format json`` writes JSON lines, ``--log-level`` filters, and
uvicorn's own lines stay out."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.commands import serving
from tests.conftest import WsClient
from tests.server.test_startup import saved_app


def session_with_a_reload_and_an_error(url: str) -> None:
    with WsClient(f"{url}/app/a") as ws:
        doc = ws.call("OpenDoc", "a")["qReturn"]["qHandle"]
        assert ws.call("DoReload", handle=doc) == {"qReturn": True}
        assert ws.request("NoSuchMethod")["error"]["code"] == -32601


def test_json_lines(tmp_path: Path) -> None:
    saved_app(tmp_path / "data")
    with serving("--port", "0", "--data-dir", str(tmp_path / "data"),
                 "--log-format", "json") as served:
        session_with_a_reload_and_an_error(served.url)
        served.wait_for_log("connection closed")
        lines = [json.loads(line) for line in served.err]  # every line is JSON
    events = {}
    for line in lines:
        assert set(line) >= {"time", "level", "logger", "event"}, line
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
        events.setdefault(line["event"], []).append(line)
    assert not [ln for ln in lines if ln["logger"].startswith(("uvicorn", "websockets"))]
    (opened,) = events["connection open"]
    (closed,) = events["connection closed"]
    assert opened["app"] == closed["app"] == "a" and opened["session"] == closed["session"]
    assert opened["level"] == "info" and opened["attached"] is False
    assert closed["requests"] == 3 and closed["seconds"] >= 0
    assert [e["line"] for e in events["reload progress"]] == [
        "T << AUTOGENERATE 1 Lines fetched"]
    (done,) = events["reload finished"]
    assert (done["app"], done["tables"], done["rows"]) == ("a", 1, 1)
    assert isinstance(done["seconds"], float)
    (failed,) = events["request failed"]
    assert failed["level"] == "warning"
    assert (failed["method"], failed["code"], failed["message"]) == (
        "NoSuchMethod", -32601, "Method not found")
    assert failed["session"] == opened["session"]
    assert len(failed["request_id"]) == 16  # the request's id, on each line it logs
    assert done["request_id"] != failed["request_id"]
    assert {ln["request_id"] for ln in events["reload progress"]} == {done["request_id"]}


def test_text_lines_and_level(tmp_path: Path) -> None:
    saved_app(tmp_path / "data")
    with serving("--port", "0", "--data-dir", str(tmp_path / "data")) as served:
        session_with_a_reload_and_an_error(served.url)
        line = served.wait_for_log("connection closed")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO associa\.server: "
                            r"connection closed app=a session=\S+ seconds=[\d.]+ requests=3\n",
                            line), line
        served.wait_for_log(r"WARNING associa\.qix: request failed method=NoSuchMethod "
                            r"code=-32601 message=\"Method not found\"")
        served.wait_for_log(r"INFO associa\.reload: reload finished app=a seconds=[\d.]+ "
                            r"tables=1 rows=1$")
    with serving("--port", "0", "--data-dir", str(tmp_path / "data"),
                 "--log-level", "warning") as served:
        session_with_a_reload_and_an_error(served.url)
        served.wait_for_log("request failed")
    assert not [ln for ln in served.err if " INFO " in ln], served.err
