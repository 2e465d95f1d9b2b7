"""GenericDimension, GenericMeasure, GenericVariable and the Doc methods making them (master items and variables).

The work is ``app/library.py``'s; here requests are translated and handles handed out
(one per item per session, keyed ``("library", id)``; a destroyed item's handle
closes in every session, ``qix/session.py``).

Shapes (the enigma.js 12.2027 schema's parameters and out keys; the OpenRPC 12.2528
list in qix-api.md's appendix): CreateDimension, CreateMeasure and CreateVariableEx
answer ``qInfo`` and ``qReturn``; CreateSessionVariable ``qReturn``; GetDimension,
GetMeasure, GetVariableById, GetVariableByName and GetVariable answer ``qReturn``, the
null handle ``{"qType": null, "qHandle": null}`` for an unknown item (qix-api.md §0
item 7); the Destroy methods ``qSuccess``; CloneDimension/CloneMeasure ``qCloneId``;
GetVariables ``qList``. The interfaces are ``{"qType": "GenericDimension", "qHandle",
"qGenericType": qInfo.qType, "qGenericId": qInfo.qId}`` (the classes enigma-go's
schema companion gives these methods). Variables: an empty ``qName`` is 18000
VARIABLE_NO_NAME, a taken one 18001 VARIABLE_DUPLICATE_NAME (qix-api.md §6.2).
GetVariable (the legacy call) answers a GenericVariable too, and CreateVariable /
RemoveVariable (legacy, ``qReturn`` true/false) make and remove an app variable by name.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from associa.app import library, lists
from associa.app.doc import DocState
from associa.app.properties import apply_patch, object_info
from associa.errors import InvalidHandle, InvalidParameters, NotFound
from associa.qix.api.interfaces import NOT_FOUND
from associa.qix.dispatch import method, p
from associa.qix.session import Call

CLASSES = {library.DIMENSION: "GenericDimension", library.MEASURE: "GenericMeasure",
           library.VARIABLE: "GenericVariable"}


@dataclass(slots=True)
class LibraryRef:
    """What a GenericDimension, GenericMeasure or GenericVariable handle points at."""

    doc: DocState
    kind: str
    item_id: str

    def master(self) -> dict[str, Any]:
        """A master item's properties; InvalidHandle once it is destroyed."""
        found = library.get_master(self.doc.app, self.kind, self.item_id)
        if found is None:
            raise InvalidHandle("Invalid handle", "Invalid Params")
        return found

    def variable(self) -> tuple[str, dict[str, Any]]:
        """(where, properties) of a variable; InvalidHandle once it is destroyed."""
        found = library.find_variable(self.doc, self.item_id)
        if found is None:
            raise InvalidHandle("Invalid handle", "Invalid Params")
        return found

    def properties(self) -> dict[str, Any]:
        return self.variable()[1] if self.kind == library.VARIABLE else self.master()


def _doc(call: Call) -> DocState:
    return call.target


def _ref(call: Call) -> LibraryRef:
    return call.target


def _interface(call: Call, kind: str, props: dict[str, Any]) -> dict[str, Any]:
    """The session's handle on an item (the same each time it is asked for)."""
    info = object_info(props)
    entry = call.session.handles.acquire(CLASSES[kind], ("library", info["qId"]),
                                         LibraryRef(_doc(call), kind, info["qId"]))
    return {"qType": CLASSES[kind], "qHandle": entry.handle, "qGenericType": info["qType"],
            "qGenericId": info["qId"]}


def _made(call: Call, kind: str, props: dict[str, Any]) -> dict[str, Any]:
    reply = _interface(call, kind, props)
    call.session.mark_changed([reply["qHandle"]])
    return {"qInfo": object_info(props), "qReturn": reply}


# -- Doc: master dimensions and measures ------------------------------------------------


@method("Doc", "CreateDimension", p("qProp", "obj"), out=("qInfo", "qReturn"))
def create_dimension(call: Call, qProp: dict[str, Any]) -> dict[str, Any]:
    """A master dimension, saved with the app, seen by every session."""
    return _made(call, library.DIMENSION,
                 library.create_master(_doc(call).app, library.DIMENSION, qProp))


@method("Doc", "CreateMeasure", p("qProp", "obj"), out=("qInfo", "qReturn"))
def create_measure(call: Call, qProp: dict[str, Any]) -> dict[str, Any]:
    return _made(call, library.MEASURE,
                 library.create_master(_doc(call).app, library.MEASURE, qProp))


def _get(call: Call, kind: str, item_id: str) -> dict[str, Any]:
    found = library.get_master(_doc(call).app, kind, item_id)
    return dict(NOT_FOUND) if found is None else _interface(call, kind, found)


@method("Doc", "GetDimension", p("qId", "str"), out=("qReturn",))
def get_dimension(call: Call, qId: str) -> dict[str, Any]:
    return _get(call, library.DIMENSION, qId)


@method("Doc", "GetMeasure", p("qId", "str"), out=("qReturn",))
def get_measure(call: Call, qId: str) -> dict[str, Any]:
    return _get(call, library.MEASURE, qId)


@method("Doc", "GetMeasureWithLabel", p("qLabel", "str"), out=("qReturn",))
def get_measure_with_label(call: Call, qLabel: str) -> dict[str, Any]:
    """The master measure whose ``qMeasure.qLabel`` is ``qLabel`` (the first made)."""
    for _, props in library.entries(_doc(call), library.MEASURE):
        if (props.get("qMeasure") or {}).get("qLabel") == qLabel:
            return _interface(call, library.MEASURE, props)
    return dict(NOT_FOUND)


@method("Doc", "DestroyDimension", p("qId", "str"), out=("qSuccess",))
def destroy_dimension(call: Call, qId: str) -> bool:
    return library.destroy_master(_doc(call).app, library.DIMENSION, qId)


@method("Doc", "DestroyMeasure", p("qId", "str"), out=("qSuccess",))
def destroy_measure(call: Call, qId: str) -> bool:
    return library.destroy_master(_doc(call).app, library.MEASURE, qId)


def _clone(call: Call, kind: str, item_id: str) -> str:
    found = library.get_master(_doc(call).app, kind, item_id)
    if found is None:
        raise NotFound(item_id, "Object not found")
    props = copy.deepcopy(found)
    props["qInfo"]["qId"] = ""
    made = library.create_master(_doc(call).app, kind, props)
    clone_id: str = made["qInfo"]["qId"]
    return clone_id


@method("Doc", "CloneDimension", p("qId", "str"), out=("qCloneId",))
def clone_dimension(call: Call, qId: str) -> str:
    return _clone(call, library.DIMENSION, qId)


@method("Doc", "CloneMeasure", p("qId", "str"), out=("qCloneId",))
def clone_measure(call: Call, qId: str) -> str:
    return _clone(call, library.MEASURE, qId)


# -- Doc: variables ---------------------------------------------------------------------


@method("Doc", "CreateVariableEx", p("qProp", "obj"), out=("qInfo", "qReturn"))
def create_variable_ex(call: Call, qProp: dict[str, Any]) -> dict[str, Any]:
    """A variable of the app (saved with it, read by every session's expressions and
    by the next reload's script)."""
    return _made(call, library.VARIABLE, library.create_variable(_doc(call), qProp))


@method("Doc", "CreateSessionVariable", p("qProp", "obj"), out=("qReturn",))
def create_session_variable(call: Call, qProp: dict[str, Any]) -> dict[str, Any]:
    """A variable of this session only (never saved)."""
    made = library.create_variable(_doc(call), qProp, session=True)
    return _made(call, library.VARIABLE, made)["qReturn"]


@method("Doc", "CreateVariable", p("qName", "str"), out=("qReturn",))
def create_variable(call: Call, qName: str) -> bool:
    """The legacy call: an app variable of that name with an empty definition."""
    library.create_variable(_doc(call), {"qName": qName})
    return True


def _variable(call: Call, item_id: str | None) -> dict[str, Any]:
    found = None if item_id is None else library.find_variable(_doc(call), item_id)
    return dict(NOT_FOUND) if found is None else _interface(call, library.VARIABLE, found[1])


@method("Doc", "GetVariableById", p("qId", "str"), out=("qReturn",))
def get_variable_by_id(call: Call, qId: str) -> dict[str, Any]:
    return _variable(call, qId)


@method("Doc", "GetVariableByName", p("qName", "str"), out=("qReturn",))
def get_variable_by_name(call: Call, qName: str) -> dict[str, Any]:
    return _variable(call, library.variable_id_by_name(_doc(call), qName))


@method("Doc", "GetVariable", p("qName", "str"), out=("qReturn",))
def get_variable(call: Call, qName: str) -> dict[str, Any]:
    return _variable(call, library.variable_id_by_name(_doc(call), qName))


def _destroy(call: Call, item_id: str | None, session: bool) -> bool:
    return item_id is not None and library.destroy_variable(_doc(call), item_id, session)


@method("Doc", "DestroyVariableById", p("qId", "str"), out=("qSuccess",))
def destroy_variable_by_id(call: Call, qId: str) -> bool:
    return _destroy(call, qId, False)


@method("Doc", "DestroyVariableByName", p("qName", "str"), out=("qSuccess",))
def destroy_variable_by_name(call: Call, qName: str) -> bool:
    return _destroy(call, _app_variable_id(call, qName), False)


@method("Doc", "RemoveVariable", p("qName", "str"), out=("qReturn",))
def remove_variable(call: Call, qName: str) -> bool:
    return _destroy(call, _app_variable_id(call, qName), False)


def _app_variable_id(call: Call, name: str) -> str | None:
    """The id of the app's (not the session's) variable of that name."""
    doc = _doc(call)
    found = doc.app.library.variable_named(name)
    if found is not None:
        return str(found["qInfo"]["qId"])
    return library.script_variable_id(doc.app.id, name) if name in doc.app.variables else None


@method("Doc", "DestroySessionVariable", p("qId", "str"), out=("qSuccess",))
def destroy_session_variable(call: Call, qId: str) -> bool:
    return _destroy(call, qId, True)


@method("Doc", "DestroySessionVariableById", p("qId", "str"), out=("qSuccess",))
def destroy_session_variable_by_id(call: Call, qId: str) -> bool:
    return _destroy(call, qId, True)


@method("Doc", "DestroySessionVariableByName", p("qName", "str"), out=("qSuccess",))
def destroy_session_variable_by_name(call: Call, qName: str) -> bool:
    doc = _doc(call)
    ids = [i for i, props in doc.session_variables.items() if props["qName"] == qName]
    return _destroy(call, ids[0] if ids else None, True)


@method("Doc", "GetVariables", p("qListDef", "obj"), out=("qList",))
def get_variables(call: Call, qListDef: dict[str, Any]) -> list[dict[str, Any]]:
    """The items a ``qVariableListDef`` of these members lists (``app/lists.py``)."""
    items: list[dict[str, Any]] = lists.variable_list(_doc(call), "", "", qListDef)["qItems"]
    return items


# -- GenericDimension and GenericMeasure ------------------------------------------------


def _master_methods(cls: str, kind: str, getter: str, member: str) -> None:
    """Register the methods GenericDimension and GenericMeasure share."""

    @method(cls, "GetLayout", out=("qLayout",))
    def get_layout(call: Call) -> dict[str, Any]:
        ref = _ref(call)
        return library.master_layout(ref.doc, kind, ref.master())

    @method(cls, "GetProperties", out=("qProp",))
    def get_properties(call: Call) -> dict[str, Any]:
        return copy.deepcopy(_ref(call).master())

    @method(cls, "GetInfo", out=("qInfo",))
    def get_info(call: Call) -> dict[str, Any]:
        return object_info(_ref(call).master())

    @method(cls, getter, out=(member,))
    def get_definition(call: Call) -> dict[str, Any]:
        found: dict[str, Any] = copy.deepcopy(_ref(call).master().get(member, {}))
        return found

    @method(cls, "SetProperties", p("qProp", "obj"))
    def set_properties(call: Call, qProp: dict[str, Any]) -> None:
        ref = _ref(call)
        ref.master()
        library.set_master(ref.doc.app, kind, ref.item_id, qProp)

    @method(cls, "ApplyPatches", p("qPatches", "list"))
    def apply_patches(call: Call, qPatches: list[Any]) -> None:
        """JSON patches on the properties, all or none."""
        ref = _ref(call)
        library.set_master(ref.doc.app, kind, ref.item_id, _patched(ref.master(), qPatches))

    @method(cls, "GetLinkedObjects", out=("qItems",))
    def get_linked_objects(call: Call) -> list[dict[str, Any]]:
        ref = _ref(call)
        ref.master()
        return library.linked_objects(ref.doc.app, ref.item_id)

    for name, key, value in (("Publish", "published", True), ("UnPublish", "published", False),
                             ("Approve", "approved", True), ("UnApprove", "approved", False)):
        _status_method(cls, name, key, value)


def _status_method(cls: str, name: str, key: str, value: bool) -> None:
    @method(cls, name)
    def set_status(call: Call) -> None:
        """Publish/UnPublish/Approve/UnApprove: plain metadata in the layout's qMeta."""
        ref = _ref(call)
        ref.properties()
        library.set_status(ref.doc.app, ref.item_id, key, value)


def _patched(props: dict[str, Any], patches: list[Any]) -> dict[str, Any]:
    out = copy.deepcopy(props)
    for patch in patches:
        if not isinstance(patch, dict):
            raise InvalidParameters("qPatches", "a patch must be an object")
        apply_patch(out, patch)
    return out


_master_methods("GenericDimension", library.DIMENSION, "GetDimension", "qDim")
_master_methods("GenericMeasure", library.MEASURE, "GetMeasure", "qMeasure")


# -- GenericVariable --------------------------------------------------------------------


@method("GenericVariable", "GetLayout", out=("qLayout",))
def variable_layout(call: Call) -> dict[str, Any]:
    ref = _ref(call)
    where, props = ref.variable()
    return library.variable_layout(ref.doc, where, props)


@method("GenericVariable", "GetProperties", out=("qProp",))
def variable_properties(call: Call) -> dict[str, Any]:
    return copy.deepcopy(_ref(call).variable()[1])


@method("GenericVariable", "GetInfo", out=("qInfo",))
def variable_info(call: Call) -> dict[str, Any]:
    return object_info(_ref(call).variable()[1])


@method("GenericVariable", "SetProperties", p("qProp", "obj"))
def set_variable_properties(call: Call, qProp: dict[str, Any]) -> None:
    ref = _ref(call)
    ref.variable()
    library.set_variable(ref.doc, ref.item_id, qProp)


@method("GenericVariable", "ApplyPatches", p("qPatches", "list"))
def apply_variable_patches(call: Call, qPatches: list[Any]) -> None:
    ref = _ref(call)
    library.set_variable(ref.doc, ref.item_id, _patched(ref.variable()[1], qPatches))


@method("GenericVariable", "SetStringValue", p("qVal", "str"))
def set_string_value(call: Call, qVal: str) -> None:
    """The definition becomes the text."""
    ref = _ref(call)
    ref.variable()
    library.set_value(ref.doc, ref.item_id, qVal)


@method("GenericVariable", "SetNumValue", p("qVal", "num"))
def set_num_value(call: Call, qVal: float) -> None:
    """The definition becomes the number's text (an integer without decimals)."""
    ref = _ref(call)
    ref.variable()
    number = float(qVal)
    text = str(int(number)) if number.is_integer() else repr(number)
    library.set_value(ref.doc, ref.item_id, text)


@method("GenericVariable", "SetDualValue", p("qText", "str"), p("qNum", "num"))
def set_dual_value(call: Call, qText: str, qNum: float) -> None:
    """The definition becomes the text; the layout's qNum is the number."""
    ref = _ref(call)
    ref.variable()
    library.set_value(ref.doc, ref.item_id, qText, float(qNum))


@method("GenericVariable", "GetRawContent", out=("qReturn",))
def get_raw_content(call: Call) -> str:
    """The definition as written."""
    value: str = _ref(call).variable()[1].get("qDefinition", "")
    return value
