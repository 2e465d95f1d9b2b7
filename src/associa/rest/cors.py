"""CORS for the REST API, from the web integrations' origins (``rest/webintegrations.py``).

A request with an ``Origin`` among the allowed ones gets ``Access-Control-Allow-Origin``
(that origin, with credentials, ``Vary: Origin``); a preflight (``OPTIONS`` with
``Access-Control-Request-Method``) from it is answered 204 with the methods and headers
allowed. A preflight from any other origin is refused with 403 in the error shape, and
other requests from it get no CORS headers, so the browser withholds the answer. With no
web integration at all, no origin is allowed (the API is not offered to browsers of
other sites), which is also Qlik Cloud's default.
"""

from __future__ import annotations

import anyio
import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from associa.rest.errors import Forbidden
from associa.rest.webintegrations import allowed_origins, check_origin

METHODS = "GET, POST, PUT, PATCH, DELETE"
HEADERS = "Authorization, Content-Type, qlik-csrf-token, qlik-web-integration-id"
MAX_AGE = "600"


class Cors:
    """ASGI middleware around the REST application."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        engine = scope["app"].state.engine if "app" in scope else None
        allowed = await anyio.to_thread.run_sync(_allows, engine, origin)
        preflight = (scope["method"] == "OPTIONS"
                     and "access-control-request-method" in headers)
        if preflight:
            await _answer_preflight(send, origin if allowed else None)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["Access-Control-Allow-Origin"] = origin
                out["Access-Control-Allow-Credentials"] = "true"
                out["Access-Control-Expose-Headers"] = "qlik-csrf-token, Location, Retry-After"
                out.append("Vary", "Origin")
            await send(message)

        await self.app(scope, receive, with_cors)


def _allows(engine: object, origin: str) -> bool:
    if engine is None:
        return False
    found = allowed_origins(engine)  # type: ignore[arg-type]
    try:
        return found is not None and check_origin(origin) in found
    except ValueError:
        return False


async def _answer_preflight(send: Send, origin: str | None) -> None:
    if origin is None:
        err = Forbidden("The origin is not allowed: add it to a web integration")
        body = orjson.dumps(err.body())
        headers = [(b"content-type", b"application/json")]
        status = 403
    else:
        body = b""
        headers = [(b"access-control-allow-origin", origin.encode("latin-1")),
                   (b"access-control-allow-credentials", b"true"),
                   (b"access-control-allow-methods", METHODS.encode()),
                   (b"access-control-allow-headers", HEADERS.encode()),
                   (b"access-control-max-age", MAX_AGE.encode()),
                   (b"vary", b"Origin")]
        status = 204
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
