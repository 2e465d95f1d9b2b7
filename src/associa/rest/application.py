"""The REST API as a Starlette application, mounted at ``/api/v1`` by ``server/app.py``.

Routes are made from the operations table (``rest/resources.py``); every error, the
router's own 404 and 405 included, is answered in Qlik's error shape
(``rest/errors.py``). ``/api/v1/openapi.json`` serves the document generated from the
same table (``rest/openapi.py``).
"""

from __future__ import annotations

import functools
import logging
import re
from collections import defaultdict
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from associa.auth.authenticator import Authenticator
from associa.engine import Engine
from associa.errors import AssociaError
from associa.logs import event
from associa.rest import dataconnections, datafiles
from associa.rest.catalog import Catalog
from associa.rest.cors import Cors
from associa.rest.errors import ApiError, InternalError, for_status, from_engine_error
from associa.rest.openapi import document
from associa.rest.operations import JSON, PREFIX, Operation, endpoint
from associa.rest.ratelimit import RateLimiter
from associa.rest.reloadqueue import ReloadQueue
from associa.rest.resources import operations
from associa.rest.scheduler import Scheduler
from associa.rest.tempcontents import TempContents
from associa.rest.webhooks import Dispatcher

log = logging.getLogger("associa.rest")


def error_response(err: ApiError) -> Response:
    return Response(orjson.dumps(err.body()), status_code=err.status,
                    headers=err.headers, media_type=JSON)


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def on_engine_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AssociaError)
    return error_response(from_engine_error(exc))


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    err = for_status(exc.status_code, "" if exc.status_code in (404, 405) else exc.detail)
    if exc.status_code == 404:
        err.detail = f"No resource at {request.url.path}"
    elif exc.status_code == 405:
        err.detail = f"{request.method} is not allowed on {request.url.path}"
    if exc.headers:
        err.headers.update(exc.headers)
    return error_response(err)


async def on_crash(request: Request, exc: Exception) -> Response:
    event(log, logging.ERROR, "rest request failed", method=request.method,
          path=request.url.path, error=repr(exc))
    log.debug("rest failure", exc_info=exc)
    return error_response(InternalError("The request could not be completed"))


def routes(ops: list[Operation]) -> list[Route]:
    """One Route per path, its methods from the table (the router answers 405 for the
    others)."""
    by_path: dict[str, list[Operation]] = defaultdict(list)
    for op in ops:
        by_path[op.path].append(op)
    out = []
    for path, group in by_path.items():
        handlers = {op.method: endpoint(op) for op in group}

        async def run(request: Request, handlers=handlers) -> Response:
            return await handlers[request.method](request)

        out.append(Route(path, run, methods=list(handlers), name=path))
    return out


class ApiMount(Mount):
    """``/api/v1`` with everything under it: Starlette's Mount matches its path with
    ``.``, which leaves out a path holding a newline (``%0A`` in an id); such a path
    would fall through to the server's plain-text 404 instead of the REST error shape."""

    def __init__(self, path: str, app: Starlette) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


def stop_services(app: Starlette) -> None:
    """Stop the REST application's background work (the reload queue's workers, the
    reload tasks' scheduler, the webhook deliveries): a server that stops, or a test's,
    leaves no thread holding its engine."""
    state = app.state
    for name in ("scheduler", "reloads"):
        service = getattr(state, name, None)
        if service is not None:
            service.stop()
    webhooks = getattr(state, "webhooks", None)
    if webhooks is not None:
        webhooks.stop()


def mount(engine: Engine, authenticator: Authenticator | None = None,
          path: str = PREFIX) -> Mount:
    """The REST application over ``engine``, mounted at ``/api/v1`` (server/app.py),
    authenticating as the engine socket does (``authenticator``)."""
    return ApiMount(path, create_rest_app(engine, authenticator))


@functools.cache
def served_document() -> tuple[dict[str, Any], bytes]:
    """The OpenAPI document of every resource's operations, and its JSON: made once per
    process (the operations are fixed when their modules load; generating the schemas
    took about 65 ms, which every server, and every test's, paid at its start)."""
    spec = document(operations())
    return spec, orjson.dumps(spec)


def create_rest_app(engine: Engine, authenticator: Authenticator | None = None) -> Starlette:
    """The REST application over ``engine``; its requests are authenticated by
    ``authenticator`` (the socket's: from the engine's settings unless given) besides
    the administrator key and the metadata store's API keys (``rest/identity.py``)."""
    ops = operations()
    spec, spec_bytes = served_document()

    async def openapi(request: Request) -> Response:
        return Response(spec_bytes, media_type=JSON)

    app = Starlette(
        routes=[Route("/openapi.json", openapi, methods=["GET"]), *routes(ops)],
        middleware=[Middleware(Cors)],  # the web integrations' origins (rest/cors.py)
        exception_handlers={
            ApiError: on_api_error,
            AssociaError: on_engine_error,
            HTTPException: on_http_error,
            Exception: on_crash,
        },
    )
    app.state.engine = engine
    app.state.authenticator = (authenticator if authenticator is not None
                               else Authenticator.from_settings(engine.settings))
    app.state.limiter = RateLimiter(engine.settings)
    app.state.catalog = Catalog(engine)
    app.state.temp = TempContents(engine.settings.data_dir)
    app.state.reloads = ReloadQueue(engine)  # its workers start on the first reload
    app.state.scheduler = Scheduler(engine, app.state.reloads)  # reload tasks
    app.state.scheduler.start()
    dataconnections.install(engine)  # scripts use /data-connections by name
    datafiles.install(engine)  # app-bound files go with their app
    app.state.webhooks = Dispatcher(engine)
    app.state.reloads.on_finished.append(app.state.webhooks.reload_finished)
    # run after every successful change (rest/operations.py): webhook events
    app.state.change_hooks = [app.state.webhooks.on_change]
    app.state.openapi = spec
    app.state.operations = ops
    return app
