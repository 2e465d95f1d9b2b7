"""Log lines: one event per line, as readable text or as JSON lines (stdlib logging).

Code that logs an event calls ``event(logger, level, "connection open", app=…, …)``: the
message reads ``connection open app=demo session=…`` under any logging setup, and the
fields travel on the record so that the JSON format writes them as members::

    {"time": "2025-01-01T12:00:00.123Z", "level": "info", "logger": "associa.server",
     "event": "connection open", "app": "demo", "session": "…", "peer": "127.0.0.1:50312"}

Each QIX request runs in a ``request_scope``: a fresh request id that every JSON line
logged while the request runs carries as ``request_id`` (the reload's lines, the error
answered), so that one request's lines can be picked out of a busy log. Text lines stay
as they are.

``configure`` is called once by the command line; in-process users keep their own
logging setup. uvicorn's and websockets' own lines are kept to warnings and above.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

from associa.settings import LOG_FORMATS, LOG_LEVELS

REQUEST_ID: ContextVar[str | None] = ContextVar("associa_request_id", default=None)

QUIET = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "websockets")


def _value(v: Any) -> str:
    if isinstance(v, str):
        return v if v and not any(c.isspace() or c in '"=' for c in v) else json.dumps(v)
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v == v else "NaN"
    return json.dumps(v) if isinstance(v, bool | type(None)) else str(v)


def event(logger: logging.Logger, level: int, name: str, **fields: Any) -> None:
    """Log one event named ``name`` with its fields (``None`` fields are left out)."""
    if not logger.isEnabledFor(level):
        return
    fields = {k: v for k, v in fields.items() if v is not None}
    text = " ".join([name, *(f"{k}={_value(v)}" for k, v in fields.items())])
    logger.log(level, text, extra={"event": name, "fields": fields})


@contextmanager
def request_scope() -> Iterator[str]:
    """Run a request under a new request id (yielded), seen by every line it logs."""
    request_id = uuid.uuid4().hex[:16]
    token = REQUEST_ID.set(request_id)
    try:
        yield request_id
    finally:
        REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the running request's id on a record when it is logged (in the thread that
    runs the request), for the JSON format to write."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: an event's name and fields as members; any other log
    line (a library's warning, an exception) as its ``message``."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        out: dict[str, Any] = {
            "time": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        name = getattr(record, "event", None)
        if name:
            out["event"] = name
            for key, value in (getattr(record, "fields", None) or {}).items():
                out.setdefault(key, value)
        else:
            out["message"] = record.getMessage()
        request_id = getattr(record, "request_id", None)
        if request_id:
            out.setdefault("request_id", request_id)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str = "info", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send every log line to ``stream`` (stderr) at ``level`` and above, as text or JSON."""
    if level not in LOG_LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "associa", False):  # ours, from an earlier call
            root.removeHandler(old)
    handler.associa = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    numeric = getattr(logging, level.upper())
    root.setLevel(numeric)
    for name in QUIET:
        quiet = logging.getLogger(name)
        quiet.handlers.clear()
        quiet.propagate = True
        quiet.setLevel(max(numeric, logging.WARNING))
