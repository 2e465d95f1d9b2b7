"""Shared fixtures: an engine in a temporary folder, an in-process QIX client that sends
requests by method and params and returns parsed replies, and a real server on a free
port in a background thread with a small WebSocket client for it."""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from associa.engine import Engine
from associa.identity import ANONYMOUS, Identity
from associa.qix.sessions import SessionManager
from associa.settings import Settings

# A small model used across the protocol tests: two tables linked by Region.
SALES_SCRIPT = """\
Sales:
LOAD * INLINE [
Region, Product, Amount
North, Bike, 100
North, Lock, 20
South, Bike, 150
East, Helmet, 40
];

Regions:
LOAD * INLINE [
Region, Manager
North, Ann
South, Bob
East, Cid
];
"""

LISTBOX = {
    "qInfo": {"qType": "listbox"},
    "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Region"], "qSortCriterias": [{"qSortByAscii": 1}]},
        "qShowAlternatives": True,
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}],
    },
}

CUBE = {
    "qInfo": {"qType": "table"},
    "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}],
    },
}


class QixError(AssertionError):
    """A reply carried an error where a result was expected."""


class Client:
    """One in-process connection to a session of ``sessions``: ``send`` gives the whole
    reply, ``call`` the ``result`` (and fails on an error). Pushed texts land in
    ``pushed``."""

    def __init__(
        self,
        sessions: SessionManager,
        key: str | None = None,
        url_app: str | None = None,
        ttl: int | None = None,
        identity: Identity = ANONYMOUS,
    ) -> None:
        self.sessions = sessions
        self.engine = sessions.engine
        self.session, attached = sessions.session(key, url_app, ttl, identity=identity)
        self.pushed: list[dict[str, Any]] = []
        self.hello = json.loads(self.session.attach(self.receive, attached))
        self._ids = itertools.count(1)
        self.last: dict[str, Any] = {}

    def receive(self, text: str) -> None:
        self.pushed.append(json.loads(text))

    def send_text(self, text: str | bytes) -> dict[str, Any]:
        reply = self.session.handle(text, self.receive)
        assert reply is not None
        self.last = json.loads(reply)
        return self.last

    def send(
        self,
        method: str,
        *params: Any,
        handle: int = -1,
        named: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "jsonrpc": "2.0",
            "id": next(self._ids),
            "handle": handle,
            "method": method,
            "params": named if named is not None else list(params),
        }
        msg.update(extra)
        reply = self.send_text(json.dumps(msg))
        assert reply.get("id") == msg["id"], reply
        return reply

    def call(self, method: str, *params: Any, handle: int = -1, **kw: Any) -> dict[str, Any]:
        reply = self.send(method, *params, handle=handle, **kw)
        if "error" in reply:
            raise QixError(f"{method}: {reply['error']}")
        assert isinstance(reply.get("result"), dict), reply
        return reply["result"]

    def error(self, method: str, *params: Any, handle: int = -1, **kw: Any) -> dict[str, Any]:
        reply = self.send(method, *params, handle=handle, **kw)
        assert "error" in reply and "result" not in reply, reply
        return reply["error"]

    # -- common flows ----------------------------------------------------------------

    def session_app(self, script: str | None = SALES_SCRIPT) -> int:
        """Create a session app, load ``script`` into it; the Doc handle."""
        handle = self.call("CreateSessionApp")["qReturn"]["qHandle"]
        if script is not None:
            self.call("SetScript", script, handle=handle)
            assert self.call("DoReload", handle=handle) == {"qReturn": True}
        return handle

    def create(self, props: dict[str, Any], doc: int = 1, session: bool = True) -> int:
        method = "CreateSessionObject" if session else "CreateObject"
        return self.call(method, props, handle=doc)["qReturn"]["qHandle"]

    def layout(self, handle: int) -> dict[str, Any]:
        return self.call("GetLayout", handle=handle)["qLayout"]

    def close(self) -> None:
        if self.session.detach(self.receive) == 0:
            self.sessions.release(self.session)


@pytest.fixture(autouse=True)
def clustered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test's models store their tables grouped by a key from two rows on (the
    engine does so from ``clustering.MIN_ROWS`` rows), so that every answer the tests
    check is also checked over regrouped rows; ``unclustered`` keeps the load order."""
    from associa.model import clustering

    monkeypatch.setattr(clustering, "MIN_ROWS", 2)


@pytest.fixture
def unclustered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables stored in load order (for tests of what a table's load order gives)."""
    from associa.model import clustering

    monkeypatch.setattr(clustering, "MIN_ROWS", 1 << 62)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def engine(data_dir: Path) -> Engine:
    return Engine(Settings(data_dir=data_dir))


@pytest.fixture
def sessions(engine: Engine) -> Iterator[SessionManager]:
    """The QIX sessions over ``engine`` (the ``server`` fixture serves these too)."""
    manager = SessionManager(engine)
    yield manager
    manager.shutdown()


@pytest.fixture
def make_client(sessions: SessionManager) -> Iterator[Callable[..., Client]]:
    made: list[Client] = []

    def make(key: str | None = None, url_app: str | None = None, ttl: int | None = None,
             identity: Identity = ANONYMOUS) -> Client:
        c = Client(sessions, key, url_app, ttl, identity)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def client(make_client: Callable[..., Client]) -> Client:
    return make_client()


def two_sessions_on_one_app(make_client: Callable[..., Client],
                            name: str = "two-sessions") -> tuple[Client, Client]:
    """Two sessions with one saved app (SALES_SCRIPT loaded) open as handle 1 in each:
    a session app is its session's alone, so what sessions share is a saved app."""
    first, other = make_client(), make_client()
    first.engine.create_app(name, SALES_SCRIPT).reload()
    for c in (first, other):
        c.call("OpenDoc", name)
    return first, other


@pytest.fixture
def loaded(client: Client) -> Client:
    """A client whose session has a session app (handle 1) with SALES_SCRIPT loaded."""
    assert client.session_app() == 1
    return client


# -- a real server ---------------------------------------------------------------------


class RunningServer:
    def __init__(self, engine: Engine, sessions: SessionManager | None = None) -> None:
        import uvicorn

        from associa.server.app import create_app
        from associa.server.runner import bind

        self.engine = engine
        sock = bind("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}"
        self.app = create_app(engine, sessions)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            ws_max_size=engine.settings.max_message_bytes,
            ws_ping_interval=None,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)

    def stop(self, wait: bool = True) -> None:
        """Stop serving and the REST API's threads. Without ``wait`` the server's own
        shutdown (uvicorn: up to a tick of 0.1 s, then a pause of 0.1 s) ends in its
        thread after this returns: for a test whose clients are closed, nothing is
        left for it to answer."""
        from associa.server.app import close

        self.server.should_exit = True
        if wait:
            self.thread.join(10)
        close(self.app)  # the REST API's threads end with the server

    def connect(self, path: str = "/app/engineData", **headers: str) -> WsClient:
        return WsClient(f"{self.url}{path}", headers)


class WsClient:
    """A blocking WebSocket client: ``request`` sends and waits for the reply with that
    id; everything else received meanwhile (pushes, other replies) is kept in
    ``others``."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        from websockets.sync.client import connect

        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(
            connect(
                url,
                additional_headers={k.replace("_", "-"): v for k, v in (headers or {}).items()},
                open_timeout=10,
                max_size=None,
            )
        )
        self.hello = json.loads(self.ws.recv(timeout=10))
        self._ids = itertools.count(1)
        self.others: list[dict[str, Any]] = []
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()

    def send(self, method: str, *params: Any, handle: int = -1, rid: Any = None) -> Any:
        rid = next(self._ids) if rid is None else rid
        self.ws.send(
            json.dumps(
                {"jsonrpc": "2.0", "id": rid, "handle": handle, "method": method,
                 "params": list(params)}
            )
        )
        return rid

    def recv(self, timeout: float = 10) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def reply(self, rid: Any, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(deadline - time.monotonic(), 0.01))
            if "id" in msg and msg["id"] == rid and ("result" in msg or "error" in msg):
                return msg
            self.others.append(msg)

    def request(self, method: str, *params: Any, handle: int = -1) -> dict[str, Any]:
        return self.reply(self.send(method, *params, handle=handle))

    def call(self, method: str, *params: Any, handle: int = -1) -> dict[str, Any]:
        msg = self.request(method, *params, handle=handle)
        if "error" in msg:
            raise QixError(f"{method}: {msg['error']}")
        return msg["result"]

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10) -> dict:
        for msg in self.others:
            if pred(msg):
                self.others.remove(msg)
                return msg
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(deadline - time.monotonic(), 0.01))
            if pred(msg):
                return msg
            self.others.append(msg)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> WsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def server(engine: Engine, sessions: SessionManager) -> Iterator[RunningServer]:
    srv = RunningServer(engine, sessions)
    yield srv
    srv.stop()


# -- a big file to reload ---------------------------------------------------------------

BIG_ROWS = 400_000  # rows of big.csv: N (1, 2, …) and K (97 texts)


def write_rows_csv(path: Path, rows: int) -> None:
    """``N,K`` then ``i,k<i % 97>`` for i = 1..rows."""
    n = np.arange(1, rows + 1)
    body = np.char.add(np.char.add(n.astype(str), ",k"), (n % 97).astype(str))
    path.write_text("N,K\n" + "\n".join(body.tolist()) + "\n")


@pytest.fixture(scope="session")
def big_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with big.csv (``BIG_ROWS`` rows), for reloads long enough to watch: read
    in small batches (patch ``arrow_csv.BLOCK_SIZE``) they report progress many times."""
    folder = tmp_path_factory.mktemp("big")
    write_rows_csv(folder / "big.csv", BIG_ROWS)
    return folder
