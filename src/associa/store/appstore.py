"""Apps on disk: one file per app under ``<data dir>/apps``, written atomically.

An app file is a zip archive holding ``app.json`` (id, title, script, objects,
connections, variables, properties) and ``model.npz`` (the data model snapshot). A save
writes a temporary file in the same folder, flushes it to disk and renames it over the
old one, so a crash leaves either the old or the new app, never half of one.

``app.json`` records the format the file was written in (``format``). Format 2 holds the
compact data model (narrow columns, stored texts only where they are not the number's
default rendering); a format 1 file, written before it, opens and is converted on load
(the next save writes format 2). A file in a format newer than this version reads fails
with an error that names the format.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from associa.errors import AppNotFound, PersistenceError, PersistenceReadFailed
from associa.model import DataModel
from associa.store.snapshot import SnapshotFormatError, dump_model, load_model

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


@dataclass(slots=True)
class AppRecord:
    """Everything persisted about an app."""

    id: str
    meta: dict[str, Any] = field(default_factory=dict)  # title, script, objects, …
    model: DataModel | None = None


class AppStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "apps"
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, app_id: str) -> Path:
        digest = hashlib.sha256(app_id.encode("utf-8")).hexdigest()[:24]
        return self.root / f"{digest}.app"

    def path(self, app_id: str) -> Path:
        """The file that holds the app (whether or not it exists)."""
        return self._path(app_id)

    def damaged(self) -> list[tuple[Path, str]]:
        """App files that cannot be read (the file, and why): their archive or its
        ``app.json`` is unreadable. The data model inside is read when the app opens."""
        out = []
        for path in sorted(self.root.glob("*.app")):
            try:
                with zipfile.ZipFile(path) as zf:
                    meta = json.loads(zf.read("app.json"))
                if not isinstance(meta, dict) or not isinstance(meta.get("id"), str):
                    raise ValueError("app.json does not name the app")
            except OSError as exc:
                out.append((path, exc.strerror or str(exc)))
            except (KeyError, ValueError, zipfile.BadZipFile) as exc:
                out.append((path, str(exc).strip('"') or type(exc).__name__))
        return out

    def exists(self, app_id: str) -> bool:
        return self._path(app_id).exists()

    def list(self) -> list[dict[str, Any]]:
        """(id, meta without objects) of every stored app."""
        out = []
        for path in sorted(self.root.glob("*.app")):
            try:
                with zipfile.ZipFile(path) as zf:
                    meta = json.loads(zf.read("app.json"))
                meta["_size"] = path.stat().st_size
                meta["_mtime"] = path.stat().st_mtime
                out.append(meta)
            except (OSError, KeyError, ValueError, zipfile.BadZipFile):
                continue  # a damaged file is skipped, not fatal
        return out

    def read_meta(self, app_id: str) -> dict[str, Any]:
        """The app's ``app.json`` alone (title, dates …), without its data model."""
        path = self._path(app_id)
        try:
            with zipfile.ZipFile(path) as zf:
                meta = json.loads(zf.read("app.json"))
        except FileNotFoundError:
            raise AppNotFound("Could not find app") from None
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise PersistenceReadFailed(app_id, f"Read Failed: {exc}") from exc
        if not isinstance(meta, dict):
            raise PersistenceReadFailed(app_id, "Read Failed: app.json is not an object")
        return meta

    def save(self, record: AppRecord) -> None:
        path = self._path(record.id)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".app", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as fh:
                write_record(record, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise PersistenceError(record.id, f"Write Failed: {exc.strerror or exc}") from exc

    def load(self, app_id: str, with_model: bool = True) -> AppRecord:
        """The stored app; without its data model when ``with_model`` is False (a
        session app made from it as a template takes no data)."""
        path = self._path(app_id)
        if not path.exists():
            raise AppNotFound("Could not find app")
        return read_record(path, app_id, with_model)

    def delete(self, app_id: str) -> None:
        path = self._path(app_id)
        if not path.exists():
            raise AppNotFound("Could not find app")
        path.unlink()


def write_record(record: AppRecord, fh: IO[bytes]) -> None:
    """An app file (the zip archive) of ``record`` written to ``fh``: what a save
    stores, and what an export hands out."""
    meta = dict(record.meta, id=record.id, format=FORMAT_VERSION)
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("app.json", json.dumps(meta))
        if record.model is not None:
            zf.writestr("model.npz", dump_model(record.model))


def read_record(source: Path | IO[bytes], app_id: str, with_model: bool = True) -> AppRecord:
    """The app in an app file (a path, or an open binary file: an import's body), without
    its data model when ``with_model`` is False; PersistenceReadFailed naming ``app_id``
    when it cannot be read."""
    try:
        with zipfile.ZipFile(source) as zf:
            meta = json.loads(zf.read("app.json"))
            blob = (zf.read("model.npz") if with_model and "model.npz" in zf.namelist()
                    else None)
        version = meta.get("format", 1) if isinstance(meta, dict) else None
        if version not in READABLE_VERSIONS:
            raise ValueError(
                f"the app file is in format {version}; this version of associa reads "
                f"formats {READABLE_VERSIONS[0]} to {READABLE_VERSIONS[-1]}"
            )
        try:
            model = load_model(blob) if blob is not None else None
        except SnapshotFormatError:
            raise
        except (KeyError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError("the data model in the file is damaged") from exc
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise PersistenceReadFailed(app_id, f"Read Failed: {reason}") from exc
    return AppRecord(meta.get("id", app_id), meta, model)
