"""An app's media (images a sheet or the app's thumbnail shows): files kept beside the
app, under ``<data dir>/media/<digest of the app id>/``.

A media path is relative and made of plain names: no ``..`` or ``.`` segments, no
empty segments, no backslash, colon or control character, each name at most 255
characters and the path at most 1024, so nothing written or read here leaves the app's
folder. Only image files are kept (``IMAGE_TYPES``, by extension, as Qlik Cloud's media
library takes images); an app holds at most ``APP_LIMIT`` bytes of media. An exported app
file carries them under ``media/`` (``to_archive``), and an import takes them from it
(``from_archive``), checked as an upload is.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from associa.errors import InvalidParameters

# the extensions kept, and the type each is served as
IMAGE_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".webp": "image/webp", ".bmp": "image/bmp",
    ".ico": "image/x-icon",
}
APP_LIMIT = 256 * 1024 * 1024
NAME_LIMIT = 255
PATH_LIMIT = 1024
BAD_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\\:]")
ARCHIVE_FOLDER = "media/"  # an app file's media entries: media/<path>


class MediaPathInvalid(InvalidParameters):
    """A media path that is not a plain relative path to an image."""


class MediaTooLarge(InvalidParameters):
    """The app's media would be over APP_LIMIT bytes."""


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    path: str  # relative to the app's media folder
    folder: bool


def clean(path: str, *, file: bool) -> PurePosixPath:
    """``path`` checked (MediaPathInvalid): a file must name an image; "" is the top
    folder."""
    if len(path) > PATH_LIMIT or BAD_CHARACTERS.search(path):
        raise MediaPathInvalid(path, "A media path is at most 1024 plain characters")
    parts = [p for p in path.split("/")] if path else []
    if path.endswith("/") and not file:
        parts = parts[:-1]
    if any(p in ("", ".", "..") or len(p) > NAME_LIMIT for p in parts) or path.startswith("/"):
        raise MediaPathInvalid(path, "A media path is relative, without '.', '..' or "
                                     "empty names")
    if file and (not parts or PurePosixPath(parts[-1]).suffix.lower() not in IMAGE_TYPES):
        raise MediaPathInvalid(path, "Media files are images: "
                                     + ", ".join(sorted(IMAGE_TYPES)))
    return PurePosixPath(*parts) if parts else PurePosixPath()


def media_type(path: str) -> str:
    return IMAGE_TYPES.get(PurePosixPath(path).suffix.lower(), "application/octet-stream")


class MediaStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "media"

    def folder(self, app_id: str) -> Path:
        return self.root / hashlib.sha256(app_id.encode("utf-8")).hexdigest()[:24]

    def _file(self, app_id: str, path: str) -> Path:
        return self.folder(app_id).joinpath(*clean(path, file=True).parts)

    def read(self, app_id: str, path: str) -> bytes | None:
        target = self._file(app_id, path)
        return target.read_bytes() if target.is_file() else None

    def size(self, app_id: str) -> int:
        return sum(f.stat().st_size for f in self.folder(app_id).rglob("*") if f.is_file())

    def write(self, app_id: str, path: str, content: bytes) -> None:
        """Keep ``content`` at ``path`` (replacing what was there), atomically."""
        target = self._file(app_id, path)
        old = target.stat().st_size if target.is_file() else 0
        if self.size(app_id) - old + len(content) > APP_LIMIT:
            raise MediaTooLarge(path, f"An app holds at most {APP_LIMIT} bytes of media")
        if target.is_dir():
            raise MediaPathInvalid(path, "The path is a folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, app_id: str, path: str) -> bool:
        target = self._file(app_id, path)
        if not target.is_file():
            return False
        target.unlink()
        top = self.folder(app_id)
        parent = target.parent
        while parent != top and not any(parent.iterdir()):  # empty folders go with it
            parent.rmdir()
            parent = parent.parent
        return True

    def list(self, app_id: str, path: str = "", recursive: bool = False) -> list[Entry] | None:
        """The files and folders under ``path`` (None when it is not a folder)."""
        base = clean(path, file=False)
        top = self.folder(app_id)
        where = top.joinpath(*base.parts)
        if not where.is_dir():
            return [] if not base.parts else None
        found = where.rglob("*") if recursive else where.iterdir()
        out = []
        for entry in sorted(found):
            if entry.name.startswith(".upload-"):
                continue
            rel = entry.relative_to(top).as_posix()
            out.append(Entry(entry.name, rel, entry.is_dir()))
        return out

    def copy_app(self, source_id: str, target_id: str) -> None:
        """The media of ``source_id`` become ``target_id``'s (a copy, a published app)."""
        source, target = self.folder(source_id), self.folder(target_id)
        if target.exists():
            shutil.rmtree(target)
        if source.is_dir():
            shutil.copytree(source, target)

    def remove_app(self, app_id: str) -> None:
        shutil.rmtree(self.folder(app_id), ignore_errors=True)

    def to_archive(self, app_id: str, archive: zipfile.ZipFile) -> None:
        """Add the app's media to an app file (an export) as ``media/<path>``."""
        for entry in self.list(app_id, recursive=True) or []:
            if not entry.folder:
                archive.write(self._file(app_id, entry.path), ARCHIVE_FOLDER + entry.path)

    def from_archive(self, app_id: str, archive: zipfile.ZipFile) -> int:
        """The media of an app file (an import) become the app's, replacing any it had;
        how many files. Every path and the size are checked before anything is written
        (``check_archive``)."""
        entries = check_archive(archive)
        self.remove_app(app_id)
        for info, path in entries:
            self.write(app_id, path, archive.read(info))
        return len(entries)


def check_archive(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    """An app file's media entries and their paths, each checked as an upload's
    (MediaPathInvalid, MediaTooLarge): an import checks them before it changes anything."""
    entries = [(i, i.filename[len(ARCHIVE_FOLDER):]) for i in archive.infolist()
               if i.filename.startswith(ARCHIVE_FOLDER) and not i.is_dir()]
    for _, path in entries:
        clean(path, file=True)
    if sum(i.file_size for i, _ in entries) > APP_LIMIT:
        raise MediaTooLarge("media/", f"An app holds at most {APP_LIMIT} bytes of media")
    return entries
