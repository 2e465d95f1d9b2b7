"""Doc and GenericObject methods over the app's objects beyond children: listing
(GetObjects), getting or creating (GetOrCreateObject), cloning (CloneObject), copying
(CopyFrom), publishing (Publish, UnPublish, Approve, UnApprove).

Evidence (Qlik's Engine API reference, the OpenRPC text in qlik-oss/enigma-go
``schema/engine-rpc.json``; help.qlik.com "Doc class" and "GenericObject class",
https://help.qlik.com/en-US/sense-developer/May2026/Subsystems/EngineJSONAPI/Content/service-doc.htm):

* GetObjects "returns all objects compatible with options" (``NxGetObjectOptions``:
  ``qTypes``, ``qIncludeSessionObjects`` "set to true to include session objects",
  ``qData``) as ``NxContainerEntry`` items ``{qInfo, qMeta, qData}``. Clients list a
  sheet's charts with it (``qTypes: ['table', 'chart', …]``), so children are listed,
  not only app-level objects; they read ``qMeta.title`` and ``qMeta.published``. No or
  an empty ``qTypes`` lists every type; app objects come in creation order, then
  session objects.
* GetOrCreateObject: "If the object does not exist with that Id, it is created …; if the
  object already exists, it is not changed … The call will fail if the Id is already
  used for another purpose, such as for an object of a different Type" (error 3 here).
* CloneObject: "When you clone an object that contains children, the children are
  cloned as well"; it "works for both app objects and child objects" (a child's clone is
  a new child of the same parent); "it is not possible to clone a session object"; "the
  identifier is set by the engine". The clone is not published.
* CopyFrom "copies the properties of a generic object and its children … The identifier
  of the destination object is the same as before the copy" (its type stays too, as
  SetFullPropertyTree keeps it).
* Publish, UnPublish, Approve, UnApprove have no parameters; associa has no streams, so
  they are the flags clients read in ``qMeta``: ``published`` and ``publishTime``
  (Qlik's NxAppLayout lists "published, publishTime" among the persisted meta
  properties), ``approved``. They are kept in the object's ``qMetaDef`` (which its
  layout's ``qMeta`` copies), so they are saved with the object.

Cloned and copied children get new ids (an id belongs to one object); a string anywhere
in the copied properties that equals a copied child's old id is replaced by its new id,
so a sheet's ``cells[].name`` keep naming its own charts.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from associa.app.app import now_iso
from associa.app.children import subtree_entry
from associa.app.doc import DocState
from associa.app.lists import entry as list_entry
from associa.app.properties import (
    STATUS_METHODS,
    extends_chain,
    public_properties,
    with_status,
)
from associa.errors import AlreadyExists, InvalidParameters, NotFound
from associa.qix.api.interfaces import object_interface
from associa.qix.api.refs import ObjectRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call

PUBLISH_FLAGS = ("published", "publishTime", "approved")


def _doc(call: Call) -> DocState:
    return call.target


def _handle(call: Call, doc: DocState, obj_id: str, qtype: str) -> dict[str, Any]:
    entry = call.session.handles.acquire("GenericObject", ("obj", obj_id), ObjectRef(doc, obj_id))
    return object_interface(entry, qtype, obj_id)


def check_extends(doc: DocState, obj_id: str | None, props: Any) -> None:
    """Refuse properties whose ``qExtendsId`` names no object, a session object, or
    (through the chain) the object itself: error 8000 (``extends_chain``)."""
    if not isinstance(props, dict) or not props.get("qExtendsId"):
        return
    if obj_id is None:
        info = props.get("qInfo")
        obj_id = info.get("qId") if isinstance(info, dict) else None
    extends_chain(obj_id if isinstance(obj_id, str) else "", props,
                  lambda oid: doc.properties(oid, soft=False))


# -- listing ---------------------------------------------------------------------------


@method("Doc", "GetObjects", p("qOptions", "obj", {}), out=("qList",))
def get_objects(call: Call, qOptions: dict[str, Any]) -> list[dict[str, Any]]:
    doc = _doc(call)
    types = qOptions.get("qTypes")
    if types is not None and not (isinstance(types, list)
                                  and all(isinstance(t, str) for t in types)):
        raise InvalidParameters("qTypes", "qTypes must be a list of object types")
    data = qOptions.get("qData")
    if data is not None and not isinstance(data, dict):
        raise InvalidParameters("qData", "qData must be an object")
    with doc.app.lock:
        ids = list(doc.app.objects)
    if qOptions.get("qIncludeSessionObjects") is True:
        with doc.lock:
            ids += list(doc.session_objects)
    out = []
    for obj_id in ids:
        found = doc.properties(obj_id)
        if found is None:
            continue
        qtype = found[0].get("qInfo", {}).get("qType", "")
        if types and qtype not in types:
            continue
        out.append(list_entry(doc, obj_id, found[0], data))
    return out


# -- get or create, clone, copy ----------------------------------------------------------


@method("Doc", "GetOrCreateObject", p("qProp", "obj"), out=("qNewObject", "qReturn"))
def get_or_create_object(call: Call, qProp: dict[str, Any]) -> dict[str, Any]:
    doc = _doc(call)
    info = qProp.get("qInfo")
    obj_id = info.get("qId") if isinstance(info, dict) else None
    qtype = info.get("qType") if isinstance(info, dict) else None
    if not isinstance(obj_id, str) or not obj_id or not isinstance(qtype, str) or not qtype:
        raise InvalidParameters("qInfo", "qInfo must give the object's qId and qType")
    found = doc.properties(obj_id)
    if found is not None:
        if found[1] or found[0].get("qInfo", {}).get("qType") != qtype:
            raise AlreadyExists(obj_id, "The id is used by another object")
        return {"qNewObject": False, "qReturn": _handle(call, doc, obj_id, qtype)}
    if obj_id in doc.app.bookmarks:
        raise AlreadyExists(obj_id, "The id is used by another object")
    check_extends(doc, obj_id, qProp)
    doc.app.create_object(qProp)
    reply = _handle(call, doc, obj_id, qtype)
    call.session.mark_changed([reply["qHandle"]])
    return {"qNewObject": True, "qReturn": reply}


def _tree_with_new_ids(doc: DocState, obj_id: str, root_id: str | None) -> dict[str, Any]:
    """The GenericObjectEntry of ``obj_id``'s subtree (properties as stored) with a new
    id for every child and ``root_id`` for the root (kept when None); references to the
    children's old ids are renamed with them; publishing flags are left out."""

    def props_of(oid: str) -> dict[str, Any]:
        found = doc.properties(oid, soft=False)
        if found is None:
            raise NotFound(oid, "Object not found")
        return found[0]

    tree = subtree_entry(obj_id, props_of, doc.children_of, public_properties)
    renamed: dict[str, str] = {}

    def collect(node: dict[str, Any], root: bool) -> None:
        old = node["qProperty"]["qInfo"]["qId"]
        renamed[old] = (root_id or old) if root else str(uuid.uuid4())
        for kid in node["qChildren"]:
            collect(kid, False)

    collect(tree, True)
    return _renamed(tree, renamed, {old: new for old, new in renamed.items() if old != new})


def _renamed(node: Any, ids: dict[str, str], refs: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _renamed(v, ids, refs) for k, v in node.items()}
        info = out.get("qProperty", {}).get("qInfo") if "qProperty" in out else None
        if isinstance(info, dict):
            info["qId"] = ids[node["qProperty"]["qInfo"]["qId"]]
            meta = out["qProperty"].get("qMetaDef")
            if isinstance(meta, dict):
                for flag in PUBLISH_FLAGS:
                    meta.pop(flag, None)
        return out
    if isinstance(node, list):
        return [_renamed(v, ids, refs) for v in node]
    if isinstance(node, str):
        return refs.get(node, node)
    return node


@method("Doc", "CloneObject", p("qId", "str"), out=("qCloneId",))
def clone_object(call: Call, qId: str) -> str:
    doc = _doc(call)
    app = doc.app
    if qId in doc.session_objects:
        raise InvalidParameters(qId, "A session object cannot be cloned")
    if app.get_object(qId) is None:
        raise NotFound(qId, "Object not found")
    new_id = str(uuid.uuid4())
    tree = _tree_with_new_ids(doc, qId, new_id)
    root = copy.deepcopy(tree["qProperty"])
    app.create_object(root, parent=app.parent_of(qId))
    if tree["qChildren"]:
        app.set_tree(new_id, tree)
    parent = app.parent_of(new_id)
    if parent is not None:
        app.notify("children", parent)
    return new_id


@method("GenericObject", "CopyFrom", p("qFromId", "str"))
def copy_from(call: Call, qFromId: str) -> None:
    ref: ObjectRef = call.target
    ref.properties()  # a destroyed object: the handle is invalid
    if ref.doc.properties(qFromId) is None:
        raise NotFound(qFromId, "Object not found")
    tree = _tree_with_new_ids(ref.doc, qFromId, ref.obj_id)
    ref.doc.set_tree(ref.obj_id, tree)


# -- publishing -------------------------------------------------------------------------


def _status_method(name: str) -> None:
    @method("GenericObject", name)
    def set_status(call: Call) -> None:
        """Plain metadata in the object's qMetaDef (``properties.with_status``)."""
        ref: ObjectRef = call.target
        ref.doc.set_object(ref.obj_id, with_status(ref.properties(soft=False)[0], name,
                                                   now_iso()))


for _name in STATUS_METHODS:
    _status_method(_name)
