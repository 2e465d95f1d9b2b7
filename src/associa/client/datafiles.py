"""Data files on the engine a socket leads to: how DataFrames cross the socket.

``load_frames`` over a socket uploads each frame as a Parquet data file through the
engine's REST API (``POST /api/v1/data-files``, multipart ``File`` + ``Json``, on the
WebSocket's host and port, with its ``Authorization`` header), loads them with a script
reading ``lib://DataFiles/<name>``, and deletes them afterwards: the data then lives in
the app's model. A file's name is unique (the folder is the engine's), so two clients
loading frames at once do not meet.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import httpx

from associa.client.errors import EngineError

DATA_FILES_LIB = "lib://DataFiles/"


def rest_base(socket_url: str) -> str:
    """``ws://host:port/app/x`` → ``http://host:port/api/v1`` (wss → https)."""
    parts = urlsplit(socket_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return urlunsplit((scheme, parts.netloc, "/api/v1", "", ""))


def _failed(response: httpx.Response, what: str) -> EngineError:
    try:
        errors = response.json().get("errors") or [{}]
    except ValueError:
        errors = [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    detail = str(first.get("detail") or first.get("title") or f"HTTP {response.status_code}")
    return EngineError(response.status_code, f"{what}: {detail}", "load_frames")


@contextmanager
def uploaded(socket_url: str, headers: dict[str, str],
             files: list[tuple[str, bytes]]) -> Iterator[list[str]]:
    """Each ``(table, bytes)`` as a data file for the time of the block: yields their
    ``lib://DataFiles/`` paths, in order; deletes them at the end, whatever happened."""
    auth = {k: v for k, v in headers.items() if k.lower() == "authorization"}
    batch = uuid.uuid4().hex[:12]
    made: list[str] = []
    with httpx.Client(base_url=rest_base(socket_url), headers=auth, timeout=300.0) as client:
        try:
            paths = []
            for i, (_, content) in enumerate(files):
                name = f"associa-frames-{batch}-{i}.parquet"
                try:
                    reply = client.post("/data-files", files={
                        "File": (name, content, "application/octet-stream")},
                        data={"Json": json.dumps({"name": name})})
                except httpx.TransportError as exc:
                    raise EngineError(-1, f"cannot upload the frames: {exc}",
                                      "load_frames") from exc
                if reply.status_code != 201:
                    raise _failed(reply, "the engine refused a frame's data file")
                made.append(str(reply.json()["id"]))
                paths.append(f"{DATA_FILES_LIB}{name}")
            yield paths
        finally:
            for file_id in made:
                try:
                    client.delete(f"/data-files/{file_id}")
                except httpx.TransportError:
                    pass  # the engine went away: nothing more to clean
