"""GenericObject children: CreateChild, DestroyChild, DestroyAllChildren, GetChild,
GetChildInfos, GetParent, SetChildArrayOrder and the full property tree
(Get/SetFullPropertyTree).

A child lives where its parent lives (persisted with a persisted parent, in the session
with a session object); see ``associa.app.children``. Creating or destroying a child
changes its parent (its ``GetChildInfos`` and ``qChildList``), so the parent's handle is
in the ``change`` list. ``qPropForThis``, when given, becomes the parent's properties in
the same call.
"""

from __future__ import annotations

from typing import Any

from associa.app.children import subtree_entry
from associa.app.properties import public_properties
from associa.errors import InvalidParameters
from associa.qix.api.interfaces import NOT_FOUND, object_interface
from associa.qix.api.objects import check_extends
from associa.qix.api.refs import ObjectRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call


def _ref(call: Call) -> ObjectRef:
    ref = call.target
    ref.properties()  # a destroyed object: the handle is invalid
    return ref


def _prop_for_this(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidParameters("qPropForThis", "qPropForThis must be an object")
    return value


def _interface(call: Call, obj_id: str) -> dict[str, Any]:
    ref = _ref(call)
    found = ref.doc.properties(obj_id)
    if found is None:
        return dict(NOT_FOUND)
    entry = call.session.handles.acquire("GenericObject", ("obj", obj_id),
                                         ObjectRef(ref.doc, obj_id))
    return object_interface(entry, found[0].get("qInfo", {}).get("qType", ""), obj_id)


@method("GenericObject", "CreateChild", p("qProp", "obj"), p("qPropForThis", "any", None),
        out=("qInfo", "qReturn"))
def create_child(call: Call, qProp: dict[str, Any], qPropForThis: Any) -> dict[str, Any]:
    ref = _ref(call)
    for_this = _prop_for_this(qPropForThis)
    check_extends(ref.doc, None, qProp)
    props = ref.doc.create_child(ref.obj_id, qProp)
    info = props["qInfo"]
    if for_this is not None:
        ref.doc.set_object(ref.obj_id, for_this)
    reply = _interface(call, info["qId"])
    call.session.mark_changed([reply["qHandle"]])
    return {"qInfo": dict(info), "qReturn": reply}


@method("GenericObject", "DestroyChild", p("qId", "str"), p("qPropForThis", "any", None),
        out=("qSuccess",))
def destroy_child(call: Call, qId: str, qPropForThis: Any) -> bool:
    ref = _ref(call)
    for_this = _prop_for_this(qPropForThis)
    ok = ref.doc.destroy_child(ref.obj_id, qId)
    if ok and for_this is not None:
        ref.doc.set_object(ref.obj_id, for_this)
    return ok


@method("GenericObject", "DestroyAllChildren", p("qPropForThis", "any", None))
def destroy_all_children(call: Call, qPropForThis: Any) -> None:
    ref = _ref(call)
    for_this = _prop_for_this(qPropForThis)
    for child in ref.doc.children_of(ref.obj_id):
        ref.doc.destroy_child(ref.obj_id, child)
    if for_this is not None:
        ref.doc.set_object(ref.obj_id, for_this)


@method("GenericObject", "GetChild", p("qId", "str"), out=("qReturn",))
def get_child(call: Call, qId: str) -> dict[str, Any]:
    ref = _ref(call)
    if qId not in ref.doc.children_of(ref.obj_id):
        return dict(NOT_FOUND)
    return _interface(call, qId)


@method("GenericObject", "GetParent", out=("qReturn",))
def get_parent(call: Call) -> dict[str, Any]:
    ref = _ref(call)
    parent = ref.doc.parent_of(ref.obj_id)
    return dict(NOT_FOUND) if parent is None else _interface(call, parent)


@method("GenericObject", "GetChildInfos", out=("qInfos",))
def get_child_infos(call: Call) -> list[dict[str, Any]]:
    ref = _ref(call)
    infos = []
    for child in ref.doc.children_of(ref.obj_id):
        found = ref.doc.properties(child)
        if found is not None:
            infos.append(dict(found[0].get("qInfo", {})))
    return infos


@method("GenericObject", "SetChildArrayOrder", p("qIds", "list"))
def set_child_array_order(call: Call, qIds: list[Any]) -> None:
    ref = _ref(call)
    if not all(isinstance(i, str) for i in qIds):
        raise InvalidParameters("qIds", "qIds must be a list of object ids")
    ref.doc.reorder_children(ref.obj_id, qIds)


@method("GenericObject", "GetFullPropertyTree", out=("qPropEntry",))
def get_full_property_tree(call: Call) -> dict[str, Any]:
    ref = _ref(call)
    doc = ref.doc

    def props_of(obj_id: str) -> dict[str, Any]:
        found = doc.properties(obj_id, soft=False)
        return found[0] if found is not None else {"qInfo": {"qId": obj_id, "qType": ""}}

    return subtree_entry(ref.obj_id, props_of, doc.children_of, public_properties)


@method("GenericObject", "SetFullPropertyTree", p("qPropEntry", "obj"))
def set_full_property_tree(call: Call, qPropEntry: dict[str, Any]) -> None:
    ref = _ref(call)
    ref.doc.set_tree(ref.obj_id, qPropEntry)
