"""Bookmarks over QIX: the Doc's bookmark and temporary-selection-state methods and the
GenericBookmark class. The work is done in ``app/bookmarks.py``; here requests are
translated and handles handed out.

Shapes (the enigma.js 12.2027 schema's out parameters; help.qlik.com Engine JSON API):
CreateBookmark / CreateBookmarkEx → ``qInfo`` and ``qReturn`` (a GenericBookmark
interface, as CreateObject's); GetBookmark → ``qReturn``, or ``{"qType": null,
"qHandle": null}`` for an unknown id (qix-api.md §1 item 7); DestroyBookmark →
``qSuccess``; ApplyBookmark → ``qSuccess``; ApplyAndVerifyBookmark → ``qResult``
(BookmarkApplyAndVerifyResult); CloneBookmark → ``qCloneId``; GetBookmarks → ``qList``;
StoreTempSelectionState → ``qId`` and ``qReturn`` (enigma.js drops ``qReturn`` and
returns the id); RestoreTempSelectionState → ``qReturn``; CreateTemporaryBookmark →
``qId`` and ``qReturn`` (enigma.js drops ``qReturn`` too), ApplyTemporaryBookmark →
``qReturn``, false for an id unknown or expired; ReplaceBookmark → ``qInfo`` and
``qReturn``, as CreateBookmark, NotFound for an unknown id. A bookmark id that names no
bookmark is NotFound (error 2) for Apply/ApplyAndVerify/CloneBookmark. There is no
DeleteTempSelectionState in the engine API (neither the OpenRPC 12.2528 list nor the
enigma.js schema has one), so none is offered: temporary states end with their TTL.

CreateBookmarkEx's ``qObjectIdsToPatch`` names the objects whose soft patches the
bookmark keeps (every object's when empty, as CreateBookmark).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from associa.app import bookmarks, statedata
from associa.app.app import now_iso
from associa.app.doc import DocState
from associa.app.properties import STATUS_METHODS, apply_patch, with_status
from associa.errors import InvalidHandle, InvalidParameters, NotFound
from associa.qix.api.interfaces import NOT_FOUND
from associa.qix.dispatch import method, p
from associa.qix.handles import Entry
from associa.qix.session import Call


@dataclass(slots=True)
class BookmarkRef:
    """What a GenericBookmark handle points at."""

    doc: DocState
    bm_id: str

    def entry(self) -> bookmarks.Entry:
        found = self.doc.app.get_bookmark(self.bm_id)
        if found is None:  # destroyed since the handle was handed out
            raise InvalidHandle("Invalid handle", "Invalid Params")
        return found


def _doc(call: Call) -> DocState:
    return call.target


def _ref(call: Call) -> BookmarkRef:
    return call.target


def bookmark_interface(entry: Entry, qtype: str, qid: str) -> dict[str, Any]:
    return {"qType": "GenericBookmark", "qHandle": entry.handle, "qGenericType": qtype,
            "qGenericId": qid}


def _handle(call: Call, bm_id: str) -> dict[str, Any]:
    """The session's GenericBookmark interface for a bookmark (the same handle each time)."""
    doc = _doc(call)
    entry = call.session.handles.acquire("GenericBookmark", ("bookmark", bm_id),
                                         BookmarkRef(doc, bm_id))
    found = doc.app.get_bookmark(bm_id) or {"qProperties": {}}
    info = found["qProperties"].get("qInfo") or {}
    return bookmark_interface(entry, info.get("qType", ""), bm_id)


def _existing(call: Call, bm_id: str) -> bookmarks.Entry:
    found = _doc(call).app.get_bookmark(bm_id)
    if found is None:
        raise NotFound(bm_id, "Bookmark not found")
    return found


def _verified(warnings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"qApplySuccess": True, "qWarnings": warnings}


# -- Doc ------------------------------------------------------------------------------


@method("Doc", "CreateBookmark", p("qProp", "obj"), out=("qInfo", "qReturn"))
def create_bookmark(call: Call, qProp: dict[str, Any]) -> dict[str, Any]:
    """A bookmark of the session's selections in every state (and the variables with
    ``qIncludeVariables``), saved with the app, seen by every session of it."""
    return _create(call, qProp, None)


def _create(call: Call, qProp: dict[str, Any], patch_ids: list[str] | None) -> dict[str, Any]:
    doc = _doc(call)
    made = bookmarks.new_bookmark(doc, qProp, patch_ids)
    doc.app.create_bookmark(made)
    info = made["qProperties"]["qInfo"]
    reply = _handle(call, info["qId"])
    call.session.mark_changed([reply["qHandle"]])
    return {"qReturn": reply, "qInfo": dict(info)}


@method("Doc", "CreateBookmarkEx", p("qProp", "obj"), p("qObjectIdsToPatch", "list", []),
        out=("qInfo", "qReturn"))
def create_bookmark_ex(call: Call, qProp: dict[str, Any],
                       qObjectIdsToPatch: list[Any]) -> dict[str, Any]:
    return _create(call, qProp, _object_ids(qObjectIdsToPatch))


@method("Doc", "ReplaceBookmark", p("qId", "str"), p("qIgnorePatches", "bool", False),
        p("qObjectIdsToPatch", "list", []), out=("qInfo", "qReturn"))
def replace_bookmark(call: Call, qId: str, qIgnorePatches: bool,
                     qObjectIdsToPatch: list[Any]) -> dict[str, Any]:
    """The bookmark made again of the session's selections now, its properties kept."""
    doc = _doc(call)
    made = bookmarks.replaced(doc, _existing(call, qId), qIgnorePatches,
                              _object_ids(qObjectIdsToPatch))
    doc.app.set_bookmark(qId, made)
    reply = _handle(call, qId)
    call.session.mark_changed([reply["qHandle"]])
    return {"qReturn": reply, "qInfo": dict(made["qProperties"]["qInfo"])}


def _object_ids(ids: list[Any]) -> list[str]:
    """qObjectIdsToPatch checked: object ids (enigma.js's schema default ``[""]`` names
    none)."""
    if not all(isinstance(i, str) for i in ids):
        raise InvalidParameters("qObjectIdsToPatch", "a list of object ids")
    return [i for i in ids if i]


@method("Doc", "GetBookmark", p("qId", "str"), out=("qReturn",))
def get_bookmark(call: Call, qId: str) -> dict[str, Any]:
    if _doc(call).app.get_bookmark(qId) is None:
        return dict(NOT_FOUND)
    return _handle(call, qId)


@method("Doc", "DestroyBookmark", p("qId", "str"), out=("qSuccess",))
def destroy_bookmark(call: Call, qId: str) -> bool:
    ok = _doc(call).app.destroy_bookmark(qId)
    handle = call.session.handles.find(("bookmark", qId))
    if handle is not None:
        call.session.handles.release(handle)
        call.session.mark_closed([handle])
    return ok


@method("Doc", "ApplyBookmark", p("qId", "str"), out=("qSuccess",))
def apply_bookmark(call: Call, qId: str) -> bool:
    bookmarks.apply_bookmark(_doc(call), _existing(call, qId))
    return True


@method("Doc", "ApplyAndVerifyBookmark", p("qId", "str"), out=("qResult",))
def apply_and_verify_bookmark(call: Call, qId: str) -> dict[str, Any]:
    return _verified(bookmarks.apply_bookmark(_doc(call), _existing(call, qId)))


@method("Doc", "CloneBookmark", p("qId", "str"), out=("qCloneId",))
def clone_bookmark(call: Call, qId: str) -> str:
    clone = bookmarks.cloned(_existing(call, qId))
    _doc(call).app.create_bookmark(clone)
    clone_id: str = clone["qProperties"]["qInfo"]["qId"]
    return clone_id


@method("Doc", "GetBookmarks", p("qOptions", "obj", {}), out=("qList",))
def get_bookmarks(call: Call, qOptions: dict[str, Any]) -> list[dict[str, Any]]:
    """NxContainerEntry per bookmark of the types in ``qTypes`` (all when none is named),
    with ``qData`` resolved."""
    return bookmarks.bookmark_entries(_doc(call), qOptions.get("qTypes"), qOptions.get("qData"))


@method("Doc", "StoreTempSelectionState", p("qTTLOfTempState", "int", 0),
        out=("qId", "qReturn"))
def store_temp_selection_state(call: Call, qTTLOfTempState: int) -> dict[str, Any]:
    return {"qId": statedata.store_temp_state(_doc(call), qTTLOfTempState), "qReturn": True}


@method("Doc", "RestoreTempSelectionState", p("qId", "str"), out=("qReturn",))
def restore_temp_selection_state(call: Call, qId: str) -> bool:
    return statedata.restore_temp_state(_doc(call), qId)


@method("Doc", "CreateTemporaryBookmark", p("qOptions", "obj", {}),
        p("qObjectIdsToPatch", "list", []), out=("qId", "qReturn"))
def create_temporary_bookmark(call: Call, qOptions: dict[str, Any],
                              qObjectIdsToPatch: list[Any]) -> dict[str, Any]:
    temp_id = bookmarks.create_temporary(_doc(call), qOptions, _object_ids(qObjectIdsToPatch))
    return {"qId": temp_id, "qReturn": True}


@method("Doc", "ApplyTemporaryBookmark", p("qId", "str"), out=("qReturn",))
def apply_temporary_bookmark(call: Call, qId: str) -> bool:
    return bookmarks.apply_temporary(_doc(call), qId)


# -- GenericBookmark ------------------------------------------------------------------


@method("GenericBookmark", "GetLayout", out=("qLayout",))
def get_layout(call: Call) -> dict[str, Any]:
    ref = _ref(call)
    return bookmarks.bookmark_layout(ref.doc, ref.entry())


@method("GenericBookmark", "GetProperties", out=("qProp",))
def get_properties(call: Call) -> dict[str, Any]:
    return bookmarks.public_properties(_ref(call).entry()["qProperties"],
                                       call.request.return_empty)


@method("GenericBookmark", "GetInfo", out=("qInfo",))
def get_info(call: Call) -> dict[str, Any]:
    info = _ref(call).entry()["qProperties"]["qInfo"]
    return {"qId": info.get("qId", ""), "qType": info.get("qType", "")}


def _store(call: Call, props: Any) -> None:
    ref = _ref(call)
    ref.doc.app.set_bookmark(ref.bm_id, bookmarks.with_properties(ref.entry(), props))
    call.session.mark_changed([call.entry.handle])


@method("GenericBookmark", "SetProperties", p("qProp", "obj"))
def set_properties(call: Call, qProp: dict[str, Any]) -> None:
    """New properties; the selections the bookmark holds stay."""
    _store(call, qProp)


@method("GenericBookmark", "ApplyPatches", p("qPatches", "list"))
def apply_patches(call: Call, qPatches: list[Any]) -> None:
    """JSON patches on the properties (as GenericObject.ApplyPatches), all or none."""
    props = bookmarks.public_properties(_ref(call).entry()["qProperties"])
    for patch in qPatches:
        if not isinstance(patch, dict):
            raise InvalidParameters("qPatches", "a patch must be an object")
        apply_patch(props, patch)
    _store(call, props)


def _status_method(name: str) -> None:
    @method("GenericBookmark", name)
    def set_status(call: Call) -> None:
        """Plain metadata in the bookmark's qMetaDef (``properties.with_status``)."""
        _store(call, with_status(_ref(call).entry()["qProperties"], name, now_iso()))


for _name in STATUS_METHODS:
    _status_method(_name)


@method("GenericBookmark", "Apply", out=("qSuccess",))
def apply(call: Call) -> bool:
    ref = _ref(call)
    bookmarks.apply_bookmark(ref.doc, ref.entry())
    return True


@method("GenericBookmark", "ApplyAndVerify", out=("qResult",))
def apply_and_verify(call: Call) -> dict[str, Any]:
    ref = _ref(call)
    return _verified(bookmarks.apply_bookmark(ref.doc, ref.entry()))


@method("GenericBookmark", "GetFieldValues", p("qField", "str"),
        p("qGetExcludedValues", "bool", False), p("qDataPage", "obj", {}),
        out=("qFieldValues",))
def get_field_values(call: Call, qField: str, qGetExcludedValues: bool,
                     qDataPage: dict[str, Any]) -> list[dict[str, Any]]:
    """A page of the default state's values of a field in the bookmark: the selected
    ones, or (``qGetExcludedValues``) the field's other values; ``qDataPage`` is
    ``{qStartIndex, qEndIndex}``, the end not included."""
    bounds = []
    for key in ("qStartIndex", "qEndIndex"):
        value = qDataPage.get(key, 0)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidParameters(key, f"{key} must be an integer")
        bounds.append(value)
    ref = _ref(call)
    return bookmarks.field_values(ref.doc, ref.entry(), qField, qGetExcludedValues, *bounds)
