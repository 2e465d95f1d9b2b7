"""Running the server: bind the socket, announce the address, serve until stopped.

A stop (SIGTERM, Ctrl-C) is graceful: new sockets are refused, running saves may finish
(up to ShutdownGrace seconds), every socket is closed with 1001 ("going away"), then
uvicorn stops and the sessions end.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket

import uvicorn
from starlette.applications import Starlette

from associa.engine import Engine
from associa.logs import event
from associa.qix.sessions import SessionManager
from associa.server.app import create_app, drain

log = logging.getLogger("associa.server")


class BindError(OSError):
    """The server cannot listen where it was told to; the message says why in one line."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one). Raises BindError."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(128)
        except BaseException:
            sock.close()
            raise
    except (OSError, OverflowError) as exc:
        raise BindError(getattr(exc, "errno", None), bind_message(host, port, exc)) from None
    sock.setblocking(False)
    return sock


def bind_message(host: str, port: int, exc: OSError | OverflowError) -> str:
    if isinstance(exc, OverflowError) or not 0 <= port <= 65535:
        return f"cannot listen on port {port}: ports go from 0 to 65535"
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use: stop the program using it or "
                "choose another port with --port (0 picks a free one)")
    if exc.errno == errno.EACCES:
        return f"no permission to listen on {host}:{port} (ports below 1024 need privileges)"
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}:{port}: {host} is not an address of this machine"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


class EngineServer(uvicorn.Server):
    """uvicorn's server with the engine's drain before its own shutdown (which would end
    the WebSockets with 1012)."""

    def __init__(self, config: uvicorn.Config, app: Starlette, grace: float) -> None:
        super().__init__(config)
        self.engine_app = app
        self.grace = grace

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        event(log, logging.INFO, "server stopping")
        await drain(self.engine_app, self.grace)
        await super().shutdown(sockets)


def serve(engine: Engine, sock: socket.socket | None = None) -> None:
    """Serve on ``sock`` (or a socket bound from the settings) until stopped."""
    settings = engine.settings
    sock = sock or bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    sessions = SessionManager(engine)
    app = create_app(engine, sessions)
    config = uvicorn.Config(
        app,
        log_config=None,  # our logging setup (associa.logs) formats uvicorn's warnings
        log_level="warning",
        access_log=False,
        ws_max_size=settings.max_message_bytes,
        ws_ping_interval=None,
        lifespan="off",
        timeout_graceful_shutdown=5,  # after our drain: what is still open is cut
    )
    server = EngineServer(config, app, settings.shutdown_grace)
    print(f"associa listening on ws://{settings.host}:{port}", flush=True)
    event(log, logging.INFO, "server started", host=settings.host, port=port,
          data_dir=str(settings.data_dir.resolve()))
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        sessions.shutdown()
        event(log, logging.INFO, "server stopped")
