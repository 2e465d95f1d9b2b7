"""Cursor pagination as Qlik Cloud's list endpoints do it.

``limit`` is 1–100 (anything else is a 400); ``next`` and ``prev`` are opaque cursors
taken from the ``links`` of the previous answer, whose ``self``/``next``/``prev`` hold
absolute URLs (clients such as @qlik/api follow them verbatim). A cursor here is the
position of the page's first entry and a digest of the query it belongs to (its filters
and sort, not its limit), encoded so that clients treat it as opaque; a cursor that does
not decode, or that belongs to another query, is a 400.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

import orjson
from pydantic import Field
from starlette.requests import Request

from associa.rest.errors import BadRequest
from associa.rest.models import Href, Links, Shape

T = TypeVar("T")

MAX_LIMIT = 100


class PageQuery(Shape):
    """The paging parameters of a list; a list with filters adds them to a subclass."""

    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    next: str | None = None
    prev: str | None = None

# not part of what a cursor belongs to: the cursors themselves, and the page size (a
# client may follow a cursor with another limit: qlik-sdk's ``pagination`` asks for 100)
CURSOR_PARAMS = ("next", "prev", "limit")


def _query_digest(request: Request) -> str:
    kept = sorted((k, v) for k, v in request.query_params.multi_items()
                  if k not in CURSOR_PARAMS)
    return hashlib.sha256(urlencode(kept).encode()).hexdigest()[:12]


def encode_cursor(offset: int, digest: str) -> str:
    raw = orjson.dumps({"o": offset, "q": digest})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, digest: str, parameter: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = orjson.loads(raw)
        offset = data["o"]
        ok = isinstance(offset, int) and offset >= 0 and data.get("q") == digest
    except (ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        raise BadRequest("The cursor is not valid for this request", parameter=parameter)
    return int(offset)


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}", parameter="limit")
    return limit


def _url(request: Request, **changes: str | None) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    base = str(request.url.replace(query=""))
    return base + ("?" + urlencode(params) if params else "")


def cursor_offset(request: Request, next_cursor: str | None, prev_cursor: str | None) -> int:
    """Where the cursors of ``request`` point (0 without one); a 400 for a cursor that is
    not one of this query's. ``rest/operations.py`` checks them before the handler runs,
    so that a bad cursor is a 400 whatever the path names."""
    if next_cursor and prev_cursor:
        raise BadRequest("Provide either the next or the prev cursor, not both",
                         parameter="next")
    digest = _query_digest(request)
    if next_cursor:
        return decode_cursor(next_cursor, digest, "next")
    if prev_cursor:
        return decode_cursor(prev_cursor, digest, "prev")
    return 0


def paginate(request: Request, entries: Sequence[T], limit: int,
             next_cursor: str | None, prev_cursor: str | None) -> tuple[list[T], Links]:
    """The page of ``entries`` the cursors point at, and its links."""
    check_limit(limit)
    digest = _query_digest(request)
    offset = cursor_offset(request, next_cursor, prev_cursor)
    page = list(entries[offset:offset + limit])
    links = Links(self=Href(href=str(request.url)))
    if offset + limit < len(entries):
        links.next = Href(href=_url(request, prev=None,
                                    next=encode_cursor(offset + limit, digest)))
    if offset > 0:
        links.prev = Href(href=_url(request, next=None,
                                    prev=encode_cursor(max(0, offset - limit), digest)))
    return page, links
