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
import ssl
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from associa.auth.authenticator import Authenticator
from associa.auth.keys import ApiKeyLookup
from associa.auth.tls import settings_context, uvicorn_options
from associa.auth.tokens import SIGNED_OR_UNSIGNED
from associa.engine import Engine
from associa.logs import event
from associa.qix.sessions import SessionManager
from associa.rest import oauth
from associa.server.app import close, create_app, drain
from associa.settings import Settings

log = logging.getLogger("associa.server")


class BindError(OSError):
    """The server cannot listen where it was told to; the message says why in one line."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one). Raises BindError."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets of that protocol, and
        # without it each keep-alive response or WebSocket frame written in two parts
        # waits for the peer's delayed ACK (40 ms)
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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


@dataclass(frozen=True, slots=True)
class Security:
    """Who may connect (``auth/``) and the TLS context of ``wss://`` (None: ``ws://``)."""

    authenticator: Authenticator
    tls: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings: Settings, api_keys: ApiKeyLookup | None = None,
                      oauth: ApiKeyLookup | None = None) -> Security:
        """Raises InvalidParameters (naming the setting) for settings that cannot work.
        ``api_keys`` looks up API keys (the metadata store's), ``oauth`` the engine's
        OAuth access tokens."""
        return cls(Authenticator.from_settings(settings, api_keys, oauth),
                   settings_context(settings))

    def announce(self) -> None:
        """Say loudly when every socket is anonymous, and otherwise what is accepted."""
        auth = self.authenticator
        if auth.enabled:
            event(log, logging.INFO, "authentication on", methods=",".join(auth.methods()))
            if auth.tokens is not None and auth.tokens.mode == SIGNED_OR_UNSIGNED:
                event(log, logging.WARNING, "ValidateJsonWebTokens=1 accepts unsigned tokens: "
                      "a client can name any user; use 2 unless a proxy checks the tokens")
            return
        reason = ("--no-auth ignores the configured authentication" if auth.forced_off
                  else "no authentication is configured")
        event(log, logging.WARNING, "AUTHENTICATION IS OFF: every connection acts as the "
              "anonymous user with full rights (development mode); configure "
              "ValidateJsonWebTokens, API keys or header authentication before exposing "
              "this port", reason=reason)


def api_key_lookup(engine: Engine) -> ApiKeyLookup:
    """API keys looked up in the engine's metadata store (opened at the first key)."""
    return lambda key: engine.meta.verify_api_key(key)



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


def server_config(engine: Engine, sessions: SessionManager, security: Security) -> uvicorn.Config:
    """uvicorn's configuration for the application over ``engine``."""
    return uvicorn.Config(
        create_app(engine, sessions, security.authenticator),
        **uvicorn_options(security.tls),
        log_config=None,  # our logging setup (associa.logs) formats uvicorn's warnings
        log_level="warning",
        access_log=False,
        # the peer is the TCP peer: uvicorn would otherwise take X-Forwarded-For from a
        # local client as the peer, and the peer decides whether X-Qlik-User is believed
        proxy_headers=False,
        ws_max_size=engine.settings.max_message_bytes,
        ws_ping_interval=None,
        lifespan="off",
        timeout_graceful_shutdown=5,  # after our drain: what is still open is cut
    )


def serve(engine: Engine, sock: socket.socket | None = None,
          security: Security | None = None) -> None:
    """Serve on ``sock`` (or a socket bound from the settings) until stopped."""
    settings = engine.settings
    security = security or Security.from_settings(settings, api_key_lookup(engine),
                                                oauth.lookup(engine))
    sock = sock or bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    sessions = SessionManager(engine)
    config = server_config(engine, sessions, security)
    assert isinstance(config.app, Starlette)
    server = EngineServer(config, config.app, settings.shutdown_grace)
    engine.shutdown_hooks.append(lambda: setattr(server, "should_exit", True))  # ShutdownProcess
    scheme = "wss" if security.tls is not None else "ws"
    print(f"associa listening on {scheme}://{settings.host}:{port}", flush=True)
    event(log, logging.INFO, "server started", host=settings.host, port=port,
          data_dir=str(settings.data_dir.resolve()))
    security.announce()
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        close(config.app)
        sessions.shutdown()
        event(log, logging.INFO, "server stopped")
