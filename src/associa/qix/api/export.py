"""ExportData: a hypercube's (or list object's) data as a file served back over HTTP.

``GenericObject.ExportData(qFileType, qPath, qFileName, qExportState, qServeOnce)`` writes
the file (``calc/export.py``) under the engine's data folder, ``tempcontent/<token>/``,
and answers ``{qUrl, qWarnings}``; ``qUrl`` is the path the server serves it at,
``/tempcontent/<token>/<file name>``, as Qlik Sense's engine answers a relative
``/tempcontent/…`` URL for its exports.

Who may read it: Qlik's reference says "Exported files are temporary and are available
only for a certain time span and only to the user who created them" (ExportData, OpenRPC
text in qlik-oss/enigma-go ``schema/engine-rpc.json``). associa has no users; a file
belongs to the session that made it:

* its URL holds a random token (128 bits) that only that session was told;
* a session keyed by an ``X-Qlik-Session`` header gets its files only on requests that
  carry the same value (header or cookie, the cookie Qlik's proxy sets), and a request
  naming another session is refused (403), whatever the session;
* the files are deleted when the session ends (and a file of a session that ended is
  never served);
* with ``qServeOnce`` ("if the exported file should be served only once") the file is
  deleted once served.

``qPath`` is required for CSV (the reference: "mandatory if the file type is CSV_C or
CSV_T"); without it an xlsx or Parquet export takes the object's hypercube (else its list
object). A table without rows is error 13001 (LOCERR_EXPORT_NO_DATA).

A pivot hypercube (``qMode`` P) is written as the grid it shows, read through its pivot
pages (``calc/export.py``'s ``PivotGrid``). A stacked (K) or tree (T) cube is refused
(error 20, LOCERR_GENERIC_NOT_IMPLEMENTED): their layouts have no rows of their own, and
the reference says of ExportData "Treemap and bar chart are not supported" (the charts
those modes serve).
"""

from __future__ import annotations

import functools
import re
import secrets
import shutil
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from associa.app.doc import resolve_path
from associa.calc.export import (
    FILE_TYPES,
    Grid,
    Sheet,
    export_state,
    file_type,
    write,
)
from associa.calc.pivot_axes import is_pivot
from associa.calc.pivot_export import PivotGrid
from associa.errors import ExportNoData, InvalidParameters, InvalidPath, NotImplementedInEngine
from associa.qix.api.refs import ObjectRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call

if TYPE_CHECKING:
    from associa.qix.session import Session

URL_PREFIX = "/tempcontent"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+")


@dataclass(slots=True)
class ExportedFile:
    token: str
    name: str
    path: Path
    media_type: str
    session: weakref.ReferenceType[Session]
    session_key: str
    serve_once: bool

    def alive(self) -> bool:
        """Whether the session that made the file still exists."""
        session = self.session()
        if session is None:
            return False
        with session.manager.lock:
            return session.manager.sessions.get(session.key) is session


class Refused(Exception):
    """A request for a file it may not have (``status``: 403 or 404)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ExportedFiles:
    """The exported files by token (one registry per process: tokens are unique)."""

    def __init__(self) -> None:
        self._files: dict[str, ExportedFile] = {}
        self._lock = threading.Lock()

    def add(self, item: ExportedFile) -> None:
        with self._lock:
            self._files[item.token] = item
        self.sweep()

    def claim(self, token: str, name: str, session_ids: set[str]) -> ExportedFile:
        """The file a download asks for, checked: ``session_ids`` are the
        ``X-Qlik-Session`` values the request carries (header, cookie). A file served
        once is forgotten here (the caller deletes it after sending)."""
        with self._lock:
            item = self._files.get(token)
            if item is None or item.name != name or not item.path.is_file():
                raise Refused(404)
            if not item.alive():
                self._files.pop(token, None)
                item = None
        if item is None:
            self.sweep()
            raise Refused(404)
        own = item.session_key[4:] if item.session_key.startswith("hdr:") else None
        if (own is not None and own not in session_ids) or (session_ids and own is None) \
                or len(session_ids) > 1:
            raise Refused(403)
        if item.serve_once:
            with self._lock:
                if self._files.pop(token, None) is None:
                    raise Refused(404)  # another request took it first
        return item

    def drop_session(self, session: Session) -> None:
        """Delete every file ``session`` made (the session ended)."""
        with self._lock:
            gone = [t for t, f in self._files.items() if f.session() in (session, None)]
            items = [self._files.pop(t) for t in gone]
        for item in items:
            remove(item)

    def sweep(self) -> None:
        """Delete the files of sessions that ended without telling (a safety net)."""
        with self._lock:
            items = list(self._files.values())
        dead = [f for f in items if not f.alive()]
        with self._lock:
            for f in dead:
                self._files.pop(f.token, None)
        for f in dead:
            remove(f)

    def __contains__(self, token: str) -> bool:
        with self._lock:
            return token in self._files


EXPORTS = ExportedFiles()


def remove(item: ExportedFile) -> None:
    """Delete an exported file and its token's folder."""
    shutil.rmtree(item.path.parent, ignore_errors=True)


def file_name(wanted: str, default: str, extension: str) -> str:
    """The name the file is served under: ``qFileName`` without folders or characters
    that do not belong in a URL path segment, with the type's extension."""
    base = wanted.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = _UNSAFE.sub("_", base).strip(". ") or _UNSAFE.sub("_", default) or "export"
    suffix = f".{extension}"
    return base if base.lower().endswith(suffix) else base + suffix


def _table(ref: ObjectRef, path: str) -> tuple[Any, dict[str, Any]]:
    """The computed hypercube or list object at ``path`` (the object's first one when
    ``path`` is empty)."""
    props = ref.properties()[0]
    if not path:
        for key in ("qHyperCubeDef", "qListObjectDef"):
            if isinstance(props.get(key), dict):
                path = "/" + key
                break
        else:
            raise InvalidPath("", "The object has no hypercube or list object to export")
    parts = [x for x in path.split("/") if x]
    if not parts or parts[-1] not in ("qHyperCubeDef", "qListObjectDef"):
        raise InvalidPath(path)
    definition = resolve_path(props, path)
    if parts[-1] == "qListObjectDef":
        return ref.doc.listobject(ref.obj_id, path, definition), definition
    mode = definition.get("qMode") or "S"
    if mode not in ("S", "DATA_MODE_STRAIGHT", "EQ_DATA_MODE_STRAIGHT") \
            and not is_pivot(definition):
        raise NotImplementedInEngine(
            path, f"ExportData of a hypercube in mode {mode} is not supported yet")
    return ref.doc.hypercube(ref.obj_id, path, definition), definition


@method("GenericObject", "ExportData", p("qFileType", "any"), p("qPath", "str", ""),
        p("qFileName", "str", ""), p("qExportState", "any", "A"),
        p("qServeOnce", "bool", False), out=("qUrl", "qWarnings"))
def export_data(call: Call, qFileType: Any, qPath: str, qFileName: str, qExportState: Any,
                qServeOnce: bool) -> dict[str, Any]:
    kind = file_type(qFileType)
    state = export_state(qExportState)
    if kind in ("CSV_C", "CSV_T") and not qPath:
        raise InvalidParameters("qPath", "qPath is required for a CSV export")
    ref: ObjectRef = call.target
    table, definition = _table(ref, qPath)
    if not table.size["qcy"] or not table.size["qcx"]:
        raise ExportNoData(qPath or ref.obj_id)
    grid: Sheet = (PivotGrid.of(table) if is_pivot(definition)
                   else Grid.of(table, possible_only=state == "P"))
    extension = FILE_TYPES[kind][2]
    name = file_name(qFileName, ref.obj_id, extension)
    token = secrets.token_hex(16)
    session = call.session
    folder = Path(session.engine.settings.data_dir) / "tempcontent" / token
    folder.mkdir(parents=True)
    try:
        warnings = write(grid, kind, folder / name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    item = ExportedFile(token, name, folder / name, MEDIA_TYPES[extension],
                        weakref.ref(session), session.key, qServeOnce)
    with session.lock:
        if not any(getattr(getattr(h, "func", None), "__self__", None) is EXPORTS
                   for h in session.on_close):
            session.on_close.append(functools.partial(EXPORTS.drop_session, session))
    EXPORTS.add(item)
    return {"qUrl": f"{URL_PREFIX}/{token}/{quote(name)}", "qWarnings": warnings}
