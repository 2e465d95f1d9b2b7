"""The Starlette application: the QIX WebSocket endpoint on every path, /health, and
the files ExportData wrote (``/tempcontent/…``, ``server/files.py``).

This is the only asyncio code. Each incoming text is handed to the session in a worker
thread, so requests on one socket run concurrently (GetProgress answers while DoReload
runs); every outgoing text goes through one queue per socket.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from functools import partial
from urllib.parse import quote

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from associa import __version__
from associa.engine import Engine
from associa.logs import event
from associa.qix.sessions import SessionManager
from associa.rest.application import mount as rest_api
from associa.server.files import exported_file
from associa.server.urls import parse_path

log = logging.getLogger("associa.server")


def session_key(ws: WebSocket, url_app: str | None, identity: str | None, ttl: int | None) -> str:
    """Same X-Qlik-Session header → same session; else the same app and identity (or a
    TTL, so that a client can re-attach); else a session of its own."""
    header = ws.headers.get("x-qlik-session")
    if header:
        return f"hdr:{header}"
    if identity or (ttl or 0) > 0:
        return f"url:{url_app or ''}/{identity or ''}"
    return f"own:{uuid.uuid4()}"


def raw_path(ws: WebSocket) -> str:
    """The path as the client sent it: ``scope["path"]`` is already percent-decoded, so an
    encoded ``/`` or ``?`` in an app id (``/app/%2Fapps%2Fx.qvf``) would split it."""
    raw = ws.scope.get("raw_path")
    if isinstance(raw, bytes | bytearray):
        return raw.decode("utf-8", errors="replace").split("?", 1)[0]
    return quote(ws.url.path)


async def qix_endpoint(ws: WebSocket) -> None:
    sessions: SessionManager = ws.app.state.sessions
    limiter: anyio.CapacityLimiter = ws.app.state.limiter
    url = parse_path(raw_path(ws))
    await ws.accept()
    loop = asyncio.get_running_loop()
    outbox: asyncio.Queue[str | None] = asyncio.Queue()

    def sink(text: str) -> None:
        loop.call_soon_threadsafe(outbox.put_nowait, text)

    key = session_key(ws, url.app_id, url.identity, url.ttl)
    session, attached = await anyio.to_thread.run_sync(
        partial(sessions.session, key, url.app_id, url.ttl), limiter=limiter
    )
    await ws.send_text(session.attach(sink, attached))
    opened = time.monotonic()
    peer = f"{ws.client.host}:{ws.client.port}" if ws.client else None
    requests = 0
    event(log, logging.INFO, "connection open", app=url.app_id, session=session.key,
          attached=attached, peer=peer)

    async def writer() -> None:
        while True:
            text = await outbox.get()
            if text is None:
                return
            try:
                await ws.send_text(text)
            except Exception:  # the socket is gone; the reader loop ends the session
                return

    async def answer(text: str) -> None:
        reply = await anyio.to_thread.run_sync(session.handle, text, sink, limiter=limiter)
        if reply is not None:
            outbox.put_nowait(reply)

    tasks: set[asyncio.Task[None]] = set()
    writer_task = asyncio.create_task(writer())
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode("utf-8", errors="replace")
            if text is None:
                continue
            requests += 1
            task = asyncio.create_task(answer(text))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    except WebSocketDisconnect:
        pass
    finally:
        session.detach(sink)
        for task in list(tasks):
            task.cancel()
        outbox.put_nowait(None)
        writer_task.cancel()
        await anyio.to_thread.run_sync(sessions.release, session)
        event(log, logging.INFO, "connection closed", app=url.app_id, session=session.key,
              seconds=time.monotonic() - opened, requests=requests)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


def create_app(engine: Engine, sessions: SessionManager | None = None) -> Starlette:
    """The application over ``engine``, with its QIX sessions in ``sessions`` (a new
    SessionManager unless given; ``app.state.sessions``)."""
    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/healthcheck", health),
            Route("/tempcontent/{token}/{name}", exported_file),  # ExportData's files
            rest_api(engine),  # /api/v1: the REST API (rest/)
            WebSocketRoute("/{path:path}", qix_endpoint),
        ]
    )
    app.state.engine = engine
    app.state.sessions = sessions if sessions is not None else SessionManager(engine)
    app.state.limiter = anyio.CapacityLimiter(engine.settings.workers)
    return app
