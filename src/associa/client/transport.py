"""How JSON-RPC texts travel: one interface, two implementations.

A transport is started with a ``receive`` callable that it calls with every text the
engine sends (replies, pushed ``change``/``close`` lists, the OnConnected notification)
and ``lost`` that it calls once when it ends for good. ``send`` hands a request text
over. Both implementations run exactly the same protocol:

* ``LocalTransport`` feeds the texts to a sans-I/O ``Session`` of a ``SessionManager``
  in this process (``Session.handle``), as the server does for a socket;
* ``SocketTransport`` is a WebSocket (the ``websockets`` package's threaded client) to a
  running engine; ``AsyncSocketTransport`` the same on asyncio (``websockets.asyncio``),
  for ``aconnect``: its socket is read by a task of the caller's event loop, and
  ``asend`` sends from the loop (``send`` from other threads: the helpers that the
  asyncio flavour runs in worker threads). It sends an ``X-Qlik-Session`` header (one of its own unless given) so
  that, when the socket drops without a close frame, it connects again with the same
  header and the engine attaches it to the same session: handles stay valid while the
  session lives (its TTL, ``/ttl/<n>`` in the URL or ``SessionTTL``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from associa.identity import ANONYMOUS, Identity

if TYPE_CHECKING:
    from associa.qix.session import Session
    from associa.qix.sessions import SessionManager

log = logging.getLogger("associa.client")
Receive = Callable[[str], None]
Lost = Callable[[int, str, bool], None]  # close code, reason, whether for good

# a close the engine means (a refusal, a normal end): the connection ends; any other
# end of the socket (no close frame: 1006, a server going away: 1001, 1011, 1012) is a
# drop, and the socket connects again
FINAL_CLOSES = frozenset({1000})


class Transport(Protocol):
    def start(self, receive: Receive, lost: Lost) -> None: ...

    def send(self, text: str) -> None: ...

    def close(self) -> None: ...


class LocalTransport:
    """A session of ``sessions`` in this process (``key``: share a session by key, as
    the ``X-Qlik-Session`` header does; ``ttl``: how long it outlives ``close``)."""

    def __init__(self, sessions: SessionManager, key: str | None = None,
                 url_app: str | None = None, ttl: int | None = None,
                 identity: Identity = ANONYMOUS) -> None:
        self.sessions = sessions
        self.key, self.url_app, self.ttl, self.identity = key, url_app, ttl, identity
        self.session: Session | None = None
        self._receive: Receive | None = None

    def _sink(self, text: str) -> None:
        if self._receive is not None:
            self._receive(text)

    def start(self, receive: Receive, lost: Lost) -> None:
        self._receive = receive
        session, attached = self.sessions.session(self.key, self.url_app, self.ttl,
                                                  self.identity)
        self.session = session
        receive(session.attach(self._sink, attached))

    def send(self, text: str) -> None:
        session = self.session
        if session is None:
            from associa.client.errors import ConnectionLost

            raise ConnectionLost(1000, "The connection is closed")
        reply = session.handle(text, self._sink)
        if reply is not None:
            self._sink(reply)

    def close(self) -> None:
        session, self.session = self.session, None
        if session is not None and session.detach(self._sink) == 0:
            self.sessions.release(session)


class _Socket:
    """What both socket transports hold: the URL, the headers sent on every
    (re)connection (one ``X-Qlik-Session``, so that a reconnection finds the session),
    ``reconnect_for`` (how long, in seconds, to keep trying after a drop; 0: never)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None,
                 reconnect_for: float = 30.0, open_timeout: float = 10.0) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.headers.setdefault("X-Qlik-Session", str(uuid.uuid4()))
        self.reconnect_for = reconnect_for
        self.open_timeout = open_timeout
        self.reconnects = 0  # how many times the socket connected again after a drop
        self._ws: Any = None
        self._closing = False
        self._ended = False  # the reader stopped for good: nothing more is sent


class SocketTransport(_Socket):
    """A WebSocket to ``url`` read by a thread of its own."""

    def __init__(self, url: str, headers: dict[str, str] | None = None,
                 reconnect_for: float = 30.0, open_timeout: float = 10.0) -> None:
        super().__init__(url, headers, reconnect_for, open_timeout)
        self._send_lock = threading.Lock()
        self._receive: Receive | None = None
        self._lost: Lost | None = None
        self._reader: threading.Thread | None = None

    def _connect(self) -> Any:
        from websockets.sync.client import connect

        ws = connect(self.url, additional_headers=self.headers,
                     open_timeout=self.open_timeout, max_size=None, compression=None)
        return ws.__enter__()  # held open as a context manager would, closed by close()

    def start(self, receive: Receive, lost: Lost) -> None:
        self._receive, self._lost = receive, lost
        self._ws = self._connect()
        self._reader = threading.Thread(target=self._read, daemon=True,
                                        name="associa-client-reader")
        self._reader.start()

    def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        assert self._receive is not None and self._lost is not None
        while True:
            ws = self._ws
            try:
                for text in ws:
                    self._receive(text if isinstance(text, str) else text.decode("utf-8"))
            except ConnectionClosed:
                pass
            except Exception:  # a bug in a receiver: the socket ends, requests fail
                log.exception("reading the socket failed")
                ws.close()
                self._ended = True
                self._lost(1011, "The client could not read a message", True)
                return
            code, reason = _close_of(ws)
            if self._closing:
                self._ended = True
                self._lost(1000, "Closed by the client", True)
                return
            if code in FINAL_CLOSES or (4000 <= code < 5000) or not self._reconnect():
                self._ended = True
                self._lost(code, reason or "The engine closed the connection", True)
                return
            # requests in flight when the socket dropped get no reply: they fail
            self._lost(1006, "The connection dropped (made again): the reply is lost", False)

    def _reconnect(self) -> bool:
        deadline = time.monotonic() + self.reconnect_for
        pause = 0.05
        while time.monotonic() < deadline and not self._closing:
            try:
                ws = self._connect()
            except Exception:  # the engine is not back yet
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
                continue
            with self._send_lock:
                self._ws = ws
            self.reconnects += 1
            return True
        return False

    def send(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        from associa.client.errors import ConnectionLost

        deadline = time.monotonic() + self.reconnect_for
        while True:
            with self._send_lock:
                ws = self._ws
            try:
                ws.send(text)
                return
            except (ConnectionClosed, OSError) as exc:
                # not sent: once the reader has connected again, it is sent there
                if self._ended or self._closing or time.monotonic() > deadline:
                    raise ConnectionLost(*_close_of(ws)) from exc
                time.sleep(0.02)

    def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(5)


class AsyncSocketTransport(_Socket):
    """``SocketTransport`` on asyncio: started (``astart``), written to (``asend``) and
    closed (``aclose``) in an event loop; the same headers, reconnection and ends."""

    def __init__(self, url: str, headers: dict[str, str] | None = None,
                 reconnect_for: float = 30.0, open_timeout: float = 10.0) -> None:
        super().__init__(url, headers, reconnect_for, open_timeout)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: asyncio.Task[None] | None = None

    async def _connect(self) -> Any:
        from websockets.asyncio.client import connect

        return await connect(self.url, additional_headers=self.headers,
                             open_timeout=self.open_timeout, max_size=None,
                             compression=None)

    def start(self, receive: Receive, lost: Lost) -> None:
        raise RuntimeError("AsyncSocketTransport starts in an event loop: await astart()")

    async def astart(self, receive: Receive, lost: Lost) -> None:
        self._loop = asyncio.get_running_loop()
        self._ws = await self._connect()
        self._reader = self._loop.create_task(self._read(receive, lost))

    async def _read(self, receive: Receive, lost: Lost) -> None:
        from websockets.exceptions import ConnectionClosed

        while True:
            ws = self._ws
            try:
                async for text in ws:
                    receive(text if isinstance(text, str) else text.decode("utf-8"))
            except ConnectionClosed:
                pass
            except Exception:  # a bug in a receiver: the socket ends, requests fail
                log.exception("reading the socket failed")
                await ws.close()
                self._ended = True
                lost(1011, "The client could not read a message", True)
                return
            code, reason = _close_of(ws)
            if self._closing:
                self._ended = True
                lost(1000, "Closed by the client", True)
                return
            if code in FINAL_CLOSES or (4000 <= code < 5000) or not await self._reconnect():
                self._ended = True
                lost(code, reason or "The engine closed the connection", True)
                return
            lost(1006, "The connection dropped (made again): the reply is lost", False)

    async def _reconnect(self) -> bool:
        deadline = time.monotonic() + self.reconnect_for
        pause = 0.05
        while time.monotonic() < deadline and not self._closing:
            try:
                self._ws = await self._connect()
            except Exception:  # the engine is not back yet
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
                continue
            self.reconnects += 1
            return True
        return False

    async def asend(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        from associa.client.errors import ConnectionLost

        deadline = time.monotonic() + self.reconnect_for
        while True:
            ws = self._ws
            try:
                await ws.send(text)
                return
            except (ConnectionClosed, OSError) as exc:
                if self._ended or self._closing or time.monotonic() > deadline:
                    raise ConnectionLost(*_close_of(ws)) from exc
                await asyncio.sleep(0.02)

    def _in_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def send(self, text: str) -> None:
        """From a thread other than the loop's (a helper run in a worker thread)."""
        if self._loop is None or self._in_loop():
            raise RuntimeError("in the event loop, use asend (await the asyncio flavour)")
        asyncio.run_coroutine_threadsafe(self.asend(text), self._loop).result()

    async def aclose(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.wait([self._reader], timeout=5)

    def close(self) -> None:
        """Close from any thread; in the loop it is scheduled (``aclose`` waits)."""
        self._closing = True
        if self._loop is None or self._loop.is_closed():
            return
        if self._in_loop():
            self._loop.create_task(self.aclose())
        else:
            asyncio.run_coroutine_threadsafe(self.aclose(), self._loop).result(10)


def _close_of(ws: Any) -> tuple[int, str]:
    """The close code and reason a socket ended with (1006: no close frame)."""
    frame = getattr(ws.protocol, "close_rcvd", None)
    if frame is None:
        return 1006, "The connection dropped"
    return int(frame.code), str(frame.reason)
