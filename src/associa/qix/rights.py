"""Which right each QIX method needs on the app it touches, checked in one place.

``NEEDS[(class, method)]`` is the table; ``enforce`` is called by ``Session.handle``
between binding a request's parameters and calling its handler, so no handler checks
rights itself. A method not in the table needs no more than what opening the app took
(consume: reading layouts, selecting, session objects, soft patches). The rights and who
has them are ``app/access.py``'s; the owner and rules are read through the engine.

A refusal answers QIX error 5 "Access denied" (``AppAccessDenied``; qix-api.md's error
table: "The JWT user or section access forbids the object or method, e.g. DoSave on a
read-only app") and changes nothing: the session goes on as before.

Some methods change what the app keeps only when their object is the app's (persistent)
and not the session's own: ``when`` names the condition under which the right is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from associa.app import library
from associa.app.access import Right, unrestricted
from associa.errors import AccessDenied, AppAccessDenied, AppAccessRefused, AppGone

if TYPE_CHECKING:
    from associa.qix.dispatch import MethodSpec
    from associa.qix.session import Call


@dataclass(frozen=True, slots=True)
class Need:
    """The right a method needs: on the app its handle belongs to, or (Global methods)
    on the app named by the parameter ``app_param``; ``admin``: only an engine
    administrator may call it; ``when``: a condition (``WHEN``) under which it is needed."""

    right: Right | None = None
    app_param: str | None = None
    when: str = "always"
    admin: bool = False


EDIT = Need(Right.EDIT)
EDIT_PERSISTENT = Need(Right.EDIT, when="persistent")  # the app's object, not a session one
EDIT_HARD_PATCH = Need(Right.EDIT, when="hard patch")  # ApplyPatches without qSoftPatch
EDIT_CREATES = Need(Right.EDIT, when="creates")  # GetOrCreateObject making a new object


def _persistent(call: Call, kwargs: dict[str, Any]) -> bool:
    """Whether the handle's object is kept by the app (not this session's own)."""
    target = call.target
    qtype = call.entry.qtype
    if qtype == "GenericObject":
        return target.obj_id not in target.doc.session_objects
    if qtype == "GenericVariable":
        found = library.find_variable(target.doc, target.item_id)
        return found is not None and found[0] != "session"
    return True


def _hard_patch(call: Call, kwargs: dict[str, Any]) -> bool:
    return not kwargs.get("qSoftPatch") and _persistent(call, kwargs)


def _creates(call: Call, kwargs: dict[str, Any]) -> bool:
    info = (kwargs.get("qProp") or {}).get("qInfo")
    obj_id = info.get("qId") if isinstance(info, dict) else None
    return not (isinstance(obj_id, str) and call.target.properties(obj_id) is not None)


WHEN: dict[str, Callable[[Call, dict[str, Any]], bool]] = {
    "always": lambda call, kwargs: True,
    "persistent": _persistent,
    "hard patch": _hard_patch,
    "creates": _creates,
}

_DOC_EDIT = (
    # the script (reading it too: it holds the Section Access table and what the
    # connections reach), reloads and saving
    "SetScript", "GetScript", "DoReload", "DoReloadEx", "DoSave", "SetAppProperties",
    # objects, master items, variables, bookmarks, states and connections the app keeps
    "CreateObject", "DestroyObject", "CloneObject",
    "CreateDimension", "DestroyDimension", "CloneDimension",
    "CreateMeasure", "DestroyMeasure", "CloneMeasure",
    "CreateVariable", "CreateVariableEx", "DestroyVariableById", "DestroyVariableByName",
    "RemoveVariable",
    "CreateBookmark", "CreateBookmarkEx", "DestroyBookmark", "CloneBookmark",
    "ReplaceBookmark",
    "AddAlternateState", "RemoveAlternateState", "SetLooselyCoupledVector",
    "CreateConnection", "ModifyConnection", "DeleteConnection",
)
_OBJECT_EDIT = (
    "SetProperties", "SetFullPropertyTree", "CopyFrom", "CreateChild", "DestroyChild",
    "DestroyAllChildren", "SetChildArrayOrder", "Publish", "UnPublish", "Approve",
    "UnApprove",
)
_MASTER_EDIT = ("SetProperties", "Publish", "UnPublish", "Approve", "UnApprove")
_VARIABLE_EDIT = ("SetProperties", "SetStringValue", "SetNumValue", "SetDualValue")

NEEDS: dict[tuple[str, str], Need] = {
    ("Global", "OpenDoc"): Need(Right.CONSUME, app_param="qDocName"),
    ("Global", "GetAppEntry"): Need(Right.CONSUME, app_param="qAppID"),
    ("Global", "CreateSessionAppFromApp"): Need(Right.CONSUME, app_param="qSrcAppId"),
    ("Global", "DeleteApp"): Need(Right.MANAGE, app_param="qAppId"),
    ("Global", "ShutdownProcess"): Need(admin=True),
    **{("Doc", name): EDIT for name in _DOC_EDIT},
    ("Doc", "GetOrCreateObject"): EDIT_CREATES,
    **{("GenericObject", name): EDIT_PERSISTENT for name in _OBJECT_EDIT},
    ("GenericObject", "ApplyPatches"): EDIT_HARD_PATCH,
    **{(qtype, name): EDIT for qtype in ("GenericDimension", "GenericMeasure")
       for name in _MASTER_EDIT},
    ("GenericDimension", "ApplyPatches"): EDIT,
    ("GenericMeasure", "ApplyPatches"): EDIT,
    **{("GenericVariable", name): EDIT_PERSISTENT for name in _VARIABLE_EDIT},
    ("GenericVariable", "ApplyPatches"): EDIT_HARD_PATCH,
    **{("GenericBookmark", name): EDIT for name in _MASTER_EDIT},
    ("GenericBookmark", "ApplyPatches"): EDIT,
}


def enforce(call: Call, spec: MethodSpec, kwargs: dict[str, Any]) -> None:
    """Raise ``AccessDenied`` (error 5) when the session's identity lacks the right
    ``spec`` needs; return when it has it or the method needs none."""
    need = NEEDS.get((spec.qtype, spec.name))
    if need is None:
        return
    session = call.session
    identity = session.identity
    if need.admin:
        if not identity.admin:
            raise AccessDenied(spec.name, "Access denied")
        return
    if unrestricted(identity) or need.right is None:
        if (spec.name == "OpenDoc" and not identity.anonymous and need.app_param is not None
                and kwargs.get(need.app_param) == session.url_app
                and session.url_app not in session.session_apps
                and not session.engine.app_exists(str(session.url_app))):
            # an administrator (who may know of every app) opening the URL's app that
            # does not exist: 1003, and the socket closes with 4204. Not in development
            # mode, where clients (corectl) connect to /app/<id> before CreateApp makes it
            raise AppGone("Could not find app")
        return
    if need.app_param is not None:
        app_id = kwargs.get(need.app_param)
        if isinstance(app_id, str):
            try:
                session.engine.check_access(identity, app_id, need.right)
            except AppAccessDenied as refused:
                if spec.name == "OpenDoc" and app_id == session.url_app:
                    # the app the socket was opened for: answered, then the socket
                    # closes with 4203 (no permission to open the app)
                    raise AppAccessRefused(app_id) from refused
                raise
        return
    doc = session.doc
    if doc is None or not WHEN[need.when](call, kwargs):
        return
    if need.right not in session.engine.rights(identity, doc.app.id):
        raise AppAccessDenied(f"{spec.name}: the {need.right.label} right is needed")
