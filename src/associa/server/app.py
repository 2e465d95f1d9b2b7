"""The Starlette application: the QIX WebSocket endpoint on every path, /health,
/metrics, and the files ExportData wrote (``/tempcontent/…``, ``server/files.py``).

This is the only asyncio code. Each incoming text is handed to the session in a worker
thread, so requests on one socket run concurrently (GetProgress answers while DoReload
runs); every outgoing text goes through one queue per socket, and so does a close: a
socket ends with a close code after the texts queued before it (the codes of Qlik's
engine proxy: 4202 malformed URL, 4203 no permission, 4204 app not found or deleted,
4205 engine busy, 4230 too many open apps; 1001 when the server stops).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from associa import __version__
from associa.auth.authenticator import Authenticator
from associa.auth.upgrade import identify
from associa.engine import Engine
from associa.errors import AssociaError, Refusal, RequestMalformed
from associa.logs import event
from associa.qix.session import Session
from associa.qix.sessions import SessionManager, session_key
from associa.rest import oauth
from associa.rest import session as web_session
from associa.rest.application import mount as rest_api
from associa.rest.application import stop_services
from associa.rest.identity import with_roles
from associa.rest.webintegrations import origin_allowed
from associa.server.files import exported_file
from associa.server.metrics import metrics
from associa.server.urls import MAX_ID_LENGTH, parse_path

log = logging.getLogger("associa.server")
GOING_AWAY = 1001  # RFC 6455: the server is going down
SWEEP_SECONDS = 1.0  # how often sessions whose TTL ran out are ended


@dataclass(frozen=True, slots=True)
class Close:
    """A close queued behind a socket's texts."""

    code: int
    reason: str


def raw_path(ws: WebSocket) -> str:
    """The path as the client sent it: ``scope["path"]`` is already percent-decoded, so an
    encoded ``/`` or ``?`` in an app id (``/app/%2Fapps%2Fx.qvf``) would split it."""
    raw = ws.scope.get("raw_path")
    if isinstance(raw, bytes | bytearray):
        return raw.decode("utf-8", errors="replace").split("?", 1)[0]
    return quote(ws.url.path)


def session_header(ws: WebSocket) -> str | None:
    """The ``X-Qlik-Session`` header, checked (RequestMalformed when oversized)."""
    header = ws.headers.get("x-qlik-session")
    if header is not None and len(header) > MAX_ID_LENGTH:
        raise RequestMalformed("X-Qlik-Session", "the X-Qlik-Session header is too long")
    return header or None


async def refuse(ws: WebSocket, err: AssociaError, peer: str | None) -> None:
    """End an upgrade with the close code of ``err`` (accepted first: close codes exist
    only on an open socket). Nothing else is said, so that a refusal tells no more than
    its code."""
    code = err.close_code if isinstance(err, Refusal) else 4200
    reason = err.close_reason if isinstance(err, Refusal) else "Engine error"
    event(log, logging.WARNING, "connection refused", code=code, reason=reason,
          detail=err.message, peer=peer)
    await ws.accept()
    await ws.close(code, reason)


def close_socket(loop: asyncio.AbstractEventLoop, outbox: asyncio.Queue[str | Close | None],
                 code: int, reason: str) -> None:
    """The session's ``Closer`` for one socket: called from any thread."""
    loop.call_soon_threadsafe(outbox.put_nowait, Close(code, reason))


async def qix_endpoint(ws: WebSocket) -> None:
    state = ws.app.state
    sessions: SessionManager = state.sessions
    limiter: anyio.CapacityLimiter = state.limiter
    peer = f"{ws.client.host}:{ws.client.port}" if ws.client else None
    ensure_sweeper(state)
    if state.closing:
        await ws.accept()
        await ws.close(GOING_AWAY, "Server shutting down")
        return
    if not await anyio.to_thread.run_sync(origin_allowed, state.engine,
                                          ws.headers.get("origin")):
        # a browser page from an origin no web integration lists (rest/webintegrations.py)
        await ws.send_denial_response(PlainTextResponse("Forbidden\n", status_code=403))
        return
    identity = await anyio.to_thread.run_sync(  # the web hub's cookie (rest/session.py)
        web_session.socket_identity, state.engine, ws.headers)
    if identity is None:
        identity = await identify(ws, state.authenticator)  # auth/: who the upgrade is
        if identity is None:  # refused with HTTP 401, before anything else is looked at
            return
    # a TenantAdmin of the directory administers here as on REST
    identity = await anyio.to_thread.run_sync(with_roles, state.engine, identity)
    try:
        url = parse_path(raw_path(ws), ws.scope.get("query_string", b"").decode("latin-1"))
        header = session_header(ws)
    except RequestMalformed as err:
        await refuse(ws, err, peer)
        return
    key = session_key(header, url.app_id, url.identity, identity)
    try:
        session, attached = await anyio.to_thread.run_sync(
            partial(sessions.session, key, url.app_id, url.ttl, identity, url.template),
            limiter=limiter,
        )
    except AssociaError as err:  # a Refusal's code; anything else (a damaged template): 4200
        await refuse(ws, err, peer)
        return
    await ws.accept()
    await serve_socket(ws, session, url.app_id, peer, attached)


async def serve_socket(ws: WebSocket, session: Session, app_id: str | None,
                       peer: str | None, attached: bool) -> None:
    """Run one accepted socket of ``session`` until it closes."""
    state = ws.app.state
    sessions: SessionManager = state.sessions
    limiter: anyio.CapacityLimiter = state.limiter
    loop = asyncio.get_running_loop()
    outbox: asyncio.Queue[str | Close | None] = asyncio.Queue()

    def sink(text: str) -> None:
        loop.call_soon_threadsafe(outbox.put_nowait, text)

    closer = partial(close_socket, loop, outbox)
    state.sockets[sink] = closer
    await ws.send_text(session.attach(sink, attached, closer))
    opened = time.monotonic()
    requests = 0
    event(log, logging.INFO, "connection open", app=app_id, session=session.key,
          attached=attached, peer=peer)

    async def writer() -> None:
        while True:
            item = await outbox.get()
            if item is None:
                return
            try:
                if isinstance(item, Close):
                    event(log, logging.INFO, "connection ended", session=session.key,
                          code=item.code, reason=item.reason)
                    await ws.close(item.code, item.reason)
                    return
                await ws.send_text(item)
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
    except (WebSocketDisconnect, RuntimeError):  # RuntimeError: received after our close
        pass
    finally:
        state.sockets.pop(sink, None)
        session.detach(sink)
        for task in list(tasks):
            task.cancel()
        outbox.put_nowait(None)
        writer_task.cancel()
        # whether the session ends is decided at once, on the loop, so that a client
        # reconnecting right away finds it ended (TTL 0) or kept; the ending runs aside
        if sessions.release(session, close=False):
            await anyio.to_thread.run_sync(session.close)
        event(log, logging.INFO, "connection closed", app=app_id, session=session.key,
              seconds=time.monotonic() - opened, requests=requests)


def ensure_sweeper(state: object) -> None:
    """Start, once per event loop, the task that ends sessions whose TTL ran out (their
    session apps and docs are released then, not at the next connection)."""
    task = getattr(state, "sweeper", None)
    if task is not None and not task.done():
        return

    async def sweep() -> None:
        sessions: SessionManager = state.sessions  # type: ignore[attr-defined]
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await anyio.to_thread.run_sync(sessions.expire)
            except Exception:  # keep sweeping
                log.exception("ending expired sessions failed")

    state.sweeper = asyncio.get_running_loop().create_task(sweep())  # type: ignore[attr-defined]


async def drain(app: Starlette, grace: float) -> None:
    """A graceful stop: refuse new sockets, wait up to ``grace`` seconds for running
    saves, then close every socket with 1001 ("going away")."""
    state = app.state
    state.closing = True
    engine: Engine = state.engine
    saved = await anyio.to_thread.run_sync(engine.wait_idle, grace)
    if not saved:
        event(log, logging.WARNING, "stopping with saves still running", seconds=grace)
    for closer in list(state.sockets.values()):
        closer(GOING_AWAY, "Server shutting down")
    deadline = time.monotonic() + 5
    while state.sockets and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def close(app: Starlette) -> None:
    """What stops with the server besides its sockets: the REST API's background work."""
    rest_app = getattr(app.state, "rest", None)
    if isinstance(rest_app, Starlette):
        stop_services(rest_app)


async def health(request: Request) -> JSONResponse:
    state = request.app.state
    return JSONResponse({
        "status": "stopping" if state.closing else "ok",
        "version": __version__,
        "sessions": len(state.sessions.sessions),
        "apps_in_memory": len(state.engine.apps),
    }, status_code=503 if state.closing else 200)


def create_app(engine: Engine, sessions: SessionManager | None = None,
               authenticator: Authenticator | None = None) -> Starlette:
    """The application over ``engine``, with its QIX sessions in ``sessions`` (a new
    SessionManager unless given; ``app.state.sessions``) and the upgrade's
    authentication (from the engine's settings unless given), which the REST API
    shares."""
    if authenticator is None:
        authenticator = Authenticator.from_settings(  # the metadata store's keys, as serve's
            engine.settings, lambda key: engine.meta.verify_api_key(key), oauth.lookup(engine))
    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/healthcheck", health),
            Route("/metrics", metrics),
            Route("/tempcontent/{token}/{name}", exported_file),  # ExportData's files
            rest := rest_api(engine, authenticator),  # /api/v1: the REST API (rest/)
            *oauth.routes(),  # /oauth/token and the OAuth server metadata
            *web_session.routes(),  # /login and /logout: the web hub's session cookie
            WebSocketRoute("/{path:path}", qix_endpoint),
        ]
    )
    app.state.engine = engine
    app.state.sessions = sessions if sessions is not None else SessionManager(engine)
    app.state.limiter = anyio.CapacityLimiter(engine.settings.workers)
    app.state.authenticator = authenticator
    app.state.rest = rest.app  # its background services stop with the server (close)
    app.state.sockets = {}  # sink -> closer, of every open socket
    app.state.closing = False
    app.state.sweeper = None
    return app
