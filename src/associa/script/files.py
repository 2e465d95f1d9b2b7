"""What a reload may do with files, and the file a LOAD is reading.

A reload never touches the file system itself: the caller hands it a ``FileAccess``,
four callbacks over ``lib://<connection>/<path>`` names (the app's folder connections,
``app.folders.FolderFiles``, which refuse any path that leads out of its folder):

* ``open(path)``: the file's bytes (or a read-only memory map of them);
* ``list(mask, dirs)``: the files (``dirs`` False) or folders (True) matching a mask such
  as ``lib://Data/sub/*.csv``, as sorted ``lib://`` names (FileList, DirList, FROM masks);
* ``write(path)``: a binary stream to write a file through (STORE); the file appears
  whole when the stream closes without an error, and not at all otherwise;
* ``stat(path)``: the file's size in bytes and its modification time (seconds since the
  epoch, UTC), for FileSize and FileTime.

A callback that is not given makes its statements fail with a ScriptError that says so.

``reading(access, path)`` marks the file a LOAD is reading, for the file functions
(FileName(), FilePath(), …) evaluated inside it (``current()``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from associa.errors import LibPathOutside, ScriptError
from associa.script.sources import Text

OpenFile = Callable[[str], Text]
ListFiles = Callable[[str, bool], list[str]]
WriteFile = Callable[[str], AbstractContextManager[BinaryIO]]
StatFile = Callable[[str], tuple[int, float]]

__all__ = ["FileAccess", "FileContext", "ListFiles", "OpenFile", "StatFile", "WriteFile",
           "current", "has_mask", "parts", "reading"]


@dataclass(slots=True)
class FileAccess:
    open_file: OpenFile | None = None
    list_files: ListFiles | None = None
    write_file: WriteFile | None = None
    stat_file: StatFile | None = None

    def read(self, path: str) -> Text:
        if self.open_file is None:
            raise ScriptError("No file access in this context")
        try:
            return self.open_file(path)
        except ScriptError:
            raise  # refused (outside the folder, no such connection) or not found: as given
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ScriptError(f"Cannot open file: '{path}' ({reason})") from None

    def listing(self, mask: str, dirs: bool = False) -> list[str]:
        if self.list_files is None:
            raise ScriptError(f"Listing '{mask}' needs a folder connection (lib://…)")
        return self.list_files(mask, dirs)

    def writer(self, path: str) -> AbstractContextManager[BinaryIO]:
        if self.write_file is None:
            raise ScriptError("No file access in this context: cannot write files")
        return self.write_file(path)

    def info(self, path: str) -> tuple[int, float] | None:
        """(size, modification time) of a file, or None when it cannot be read."""
        if self.stat_file is None:
            return None
        try:
            return self.stat_file(path)
        except LibPathOutside:
            raise  # not a missing file: a path that is refused
        except (OSError, ScriptError):
            return None


@dataclass(slots=True)
class FileContext:
    access: FileAccess
    path: str | None = None  # the file the running LOAD reads


_CURRENT: contextvars.ContextVar[FileContext | None] = contextvars.ContextVar(
    "associa_script_files", default=None)


def current() -> FileContext | None:
    """The file context of the running reload (None outside a reload)."""
    return _CURRENT.get()


@contextmanager
def using(access: FileAccess) -> Iterator[FileContext]:
    """Run a reload with ``access`` as its file access."""
    ctx = FileContext(access)
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)


@contextmanager
def reading(path: str) -> Iterator[None]:
    """Mark ``path`` as the file the running LOAD reads."""
    ctx = _CURRENT.get()
    if ctx is None:
        yield
        return
    before, ctx.path = ctx.path, path
    try:
        yield
    finally:
        ctx.path = before


def has_mask(path: str) -> bool:
    """A file name with wildcards (``*`` or ``?``) in its last part."""
    last = path.replace("\\", "/").rsplit("/", 1)[-1]
    return "*" in last or "?" in last


def parts(path: str) -> tuple[str, str, str, str]:
    """(folder, file name, base name, extension with its dot) of a path."""
    norm = path.replace("\\", "/")
    folder, _, name = norm.rpartition("/")
    p = PurePosixPath(name)
    return folder, name, p.stem if p.suffix else name, p.suffix
