"""Temporary downloads: what ``POST /apps/{id}/export`` made, at ``/temp-contents/{id}``.

Qlik Cloud answers an export with 201 and a ``Location`` to a temporary file that the
client then downloads (``temp-contents`` in @qlik/api). Here the file is written under
``<data dir>/temp-contents`` and served to the identity that asked for it, for
``TTL_SECONDS``; after that (or when the engine restarts) it is gone (404).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import FileResponse

from associa.app.access import unrestricted
from associa.identity import Identity
from associa.rest.errors import NotFound
from associa.rest.operations import OCTET, Call, Operation
from associa.rest.ratelimit import Tier

TTL_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class TempFile:
    path: Path
    filename: str
    owner: str  # Identity.qualified of the one who may download it
    expires: float


class TempContents:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "temp-contents"
        self._lock = threading.Lock()
        self._files: dict[str, TempFile] = {}

    def put(self, content: bytes, filename: str, owner: Identity) -> str:
        """Keep ``content`` for ``owner``; the id to download it by."""
        self._expire()
        self.root.mkdir(parents=True, exist_ok=True)
        file_id = secrets.token_hex(12)
        path = self.root / file_id
        path.write_bytes(content)
        with self._lock:
            self._files[file_id] = TempFile(path, filename, owner.qualified,
                                            time.monotonic() + TTL_SECONDS)
        return file_id

    def get(self, file_id: str, identity: Identity) -> TempFile | None:
        self._expire()
        with self._lock:
            found = self._files.get(file_id)
        if found is None or not (found.owner == identity.qualified or unrestricted(identity)):
            return None
        return found

    def _expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            gone = [k for k, f in self._files.items() if f.expires <= now]
            for key in gone:
                self._files.pop(key).path.unlink(missing_ok=True)


def download_temp_content(call: Call) -> FileResponse:
    temp: TempContents = call.state.temp
    found = temp.get(call.path["id"], call.identity)
    if found is None or not found.path.exists():
        raise NotFound("No such temporary content (it may have expired)")
    return FileResponse(found.path, media_type=OCTET, filename=found.filename)


OPERATIONS = [
    Operation("GET", "/temp-contents/{id}", download_temp_content,
              "Download a temporary file (an exported app)", "temp-contents",
              tier=Tier.TIER1, response_type=OCTET),
]
