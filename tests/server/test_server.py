"""The real server over real sockets: first frame, bad frames, concurrency, shared
sessions, URL forms, TTL re-attach."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest

from associa.engine import Engine
from associa.qix.sessions import SessionManager, session_key
from associa.script.sources import arrow_csv
from tests.conftest import LISTBOX, SALES_SCRIPT, RunningServer, WsClient

CREATED = {"jsonrpc": "2.0", "method": "OnConnected", "params": {"qSessionState": "SESSION_CREATED"}}
ATTACHED = {"jsonrpc": "2.0", "method": "OnConnected",
            "params": {"qSessionState": "SESSION_ATTACHED"}}


@pytest.mark.parametrize(
    "path",
    ["/app/engineData", "/app/", "/app/some-app.qvf", "/", "/myproxy/app/x",
     "/app/x?reloadUri=http%3A%2F%2Fqlik.com&qlikTicket=abc", "/?qlik-csrf-token=",
     "/app/SessionApp_first", "/app/x/identity/y/ttl/30"],
)
def test_on_connected_is_the_first_frame(server: RunningServer, path: str) -> None:
    with server.connect(path) as ws:
        assert ws.hello == CREATED
        assert "qReturn" in ws.call("QvVersion")


def test_health(server: RunningServer) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/health", timeout=5) as r:
        assert json.loads(r.read())["status"] == "ok"


def test_bad_frames_do_not_close_the_socket(server: RunningServer) -> None:
    with server.connect() as ws:
        for frame in ["garbage", "", "{", "[]", "null", '{"id":1}', "\x00\x01", "{}" * 1000]:
            ws.ws.send(frame)
            reply = ws.recv()
            assert reply["error"]["code"] in (-32700, -32600), frame
        ws.ws.send(b"\xff\xfe\x00binary junk")
        assert ws.recv()["error"]["code"] == -32700
        # a binary frame holding a request is answered like a text frame
        ws.ws.send(json.dumps({"jsonrpc": "2.0", "id": 7, "handle": -1, "method": "QvVersion",
                               "params": []}).encode())
        assert ws.recv()["id"] == 7
        for rid in [10**40, -(10**40), 2**63, "a" * 10_000]:
            assert ws.reply(ws.send("QvVersion", rid=rid))["id"] == rid
        for rid in ["1e400", "1.5", "-0.0"]:
            ws.ws.send(f'{{"jsonrpc":"2.0","id":{rid},"handle":-1,"method":"QvVersion",'
                       '"params":[]}')
            assert "result" in ws.recv()
        ws.ws.send(json.dumps({"jsonrpc": "2.0", "id": 8, "handle": 10**30,
                               "method": "GetLayout", "params": []}))
        assert ws.recv()["error"]["code"] == -32602
        assert ws.call("QvVersion")["qReturn"]


def test_large_frame(server: RunningServer) -> None:
    with server.connect() as ws:
        ws.call("CreateSessionApp")
        rows = "\n".join(f"{i},{i % 7}" for i in range(50_000))
        ws.call("SetScript", f"T: LOAD * INLINE [\nA,B\n{rows}\n];", handle=1)
        assert len(ws.call("GetScript", handle=1)["qScript"]) > 300_000


BIG = "T: LOAD N as A, K as B FROM [lib://data/big.csv] (txt, utf8, embedded labels, delimiter is ',');"


@pytest.fixture
def slow_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrow_csv, "BLOCK_SIZE", 512)  # ~50 rows a batch: about a second


def test_get_progress_answers_while_reloading(server: RunningServer, big_folder: Path) -> None:
    with server.connect() as ws:
        ws.call("CreateSessionApp")
        # running 0.1 s later on any machine: a second's Sleep, then a big file
        ws.call("CreateConnection", {"qName": "data", "qConnectionString": str(big_folder),
                                     "qType": "folder"}, handle=1)
        ws.call("SetScript", "Sleep 1000;\n" + BIG, handle=1)
        reload_id = ws.send("DoReload", handle=1)
        time.sleep(0.1)
        progress_id = ws.send("GetProgress", reload_id)
        first = ws.recv(30)
        while "id" not in first:  # pushes don't count
            first = ws.recv(30)
        assert first["id"] == progress_id
        assert first["result"]["qProgressData"]["qStarted"] is True
        assert first["result"]["qProgressData"].get("qFinished") is not True
        assert ws.reply(reload_id, 30)["result"] == {"qReturn": True}
        done = ws.call("GetProgress", reload_id)["qProgressData"]
        assert done["qFinished"] is True


def test_same_header_shares_the_session(server: RunningServer) -> None:
    headers = {"X-Qlik-Session": "shared-1"}
    with server.connect("/app/", **headers) as a, server.connect("/app/", **headers) as b:
        assert a.hello == CREATED and b.hello == ATTACHED
        a.call("CreateSessionApp")
        a.call("SetScript", SALES_SCRIPT, handle=1)
        a.call("DoReload", handle=1)
        listbox = a.call("CreateSessionObject", LISTBOX, handle=1)["qReturn"]["qHandle"]
        # b sees the same doc and objects under the same handles
        assert b.call("GetActiveDoc")["qReturn"]["qHandle"] == 1
        b.wait_for(lambda m: m.get("change") == [listbox])
        reply = b.request("SelectListObjectValues", "/qListObjectDef", [1], handle=listbox)
        assert reply["result"] == {"qSuccess": True} and listbox in reply["change"]
        # a gets the change pushed, and sees b's selection
        pushed = a.wait_for(lambda m: "id" not in m and listbox in m.get("change", []))
        assert pushed == {"jsonrpc": "2.0", "change": [1, listbox]}
        assert a.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "150"
        # a socket without the header has its own session
        with server.connect("/app/") as c:
            assert c.hello == CREATED
            assert c.request("GetActiveDoc")["error"]["code"] == 1007


def test_reload_elsewhere_is_pushed(server: RunningServer, engine: Engine) -> None:
    engine.create_app("shared", SALES_SCRIPT).reload()
    # two sessions of one app: different X-Qlik-Session values (without the header the
    # two sockets would share one session, as the same document does with auth off)
    with server.connect("/app/shared", X_Qlik_Session="one") as a, \
            server.connect("/app/shared", X_Qlik_Session="two") as b:
        for ws in (a, b):
            ws.call("OpenDoc", "shared")
        listbox = b.call("CreateSessionObject", LISTBOX, handle=1)["qReturn"]["qHandle"]
        assert a.call("DoReload", handle=1) == {"qReturn": True}
        pushed = b.wait_for(lambda m: "id" not in m and 1 in m.get("change", []))
        assert set(pushed["change"]) == {1, listbox}


def test_session_app_url(server: RunningServer) -> None:
    with server.connect("/app/SessionApp_abc123") as ws:
        assert ws.hello == CREATED
        doc = ws.call("GetActiveDoc")
        assert doc == {"qReturn": {"qType": "Doc", "qHandle": 1, "qGenericId": "SessionApp_abc123"}}
        assert ws.call("OpenDoc", "SessionApp_abc123")["qReturn"]["qHandle"] == 1
        assert ws.call("GetScript", handle=1)["qScript"].startswith("///$tab Main")
        assert ws.request("DoSave", handle=1)["error"]["code"] == 9009


def test_engine_data_url_has_no_doc(server: RunningServer) -> None:
    with server.connect("/app/engineData") as ws:
        assert ws.request("GetActiveDoc")["error"] == {
            "code": 1007, "parameter": "No active document", "message": "App invalid"
        }
        assert ws.call("GetDocList") == {"qDocList": []}


def test_ttl_reattach(server: RunningServer, engine: Engine) -> None:
    engine.create_app("kept", SALES_SCRIPT).reload()
    path = "/app/kept/identity/me/ttl/30"
    with server.connect(path) as ws:
        assert ws.hello == CREATED
        ws.call("OpenDoc", "kept")
        field = ws.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
        ws.call("Select", "North", handle=field)
    with server.connect(path) as ws:
        assert ws.hello == ATTACHED
        assert ws.call("GetActiveDoc")["qReturn"] == {"qType": "Doc", "qHandle": 1,
                                                      "qGenericId": "kept"}
        assert ws.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
    # another identity: another session
    with server.connect("/app/kept/identity/you/ttl/30") as ws:
        assert ws.hello == CREATED
        assert ws.request("GetActiveDoc")["error"]["code"] == 1007


def test_without_ttl_a_reconnect_is_a_new_session(server: RunningServer, engine: Engine) -> None:
    engine.create_app("plain", SALES_SCRIPT)
    with server.connect("/app/plain") as ws:
        ws.call("OpenDoc", "plain")
    with server.connect("/app/plain") as ws:
        assert ws.hello == CREATED
        assert ws.request("GetActiveDoc")["error"]["code"] == 1007


def test_encoded_app_id_in_the_url(server: RunningServer, sessions: SessionManager) -> None:
    with server.connect("/app/%2Fapps%2Fx.qvf/identity/i/ttl/30"):
        pass
    assert session_key(None, "/apps/x.qvf", "i") in sessions.sessions


def test_closing_mid_request_is_harmless(server: RunningServer) -> None:
    ws = server.connect()
    ws.call("CreateSessionApp")
    ws.call("SetScript", "T: LOAD RecNo() as A AutoGenerate 50000;", handle=1)
    ws.send("DoReload", handle=1)
    ws.close()
    with server.connect() as again:
        assert again.hello == CREATED
        assert again.call("QvVersion")["qReturn"]


def test_many_requests_in_flight(server: RunningServer) -> None:
    with server.connect() as ws:
        ws.call("CreateSessionApp")
        ws.call("SetScript", SALES_SCRIPT, handle=1)
        ws.call("DoReload", handle=1)
        ids = [ws.send("Evaluate", "Sum(Amount)", handle=1) for _ in range(50)]
        replies = {}
        while len(replies) < len(ids):
            msg = ws.recv()
            if "id" in msg:
                replies[msg["id"]] = msg
        assert sorted(replies) == ids
        assert all(r["result"] == {"qReturn": "310"} for r in replies.values())


def test_client_helper_reads_pushes(server: RunningServer) -> None:
    """A sanity check of the helper: a reply for an unknown id times out."""
    with server.connect() as ws:
        with pytest.raises(TimeoutError):
            ws.reply(12345, timeout=0.2)


def test_server_keeps_serving_after_a_socket_error(server: RunningServer) -> None:
    ws = WsClient(f"{server.url}/app/")
    ws.ws.socket.close()  # drop the TCP connection without a close frame
    time.sleep(0.1)
    with server.connect() as again:
        assert again.call("QvVersion")["qReturn"]


def test_cancel_a_reload(server: RunningServer, big_folder: Path, slow_reads: None) -> None:
    with server.connect() as ws:
        ws.call("CreateSessionApp")
        ws.call("SetScript", "T: LOAD RecNo() as A AutoGenerate 10;", handle=1)
        ws.call("DoReload", handle=1)
        # cancelling acts between the batches of a file
        ws.call("CreateConnection", {"qName": "data", "qConnectionString": str(big_folder),
                                     "qType": "folder"}, handle=1)
        ws.call("SetScript", BIG, handle=1)
        reload_id = ws.send("DoReload", handle=1)
        time.sleep(0.1)
        assert ws.call("CancelRequest", reload_id) == {}
        reply = ws.reply(reload_id, 30)
        assert reply["error"]["code"] == 15
        # the old data stays, and a new reload runs
        assert ws.call("Evaluate", "Count(A)", handle=1)["qReturn"] == "10"
        ws.call("SetScript", "T: LOAD RecNo() as A AutoGenerate 3;", handle=1)
        assert ws.call("DoReload", handle=1) == {"qReturn": True}
