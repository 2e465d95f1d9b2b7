"""Doc: script and reload, objects, data model, expressions, selections, connections."""

from __future__ import annotations

import logging
import time
from typing import Any

from associa.app.app import failure_lines
from associa.app.connections import Actor
from associa.app.doc import DocState
from associa.app.statedata import save_alternate_states
from associa.errors import (
    Aborted,
    ExpressionError,
    FieldNotFound,
    InvalidParameters,
    ScriptError,
    SessionAppNotPersistent,
)
from associa.logs import event
from associa.model.system import SYSTEM_FIELDS
from associa.qix.api.datamodel import (
    field_description,
    loosely_coupled_after,
    loosely_coupled_vector,
    table_data,
    tables_and_keys,
)
from associa.qix.api.interfaces import NOT_FOUND, field_interface, object_interface
from associa.qix.api.objects import check_extends
from associa.qix.api.refs import FieldRef, ObjectRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call, Progress
from associa.values import DEFAULT_SCRIPT_HEADER

log = logging.getLogger("associa.reload")


def _doc(call: Call) -> DocState:
    return call.target


# -- script, reload, save -------------------------------------------------------------


@method("Doc", "GetScript", out=("qScript",))
def get_script(call: Call) -> str:
    return _doc(call).app.script


@method("Doc", "SetScript", p("qScript", "str"))
def set_script(call: Call, qScript: str) -> None:
    _doc(call).app.set_script(qScript)


@method("Doc", "GetEmptyScript", p("qLocalizedMainSection", "str", ""), out=("qReturn",))
def get_empty_script(call: Call, qLocalizedMainSection: str) -> str:
    return DEFAULT_SCRIPT_HEADER


@method("Doc", "DoReload", p("qMode", "int", 0), p("qPartial", "bool", False),
        p("qDebug", "bool", False), out=("qReturn",))
def do_reload(call: Call, qMode: int, qPartial: bool, qDebug: bool) -> bool:
    """Run the app's script. GetProgress(<this request's id>) meanwhile shows the lines
    of finished statements and the running LOAD's table and rows so far; the reload's
    lines, its end (duration, tables, rows) and a failure are logged."""
    return _reload(call, qMode, qPartial)


@method("Doc", "DoReloadEx", p("qParams", "obj", None), out=("qResult",))
def do_reload_ex(call: Call, qParams: dict | None) -> dict:
    """DoReload with its parameters in one object; answers whether it succeeded and the
    file the reload's log was written to (help "DoReloadEx method": DoReloadExResult
    {qSuccess, qScriptLogFile})."""
    params = qParams or {}
    mode = params.get("qMode", 0)
    if isinstance(mode, float) and mode.is_integer():
        mode = int(mode)
    if not isinstance(mode, int) or isinstance(mode, bool):
        raise InvalidParameters("qMode", "qMode must be an integer")
    ok = _reload(call, mode, bool(params.get("qPartial", False)))
    path = _doc(call).app.reload_log_file()
    out: dict = {"qSuccess": ok}
    if path is not None:
        out["qScriptLogFile"] = str(path)
    return out


def _reload(call: Call, mode: int, partial: bool = False) -> bool:
    """qMode (help "DoReload method"): 0 the script's ErrorMode decides, 1 stop at the
    first error, 2 go on after errors (as ErrorMode 0); ``partial``: a partial reload
    (qPartial: only ADD / REPLACE / MERGE loads run, over the current model)."""
    session = call.session
    rid = call.request.id
    app = _doc(call).app
    prog = Progress()
    session.progress[rid] = prog
    session.last_progress = prog

    def progress(line: str) -> None:
        prog.lines.append(line)
        event(log, logging.INFO, "reload progress", app=app.id, line=line)

    def status(text: str) -> None:
        prog.transient = text

    limit = getattr(session.engine.settings, "reload_time_limit", 0) or None
    error_mode = {1: 1, 2: 0}.get(mode)
    event(log, logging.DEBUG, "reload started", app=app.id, session=session.key, request=rid)
    try:
        with session.engine.reloading(app.id):  # MaxConcurrentReloads; durations for /metrics
            result = app.reload(progress, lambda: rid in session.cancelled, status=status,
                                time_limit=limit, error_mode=error_mode, partial=partial,
                                actor=Actor(app.id, session.identity))
        ok = True
        session.engine.reloaded(app, session.identity)  # e.g. files it STOREd (rest/)
        tables = [result.model.tables[t] for t in result.model.data_tables]
        for err in result.errors:  # ignored under ErrorMode 0: warnings
            prog.errors.append(_error_data(err, "EDC_WARNING"))
        event(log, logging.INFO, "reload finished", app=app.id,
              seconds=time.monotonic() - prog.started, tables=len(tables),
              rows=sum(t.nrows for t in tables))
    except ScriptError as exc:
        prog.lines.extend(failure_lines(exc))
        prog.errors.append(_error_data(exc, "EDC_ERROR"))
        event(log, logging.WARNING, "reload failed", app=app.id,
              seconds=time.monotonic() - prog.started, error=prog.errors[-1]["qErrorString"])
        ok = False
    except Aborted:
        event(log, logging.WARNING, "reload cancelled", app=app.id,
              seconds=time.monotonic() - prog.started)
        raise
    finally:
        prog.finished = True
        prog.elapsed = time.monotonic() - prog.started
        session.cancelled.discard(rid)
    return ok


def _error_data(exc: ScriptError, code: str) -> dict:
    where = f" (line {exc.line}, column {exc.column})" if exc.line else ""
    return {
        "qErrorString": f"{exc.detail}{where}",
        "qLineEnd": "",
        "qLine": exc.statement,
        "qErrorDataCode": code,
        "qMessage": {"qMessageCode": exc.code, "qMessageParameters": [exc.detail]},
    }


@method("Doc", "CheckScriptSyntax", out=("qErrors",))
def check_script_syntax(call: Call) -> list:
    """Every syntax error of the app's script, without running it (ScriptSyntaxError:
    qErrLen, qTabIx, qLineInTab, qColInLine, qTextPos, all 0-based)."""
    app = _doc(call).app
    return [issue.to_qix(app.script) for issue in app.check_script()]


@method("Doc", "DoSave", p("qFileName", "str", ""))
def do_save(call: Call, qFileName: str) -> None:
    app = _doc(call).app
    if app.session_app:
        raise SessionAppNotPersistent(app.id)
    save_alternate_states(_doc(call))
    call.session.engine.save_app(app)
    call.session.mark_changed([call.entry.handle])


# -- app layout and properties --------------------------------------------------------


@method("Doc", "GetAppLayout", out=("qLayout",))
def get_app_layout(call: Call) -> dict[str, Any]:
    app = _doc(call).app
    model = _doc(call).model
    return {
        "qTitle": app.title,
        "qFileName": app.id,
        "qLastReloadTime": app.last_reload_time,
        "qModified": False,
        "qHasScript": bool(app.script.strip()),
        "qStateNames": _doc(call).state_names(),
        "qMeta": {"privileges": ["read", "update", "delete", "reload", "exportdata"]},
        "qLocaleInfo": app.locale.to_qlocaleinfo(),
        "qHasData": not model.is_empty(),
        "qReadOnly": False,
        "qIsOpenedWithoutData": False,
        "qIsSessionApp": app.session_app,
        "qProhibitBinaryLoad": False,
        "qThumbnail": {"qUrl": ""},
        "qIsBDILiveMode": False,
        "qUnsupportedFeatures": [],
        "qUsage": "ANALYTICS",
    }


@method("Doc", "GetAppProperties", out=("qProp",))
def get_app_properties(call: Call) -> dict[str, Any]:
    return _doc(call).app.get_properties()


@method("Doc", "SetAppProperties", p("qProp", "obj"))
def set_app_properties(call: Call, qProp: dict[str, Any]) -> None:
    _doc(call).app.set_properties(qProp)


@method("Doc", "GetLocaleInfo", out=("qReturn",))
def get_locale_info(call: Call) -> dict[str, Any]:
    return _doc(call).app.locale.to_qlocaleinfo()


# -- objects --------------------------------------------------------------------------


def _object_entry(call: Call, obj_id: str):
    doc = _doc(call)
    return call.session.handles.acquire("GenericObject", ("obj", obj_id), ObjectRef(doc, obj_id))


def _object_props(props: Any, doc: DocState | None = None) -> dict[str, Any]:
    if not isinstance(props, dict):
        raise InvalidParameters("qProp", "qProp must be an object")
    if doc is not None:
        check_extends(doc, None, props)  # qExtendsId naming nothing usable: 8000
    return props


@method("Doc", "CreateSessionObject", p("qProp", "obj"), out=("qReturn",))
def create_session_object(call: Call, qProp: dict[str, Any]) -> dict[str, Any]:
    props = _doc(call).create_session_object(_object_props(qProp, _doc(call)))
    info = props["qInfo"]
    entry = _object_entry(call, info["qId"])
    call.session.mark_changed([entry.handle])
    return object_interface(entry, info["qType"], info["qId"])


@method("Doc", "DestroySessionObject", p("qId", "str"), out=("qSuccess",))
def destroy_session_object(call: Call, qId: str) -> bool:
    ok = _doc(call).destroy_session_object(qId)
    if ok:
        handle = call.session.handles.find(("obj", qId))
        if handle is not None:
            call.session.handles.release(handle)
            call.session.mark_closed([handle])
    return ok


@method("Doc", "CreateObject", p("qProp", "obj"), out=("qInfo", "qReturn"))
def create_object(call: Call, qProp: dict[str, Any]) -> dict[str, Any]:
    props = _doc(call).app.create_object(_object_props(qProp, _doc(call)))
    info = props["qInfo"]
    entry = _object_entry(call, info["qId"])
    call.session.mark_changed([entry.handle])
    return {"qReturn": object_interface(entry, info["qType"], info["qId"]), "qInfo": dict(info)}


@method("Doc", "GetObject", p("qId", "str"), out=("qReturn",))
def get_object(call: Call, qId: str) -> dict[str, Any]:
    found = _doc(call).properties(qId)
    if found is None:
        return dict(NOT_FOUND)
    info = found[0].get("qInfo", {})
    entry = _object_entry(call, qId)
    return object_interface(entry, info.get("qType", ""), qId)


@method("Doc", "DestroyObject", p("qId", "str"), out=("qSuccess",))
def destroy_object(call: Call, qId: str) -> bool:
    return _doc(call).app.destroy_object(qId)


@method("Doc", "GetAllInfos", out=("qInfos",))
def get_all_infos(call: Call) -> list[dict[str, Any]]:
    """The qInfo of every object the app keeps: its generic objects, then its
    bookmarks."""
    app = _doc(call).app
    with app.lock:
        objects = list(app.objects.items())
        marks = list(app.bookmarks.items())
    infos = [{"qId": obj_id, "qType": props.get("qInfo", {}).get("qType", "")}
             for obj_id, props in objects]
    infos += [{"qId": bm_id, "qType": entry["qProperties"]["qInfo"].get("qType", "")}
              for bm_id, entry in marks]
    return infos


@method("Doc", "ClearAllSoftPatches")
def clear_all_soft_patches(call: Call) -> None:
    """Every soft patch this session made (ApplyPatches with qSoftPatch) is dropped."""
    _doc(call).clear_soft_patches()


# -- data model -----------------------------------------------------------------------


@method(
    "Doc",
    "GetTablesAndKeys",
    p("qWindowSize", "obj", {}),
    p("qNullSize", "obj", {}),
    p("qCellHeight", "int", 0),
    p("qSyntheticMode", "bool", False),
    p("qIncludeSysVars", "bool", False),
    p("qIncludeProfiling", "bool", False),
    out=("qtr", "qk"),
)
def get_tables_and_keys(call: Call, **options: Any) -> dict[str, Any]:
    model, _, _ = _doc(call).snapshot()
    return tables_and_keys(model, bool(options.get("qSyntheticMode")))


@method("Doc", "GetTableData", p("qOffset", "int"), p("qRows", "int"),
        p("qSyntheticMode", "bool"), p("qTableName", "str"), out=("qData",))
def get_table_data(call: Call, qOffset: int, qRows: int, qSyntheticMode: bool,
                   qTableName: str) -> list[dict[str, Any]]:
    """A table's rows in load order, a window of them (the data model viewer's preview)."""
    model, _, _ = _doc(call).snapshot()
    return table_data(model, qTableName, int(qOffset), int(qRows), qSyntheticMode)


@method("Doc", "GetLooselyCoupledVector", out=("qv",))
def get_loosely_coupled_vector(call: Call) -> list[int]:
    model, _, _ = _doc(call).snapshot()
    return loosely_coupled_vector(model)


@method("Doc", "SetLooselyCoupledVector", p("qv", "list"), out=("qReturn",))
def set_loosely_coupled_vector(call: Call, qv: list) -> bool:
    """Loosen or couple again the tables the API may change (see
    ``datamodel.loosely_coupled_after``); True (the engine's answer once the states are
    taken, also when nothing changes)."""
    doc = _doc(call)
    model, _, _ = doc.snapshot()
    want = loosely_coupled_after(model, list(qv))
    if want is not None:
        doc.app.set_loose(want)
    return True


@method("Doc", "GetFieldDescription", p("qFieldName", "str"), out=("qReturn",))
def get_field_description(call: Call, qFieldName: str) -> dict[str, Any]:
    model, _, _ = _doc(call).snapshot()
    if qFieldName not in model.fields and qFieldName not in SYSTEM_FIELDS:
        raise FieldNotFound(qFieldName)
    return field_description(model, qFieldName)


@method("Doc", "GetField", p("qFieldName", "str"), p("qStateName", "str", ""), out=("qReturn",))
def get_field(call: Call, qFieldName: str, qStateName: str) -> dict[str, Any]:
    doc = _doc(call)
    state = doc.resolve_state(qStateName)  # NotFound for a state the app does not have
    model, _, _ = doc.snapshot(state)
    if qFieldName not in model.fields:
        raise FieldNotFound(qFieldName)
    entry = call.session.handles.acquire(
        "Field", ("field", qFieldName, state), FieldRef(doc, qFieldName, state)
    )
    return field_interface(entry)


# -- expressions ----------------------------------------------------------------------


@method("Doc", "Evaluate", p("qExpression", "str"), out=("qReturn",))
def evaluate(call: Call, qExpression: str) -> str:
    try:
        text, _ = _doc(call).evaluate(qExpression)
    except ExpressionError as exc:
        return f"Error: {exc.detail}"
    return "-" if text is None else text


@method("Doc", "EvaluateEx", p("qExpression", "str"), out=("qValue",))
def evaluate_ex(call: Call, qExpression: str) -> dict[str, Any]:
    try:
        text, num = _doc(call).evaluate(qExpression)
    except ExpressionError as exc:
        return {"qText": f"Error: {exc.detail}", "qIsNumeric": False, "qNumber": 0}
    if text is None:
        return {"qText": "-", "qIsNumeric": False, "qNumber": 0}
    numeric = num == num
    return {"qText": text, "qIsNumeric": numeric, "qNumber": num if numeric else 0}


# -- selections -----------------------------------------------------------------------


@method("Doc", "ClearAll", p("qLockedAlso", "bool", False), p("qStateName", "str", ""))
def clear_all(call: Call, qLockedAlso: bool, qStateName: str) -> None:
    _doc(call).clear_all(qLockedAlso, qStateName)


@method("Doc", "LockAll", p("qStateName", "str", ""))
def lock_all(call: Call, qStateName: str) -> None:
    _doc(call).lock_all(qStateName)


@method("Doc", "UnlockAll", p("qStateName", "str", ""))
def unlock_all(call: Call, qStateName: str) -> None:
    _doc(call).unlock_all(qStateName)


# -- alternate states -----------------------------------------------------------------


@method("Doc", "AddAlternateState", p("qStateName", "str"))
def add_alternate_state(call: Call, qStateName: str) -> None:
    """A state of the app, for every session (saved with the app by DoSave)."""
    _doc(call).app.add_state(qStateName)


@method("Doc", "RemoveAlternateState", p("qStateName", "str"))
def remove_alternate_state(call: Call, qStateName: str) -> None:
    _doc(call).app.remove_state(qStateName)


@method("Doc", "AddSessionAlternateState", p("qStateName", "str"),
        p("qSourceStateName", "str", ""))
def add_session_alternate_state(call: Call, qStateName: str, qSourceStateName: str) -> None:
    """A state of this session only, starting with the selections of qSourceStateName
    when given (help "AddSessionAlternateState")."""
    _doc(call).add_session_state(qStateName, qSourceStateName or None)


@method("Doc", "RemoveSessionAlternateState", p("qStateName", "str"), out=("qSuccess",))
def remove_session_alternate_state(call: Call, qStateName: str) -> bool:
    return _doc(call).remove_session_state(qStateName)


@method("Doc", "Back")
def back(call: Call) -> None:
    _doc(call).step(forward=False)


@method("Doc", "Forward")
def forward(call: Call) -> None:
    _doc(call).step(forward=True)


@method("Doc", "BackCount", out=("qReturn",))
def back_count(call: Call) -> int:
    return len(_doc(call).back)


@method("Doc", "ForwardCount", out=("qReturn",))
def forward_count(call: Call) -> int:
    return len(_doc(call).forward)


@method("Doc", "AbortModal", p("qAccept", "bool", False))
def abort_modal(call: Call, qAccept: bool) -> None:
    _doc(call).abort_modal(qAccept)


# -- connections ----------------------------------------------------------------------


@method("Doc", "CreateConnection", p("qConnection", "obj"), out=("qConnectionId",))
def create_connection(call: Call, qConnection: dict[str, Any]) -> str:
    app = _doc(call).app
    with app.lock:
        return app.connections.create(qConnection).id


@method("Doc", "GetConnections", out=("qConnections",))
def get_connections(call: Call) -> list[dict[str, Any]]:
    return _doc(call).app.connections.to_json()


@method("Doc", "GetConnection", p("qConnectionId", "str"), out=("qConnection",))
def get_connection(call: Call, qConnectionId: str) -> dict[str, Any]:
    return _doc(call).app.connections.get(qConnectionId).to_json()


@method("Doc", "ModifyConnection", p("qConnectionId", "str"), p("qConnection", "obj"),
        p("qOverrideCredentials", "bool", False))
def modify_connection(call: Call, qConnectionId: str, qConnection: dict[str, Any],
                      qOverrideCredentials: bool) -> None:
    app = _doc(call).app
    with app.lock:
        app.connections.modify(qConnectionId, qConnection, qOverrideCredentials)


@method("Doc", "DeleteConnection", p("qConnectionId", "str"))
def delete_connection(call: Call, qConnectionId: str) -> None:
    _doc(call).app.connections.delete(qConnectionId)
