"""A Python client of the QIX engine: over a WebSocket, or in this process.

Both flavours send the same JSON-RPC texts and get the same answers; the proxies'
methods are made from the engine's method table (``client.methods``)::

    from associa.client import connect, open_app
    qix = connect("ws://localhost:9076/app/", token="...")   # a Global proxy
    app = qix.open_doc("Sales")                               # a Doc proxy
    app.evaluate("Sum(Amount)")                               # '270' (QIX: a text)
    app.value("Sum(Amount)")                                  # 270.0
    app.hypercube(["Region"], ["Sum(Amount)"]).to_pandas()    # every row

    app = open_app("sales.qvs")   # in process: the script's folder is its data
    app.load_frames({"Sales": frame})  # pandas/polars/Arrow, without a script file

``aconnect`` / ``alocal`` give the asyncio flavour (``await app.get_layout()``,
``async for _ in obj.changes()``). Errors are ``EngineError`` with the engine's
``code``, ``message`` and ``parameter``.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import weakref
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from associa.client.connection import Connection
from associa.client.errors import ConnectionLost, EngineError
from associa.client.objects import (
    AsyncGlobal,
    Doc,
    Field,
    GenericBookmark,
    GenericDimension,
    GenericMeasure,
    GenericObject,
    GenericVariable,
    Global,
    global_of,
)
from associa.client.transport import AsyncSocketTransport, LocalTransport, SocketTransport

if TYPE_CHECKING:
    from associa.engine import Engine
    from associa.qix.sessions import SessionManager

__all__ = [
    "AsyncGlobal", "ConnectionLost", "Doc", "EngineError", "Field", "GenericBookmark",
    "GenericDimension", "GenericMeasure", "GenericObject", "GenericVariable", "Global",
    "aconnect", "alocal", "connect", "local", "open_app",
]


def _socket(url: str, token: str | None, session: str | None, ttl: int | None,
            headers: dict[str, str] | None, reconnect_for: float,
            kind: type[Any] = SocketTransport) -> Any:
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if session:
        sent["X-Qlik-Session"] = session
    if ttl is not None:
        base, _, query = url.partition("?")
        url = f"{base.rstrip('/')}/ttl/{ttl}" + (f"?{query}" if query else "")
    return kind(url, sent, reconnect_for)


def connect(url: str, token: str | None = None, *, session: str | None = None,
            ttl: int | None = None, headers: dict[str, str] | None = None,
            reconnect_for: float = 30.0, timeout: float = 300.0) -> Global:
    """A Global proxy over a WebSocket to ``url`` (``ws://host:9076/app/<id>``).
    ``token``: a bearer token (JWT or API key); ``session``: the ``X-Qlik-Session``
    to share (one of its own else); ``ttl``: how long the engine keeps the session
    after the socket ends (``/ttl/<n>``), within which a dropped socket reconnects
    (for up to ``reconnect_for`` seconds) and handles stay valid."""
    transport = _socket(url, token, session, ttl, headers, reconnect_for)
    proxy: Global = global_of(Connection(transport, timeout))
    return proxy


async def aconnect(url: str, token: str | None = None, **options: Any) -> Any:
    """``connect``'s asyncio flavour: an AsyncGlobal (its methods are coroutines) over
    an asyncio WebSocket (``websockets.asyncio``) read by a task of the running loop.
    Close it with ``await qix.connection.aclose()``."""
    transport = _socket(url, token, options.pop("session", None), options.pop("ttl", None),
                        options.pop("headers", None), options.pop("reconnect_for", 30.0),
                        AsyncSocketTransport)
    connection = Connection(transport, options.pop("timeout", 300.0), start=False)
    await connection.astart()
    return global_of(connection, "async")


def _sessions(engine: Engine | SessionManager) -> SessionManager:
    from associa.qix.sessions import SessionManager

    return engine if isinstance(engine, SessionManager) else SessionManager(engine)


def local(engine: Engine | SessionManager, *, session: str | None = None,
          ttl: int | None = None) -> Global:
    """A Global proxy of a session in this process (an engine's, or a SessionManager's
    that a server also serves: ``session`` shares one by key)."""
    proxy: Global = global_of(Connection(LocalTransport(_sessions(engine), session, None,
                                                        ttl)))
    return proxy


async def alocal(engine: Engine | SessionManager, *, session: str | None = None,
                 ttl: int | None = None) -> Any:
    """``local``'s asyncio flavour."""
    transport = LocalTransport(_sessions(engine), session, None, ttl)
    connection = await asyncio.to_thread(Connection, transport)
    return global_of(connection, "async")


def open_app(path: str | Path, app: str | None = None) -> Doc:
    """An app opened in this process, as a Doc proxy. ``path`` is a load script
    (``.qvs``: reloaded, its folder holding the files it reads), an app file (the zip
    an engine saves or exports), or an engine's data folder (``app`` picks the app;
    the only one when not given)."""
    from associa.engine import Engine
    from associa.settings import Settings

    where = Path(path).expanduser()
    if where.is_dir():
        engine = Engine(Settings(data_dir=where))
        if app is None:
            ids = [entry["id"] for entry in engine.list_apps()]
            if len(ids) != 1:
                raise EngineError(1003, f"{where} holds {len(ids)} apps: name one (app=)",
                                  str(where))
            app = ids[0]
        return local(engine).open_doc(app)
    if not where.is_file():
        raise EngineError(1003, "No such script, app file or data folder", str(where))
    folder = Path(tempfile.mkdtemp(prefix="associa-"))
    engine = Engine(Settings(data_dir=folder))
    # the engine's folder goes with the engine, at the latest when the process ends
    weakref.finalize(engine, shutil.rmtree, folder, ignore_errors=True)
    if zipfile.is_zipfile(where):
        from associa.app.app import App
        from associa.store.appstore import read_record

        record = read_record(where, app or where.stem)
        made = engine.add_app(App.from_record(record, engine.settings.data_dir))
    else:
        made = engine.create_app(app or where.stem, where.read_text(encoding="utf-8"))
        made.reload(open_file=_script_files(where.resolve().parent))
    return local(engine).open_doc(made.id)


def _script_files(base: Path) -> Any:
    """How a script beside its data reads files: ``lib://<any>/<path>`` and plain
    relative paths name files in its folder (as ``associa check-script`` reads them)."""
    from associa.app.folders import FolderFiles

    folder = FolderFiles(lambda name: base)
    return lambda p: folder.open(p if p.lower().startswith("lib://") else f"lib://script/{p}")
