"""The endpoint over real sockets: who shares a session (both modes of the sharing rule),
TTL re-attach and expiry, session apps from a template, and the close codes a client
sees (4202, 4204, 4205, 4230; 1001 at a stop), with /health and /metrics."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from associa.engine import Engine
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.conftest import SALES_SCRIPT, RunningServer, WsClient

CREATED = "SESSION_CREATED"
ATTACHED = "SESSION_ATTACHED"


def closed_with(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Connect and read until the server closes the socket: its code and reason. A
    refused upgrade sends nothing before the close (not even OnConnected)."""
    with connect(url, additional_headers=headers or {}, open_timeout=10) as ws:
        try:
            first = ws.recv(timeout=10)
        except ConnectionClosed as exc:
            assert exc.rcvd is not None
            return exc.rcvd.code, exc.rcvd.reason
    raise AssertionError(f"the socket stayed open and said {first!r}")


def wait_closed(ws: WsClient, timeout: float = 10) -> tuple[int, str, list[dict[str, Any]]]:
    """Read a socket until it closes: code, reason and what came before."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            seen.append(json.loads(ws.ws.recv(timeout=max(deadline - time.monotonic(), 0.01))))
        except ConnectionClosed as exc:
            assert exc.rcvd is not None
            return exc.rcvd.code, exc.rcvd.reason, seen


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Servers over engines with the given settings."""
    made: list[tuple[RunningServer, SessionManager]] = []

    def make(**settings: Any) -> RunningServer:
        engine = Engine(Settings(data_dir=tmp_path / "data", **settings))
        sessions = SessionManager(engine)
        made.append((RunningServer(engine, sessions), sessions))
        return made[-1][0]

    yield make
    for srv, sessions in made:
        srv.stop()
        sessions.shutdown()


# -- sharing -------------------------------------------------------------------------


def test_same_document_shares_without_the_header(server: RunningServer, engine: Engine) -> None:
    """Authentication off: a second socket to the same document shares the session
    (its selections and objects); a new header value forces a new session."""
    engine.create_app("doc-share", SALES_SCRIPT).reload()
    with server.connect("/app/doc-share") as a, server.connect("/app/doc-share") as b:
        assert a.hello["params"]["qSessionState"] == CREATED
        assert b.hello["params"]["qSessionState"] == ATTACHED
        a.call("OpenDoc", "doc-share")
        field = a.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
        a.call("Select", "North", handle=field)
        assert b.call("GetActiveDoc")["qReturn"]["qHandle"] == 1
        assert b.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
        with server.connect("/app/doc-share", X_Qlik_Session="new-one") as c:
            assert c.hello["params"]["qSessionState"] == CREATED
            assert c.request("GetActiveDoc")["error"]["code"] == 1007
        with server.connect("/app/other-doc") as d:
            assert d.hello["params"]["qSessionState"] == CREATED


def test_same_header_shares_across_documents(server: RunningServer) -> None:
    with server.connect("/app/x", X_Qlik_Session="h") as a, \
            server.connect("/app/y", X_Qlik_Session="h") as b:
        assert b.hello["params"]["qSessionState"] == ATTACHED
        a.call("CreateSessionApp")
        assert b.call("GetActiveDoc")["qReturn"]["qHandle"] == 1


def test_global_only_urls_do_not_share(server: RunningServer) -> None:
    with server.connect("/app/engineData") as a, server.connect("/app/engineData") as b:
        assert a.hello["params"]["qSessionState"] == b.hello["params"]["qSessionState"] == CREATED
        a.call("CreateSessionApp")
        assert b.request("GetActiveDoc")["error"]["code"] == 1007


# -- lifetime ------------------------------------------------------------------------


def test_ttl_reattach_then_expiry(server: RunningServer, sessions: SessionManager) -> None:
    path = "/app/SessionApp_kept/ttl/1"
    with server.connect(path) as ws:
        ws.call("SetScript", SALES_SCRIPT, handle=1)
        ws.call("DoReload", handle=1)
        ws.call("CreateSessionObject", {"qInfo": {"qId": "lb", "qType": "x"}}, handle=1)
    with server.connect(path) as ws:
        assert ws.hello["params"]["qSessionState"] == ATTACHED
        assert ws.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"] is not None
        assert ws.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    deadline = time.monotonic() + 10
    while sessions.sessions and time.monotonic() < deadline:  # the sweeper ends it
        time.sleep(0.1)
    assert sessions.sessions == {}
    with server.connect(path) as ws:
        assert ws.hello["params"]["qSessionState"] == CREATED
        assert ws.call("GetScript", handle=1)["qScript"] != SALES_SCRIPT


def test_session_app_from_a_template(server: RunningServer, engine: Engine) -> None:
    tpl = engine.create_app("template", SALES_SCRIPT)
    tpl.create_object({"qInfo": {"qId": "chart", "qType": "barchart"}})
    with server.connect("/app/SessionApp_t?from=template") as ws:
        assert ws.call("GetScript", handle=1)["qScript"] == SALES_SCRIPT
        assert ws.call("GetObject", "chart", handle=1)["qReturn"]["qHandle"] is not None
        assert ws.call("GetAppLayout", handle=1)["qLayout"]["qHasData"] is False
        assert ws.call("DoReload", handle=1) == {"qReturn": True}
        assert ws.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"


# -- close codes ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/app/x/ttl/abc", "/app/x/ttl", "/app/%FF", "/app/a%00b",
                                  "/app/" + "x" * 600])
def test_malformed_url_closes_4202(server: RunningServer, path: str) -> None:
    assert closed_with(server.url + path) == (4202, "Malformed request")


def test_oversized_session_header_closes_4202(server: RunningServer) -> None:
    assert closed_with(f"{server.url}/app/x", {"X-Qlik-Session": "h" * 600}) == (
        4202, "Malformed request")


def test_missing_template_closes_4204(server: RunningServer, sessions: SessionManager) -> None:
    assert closed_with(f"{server.url}/app/SessionApp_t?from=nosuch") == (
        4204, "App not found or deleted")
    assert sessions.sessions == {}


def test_an_unknown_app_in_the_url_does_not_refuse_the_socket(server: RunningServer) -> None:
    """Development mode: the engine opens no app because of the URL, and corectl and
    enigma's examples connect to /app/<id> before CreateApp makes it (with
    authentication on, an administrator's OpenDoc of the URL's unknown app closes the
    socket with 4204: tests/server/test_auth.py)."""
    with server.connect("/app/made-later") as ws:
        assert ws.request("OpenDoc", "made-later")["error"]["code"] == 1003
        assert ws.call("CreateApp", "made-later")["qSuccess"] is True
        assert ws.call("OpenDoc", "made-later")["qReturn"]["qType"] == "Doc"


def test_deleting_an_open_app_closes_every_socket_on_it(server: RunningServer,
                                                        engine: Engine) -> None:
    engine.create_app("doomed")
    engine.create_app("kept")
    with server.connect("/app/doomed", X_Qlik_Session="1") as a, \
            server.connect("/app/doomed", X_Qlik_Session="2") as b, \
            server.connect("/app/kept") as c:
        a.call("OpenDoc", "doomed")
        b.call("OpenDoc", "doomed")
        c.call("OpenDoc", "kept")
        rid = c.send("DeleteApp", "doomed")
        assert c.reply(rid) == {"jsonrpc": "2.0", "id": rid, "result": {"qSuccess": True}}
        for ws in (a, b):
            code, reason, _ = wait_closed(ws)
            assert (code, reason) == (4204, "App not found or deleted")
        assert c.call("GetActiveDoc")["qReturn"]["qHandle"] == 1  # c is untouched


def test_max_sessions_closes_4205(make_server: Callable[..., RunningServer]) -> None:
    limited = make_server(max_sessions=1)
    with limited.connect("/app/a"):
        assert closed_with(f"{limited.url}/app/b") == (4205, "Engine busy: too many requests")
        with limited.connect("/app/a") as same:  # joining the session is no new session
            assert same.hello["params"]["qSessionState"] == ATTACHED


def test_max_apps_in_memory_closes_4230(make_server: Callable[..., RunningServer]) -> None:
    limited = make_server(max_apps_in_memory=1)
    engine = limited.engine
    for name in ("a", "b"):
        engine.save_app(engine.create_app(name))
    engine.apps.clear()
    with limited.connect("/app/a") as a, limited.connect("/app/b") as b:
        a.call("OpenDoc", "a")
        rid = b.send("OpenDoc", "b")
        code, reason, seen = wait_closed(b)
        assert (code, reason) == (4230, "Too many open apps")
        assert seen[-1]["id"] == rid and seen[-1]["error"]["code"] == 19
        assert a.call("GetActiveDoc")["qReturn"]["qHandle"] == 1


# -- health and metrics -----------------------------------------------------------------


def get(server: RunningServer, path: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5) as r:
        return r.status, r.headers["content-type"], r.read().decode()


def test_health(server: RunningServer) -> None:
    status, kind, body = get(server, "/health")
    data = json.loads(body)
    assert status == 200 and kind == "application/json"
    assert data["status"] == "ok" and data["sessions"] == 0


def samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_metrics(server: RunningServer, engine: Engine) -> None:
    engine.create_app("m", SALES_SCRIPT)
    with server.connect("/app/m") as ws:
        ws.call("OpenDoc", "m")
        ws.call("DoReload", handle=1)
        ws.request("NoSuchMethod")
        for _ in range(3):
            ws.call("Evaluate", "Sum(Amount)", handle=1)
        status, kind, body = get(server, "/metrics")
    assert status == 200 and kind.startswith("text/plain; version=0.0.4")
    got = samples(body)
    assert got["associa_sessions"] == 1 and got["associa_sockets"] == 1
    assert got['associa_requests_total{method="Evaluate"}'] == 3
    assert got['associa_requests_total{method="unknown"}'] == 1
    assert got['associa_request_errors_total{method="unknown"}'] == 1
    assert got['associa_apps_in_memory{kind="app"}'] == 1
    assert got["associa_reload_duration_seconds_count"] == 1
    assert got['associa_reload_duration_seconds_bucket{le="+Inf"}'] == 1
    assert got["associa_reload_duration_seconds_sum"] > 0
    assert got["associa_resident_memory_bytes"] > 10_000_000
    for line in body.splitlines():  # every family is declared before its samples
        if line.startswith("# TYPE"):
            assert line.split()[3] in ("gauge", "counter", "histogram")


def test_drain_closes_sockets_with_1001(server: RunningServer) -> None:
    from associa.server.app import drain

    app = server.server.config.app
    with server.connect("/app/x") as ws:
        ws.call("QvVersion")
        loop = app.state.sweeper.get_loop()  # the server's event loop
        asyncio.run_coroutine_threadsafe(drain(app, 1), loop).result(10)
        code, reason, _ = wait_closed(ws)
        assert (code, reason) == (1001, "Server shutting down")
    assert closed_with(f"{server.url}/app/y") == (1001, "Server shutting down")
    status = urllib.request.Request(f"http://127.0.0.1:{server.port}/health")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(status, timeout=5)
    assert caught.value.code == 503
    caught.value.close()
