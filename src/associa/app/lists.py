"""List definitions in object properties, computed for layouts.

``qFieldListDef`` → ``qFieldList``: the data model's fields (names, cardinals, tags,
source tables), with the system fields and hidden fields when asked for.
``qAppObjectListDef`` → ``qAppObjectList`` and ``qChildListDef`` → ``qChildList``: one
``{qInfo, qMeta, qData}`` entry per listed object, where ``qData`` maps each key to a
JSON pointer into that object's properties. ``qDimensionListDef``/``qMeasureListDef`` →
``qDimensionList``/``qMeasureList``: the master items (``app/library.py``), entries of
the same shape. ``qVariableListDef`` → ``qVariableList``: the app's variables (the load
script's and the API's) and, asked for, the session's. The lists of things associa
does not have yet (media, undo steps, extensions) answer empty lists of the engine's
shape.

Evidence for the choices made here (the reference notes are not shipped with associa):

* Field-list items carry only true flags, flags first, and system fields come first:
  ``{"qIsHidden":true,"qIsSystem":true,"qName":"$Field","qCardinal":30,"qTags":["$key",
  "$hidden","$system","$ascii","$text"],"qSrcTables":[]}`` (Qlik's "List the fields in an
  app" example); a data field is just ``{qName, qCardinal, qTags, qSrcTables?}``.
  enigma.js's integration test counts the user fields of a field list with
  ``qShowSystem`` and ``qShowHidden`` as the items without ``qIsHidden``.
* ``qData`` pointers: Qlik's ChildList example shows a pointer to a member the object
  lacks (``"hc": "/qHyperCubeDef"`` on a list box) answered as ``""``, which the engine's
  default output (false and empty members omitted) leaves out, so a missing pointer's key
  is absent here. A pointer resolves against the properties; one whose first member is
  not in the properties but in the layout (``/qMeta/…``, ``/qHyperCube/…``) resolves
  against the layout. A value holding ``qStringExpression``/``qValueExpression`` is
  evaluated, as in a layout.
* App-object lists hold app-level objects ("an app object is a generic object created at
  app level", AppObjectListDef docs): persisted objects that are nobody's child, in
  creation order, whose ``qInfo.qType`` equals the list's ``qType`` exactly (no evidence
  was found that an empty ``qType`` lists every type; it lists objects of type "").
* Variable lists: ``NxVariableListItem.qIsScriptCreated`` ("the variable was defined via
  script") and ``qIsReserved`` ("DayNames is a reserved variable, set by the user") say
  script variables are listed, the reserved ones only with ``qShowReserved``.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Callable
from functools import partial
from typing import Any

from associa.app import library
from associa.app.doc import DocState
from associa.app.library import script_variable_id as script_variable_id
from associa.model import DataModel
from associa.model.system import SYSTEM_FIELDS, system_tags, system_values
from associa.store.media import MediaStore
from associa.values import LOCALE_VARIABLES

# variables with a meaning to the script or the engine (Qlik's "Reserved variables")
RESERVED_VARIABLES = frozenset(LOCALE_VARIABLES) | {
    "CreateSearchIndexOnReload", "HidePrefix", "HideSuffix", "Include", "OpenUrlTimeout",
    "StripComments", "Verbatim", "CD", "Floppy", "QvPath", "QvRoot", "QvWorkPath",
    "QvWorkRoot", "WinPath", "WinRoot", "ErrorMode", "ScriptError", "ScriptErrorCount",
    "ScriptErrorList", "NullDisplay", "NullInterpret", "NullValue", "OtherSymbol",
    "DirectCacheSeconds", "DirectConnectionMax", "DirectUnicodeStrings", "DirectDistinctSupport",
}  # fmt: skip

# ids whose layout is being built for a qData pointer (a list must not list itself forever)
_laying_out: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "associa_lists_laying_out", default=frozenset()
)


# -- fields ---------------------------------------------------------------------------


def field_list(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qFieldListDef → qFieldList. ``qShowSemantic``, ``qShowDerivedFields``,
    ``qShowDefinitionOnly`` and ``qShowImplicit`` are accepted; associa has no semantic,
    derived, on-the-fly or implicit fields, so they add nothing."""
    model = doc.snapshot()[0]
    src = definition.get("qShowSrcTables") is True
    items: list[dict[str, Any]] = []
    if definition.get("qShowSystem") is True:
        items.extend(_system_fields(model, src))
    show_hidden = definition.get("qShowHidden") is True
    for name, fld in model.fields.items():
        if fld.system or (fld.hidden and not show_hidden):
            continue
        item: dict[str, Any] = {"qIsHidden": True} if fld.hidden else {}
        item.update({"qName": name, "qCardinal": fld.cardinal, "qTags": fld.tags()})
        if src:
            item["qSrcTables"] = list(fld.tables)
        items.append(item)
    return {"qItems": items}


def _system_fields(model: DataModel, src: bool) -> list[dict[str, Any]]:
    """$Field … $Info: the values of Qlik's system tables over this data model."""
    values = system_values(model)
    out = []
    for name in SYSTEM_FIELDS:
        item: dict[str, Any] = {
            "qIsHidden": True,
            "qIsSystem": True,
            "qName": name,
            "qCardinal": len(values[name]),
            "qTags": system_tags(name, values[name]),
        }
        if src:
            item["qSrcTables"] = []
        out.append(item)
    return out


# -- app objects and children ---------------------------------------------------------


def app_object_list(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qAppObjectListDef → qAppObjectList: app-level persisted objects of ``qType``."""
    qtype = definition.get("qType")
    qtype = qtype if isinstance(qtype, str) else ""
    app = doc.app
    with app.lock:
        listed = [
            (oid, props)
            for oid, props in app.objects.items()
            if app.tree.parent(oid) is None and _qtype(props) == qtype
        ]
    return {"qItems": [entry(doc, oid, props, definition.get("qData")) for oid, props in listed]}


def child_list(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qChildListDef → qChildList: this object's children, in order."""
    items = []
    for child in doc.children_of(obj_id):
        found = doc.properties(child)
        if found is not None:
            items.append(entry(doc, child, found[0], definition.get("qData")))
    return {"qItems": items}


def entry(doc: DocState, obj_id: str, props: dict[str, Any], data: Any) -> dict[str, Any]:
    """An NxContainerEntry: ``{qInfo, qMeta, qData}`` for one listed object."""
    info = props.get("qInfo")
    meta_def = props.get("qMetaDef")
    return {
        "qInfo": copy.deepcopy(info) if isinstance(info, dict) else {"qId": obj_id, "qType": ""},
        "qMeta": _meta(doc, obj_id, meta_def if isinstance(meta_def, dict) else {}),
        "qData": resolve_data(doc, obj_id, props, data),
    }


def _qtype(props: dict[str, Any]) -> Any:
    info = props.get("qInfo")
    return info.get("qType", "") if isinstance(info, dict) else ""


def _meta(doc: DocState, obj_id: str, meta_def: dict[str, Any]) -> Any:
    """What the object's own layout has as ``qMeta`` (its qMetaDef plus privileges)."""
    from associa.app.layout import object_layout  # layout imports this module

    shell = {"qInfo": {"qId": obj_id, "qType": ""}, "qMetaDef": meta_def}
    return object_layout(doc, obj_id, shell).get("qMeta", {})


# -- qData ----------------------------------------------------------------------------


MISSING = object()


def resolve_data(doc: DocState, obj_id: str, props: dict[str, Any], data: Any) -> dict[str, Any]:
    """``qData`` with each JSON pointer replaced by what it points at (missing: left out)."""
    if not isinstance(data, dict):
        return {}
    return resolve_pointers(data, props, lambda: _layout(doc, obj_id, props),
                            lambda value: _evaluated(doc, value),
                            lambda pointer: _first_missing(props, pointer))


def resolve_pointers(spec: dict[str, Any], props: dict[str, Any],
                     layout: Callable[[], Any], finish: Callable[[Any], Any],
                     in_layout: Callable[[str], bool] = lambda pointer: True
                     ) -> dict[str, Any]:
    """A ``qData`` spec (nested objects of JSON pointers) resolved: each pointer against
    ``props``, or where it is missing there and ``in_layout(pointer)``, against
    ``layout()`` (made at most once); each value found passes through ``finish``, a
    pointer to nothing is left out."""
    made: list[Any] = []

    def the_layout() -> Any:
        if not made:
            made.append(layout())
        return made[0]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, pointer in node.items():
            if isinstance(pointer, dict):
                out[key] = resolve(pointer)
                continue
            if not isinstance(pointer, str):
                continue
            value = lookup(props, pointer)
            if value is MISSING and in_layout(pointer):
                value = lookup(the_layout(), pointer)
            if value is not MISSING:
                out[key] = finish(value)
        return out

    return resolve(spec)


def lookup(document: Any, pointer: str) -> Any:
    """RFC 6901: the value ``pointer`` designates in ``document``, or ``MISSING``."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        return MISSING
    node = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return MISSING
    return node


def _first_missing(props: dict[str, Any], pointer: str) -> bool:
    first = pointer[1:].split("/")[0].replace("~1", "/").replace("~0", "~")
    return pointer.startswith("/") and first not in props


def _layout(doc: DocState, obj_id: str, props: dict[str, Any]) -> Any:
    busy = _laying_out.get()
    if obj_id in busy:
        return {}
    from associa.app.layout import object_layout

    token = _laying_out.set(busy | {obj_id})
    try:
        return object_layout(doc, obj_id, props)
    finally:
        _laying_out.reset(token)


def _evaluated(doc: DocState, value: Any) -> Any:
    from associa.app.layout import string_expression, value_expression

    if isinstance(value, dict):
        if "qStringExpression" in value:
            return string_expression(doc, value["qStringExpression"])
        if "qValueExpression" in value:
            return value_expression(doc, value["qValueExpression"])
    return copy.deepcopy(value)


# -- master items and variables ------------------------------------------------------


def dimension_list(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qDimensionListDef → qDimensionList: the master dimensions of ``qType``."""
    return _master_list(doc, library.DIMENSION, definition)


def measure_list(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qMeasureListDef → qMeasureList: the master measures of ``qType``."""
    return _master_list(doc, library.MEASURE, definition)


def _master_list(doc: DocState, kind: str, definition: dict[str, Any]) -> Any:
    """NxContainerEntry per master item whose ``qInfo.qType`` is the list's ``qType``
    (exactly, as app-object lists), in creation order; ``qData`` pointers resolve
    against the item's properties, or its layout for what only the layout has
    (``/qDimInfos``: nebula's and corectl's dimension lists read it so)."""
    qtype = definition.get("qType")
    qtype = qtype if isinstance(qtype, str) else ""
    items = []
    for item_id, props in library.entries(doc, kind):
        if _qtype(props) != qtype:
            continue
        data = _item_data(doc, props, definition.get("qData"),
                          partial(library.master_layout, doc, kind, props))
        items.append({"qInfo": copy.deepcopy(props["qInfo"]),
                      "qMeta": library.item_meta(doc.app, item_id, props), "qData": data})
    return {"qItems": items}


def variable_list(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qVariableListDef → qVariableList: the app's variables of ``qType`` (the load
    script's, ``qIsScriptCreated``, and those made through the API), the reserved ones
    only with ``qShowReserved``, this session's own only with ``qShowSession``; a
    variable's comment is its ``qDescription``. associa has no config (system)
    variables, so ``qShowConfig`` adds nothing."""
    qtype = definition.get("qType")
    app = doc.app
    with app.lock:
        names = list(app.variables)
    listed: list[tuple[str, dict[str, Any]]] = []
    for name in names:
        found = app.library.variable_named(name)
        if found is not None:
            listed.append(("app", found))
        else:
            listed.append(("script", library.script_variable_properties(app, name)))
    if definition.get("qShowSession") is True:
        listed.extend(("session", props) for props in list(doc.session_variables.values()))
    show_reserved = definition.get("qShowReserved") is True
    items = []
    for where, props in listed:
        name = props["qName"]
        reserved = name in RESERVED_VARIABLES
        if (reserved and not show_reserved) or _qtype(props) != qtype:
            continue
        item: dict[str, Any] = {"qName": name, "qDefinition": props.get("qDefinition", "")}
        if props.get("qComment"):
            item["qDescription"] = props["qComment"]
        if reserved:
            item["qIsReserved"] = True
        if where == "script":
            item["qIsScriptCreated"] = True
        info = props["qInfo"]
        item["qInfo"] = {"qId": info["qId"], "qType": info["qType"]}
        item["qMeta"] = library.item_meta(app, info["qId"], props)
        item["qData"] = _item_data(doc, props, definition.get("qData"),
                                   partial(library.variable_layout, doc, where, props))
        items.append(item)
    return {"qItems": items}


def _item_data(doc: DocState, props: dict[str, Any], spec: Any,
               layout: Callable[[], Any]) -> dict[str, Any]:
    """A library item's ``qData``: pointers into its properties, else its layout."""
    if not isinstance(spec, dict):
        return {}
    return resolve_pointers(spec, props, layout, lambda value: _evaluated(doc, value),
                            lambda pointer: _first_missing(props, pointer))


# -- lists of things that don't exist yet ---------------------------------------------


def empty_items(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qExtensionListDef: ``{qItems: []}`` (associa serves no extensions; bookmark
    lists are ``app/bookmarks.py``'s, master items' ``dimension_list``/``measure_list``)."""
    return {"qItems": []}


def media_list(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qMediaListDef → qMediaList: the app's media images (``store/media.py``, uploaded
    through REST), each as the URL the REST API serves it at."""
    app = doc.app
    if app.base_dir is None or app.session_app:
        return {"qItems": []}
    entries = MediaStore(app.base_dir).list(app.id, recursive=True) or []
    urls = [f"/api/v1/apps/{app.id}/media/files/{e.path}" for e in entries if not e.folder]
    return {"qItems": [{"qUrlDef": url, "qUrl": url} for url in urls]}


def undo_info(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qUndoInfoDef → qUndoInfo: associa keeps no undo steps."""
    return {"qUndoCount": 0, "qRedoCount": 0}
