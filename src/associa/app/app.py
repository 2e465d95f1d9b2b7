"""An app: its script, data model, persisted objects, connections and properties.

An ``App`` is shared by every session that opens it. Its data model is swapped whole
after a successful reload (the old one stays valid for computations already running);
a failed reload leaves everything as it was. Sessions register as listeners to hear of
reloads and of changes to persisted objects.
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from associa.app.children import ObjectTree, TreeNode, apply_tree, plan_tree
from associa.app.connections import Actor, Connections
from associa.app.library import Library
from associa.app.properties import new_object_properties, replaced_properties, stored_properties
from associa.app.reloadmeta import Meter
from associa.app.section_access import Reductions
from associa.app.summary import model_summary
from associa.errors import (
    AlreadyExists,
    InvalidParameters,
    NotFound,
    ReloadInProgress,
    ScriptError,
)
from associa.heap import settle
from associa.model import DataModel
from associa.script import ReloadResult, run_script
from associa.script.syntax import SyntaxIssue, check_syntax
from associa.store import AppRecord
from associa.values import DEFAULT_LOCALE, DEFAULT_SCRIPT_HEADER, Locale


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def failure_lines(exc: ScriptError) -> list[str]:
    """The lines a failed reload ends its log with (qix-api.md §6.3: the error, where it
    happened, and "Execution of script failed", which tools look for)."""
    where = f" (line {exc.line}, column {exc.column})" if exc.line else ""
    out = [f"The following error occurred: {exc.detail}{where}"]
    if exc.statement:
        out.append(f"The error occurred here: {exc.statement}")
    out.append("Execution of script failed. script error.")
    return out


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
        # the last reload's log (kept with the app) and, when the app has a folder, the
        # file it is also written to (DoReloadEx's qScriptLogFile)
        self.reload_log = ""
        self.log_dir = base_dir / "reloadlogs" if base_dir is not None else None
        self.base_dir = base_dir  # the data folder (its media: store/media.py)
        self.section_access: dict[str, dict[str, list[str | None]]] = {}
        # the models Section Access gives its users (app/section_access.py), made once per
        # distinct reduction, dropped when the model or the access table changes
        self.reductions = Reductions()
        self.created = now_iso()
        self.modified = self.created
        self.last_reload_time = ""
        # where the last reload's data came from: (discriminator, statement) per statement
        # that read a source or stored a table (script/lineage.py)
        self.lineage: list[tuple[str, str]] = []
        # what the last successful reload cost (app/reloadmeta.py)
        self.reload_meta: dict[str, Any] = {}
        self.lock = threading.RLock()
        self._reloading = threading.Lock()
        self._listeners: weakref.WeakSet[Any] = weakref.WeakSet()
        self.object_versions: dict[str, int] = {}
        self.tree = ObjectTree()  # children of persisted objects
        self.state_names: list[str] = []  # alternate states (AddAlternateState), in order
        # the selections of the alternate states as DoSave saw them (qStateData entries,
        # app/statedata.py): a session opening the app starts with them
        self.state_selections: list[dict[str, Any]] = []
        # bookmarks by id: {"qProperties", "qBookmark"} (app/bookmarks.py), saved with the app
        self.bookmarks: dict[str, dict[str, Any]] = {}
        # StoreTempSelectionState: id -> (expiry on time.monotonic, state data); memory only
        self.temp_states: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        # CreateTemporaryBookmark: id -> (expiry, bookmark entry); memory only
        self.temp_bookmarks: dict[str, tuple[float, dict[str, Any]]] = {}
        # master dimensions and measures, the API's variables (app/library.py)
        self.library = Library()
        # the model the last reload replaced, in brief (app/summary.py): ``associa diff``
        self.previous_summary: dict[str, Any] | None = None

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

    def set_loose(self, api_loose: set[str]) -> None:
        """Loosen through the API the tables of ``api_loose`` (and only those, besides
        the tables the script loosened): SetLooselyCoupledVector. The data stay; the
        model becomes a new version whose associations every object reads again."""
        if self._reloading.locked():
            raise ReloadInProgress("SetLooselyCoupledVector")
        with self.lock:
            self.model = self.model.with_loose(api_loose)
            self.modified = now_iso()
        self.notify("reload")

    def reload(
        self,
        progress: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        *,
        status: Callable[[str], None] | None = None,
        time_limit: float | None = None,
        error_mode: int | None = None,
        partial: bool = False,
        variables: dict[str, str] | None = None,
        script: str | None = None,
        open_file: Callable[[str], Any] | None = None,
        actor: Actor | None = None,
    ) -> ReloadResult:
        """Run the script; on success swap in the new model. Raises ScriptError (and
        keeps the previous model, variables and locale). ``progress`` gets a line per
        finished statement, ``status`` the running LOAD's table and rows so far (a few
        times per second at most on big loads); ``time_limit`` stops a longer reload;
        ``error_mode`` 0 ignores script errors whatever ErrorMode says (DoReload qMode 2).
        ``partial``: a partial reload over the current model (script/partial.py).
        ``variables``: values the script starts with besides the API variables (the
        REST API's ``POST /reloads`` ``variables``), which they override.
        ``script`` and ``open_file``: run that script instead of the app's, reading files
        through ``open_file`` (``app.frames.load_frames``: tables from DataFrames).
        ``actor``: who reloads (the user, or the app's owner for a scheduled run): the
        shared connections are looked up for them (a space's connections only when
        they may use that space's data).
        The log of the run, success or failure, is kept in ``reload_log``."""
        if not self._reloading.acquire(blocking=False):
            raise ReloadInProgress("DoReload")
        lines: list[str] = [f"{now_iso()} Execution started."]
        meter = Meter()

        def log_line(line: str) -> None:
            lines.append(line)
            if progress is not None:
                progress(line)

        try:
            with self.lock:
                script = self.script if script is None else script
                current = self.model if partial else None
                api_variables = {**self.library.variable_values(), **(variables or {})}
            folders = self.connections.files(actor)

            def connect(name: str) -> Any:
                return self.connections.connect(name, actor)

            try:
                result = run_script(script, open_file or folders.open, log_line, cancelled,
                                    status=status, list_files=folders.list,
                                    write_file=folders.write, stat_file=folders.stat,
                                    time_limit=time_limit, error_mode=error_mode,
                                    connect=connect, partial=current,
                                    variables=api_variables)
            except ScriptError as exc:
                lines.extend(failure_lines(exc))
                self._keep_log(lines)
                raise
            except BaseException:
                lines.append("Execution cancelled.")
                self._keep_log(lines)
                raise
            lines.append(f"{now_iso()} Execution finished.")
            with self.lock:
                # the access table before the model it protects: a reader that finds the
                # new model finds the new table (app/section_access.Reductions.model_for)
                # a partial reload skips the access section's plain LOADs: the tables
                # it did not load again stay (else the data would lose their protection)
                self.section_access = ({**self.section_access, **result.section_access}
                                       if partial else result.section_access)
                self.previous_summary = model_summary(self.model)
                self.model = result.model
                self.locale = result.locale
                self.variables = result.variables
                self.library.reloaded(result.variables)
                self.lineage = ([*self.lineage, *result.lineage] if partial
                                else list(result.lineage))
                self.last_reload_time = now_iso()
                self.modified = self.last_reload_time
                self.reload_meta = meter.finish(partial, self.reload_meta)
                self._keep_log(lines)
        finally:
            self._reloading.release()
        settle()
        self.notify("reload")
        return result

    def take_reload(self, other: App) -> None:
        """The results of a reload another engine ran and saved (``other``: the app as
        read from that file; ``Engine.catch_up``) become this app's, as this engine's
        own reload would set them: data, access tables, variables, lineage, log and
        reload meta; the sessions are told, as of a reload here."""
        with self.lock:
            self.section_access = other.section_access
            self.previous_summary = other.previous_summary
            self.model = other.model
            self.locale = other.locale
            self.variables = other.variables
            self.library.reloaded(other.variables)
            self.lineage = list(other.lineage)
            self.last_reload_time = other.last_reload_time
            self.modified = other.modified
            self.reload_meta = other.reload_meta
            self.reload_log = other.reload_log
        settle()
        self.notify("reload")

    def _keep_log(self, lines: list[str]) -> None:
        self.reload_log = "\n".join(lines) + "\n"
        path = self.reload_log_file()
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(self.reload_log, encoding="utf-8")
            except OSError:
                pass  # the log stays in memory (and in the saved app)

    def reload_log_file(self) -> Path | None:
        """Where the last reload's log is written (one file per app), or None."""
        if self.log_dir is None:
            return None
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self.id)[:100]
        return self.log_dir / f"{safe}.log"

    def check_script(self) -> list[SyntaxIssue]:
        """CheckScriptSyntax: every syntax error of the app's script (included files
        are read through the app's connections)."""
        with self.lock:
            script = self.script
        return check_syntax(script, self.connections.open_file)

    @property
    def reloading(self) -> bool:
        return self._reloading.locked()

    # -- persisted objects ----------------------------------------------------------

    def create_object(self, props: dict[str, Any], parent: str | None = None) -> dict[str, Any]:
        """Store a new persisted object (properties normalised, a new qId when none is
        given; the last child of ``parent`` if given); raises InvalidParameters for
        properties the engine cannot take."""
        props = new_object_properties(props)
        info = props["qInfo"]
        with self.lock:
            if info["qId"] in self.objects:
                raise AlreadyExists(info["qId"])
            if parent is not None:
                if parent not in self.objects:
                    raise NotFound(parent, "Object not found")
                self.tree.add(parent, info["qId"])
            self.objects[info["qId"]] = props
            self.object_versions[info["qId"]] = 1
            self.modified = now_iso()
        self.notify("create", info["qId"])
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
        """Destroy an object and its children (and theirs)."""
        with self.lock:
            if obj_id not in self.objects:
                return False
            parent = self.tree.parent(obj_id)
            gone = self.tree.remove(obj_id)
            for gid in gone:
                self.objects.pop(gid, None)
                self.object_versions.pop(gid, None)
            self.modified = now_iso()
        for gid in gone:
            self.notify("destroy", gid)
        if parent is not None:
            self.notify("children", parent)
        return True

    # -- children -------------------------------------------------------------------

    def parent_of(self, obj_id: str) -> str | None:
        with self.lock:
            return self.tree.parent(obj_id)

    def children_of(self, obj_id: str) -> list[str]:
        with self.lock:
            return self.tree.children(obj_id)

    def create_child(self, parent_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """Create a persisted object (as CreateObject does) as the last child of ``parent_id``."""
        props = self.create_object(props, parent=parent_id)
        self.notify("children", parent_id)
        return props

    def reorder_children(self, parent_id: str, ids: list[str]) -> None:
        with self.lock:
            self.tree.reorder(parent_id, ids)
            self.modified = now_iso()
        self.notify("children", parent_id)

    def set_tree(self, obj_id: str, entry: Any) -> list[TreeNode]:
        """SetFullPropertyTree: the object's properties and its whole subtree at once."""
        with self.lock:
            if obj_id not in self.objects:
                raise NotFound(obj_id, "Object not found")
            nodes = plan_tree(entry, obj_id, self.objects, self.tree)
            existed = set(self.objects)
            gone = apply_tree(nodes, self.objects, self.object_versions, self.tree)
            self.modified = now_iso()
        for gid in gone:
            self.notify("destroy", gid)
        for node in nodes:
            self.notify("object" if node.obj_id in existed else "create", node.obj_id)
        return nodes

    # -- variables ------------------------------------------------------------------

    def restore_variables(self, values: dict[str, str]) -> None:
        """Give variables the app has these values (a bookmark applied with the
        variables it kept); every session sees them. Unknown names are left out."""
        with self.lock:
            changed = {n: v for n, v in values.items()
                       if n in self.variables and self.variables[n] != v}
            if not changed:
                return
            self.variables = {**self.variables, **changed}
            self.locale = self.locale.with_variables(changed)
            self.library.reloaded(self.variables)  # API variables: their definitions too
        self.notify("variables")

    # -- alternate states -----------------------------------------------------------

    def add_state(self, name: str) -> None:
        """AddAlternateState: a selection state every session of the app has (saved with
        the app). AlreadyExists when there is one of that name."""
        if not isinstance(name, str) or not name.strip() or name == "$":
            raise InvalidParameters(f"Invalid state name: {name!r}")
        with self.lock:
            if name in self.state_names:
                raise AlreadyExists(name)
            self.state_names.append(name)
            self.modified = now_iso()
        self.notify("states")

    def remove_state(self, name: str) -> None:
        """RemoveAlternateState: the state and its selections go from every session."""
        with self.lock:
            if name not in self.state_names:
                raise NotFound(name, "State not found")
            self.state_names.remove(name)
            self.state_selections = [e for e in self.state_selections
                                     if e.get("qStateName") != name]
            self.modified = now_iso()
        self.notify("states")

    # -- bookmarks ------------------------------------------------------------------

    def create_bookmark(self, entry: dict[str, Any]) -> None:
        """Store a new bookmark ``{"qProperties", "qBookmark"}`` (app/bookmarks.py makes
        it). AlreadyExists when its id is a bookmark's or an object's."""
        bm_id = entry["qProperties"]["qInfo"]["qId"]
        with self.lock:
            if bm_id in self.bookmarks or bm_id in self.objects:
                raise AlreadyExists(bm_id)
            self.bookmarks[bm_id] = entry
            self.modified = now_iso()
        self.notify("bookmark", bm_id)

    def get_bookmark(self, bm_id: str) -> dict[str, Any] | None:
        return self.bookmarks.get(bm_id)

    def set_bookmark(self, bm_id: str, entry: dict[str, Any]) -> None:
        """Replace a bookmark's entry (new properties); NotFound when it is gone."""
        with self.lock:
            if bm_id not in self.bookmarks:
                raise NotFound(bm_id, "Bookmark not found")
            self.bookmarks[bm_id] = entry
            self.modified = now_iso()
        self.notify("bookmark", bm_id)

    def destroy_bookmark(self, bm_id: str) -> bool:
        with self.lock:
            if self.bookmarks.pop(bm_id, None) is None:
                return False
            self.modified = now_iso()
        self.notify("bookmark", bm_id)
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
        props["qHasSectionAccess"] = bool(self.section_access)
        return props

    # -- persistence ----------------------------------------------------------------

    def to_record(self) -> AppRecord:
        with self.lock:
            meta = {
                "title": self.title,
                "script": self.script,
                "objects": copy.deepcopy(self.objects),
                "children": self.tree.to_json(),
                "properties": copy.deepcopy(self.properties),
                "connections": self.connections.to_record(),  # credentials sealed
                "variables": dict(self.variables),
                "alternateStates": list(self.state_names),
                "alternateStateSelections": copy.deepcopy(self.state_selections),
                "bookmarks": copy.deepcopy(self.bookmarks),
                "library": self.library.to_record(),
                "created": self.created,
                "modified": self.modified,
                "lastReloadTime": self.last_reload_time,
                "reloadLog": self.reload_log,
                "previousModel": copy.deepcopy(self.previous_summary),
                "lineage": [list(e) for e in self.lineage],
                "reloadMeta": copy.deepcopy(self.reload_meta),
                # kept with the data it protects: a reopened app enforces it too
                "sectionAccess": copy.deepcopy(self.section_access),
            }
            return AppRecord(self.id, meta, self.model if self.model.tables else None)

    @classmethod
    def from_record(cls, record: AppRecord, base_dir: Path) -> App:
        meta = record.meta
        app = cls(record.id, meta.get("title"), meta.get("script", ""), base_dir=base_dir)
        app.objects = {k: stored_properties(v) for k, v in (meta.get("objects") or {}).items()}
        app.object_versions = dict.fromkeys(app.objects, 1)
        app.tree = ObjectTree.from_json(meta.get("children"), app.objects)
        app.properties = meta.get("properties") or {}
        for conn in meta.get("connections") or []:
            from associa.app.connections import Connection

            c = Connection.from_record(conn)
            app.connections.items[c.id] = c
        app.variables = meta.get("variables") or {}
        app.state_names = [n for n in meta.get("alternateStates") or [] if isinstance(n, str)]
        app.state_selections = [e for e in meta.get("alternateStateSelections") or []
                                if isinstance(e, dict) and e.get("qStateName") in app.state_names]
        app.bookmarks = {k: v for k, v in (meta.get("bookmarks") or {}).items()
                         if isinstance(v, dict) and isinstance(v.get("qProperties"), dict)
                         and isinstance(v["qProperties"].get("qInfo"), dict)}
        app.library = Library.from_record(meta.get("library"))
        app.variables = {**app.variables, **app.library.variable_values()}
        app.locale = Locale.from_variables(app.variables)
        app.created = meta.get("created", app.created)
        app.modified = meta.get("modified", app.modified)
        app.last_reload_time = meta.get("lastReloadTime", "")
        app.reload_log = meta.get("reloadLog") or ""
        previous = meta.get("previousModel")
        app.previous_summary = previous if isinstance(previous, dict) else None
        app.lineage = [(str(e[0]), str(e[1])) for e in meta.get("lineage") or []
                       if isinstance(e, list) and len(e) == 2]
        app.section_access = _section_access(meta.get("sectionAccess"))
        reload_meta = meta.get("reloadMeta")
        app.reload_meta = reload_meta if isinstance(reload_meta, dict) else {}
        if record.model is not None:
            app.model = record.model
        return app


def _section_access(data: Any) -> dict[str, dict[str, list[str | None]]]:
    """The access tables of a saved app (table → field → texts); wrong shapes left out."""
    if not isinstance(data, dict):
        return {}
    return {str(t): {str(f): [v if isinstance(v, str) else None for v in values]
                     for f, values in cols.items() if isinstance(values, list)}
            for t, cols in data.items() if isinstance(cols, dict)}
