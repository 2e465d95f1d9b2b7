"""Typed proxies of the engine's objects: Global, Doc, GenericObject, Field,
GenericVariable, GenericBookmark, GenericDimension, GenericMeasure.

A proxy is a handle on a connection. Its QIX methods come from the method table
(``client.methods``), blocking (``Proxy`` classes) or as coroutines (``Async*``); the
Backend API helpers (``client.backend``) and the DataFrame helpers (``client.frames``)
are mixed in. A connection keeps one proxy per handle and flavour, so that change
callbacks registered on a proxy hear of every ``change`` of its handle.

Change notifications: ``on_change(callback)`` calls ``callback(proxy)`` when the
engine says the handle's layout changed (a selection, a reload, new properties), on a
thread of the connection's own; ``on_close`` when the handle closed. The asyncio
flavour also gives ``changes()``, an async iterator of those events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from associa.client import methods
from associa.client.backend import BackendApi
from associa.client.connection import Connection
from associa.client.frames import DocFrames, ObjectFrames


class Proxy:
    qtype: ClassVar[str] = ""
    flavour: ClassVar[str] = "sync"
    # set by the connection as soon as a reply or push says the handle changed (before
    # the reply is handed over), so that a helper's painted layout is known stale
    outdated: bool = True

    def __init__(self, connection: Connection, handle: int, generic_id: str = "") -> None:
        self.connection = connection
        self.handle = handle
        self.id = generic_id
        self.closed = False
        self._on_change: list[Callable[[Any], Any]] = []
        self._on_close: list[Callable[[Any], Any]] = []

    if TYPE_CHECKING:  # the QIX methods are made at import (client.methods.install)
        def __getattr__(self, name: str) -> Any: ...

    def __repr__(self) -> str:
        ident = f" {self.id!r}" if self.id else ""
        return f"<{type(self).__name__}{ident} handle={self.handle}>"

    def proxy(self, value: dict[str, Any]) -> Any:
        """The proxy of a handle object (``{"qType", "qHandle", "qGenericId"}``)."""
        return proxy_for(self.connection, value, self.flavour)

    def on_change(self, callback: Callable[[Any], Any]) -> Callable[[], None]:
        """Call ``callback(self)`` on each change of this handle; returns the remover."""
        self._on_change.append(callback)
        return lambda: self._on_change.remove(callback) if callback in self._on_change else None

    def on_close(self, callback: Callable[[Any], Any]) -> None:
        self._on_close.append(callback)

    def changed(self) -> None:
        for callback in list(self._on_change):
            callback(self)

    def was_closed(self) -> None:
        self.closed = True
        for callback in list(self._on_close):
            callback(self)


class SyncProxy(Proxy):
    def call(self, method: str, *params: Any, **named: Any) -> dict[str, Any]:
        """Any QIX method by its QIX name, the raw ``result`` back."""
        return self.connection.call(self.handle, method, named or list(params))


class AsyncProxy(Proxy):
    flavour = "async"

    async def call(self, method: str, *params: Any, **named: Any) -> dict[str, Any]:
        return await self.connection.acall(self.handle, method, named or list(params))

    @property
    def sync(self) -> Any:
        """The blocking proxy of the same handle (the helpers run on it in a thread)."""
        return proxy_for(self.connection, {"qType": self.qtype, "qHandle": self.handle,
                                           "qGenericId": self.id}, "sync")

    def changes(self) -> Changes:
        """Each change of this handle from now on, as an async iterator
        (``async for obj in chart.changes(): ...``; ``aclose()`` stops listening)."""
        return Changes(self)


class Changes:
    """An async iterator of a proxy's changes; listens from the moment it is made."""

    def __init__(self, proxy: Proxy) -> None:
        loop = asyncio.get_running_loop()
        self._events: asyncio.Queue[Any] = asyncio.Queue()
        self._remove = proxy.on_change(
            lambda p: loop.call_soon_threadsafe(self._events.put_nowait, p))

    def __aiter__(self) -> Changes:
        return self

    async def __anext__(self) -> Any:
        return await self._events.get()

    async def aclose(self) -> None:
        self._remove()


# -- the classes ------------------------------------------------------------------------


class Global(SyncProxy):
    qtype = "Global"


class Doc(DocFrames, SyncProxy):
    qtype = "Doc"


class GenericObject(BackendApi, ObjectFrames, SyncProxy):
    qtype = "GenericObject"


class Field(SyncProxy):
    qtype = "Field"


class GenericVariable(SyncProxy):
    qtype = "GenericVariable"


class GenericBookmark(SyncProxy):
    qtype = "GenericBookmark"


class GenericDimension(SyncProxy):
    qtype = "GenericDimension"


class GenericMeasure(SyncProxy):
    qtype = "GenericMeasure"


SYNC: dict[str, type[SyncProxy]] = {c.qtype: c for c in (
    Global, Doc, GenericObject, Field, GenericVariable, GenericBookmark, GenericDimension,
    GenericMeasure)}

# helpers written once, on the blocking proxies: the asyncio flavour runs them in a thread
HELPERS: dict[str, tuple[str, ...]] = {
    "Doc": DocFrames.helpers,
    "GenericObject": BackendApi.helpers + ObjectFrames.helpers,
}


def _threaded(name: str) -> Callable[..., Any]:
    async def helper(self: AsyncProxy, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(getattr(self.sync, name), *args, **kwargs)

    helper.__name__ = helper.__qualname__ = name
    helper.__doc__ = f"The coroutine of the blocking proxy's ``{name}``."
    return helper


def _async_class(qtype: str) -> type[AsyncProxy]:
    body: dict[str, Any] = {"qtype": qtype}
    for name in HELPERS.get(qtype, ()):
        body[name] = _threaded(name)
    return type(f"Async{SYNC[qtype].__name__}", (AsyncProxy,), body)


ASYNC: dict[str, type[AsyncProxy]] = {qtype: _async_class(qtype) for qtype in SYNC}
AsyncGlobal, AsyncDoc, AsyncGenericObject = ASYNC["Global"], ASYNC["Doc"], ASYNC["GenericObject"]

for _qtype, _cls in SYNC.items():
    methods.install(_cls, _qtype, methods.sync_method)
for _qtype, _acls in ASYNC.items():
    methods.install(_acls, _qtype, methods.async_method)


def proxy_for(connection: Connection, value: dict[str, Any], flavour: str = "sync") -> Any:
    """The connection's proxy of a handle (made once per handle and flavour)."""
    handle = int(value["qHandle"])
    qtype = str(value["qType"])
    known: dict[tuple[int, str], Proxy] = connection.proxies
    found = known.get((handle, flavour))
    if found is not None and found.qtype == qtype:
        return found
    classes: dict[str, Any] = SYNC if flavour == "sync" else ASYNC
    cls = classes.get(qtype, SyncProxy if flavour == "sync" else AsyncProxy)
    made = cls(connection, handle, str(value.get("qGenericId") or ""))
    known[(handle, flavour)] = made
    return made


def global_of(connection: Connection, flavour: str = "sync") -> Any:
    """The Global proxy (handle -1) of a connection."""
    return proxy_for(connection, {"qType": "Global", "qHandle": -1}, flavour)
