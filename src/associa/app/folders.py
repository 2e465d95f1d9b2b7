"""Files through folder connections: ``lib://<name>/<path>`` inside the connection's folder.

``FolderFiles`` gives a reload its ``FileAccess`` (script/files.py): read, list, write
and stat, each refusing a path that leads out of the folder (``..``, an absolute path, a
link whose target lies outside), with ``LibPathOutside`` (11026). Listing skips entries
that lead outside; writing goes to a temporary file beside the target, renamed over it
once the stream closes without an error (a failed STORE leaves the old file).
"""

from __future__ import annotations

import fnmatch
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from associa.errors import LibPathOutside, ReloadOpenFileError, ScriptError
from associa.script.files import FileAccess
from associa.script.sources import Text, map_file

__all__ = ["FolderFiles"]


class FolderFiles:
    """``root_of(name)``: the folder of connection ``name`` (raises when there is none)."""

    def __init__(self, root_of: Callable[[str], Path]) -> None:
        self.root_of = root_of

    def access(self) -> FileAccess:
        return FileAccess(self.open, self.list, self.write, self.stat)

    # -- paths ----------------------------------------------------------------------

    def split(self, lib_path: str) -> tuple[str, Path, str]:
        """(connection name, its folder, the path inside it with '/' separators)."""
        if not lib_path.lower().startswith("lib://"):
            raise ScriptError(f"Only lib:// paths are allowed: '{lib_path}'")
        rest = lib_path[6:].replace("\\", "/")
        name, _, rel = rest.partition("/")
        return name, Path(self.root_of(name)).resolve(), rel

    def resolve(self, lib_path: str) -> Path:
        """The file a ``lib://name/path`` refers to; refuses paths outside the folder."""
        _, root, rel = self.split(lib_path)
        if rel.startswith("/") or (len(rel) > 1 and rel[1] == ":"):
            raise _outside(lib_path)
        target = (root / rel).resolve()
        if not _inside(target, root):
            raise _outside(lib_path)
        return target

    # -- the four operations --------------------------------------------------------

    def open(self, lib_path: str) -> Text:
        target = self.resolve(lib_path)
        if target.is_dir():
            raise ReloadOpenFileError(f"Cannot open file: '{lib_path}' (it is a folder)")
        try:
            return map_file(target)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ReloadOpenFileError(f"Cannot open file: '{lib_path}' ({reason})") from None

    def list(self, mask: str, dirs: bool = False) -> list[str]:
        name, root, rel = self.split(mask)
        folder_rel, _, pattern = rel.rpartition("/")
        folder = self.resolve(f"lib://{name}/{folder_rel}")
        if not folder.is_dir():
            return []
        pattern = pattern or "*"
        out = []
        for entry in os.scandir(folder):
            if not fnmatch.fnmatch(entry.name.lower(), pattern.lower()):
                continue
            target = Path(entry.path).resolve()
            if not _inside(target, root) or target.is_dir() != dirs:
                continue
            inner = Path(entry.path).relative_to(root).as_posix()
            out.append(f"lib://{name}/{inner}")
        return sorted(out)

    @contextmanager
    def write(self, lib_path: str) -> Iterator[BinaryIO]:
        target = self.resolve(lib_path)
        if target.is_dir():
            raise ScriptError(f"Cannot write file: '{lib_path}' (it is a folder)")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".store-", dir=target.parent)
        except OSError as exc:
            raise ScriptError(f"Cannot write file: '{lib_path}' ({exc.strerror})") from None
        try:
            with os.fdopen(fd, "wb") as out:
                yield out
            os.chmod(tmp, 0o666 & ~_UMASK)  # as a file opened for writing would be
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def stat(self, lib_path: str) -> tuple[int, float]:
        st = self.resolve(lib_path).stat()
        return st.st_size, st.st_mtime


def _umask() -> int:
    """The process's umask (read once at import: setting it is not thread-safe)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def _inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def _outside(lib_path: str) -> LibPathOutside:
    return LibPathOutside(
        f"The path '{lib_path}' is outside the folder defined by the connection")
