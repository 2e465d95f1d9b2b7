"""What a WebSocket URL says: app id, identity, TTL, and a session app's template.

Clients build many forms: ``/app/<id>``, ``/app/``, ``/app/engineData``,
``/app/SessionApp_<x>``, each with optional ``/identity/<x>`` and ``/ttl/<n>`` suffixes,
an optional prefix before ``/app`` and query parameters (ignored, except ``from`` on a
session app: ``/app/SessionApp_<x>?from=<appId>`` makes it from that app, as qlik.dev's
JSON-RPC page, "Session apps", documents). A URL with no ``/app`` segment is accepted.

A URL the engine cannot read raises RequestMalformed (the socket closes with 4202): a
TTL that is not a whole number (or -1), a ``/ttl`` or ``/identity`` without its value,
percent-encoding that is not UTF-8, control characters, or ids longer than
``MAX_ID_LENGTH``. Ids are opaque: ``..`` or ``/`` in an app id name no file (the store
keys files by a digest of the id).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from associa.errors import RequestMalformed

MAX_ID_LENGTH = 512  # characters of an app id, identity or template id
MAX_PATH_LENGTH = 4096
ENGINE_DATA = "engineData"


@dataclass(frozen=True, slots=True)
class EngineUrl:
    app_id: str | None  # None for engineData / no app
    identity: str | None = None
    ttl: int | None = None
    template: str | None = None  # ?from=<appId> of a session app URL


def _text(raw: str, what: str) -> str:
    try:
        value = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise RequestMalformed(what, f"the {what} in the URL is not valid UTF-8") from None
    return _checked(value, what)


def _checked(value: str, what: str) -> str:
    if len(value) > MAX_ID_LENGTH:
        raise RequestMalformed(what, f"the {what} in the URL is longer than {MAX_ID_LENGTH} "
                               "characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise RequestMalformed(what, f"the {what} in the URL holds control characters")
    return value


def _ttl(raw: str) -> int:
    try:
        ttl = int(raw, 10)
    except ValueError:
        ttl = -2
    if ttl < -1 or not raw.lstrip("-").isdigit():
        raise RequestMalformed("ttl", f"the TTL in the URL must be a whole number of seconds "
                               f"or -1, not {raw[:40]!r}")
    return ttl


def parse_path(path: str, query: str = "") -> EngineUrl:
    """The parts of a URL's ``path`` (still percent-encoded; a ``?query`` on it is
    split off) and ``query``. Raises RequestMalformed."""
    if len(path) > MAX_PATH_LENGTH:
        raise RequestMalformed("path", f"the URL is longer than {MAX_PATH_LENGTH} characters")
    path, _, inline_query = path.partition("?")
    query = query or inline_query
    parts = [p for p in path.split("/") if p != ""]
    app_id: str | None = None
    identity: str | None = None
    ttl: int | None = None
    if "app" in parts:
        i = parts.index("app")
        rest = parts[i + 1 :]
        if rest and rest[0] not in ("identity", "ttl"):
            app_id = _text(rest[0], "app id")
            rest = rest[1:]
        j = 0
        while j < len(rest):
            key = rest[j]
            if key in ("identity", "ttl"):
                if j + 1 >= len(rest):
                    raise RequestMalformed(key, f"/{key} in the URL has no value")
                if key == "identity":
                    identity = _text(rest[j + 1], "identity")
                else:
                    ttl = _ttl(rest[j + 1])
                j += 2
            else:
                j += 1
    if app_id == ENGINE_DATA:
        app_id = None
    template = None
    if query and app_id is not None and app_id.startswith("SessionApp_"):
        try:
            found = parse_qs(query, keep_blank_values=True, errors="strict").get("from")
        except UnicodeDecodeError:
            raise RequestMalformed("from", "the from= in the URL is not valid UTF-8") from None
        if found:
            template = _checked(found[0], "template app id")  # parse_qs decoded it
            if not template:
                raise RequestMalformed("from", "from= in the URL names no app")
    return EngineUrl(app_id, identity, ttl, template)
