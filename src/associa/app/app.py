"""An app: its script, data model, persisted objects, connections and properties.

An ``App`` is shared by every session that opens it. Its data model is swapped whole
after a successful reload (the old one stays valid for computations already running);
a failed reload leaves everything as it was. Sessions register as listeners to hear of
reloads and of changes to persisted objects.
"""

from __future__ import annotations

import copy
import logging
import threading
import uuid
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from associa.app.connections import Connections
from associa.app.properties import normalise
from associa.errors import AlreadyExists, InvalidParameters, NotFound, ReloadInProgress
from associa.model import DataModel
from associa.script import ReloadResult, run_script
from associa.store import AppRecord
from associa.values import DEFAULT_LOCALE, DEFAULT_SCRIPT_HEADER, Locale

log = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_object_properties(props: Any) -> dict[str, Any]:
    """Normalised properties for a new object, with a fresh qId when none is given.
    A qInfo that is not an object counts as not given: the engine assigns the identity."""
    if isinstance(props, dict) and not isinstance(props.get("qInfo"), dict | None):
        props = {k: v for k, v in props.items() if k != "qInfo"}
    props = normalise(props)
    if not props["qInfo"]["qId"]:  # missing or "" (the schema default): a new id
        props["qInfo"]["qId"] = str(uuid.uuid4())
    return props


def replaced_properties(obj_id: str, old: dict[str, Any], props: Any) -> dict[str, Any]:
    """Normalised new properties for an existing object: the qId stays, and so does the
    qType unless a new one is given."""
    if isinstance(props, dict) and not isinstance(props.get("qInfo"), dict | None):
        props = {k: v for k, v in props.items() if k != "qInfo"}
    props = normalise(props)
    info = props["qInfo"]
    old_info = old.get("qInfo") if isinstance(old.get("qInfo"), dict) else {}
    info["qId"] = obj_id
    if not info["qType"]:
        info["qType"] = old_info.get("qType", "")
    return props


def stored_properties(props: Any) -> Any:
    """Properties read from an app file, normalised when they can be (files written
    before normalisation existed keep what they hold)."""
    try:
        return normalise(props)
    except InvalidParameters as exc:
        log.warning("object properties kept as stored: %s", exc)
        return props


class AppListener(Protocol):
    def app_changed(self, app: App, what: str, object_id: str | None = None) -> None: ...


class App:
    def __init__(
        self,
        app_id: str,
        title: str | None = None,
        script: str | None = None,
        *,
        session_app: bool = False,
        base_dir: Path | None = None,
    ) -> None:
        self.id = app_id
        self.title = title or app_id
        self.script = DEFAULT_SCRIPT_HEADER if script is None else script
        self.session_app = session_app
        self.model = DataModel()
        self.locale: Locale = DEFAULT_LOCALE
        self.variables: dict[str, str] = {}
        self.objects: dict[str, dict[str, Any]] = {}
        self.properties: dict[str, Any] = {}
        self.connections = Connections(base_dir or Path.cwd())
        self.created = now_iso()
        self.modified = self.created
        self.last_reload_time = ""
        self.lock = threading.RLock()
        self._reloading = threading.Lock()
        self._listeners: weakref.WeakSet[Any] = weakref.WeakSet()
        self.object_versions: dict[str, int] = {}

    # -- listeners ------------------------------------------------------------------

    def listen(self, listener: AppListener) -> None:
        self._listeners.add(listener)

    def unlisten(self, listener: AppListener) -> None:
        self._listeners.discard(listener)

    def notify(self, what: str, object_id: str | None = None) -> None:
        for listener in list(self._listeners):
            listener.app_changed(self, what, object_id)

    # -- script and reload ----------------------------------------------------------

    def set_script(self, script: str) -> None:
        if self._reloading.locked():
            raise ReloadInProgress("SetScript")
        with self.lock:
            self.script = script
            self.modified = now_iso()

    def reload(
        self,
        progress: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ReloadResult:
        """Run the script; on success swap in the new model. Raises ScriptError."""
        if not self._reloading.acquire(blocking=False):
            raise ReloadInProgress("DoReload")
        try:
            with self.lock:
                script = self.script
            result = run_script(script, self.connections.open_file, progress, cancelled)
            with self.lock:
                self.model = result.model
                self.locale = result.locale
                self.variables = result.variables
                self.last_reload_time = now_iso()
                self.modified = self.last_reload_time
        finally:
            self._reloading.release()
        self.notify("reload")
        return result

    @property
    def reloading(self) -> bool:
        return self._reloading.locked()

    # -- persisted objects ----------------------------------------------------------

    def create_object(self, props: dict[str, Any]) -> dict[str, Any]:
        """Store a new persisted object (properties normalised, a new qId when none is
        given); raises InvalidParameters for properties the engine cannot take."""
        props = new_object_properties(props)
        info = props["qInfo"]
        with self.lock:
            if info["qId"] in self.objects:
                raise AlreadyExists(info["qId"])
            self.objects[info["qId"]] = props
            self.object_versions[info["qId"]] = 1
            self.modified = now_iso()
        return props

    def get_object(self, obj_id: str) -> dict[str, Any] | None:
        return self.objects.get(obj_id)

    def set_object(self, obj_id: str, props: dict[str, Any]) -> None:
        with self.lock:
            old = self.objects.get(obj_id)
            if old is None:
                raise NotFound(obj_id, "Object not found")
            self.objects[obj_id] = replaced_properties(obj_id, old, props)
            self.object_versions[obj_id] = self.object_versions.get(obj_id, 0) + 1
            self.modified = now_iso()
        self.notify("object", obj_id)

    def destroy_object(self, obj_id: str) -> bool:
        with self.lock:
            if self.objects.pop(obj_id, None) is None:
                return False
            self.object_versions.pop(obj_id, None)
            self.modified = now_iso()
        self.notify("destroy", obj_id)
        return True

    def set_properties(self, props: dict[str, Any]) -> None:
        with self.lock:
            self.properties = copy.deepcopy(props)
            if isinstance(props.get("qTitle"), str) and props["qTitle"]:
                self.title = props["qTitle"]
            self.modified = now_iso()
        self.notify("properties")

    def get_properties(self) -> dict[str, Any]:
        props = copy.deepcopy(self.properties)
        props.setdefault("qTitle", self.title)
        props.setdefault("qLastReloadTime", self.last_reload_time)
        props.setdefault("qMigrationHash", "")
        props.setdefault("qSavedInProductVersion", "")
        props.setdefault("qThumbnail", {})
        props.setdefault("qHasSectionAccess", False)
        return props

    # -- persistence ----------------------------------------------------------------

    def to_record(self) -> AppRecord:
        with self.lock:
            meta = {
                "title": self.title,
                "script": self.script,
                "objects": copy.deepcopy(self.objects),
                "properties": copy.deepcopy(self.properties),
                "connections": self.connections.to_json(),
                "variables": dict(self.variables),
                "created": self.created,
                "modified": self.modified,
                "lastReloadTime": self.last_reload_time,
            }
            return AppRecord(self.id, meta, self.model if self.model.tables else None)

    @classmethod
    def from_record(cls, record: AppRecord, base_dir: Path) -> App:
        meta = record.meta
        app = cls(record.id, meta.get("title"), meta.get("script", ""), base_dir=base_dir)
        app.objects = {k: stored_properties(v) for k, v in (meta.get("objects") or {}).items()}
        app.object_versions = dict.fromkeys(app.objects, 1)
        app.properties = meta.get("properties") or {}
        for conn in meta.get("connections") or []:
            from associa.app.connections import Connection

            c = Connection.from_json(conn)
            app.connections.items[c.id] = c
        app.variables = meta.get("variables") or {}
        app.locale = Locale.from_variables(app.variables)
        app.created = meta.get("created", app.created)
        app.modified = meta.get("modified", app.modified)
        app.last_reload_time = meta.get("lastReloadTime", "")
        if record.model is not None:
            app.model = record.model
        return app
