"""Global (handle -1): engine facts, apps, progress and cancellation."""

from __future__ import annotations

import platform
import time
import uuid
from typing import Any

from associa import __version__
from associa.errors import AppAlreadyOpen
from associa.qix.api.interfaces import doc_interface
from associa.qix.dispatch import method, p
from associa.qix.session import Call, Progress

QIX_VERSION = "12.2027.0"


@method("Global", "EngineVersion", out=("qVersion",))
def engine_version(call: Call) -> dict[str, Any]:
    return {"qComponentVersion": QIX_VERSION}


@method("Global", "ProductVersion", out=("qReturn",))
def product_version(call: Call) -> str:
    return f"associa {__version__}"


@method("Global", "QvVersion", out=("qReturn",))
def qv_version(call: Call) -> str:
    return QIX_VERSION


@method("Global", "QTProduct", out=("qReturn",))
def qt_product(call: Call) -> str:
    return "associa"


@method("Global", "OSName", out=("qReturn",))
def os_name(call: Call) -> str:
    return platform.system()


@method("Global", "OSVersion", out=("qReturn",))
def os_version(call: Call) -> str:
    return platform.release()


@method("Global", "IsDesktopMode", out=("qReturn",))
def is_desktop_mode(call: Call) -> bool:
    return False


@method("Global", "IsPersonalMode", out=("qReturn",))
def is_personal_mode(call: Call) -> bool:
    return False


@method("Global", "AllowCreateApp", out=("qReturn",))
def allow_create_app(call: Call) -> bool:
    return True


@method("Global", "GetConfiguration", out=("qConfig",))
def get_configuration(call: Call) -> dict[str, Any]:
    return {"qFeatures": {"qIsDesktop": False}}


@method("Global", "GetUniqueID", out=("qUniqueID",))
def get_unique_id(call: Call) -> str:
    return str(uuid.uuid4())


@method("Global", "GetDocList", out=("qDocList",))
def get_doc_list(call: Call) -> list[dict[str, Any]]:
    """The apps the session's identity may open (consume), as the engine lists them."""
    out = []
    session = call.session
    for meta in session.engine.visible_apps(session.identity):
        app_id = meta.get("id", "")
        out.append(
            {
                "qDocName": app_id,  # what OpenDoc opens; the title is qTitle
                "qConnectedUsers": 0,
                "qFileTime": meta.get("_mtime", 0) / 86400 + 25569 if meta.get("_mtime") else 0,
                "qFileSize": meta.get("_size", 0),
                "qDocId": app_id,
                "qMeta": {},
                "qLastReloadTime": meta.get("lastReloadTime", ""),
                "qTitle": meta.get("title", app_id),
                "qThumbnail": {},
            }
        )
    return out


@method(
    "Global",
    "OpenDoc",
    p("qDocName", "str"),
    p("qUserName", "str", ""),
    p("qPassword", "str", ""),
    p("qSerial", "str", ""),
    p("qNoData", "bool", False),
    out=("qReturn",),
)
def open_doc(call: Call, qDocName: str, qUserName: str, qPassword: str, qSerial: str,
             qNoData: bool) -> dict[str, Any]:
    session = call.session
    app = session.find_app(qDocName)
    if session.doc is not None and session.doc.app is not app:
        raise AppAlreadyOpen(qDocName)
    entry = session.open_doc(app)
    session.mark_changed([entry.handle])
    return doc_interface(entry)


@method("Global", "GetActiveDoc", out=("qReturn",))
def get_active_doc(call: Call) -> dict[str, Any]:
    return doc_interface(call.session.active_doc())


@method(
    "Global",
    "CreateApp",
    p("qAppName", "str"),
    p("qLocalizedScriptMainSection", "str", ""),
    p("qLocale", "str", ""),
    out=("qSuccess", "qAppId"),
)
def create_app(call: Call, qAppName: str, qLocalizedScriptMainSection: str,
               qLocale: str) -> dict[str, Any]:
    """A new app, owned by the session's identity (nobody's in development mode)."""
    app = call.session.engine.create_app(qAppName, owner=call.session.identity)
    return {"qSuccess": True, "qAppId": app.id}


@method("Global", "CreateSessionApp", out=("qSessionAppId", "qReturn"))
def create_session_app(call: Call) -> dict[str, Any]:
    session = call.session
    if session.doc is not None:  # one doc per session, as for OpenDoc
        raise AppAlreadyOpen(session.doc.app.id)
    app = session.engine.create_session_app()
    session.session_apps[app.id] = app
    entry = session.open_doc(app)
    session.mark_changed([entry.handle])
    return {"qReturn": doc_interface(entry), "qSessionAppId": app.id}


@method("Global", "DeleteApp", p("qAppId", "str"), out=("qSuccess",))
def delete_app(call: Call, qAppId: str) -> bool:
    call.session.engine.delete_app(qAppId)
    return True


@method("Global", "GetAppEntry", p("qAppID", "str"), out=("qEntry",))
def get_app_entry(call: Call, qAppID: str) -> dict[str, Any]:
    app = call.session.engine.get_app(qAppID)
    return {
        "qID": app.id,
        "qTitle": app.title,
        "qPath": app.id,
        "qLastReloadTime": app.last_reload_time,
        "qReadOnly": False,
        "qMeta": {},
        "qThumbnail": {},
        "qFileSize": 0,
        "qHasSectionAccess": False,
    }


@method("Global", "GetProgress", p("qRequestId", "int", 0), out=("qProgressData",))
def get_progress(call: Call, qRequestId: int) -> dict[str, Any]:
    session = call.session
    prog = session.progress.get(qRequestId)
    if prog is None and qRequestId in (0, -1):
        prog = session.last_progress
    if prog is None:
        return {
            "qStarted": True,
            "qFinished": True,
            "qCompleted": 0,
            "qTotal": 0,
            "qKB": 0,
            "qMillisecs": 0,
            "qErrorData": [],
            "qPersistentProgressMessages": [],
            "qTransientProgressMessage": {"qMessageCode": 0, "qMessageParameters": [""]},
        }
    return progress_data(prog)


def progress_data(prog: Progress) -> dict[str, Any]:
    new_lines = prog.lines[prog.sent :]
    prog.sent = len(prog.lines)
    elapsed = prog.elapsed if prog.finished else time.monotonic() - prog.started
    data: dict[str, Any] = {"qStarted": True}
    if prog.finished:
        data["qFinished"] = True
    data.update({"qCompleted": 0, "qTotal": 0, "qKB": 0, "qMillisecs": int(elapsed * 1000)})
    if new_lines:
        data["qPersistentProgress"] = "".join(line + "\n" for line in new_lines)
    if prog.transient and not prog.finished:
        data["qTransientProgress"] = prog.transient
    data["qErrorData"] = list(prog.errors)
    data["qPersistentProgressMessages"] = [
        {"qMessageCode": 0, "qMessageParameters": [line]} for line in new_lines
    ]
    data["qTransientProgressMessage"] = {
        "qMessageCode": 0,
        "qMessageParameters": [prog.transient if not prog.finished else ""],
    }
    return data


def _cancel(call: Call, request_ids: list[Any]) -> None:
    """Mark requests cancelled. Finished requests are not marked, so that a later request
    reusing such an id (a client counting from 1 again after a reconnect) is not
    cancelled before it starts."""
    progress = call.session.progress
    for rid in request_ids:
        prog = progress.get(rid)
        if prog is None or not prog.finished:
            call.session.cancelled.add(rid)


@method("Global", "CancelRequest", p("qRequestId", "int"))
def cancel_request(call: Call, qRequestId: int) -> None:
    _cancel(call, [qRequestId])


@method("Global", "AbortRequest", p("qRequestId", "int"))
def abort_request(call: Call, qRequestId: int) -> None:
    _cancel(call, [qRequestId])


@method("Global", "AbortAll")
def abort_all(call: Call) -> None:
    _cancel(call, list(call.session.progress))


@method("Global", "CancelReload", p("qReason", "str", ""))
def cancel_reload(call: Call, qReason: str) -> None:
    _cancel(call, list(call.session.progress))


@method("Global", "ConfigureReload", p("qCancelOnScriptError", "bool", False),
        p("qUseErrorData", "bool", False), p("qInteractOnError", "bool", False))
def configure_reload(call: Call, **_: Any) -> None:
    return None


@method("Global", "GetInteract", p("qRequestId", "int"), out=("qDef", "qReturn"))
def get_interact(call: Call, qRequestId: int) -> dict[str, Any]:
    """No interaction is ever pending: reloads here do not stop to ask (message boxes,
    script debugging, credentials), so the answer is the end of interaction, IT_END,
    with every InteractDef member (enigma.js schema 12.2027.0, InteractDone's default)."""
    return {"qDef": {"qType": "IT_END", "qTitle": "", "qMsg": "", "qButtons": 0,
                     "qLine": "", "qOldLineNr": 0, "qNewLineNr": 0, "qPath": "",
                     "qHidden": False, "qResult": 0, "qInput": ""},
            "qReturn": False}


@method("Global", "InteractDone", p("qRequestId", "int"), p("qDef", "obj", {}))
def interact_done(call: Call, qRequestId: int, qDef: dict[str, Any]) -> None:
    return None
