"""QIX for the CLI: one JSON-RPC connection, in process or over a WebSocket.

Every command that reads or changes an app talks QIX through ``Qix``, so the same code
runs against the data folder (``Qix.local``: a session of an in-process engine, no
socket) and against a running engine (``Qix.remote``, ``--engine ws://host:port``).
Methods carry QIX's names in snake case (``open_doc`` is OpenDoc); this is the one
module that knows the wire, so it can give way to ``associa.client`` later.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from associa.engine import Engine

Send = Callable[[str], str]  # a request's text in, its response's text out

# how many cells one GetHyperCubeData page asks for (the engine's limit is 10,000)
PAGE_CELLS = 10_000
POLL_SECONDS = 0.2  # how often a reload's progress is asked for


class QixFailure(Exception):
    """A QIX error response, or a connection that failed: ``message`` is for people."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def error_text(error: dict[str, Any]) -> str:
    message = str(error.get("message") or f"error {error.get('code')}")
    parameter = error.get("parameter")
    return f"{message}: {parameter}" if parameter and parameter not in message else message


class Qix:
    """A QIX connection: ``call`` sends one request and answers its result."""

    def __init__(self, send: Send, close: Callable[[], None]) -> None:
        self._send = send
        self._close = close
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        return next(self._ids)

    @classmethod
    @contextmanager
    def local(cls, engine: Engine) -> Iterator[Qix]:
        """A session of ``engine`` (the data folder's apps), without a socket."""
        from associa.qix.sessions import SessionManager

        # the engine's request log is for a server's operator: a command's failures are
        # its own one-line messages (without a handler, Python would print warnings)
        logging.getLogger("associa").addHandler(logging.NullHandler())
        manager = SessionManager(engine)
        session, _ = manager.session(None)
        pushed: list[str] = []
        session.attach(pushed.append, False)

        def send(text: str) -> str:
            reply = session.handle(text, pushed.append)
            pushed.clear()
            return reply or "{}"

        def close() -> None:
            session.detach(pushed.append)
            manager.release(session)

        qix = cls(send, close)
        try:
            yield qix
        finally:
            qix._close()

    @classmethod
    @contextmanager
    def remote(cls, url: str) -> Iterator[Qix]:
        """A connection to the engine at ``url`` (ws://host:port or ws://host:port/app/x)."""
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        try:
            socket = connect(url, open_timeout=10, max_size=None)
        except (OSError, WebSocketException, TimeoutError, ValueError) as exc:
            raise QixFailure(f"cannot connect to {url}: {exc}", unreachable=True) from exc
        waiting: dict[Any, Future[str]] = {}
        lock = threading.Lock()

        def read() -> None:
            """Route each response to the request awaiting it; pushed notifications
            (OnConnected, change lists) are skipped."""
            try:
                for raw in socket:
                    text = raw if isinstance(raw, str) else raw.decode("utf-8")
                    with lock:
                        future = waiting.pop(json.loads(text).get("id"), None)
                    if future is not None:
                        future.set_result(text)
            except (OSError, WebSocketException):
                pass
            with lock:
                left = list(waiting.values())
                waiting.clear()
            for future in left:
                future.set_exception(QixFailure(f"connection to {url} lost", unreachable=True))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        def send(text: str) -> str:
            future: Future[str] = Future()
            with lock:
                waiting[json.loads(text)["id"]] = future
            try:
                socket.send(text)
            except (OSError, WebSocketException) as exc:
                raise QixFailure(f"connection to {url} lost: {exc}", unreachable=True) from exc
            return future.result()

        def close() -> None:
            socket.close()
            reader.join(5)

        qix = cls(send, close)
        try:
            yield qix
        finally:
            qix._close()

    def call(self, method: str, handle: int = -1, request_id: int | None = None,
             **params: Any) -> dict[str, Any]:
        """One request's result (safe from several threads at once); ``request_id``:
        the id to send (GetProgress names a running request by it)."""
        rid = next(self._ids) if request_id is None else request_id
        text = json.dumps({"jsonrpc": "2.0", "id": rid, "handle": handle,
                           "method": method, "params": params})
        reply = json.loads(self._send(text))
        if "error" in reply:
            raise QixFailure(error_text(reply["error"]))
        result = reply.get("result")
        return result if isinstance(result, dict) else {}

    # -- Global ---------------------------------------------------------------------

    def open_doc(self, app_id: str) -> Doc:
        reply = self.call("OpenDoc", qDocName=app_id)
        return Doc(self, reply["qReturn"]["qHandle"])

    def create_app(self, name: str) -> str:
        return str(self.call("CreateApp", qAppName=name)["qAppId"])

    def get_doc_list(self) -> list[dict[str, Any]]:
        return list(self.call("GetDocList")["qDocList"])

    def get_progress(self, request_id: int) -> dict[str, Any]:
        return dict(self.call("GetProgress", qRequestId=request_id)["qProgressData"])


class Doc:
    """An open app (a Doc handle)."""

    def __init__(self, qix: Qix, handle: int) -> None:
        self.qix = qix
        self.handle = handle

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.qix.call(method, self.handle, **params)

    def evaluate_ex(self, expression: str) -> dict[str, Any]:
        return dict(self._call("EvaluateEx", qExpression=expression)["qValue"])

    def get_tables_and_keys(self) -> dict[str, Any]:
        return self._call("GetTablesAndKeys", qWindowSize={}, qNullSize={}, qCellHeight=0,
                          qSyntheticMode=False, qIncludeSysVars=False)

    def get_all_infos(self) -> list[dict[str, Any]]:
        return list(self._call("GetAllInfos")["qInfos"])

    def get_field(self, name: str) -> Field:
        return Field(self.qix, self._call("GetField", qFieldName=name)["qReturn"]["qHandle"])

    def create_session_object(self, props: dict[str, Any]) -> GenericObject:
        reply = self._call("CreateSessionObject", qProp=props)
        return GenericObject(self.qix, reply["qReturn"]["qHandle"])

    def create_object(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateObject", qProp=props)["qInfo"]["qId"])

    def create_dimension(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateDimension", qProp=props)["qInfo"]["qId"])

    def create_measure(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateMeasure", qProp=props)["qInfo"]["qId"])

    def create_variable_ex(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateVariableEx", qProp=props)["qInfo"]["qId"])

    def create_bookmark(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateBookmark", qProp=props)["qInfo"]["qId"])

    def create_connection(self, connection: dict[str, Any]) -> str:
        return str(self._call("CreateConnection", qConnection=connection)["qConnectionId"])

    def set_script(self, script: str) -> None:
        self._call("SetScript", qScript=script)

    def clear_all(self) -> None:
        self._call("ClearAll", qLockedAlso=False, qStateName="")

    def do_save(self) -> None:
        self._call("DoSave", qFileName="")

    def do_reload_ex(self, on_progress: Callable[[dict[str, Any]], None] | None = None,
                     ) -> dict[str, Any]:
        """DoReloadEx; while it runs, ``on_progress`` gets each GetProgress answer for
        it (asked for a few times a second, on the same connection), the last one once
        it has finished."""
        rid = self.qix.next_id()
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(self.qix.call, "DoReloadEx", self.handle, rid,
                                  qParams={"qMode": 0})
            while True:
                try:
                    result = running.result(timeout=POLL_SECONDS)
                    break
                except FutureTimeout:
                    if on_progress is not None:
                        on_progress(self.qix.get_progress(rid))
        if on_progress is not None:
            on_progress(self.qix.get_progress(rid))
        return dict(result["qResult"])


class Field:
    def __init__(self, qix: Qix, handle: int) -> None:
        self.qix = qix
        self.handle = handle

    def select_values(self, values: list[dict[str, Any]]) -> bool:
        reply = self.qix.call("SelectValues", self.handle, qFieldValues=values,
                              qToggleMode=False, qSoftLock=False)
        return bool(reply.get("qReturn"))


class GenericObject:
    def __init__(self, qix: Qix, handle: int) -> None:
        self.qix = qix
        self.handle = handle

    def get_layout(self) -> dict[str, Any]:
        return dict(self.qix.call("GetLayout", self.handle)["qLayout"])

    def get_hyper_cube_data(self, pages: list[dict[str, int]]) -> list[dict[str, Any]]:
        reply = self.qix.call("GetHyperCubeData", self.handle, qPath="/qHyperCubeDef",
                              qPages=pages)
        return list(reply["qDataPages"])

    def rows(self, width: int, total: int) -> Iterator[list[dict[str, Any]]]:
        """Every row of the object's hypercube, a page at a time."""
        height = max(PAGE_CELLS // max(width, 1), 1)
        for top in range(0, total, height):
            page = {"qTop": top, "qLeft": 0, "qWidth": width,
                    "qHeight": min(height, total - top)}
            for data in self.get_hyper_cube_data([page]):
                yield from data["qMatrix"]
