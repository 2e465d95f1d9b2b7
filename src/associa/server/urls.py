"""What a WebSocket URL says: app id, identity, TTL. Clients build many forms:
``/app/<id>``, ``/app/``, ``/app/engineData``, ``/app/SessionApp_<x>``, each with optional
``/identity/<x>`` and ``/ttl/<n>`` suffixes, an optional prefix before ``/app`` and
query parameters (ignored). A URL with no ``/app`` segment at all is accepted too."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class EngineUrl:
    app_id: str | None  # None for engineData / no app
    identity: str | None = None
    ttl: int | None = None


def parse_path(path: str) -> EngineUrl:
    parts = [p for p in path.split("?", 1)[0].split("/")]
    parts = [p for p in parts if p != ""]
    app_id: str | None = None
    identity: str | None = None
    ttl: int | None = None
    if "app" in parts:
        i = parts.index("app")
        rest = parts[i + 1 :]
        if rest and rest[0] not in ("identity", "ttl"):
            app_id = unquote(rest[0])
            rest = rest[1:]
        j = 0
        while j < len(rest):
            key = rest[j]
            value = unquote(rest[j + 1]) if j + 1 < len(rest) else ""
            if key == "identity":
                identity = value
                j += 2
            elif key == "ttl":
                try:
                    ttl = max(0, int(value))
                except ValueError:
                    ttl = None
                j += 2
            else:
                j += 1
    if app_id == "engineData":
        app_id = None
    return EngineUrl(app_id, identity, ttl)
