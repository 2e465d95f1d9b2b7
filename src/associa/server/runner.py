"""Running the server: bind the socket, announce the address, serve until stopped."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys

import uvicorn

from associa.engine import Engine
from associa.server.app import create_app


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def serve(engine: Engine) -> None:
    settings = engine.settings
    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(engine),
        log_level="warning",
        ws_max_size=settings.max_message_bytes,
        ws_ping_interval=None,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    print(f"associa listening on ws://{settings.host}:{port}", flush=True)
    logging.getLogger("associa").info("serving on %s:%s", settings.host, port)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        engine.shutdown()
        print("associa stopped", file=sys.stderr, flush=True)
