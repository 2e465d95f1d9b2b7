"""The JSON-RPC side of a client: ids, replies, pushes, change listeners.

A ``Connection`` sends requests through a transport and matches replies by id (a
``concurrent.futures.Future`` per request, so that the sync flavour waits on it and the
asyncio flavour awaits it). The ``change`` and ``close`` lists of replies and pushes
are told to listeners on a thread of the connection's own: a listener may call the
engine again (a chart repaints on ``change`` by asking for its layout) without waiting on
the thread that reads the socket, or nesting a request inside another in process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial
from typing import Any

from associa.client.errors import ConnectionLost, EngineError
from associa.client.transport import Transport

log = logging.getLogger("associa.client")
Listener = Callable[[list[int], list[int]], None]  # (changed handles, closed handles)


class Connection:
    def __init__(self, transport: Transport, timeout: float = 300.0,
                 start: bool = True) -> None:
        self.transport = transport
        self.timeout = timeout
        self.session_state = ""  # OnConnected: SESSION_CREATED or SESSION_ATTACHED
        self.closed: ConnectionLost | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Future[dict[str, Any]], str]] = {}
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        # the proxies of handles, by (handle, flavour): client.objects.proxy_for
        self.proxies: dict[tuple[int, str], Any] = {}
        self._events: queue.Queue[tuple[list[int], list[int]] | None] = queue.Queue()
        self._notifier = threading.Thread(target=self._notify, daemon=True,
                                          name="associa-client-changes")
        self._notifier.start()
        if start:
            try:
                transport.start(self._receive, self._lost)
            except BaseException:  # no engine there: the notifier thread ends too
                self._events.put(None)
                raise

    async def astart(self) -> None:
        """Start an asyncio transport (made with ``start=False``) in the running loop."""
        await self.transport.astart(self._receive, self._lost)  # type: ignore[attr-defined]

    # -- requests -------------------------------------------------------------------

    def _request(self, handle: int, method: str, params: list[Any] | dict[str, Any],
                 ) -> tuple[Future[dict[str, Any]], int, str]:
        """A request's future (waiting for its reply), id and text."""
        future: Future[dict[str, Any]] = Future()
        if self.closed is not None:
            future.set_exception(self.closed)
            return future, 0, ""
        rid = next(self._ids)
        with self._lock:
            self._pending[rid] = (future, method)
        text = json.dumps({"jsonrpc": "2.0", "id": rid, "handle": handle,
                           "method": method, "params": params})
        return future, rid, text

    def _not_sent(self, future: Future[dict[str, Any]], rid: int, err: EngineError) -> None:
        with self._lock:
            self._pending.pop(rid, None)
        if not future.done():
            future.set_exception(err)

    def send(self, handle: int, method: str,
             params: list[Any] | dict[str, Any]) -> Future[dict[str, Any]]:
        """Send one request; the future gets the reply's ``result`` or an EngineError."""
        future, rid, text = self._request(handle, method, params)
        if text:
            try:
                self.transport.send(text)
            except EngineError as err:
                self._not_sent(future, rid, err)
        return future

    def call(self, handle: int, method: str,
             params: list[Any] | dict[str, Any] | None = None) -> dict[str, Any]:
        """A request's ``result``; raises EngineError with the engine's code."""
        return self.send(handle, method, [] if params is None else params).result(
            self.timeout)

    def call_watching(self, handle: int, method: str, params: list[Any] | dict[str, Any],
                      on_progress: Callable[[dict[str, Any]], Any],
                      every: float = 0.2) -> dict[str, Any]:
        """``call`` of a long request (DoReloadEx, DoReload) that tells its progress:
        while it runs, ``on_progress`` gets GetProgress's ``qProgressData`` for it (named
        by its request id) every ``every`` seconds, and once more when it has ended. The
        request is sent from a thread of its own, since in process it runs in the thread
        that sends it."""
        future, rid, text = self._request(handle, method, params)
        if text:
            def post() -> None:
                try:
                    self.transport.send(text)
                except EngineError as err:
                    self._not_sent(future, rid, err)

            threading.Thread(target=post, daemon=True, name="associa-client-long").start()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                result = future.result(min(every, max(deadline - time.monotonic(), 0.0)))
                break
            except FutureTimeout:
                if time.monotonic() >= deadline:
                    raise
                on_progress(self.call(-1, "GetProgress", {"qRequestId": rid})["qProgressData"])
        on_progress(self.call(-1, "GetProgress", {"qRequestId": rid})["qProgressData"])
        return result

    async def acall(self, handle: int, method: str,
                    params: list[Any] | dict[str, Any] | None = None) -> dict[str, Any]:
        """``call`` for asyncio: an asyncio transport sends in the loop; another one
        sends on a worker thread (in process, the request itself runs there); the reply
        is awaited."""
        params = [] if params is None else params
        asend = getattr(self.transport, "asend", None)
        if asend is None:
            future = await asyncio.to_thread(self.send, handle, method, params)
        else:
            future, rid, text = self._request(handle, method, params)
            if text:
                try:
                    await asend(text)
                except EngineError as err:
                    self._not_sent(future, rid, err)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self.transport.close()
        self._lost(1000, "Closed by the client", True)

    async def aclose(self) -> None:
        """``close`` from the event loop: an asyncio transport's socket is closed and its
        reader ended before this returns."""
        aclose = getattr(self.transport, "aclose", None)
        if aclose is None:
            await asyncio.to_thread(self.transport.close)
        else:
            await aclose()
        self._lost(1000, "Closed by the client", True)

    # -- what the engine sends ------------------------------------------------------

    def _receive(self, text: str) -> None:
        msg = json.loads(text)
        if msg.get("method") == "OnConnected":
            self.session_state = msg.get("params", {}).get("qSessionState", "")
            return
        change, close = msg.get("change") or [], msg.get("close") or []
        for handle in change:  # before the reply is handed over: the caller sees it
            for key, proxy in list(self.proxies.items()):
                if key[0] == handle:
                    proxy.outdated = True
        rid = msg.get("id")
        if rid is not None:
            with self._lock:
                waiting = self._pending.pop(rid, None)
            if waiting is not None:
                future, method = waiting
                if "error" in msg:
                    future.set_exception(EngineError.from_json(msg["error"], method))
                else:
                    future.set_result(msg.get("result", {}))
        if change or close:
            self._events.put((list(change), list(close)))

    def _lost(self, code: int, reason: str, final: bool = True) -> None:
        """The socket ended (not ``final``: it dropped and connected again): requests
        in flight fail; a final end fails every later request too."""
        err = ConnectionLost(code, reason)
        if final and self.closed is None:
            self.closed = err
            self._events.put(None)
        with self._lock:
            pending, self._pending = self._pending, {}
        for future, _method in pending.values():
            if not future.done():
                future.set_exception(err)

    # -- listeners ------------------------------------------------------------------

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(changed, closed)`` for every change; returns the unlisten."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self) -> None:
        while True:
            item = self._events.get()
            if item is None:
                return
            change, close = item
            calls: list[Callable[[], Any]] = [partial(f, change, close)
                                              for f in list(self._listeners)]
            for handle in change:
                calls.extend(p.changed for key, p in list(self.proxies.items())
                             if key[0] == handle)
            for handle in close:
                for key in [k for k in list(self.proxies) if k[0] == handle]:
                    calls.append(self.proxies.pop(key).was_closed)
            for run in calls:
                try:
                    run()
                except Exception:  # a failing listener must not stop the others
                    log.exception("a change listener failed")
