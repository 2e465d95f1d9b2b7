"""Operations as data: one row per REST operation, from which both the routes and the
OpenAPI document are made.

A resource module (``rest/apps.py``, ``rest/items.py`` …) declares ``OPERATIONS``, a
list of ``Operation`` rows: method, path (under ``/api/v1``), handler, the pydantic
models of its query, body and answer, its rate tier, whether it needs a caller and the right it needs on the app of
its path.
``rest/resources.py`` lists the modules; nothing else needs to change to add one.

``dispatch`` is what every route runs: authenticate (``rest/identity.py``), spend a
request of the caller's tier (``rest/ratelimit.py``), check the right on the app
(``rest/rights.py``), read and validate the query and
the body (size-limited; JSON parsed by orjson, checked by the model: malformed JSON,
wrong types and unknown fields are 400s), call the handler in a worker thread (the
engine is synchronous), and serialize what it returns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import orjson
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from associa.app.access import Right
from associa.engine import Engine
from associa.errors import AssociaError
from associa.identity import ANONYMOUS, Identity
from associa.logs import event
from associa.rest.errors import (
    ApiError,
    BadRequest,
    InternalError,
    PayloadTooLarge,
    UnsupportedMedia,
    from_engine_error,
)
from associa.rest.identity import authenticate
from associa.rest.paging import cursor_offset
from associa.rest.ratelimit import RateLimiter, Tier
from associa.rest.rights import APP_PARAM, check_app

log = logging.getLogger("associa.rest")

JSON = "application/json"
OCTET = "application/octet-stream"
PREFIX = "/api/v1"
CONVERTER = re.compile(r"{(\w+):\w+}")


@dataclass(slots=True)
class Reply:
    """A handler's answer when it is not a plain 200 with a model."""

    body: BaseModel | list[Any] | dict[str, Any] | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Call:
    """One request as a handler sees it."""

    request: Request
    engine: Engine
    identity: Identity
    path: dict[str, str]
    query: Any  # the operation's query model (None without one)
    body: Any  # the body model, the raw bytes (octet-stream), or None
    state: Any  # the REST application's state (catalog, temporary contents …)

    def url(self, path: str) -> str:
        """The absolute URL of ``/api/v1<path>`` on the host the request came to."""
        return str(self.request.url.replace(path=PREFIX + path, query=""))


Handler = Callable[[Call], "BaseModel | Reply | Response | list[Any] | None"]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # GET, POST, PUT, PATCH, DELETE
    path: str  # under /api/v1, with {parameters}
    handler: Handler
    summary: str
    tag: str
    tier: Tier = Tier.TIER1
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    raw_body: bool = False  # the body is octet-stream bytes
    # the body is multipart/form-data with these parts (the handler gets a dict: a file
    # part as (file name, bytes), a plain one as text)
    multipart: tuple[str, ...] = ()
    body_required: bool = True  # an empty body is a 400 (else the model's defaults)
    response: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True  # whether the caller must be known (else anonymous is fine)
    response_type: str = JSON  # what a successful answer carries
    headers: tuple[str, ...] = ()  # response headers it sets (documented)
    right: Right | None = None  # the right needed on the app of the path's {appId}
    errors: tuple[str, ...] = ()  # statuses of openapi.OPTIONAL_ERRORS it may answer

    @property
    def template(self) -> str:
        """The path as OpenAPI writes it: a Starlette converter (``{path:path}``, a
        parameter that may hold slashes) left out."""
        return CONVERTER.sub(r"{\1}", self.path)

    @property
    def name(self) -> str:
        return getattr(self.handler, "__name__", self.path)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 once over ``limit`` bytes (the declared length
    is checked first; a body without one is counted as it streams)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request, limit: int,
                    parts: tuple[str, ...]) -> dict[str, tuple[str, bytes] | str]:
    """A multipart/form-data body (415 for another type; 413 over ``limit`` bytes; 400
    when it does not parse), its parts named in ``parts`` (others are left out)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise UnsupportedMedia(f"The body must be multipart/form-data, not {kind or 'empty'}")
    raw = await read_body(request, limit)
    request._body = raw  # what the form parser streams (Request.stream gives it)
    out: dict[str, tuple[str, bytes] | str] = {}
    try:
        async with request.form(max_files=len(parts), max_fields=len(parts)) as form:
            for key, value in form.multi_items():
                if key not in parts or key in out:
                    continue
                if isinstance(value, str):
                    out[key] = value
                else:
                    out[key] = (value.filename or "", await value.read())
    except (MultiPartException, HTTPException) as exc:
        raise BadRequest(f"The multipart body does not parse: {exc}") from None
    return out


def _pointer(loc: tuple[int | str, ...]) -> str:
    return "/" + "/".join(str(p) for p in loc)


def parse_json_body(raw: bytes, model: type[BaseModel], required: bool = True) -> BaseModel:
    if not raw.strip():
        if not required:
            return model()
        raise BadRequest("The request needs a JSON body")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BadRequest(f"{first['msg']} at {_pointer(first['loc']) or '/'}",
                         pointer=_pointer(first["loc"])) from None


def parse_query(request: Request, model: type[BaseModel]) -> BaseModel:
    values: dict[str, Any] = {}
    for key in request.query_params:
        if key in model.model_fields or any(
                f.alias == key for f in model.model_fields.values()):
            values[key] = request.query_params[key]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        raise BadRequest(f"{name}: {first['msg']}", parameter=name) from None


def render(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    reply = result if isinstance(result, Reply) else Reply(result)
    status = reply.status or op.status
    body = reply.body
    if body is None:
        return Response(status_code=status, headers=reply.headers)
    if isinstance(body, BaseModel):
        content = orjson.dumps(body.model_dump(mode="json", by_alias=True, exclude_none=True))
    else:
        content = orjson.dumps(body)
    return Response(content, status_code=status, headers=reply.headers, media_type=JSON)


async def dispatch(op: Operation, request: Request) -> Response:
    state = request.app.state
    engine: Engine = state.engine
    limiter: RateLimiter = state.limiter
    if op.auth:
        identity = await anyio.to_thread.run_sync(authenticate, request, engine,
                                                  request.app.state.authenticator)
    else:
        identity = ANONYMOUS
    request.state.identity = identity
    if identity.method == "cookie":
        from associa.rest.session import check_csrf

        check_csrf(request, identity)
    limiter.take(identity.qualified, op.tier)
    if op.right is not None:
        await anyio.to_thread.run_sync(check_app, engine, identity,
                                       request.path_params[APP_PARAM], op.right)
    query = parse_query(request, op.query) if op.query is not None else None
    if query is not None and "next" in type(query).model_fields:  # a list's query
        cursor_offset(request, getattr(query, "next", None), getattr(query, "prev", None))
    body: Any = None
    if op.multipart:
        body = await read_form(request, engine.settings.rest_max_body_bytes, op.multipart)
    elif op.body is not None or op.raw_body:
        raw = await read_body(request, engine.settings.rest_max_body_bytes)
        if op.raw_body:
            kind = request.headers.get("content-type", OCTET).split(";")[0].strip()
            if kind not in (OCTET, ""):
                raise UnsupportedMedia(f"The body must be {OCTET}, not {kind}")
            body = raw
        else:
            assert op.body is not None
            body = parse_json_body(raw, op.body, op.body_required)
    call = Call(request, engine, identity, dict(request.path_params), query, body, state)
    result = await anyio.to_thread.run_sync(op.handler, call)
    return render(op, result)


# what a successful change is recorded as in the audit log (``rest/audits.py``)
AUDITED_ACTIONS = {"POST": "created", "PUT": "updated", "PATCH": "updated",
                   "DELETE": "deleted"}
DENIED = "com.qlik.v1.access.denied"


async def audit(request: Request, event_type: str, status: int) -> None:
    engine: Engine = request.app.state.engine
    identity = getattr(request.state, "identity", None) or Identity(user_id="")
    data = {"method": request.method, "path": request.url.path, "status": status}
    await anyio.to_thread.run_sync(engine.audit, event_type, identity, "rest", data)


def endpoint(op: Operation) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        try:
            response = await dispatch(op, request)
        except ApiError as exc:
            if exc.status in (401, 403):
                await audit(request, DENIED, exc.status)
            raise  # answered by the application's handlers
        except AssociaError as exc:
            status = from_engine_error(exc).status
            if status == 403:
                await audit(request, DENIED, status)
            raise
        except Exception as exc:
            event(log, logging.ERROR, "rest request failed", operation=op.name,
                  error=repr(exc))
            log.debug("rest failure", exc_info=exc)
            raise InternalError("The request could not be completed") from None
        action = AUDITED_ACTIONS.get(op.method)
        if action is not None and response.status_code < 400:
            await audit(request, f"com.qlik.v1.{op.tag}.{action}", response.status_code)
            for hook in getattr(request.app.state, "change_hooks", ()):
                await hook(op, request, response)
        return response

    run.__name__ = op.name
    return run
