"""References to master items in definitions: ``qLibraryId``.

``qLibraryId`` in a hypercube's dimension or measure, a list object, a list
expression or an attribute expression or dimension names a master item whose
definition is used in place of the inline one (``resolve_cube``/``resolve_list``:
``NxLibraryDimensionDef``/``NxLibraryMeasureDef`` copied into the inline definition,
https://help.qlik.com/en-US/sense-developer/May2026/Subsystems/EngineJSONAPI/Content/generic-object-property-NxLibraryDimensionDef.htm).
A resolved column loses its ``qLibraryId``; one whose id names no master item keeps
it with an empty definition, which the computation reports as the engine's error 7001
CALC_NOT_IN_LIB ("Dimension or measure not in library", qix-api.md §6.2) in the
column's info (``calc/cube.py``, ``calc/listobject.py``), not as a failed call.
"""

from __future__ import annotations

import copy
import threading
import weakref
from typing import TYPE_CHECKING, Any

from associa.app.library import DIMENSION, DIMENSION_MEMBERS, MEASURE, MEASURE_MEMBERS, Library

if TYPE_CHECKING:
    from associa.app.doc import DocState


# per session: id(definition) -> (definition, library version, resolved)
_resolved: weakref.WeakKeyDictionary[Any, dict[int, tuple[Any, int, dict[str, Any]]]] = (
    weakref.WeakKeyDictionary())
_resolved_lock = threading.Lock()
MAX_RESOLVED = 256


def _cached(doc: DocState, definition: dict[str, Any], make: Any) -> dict[str, Any]:
    """The definition with its library references resolved: the same object when it
    has none, else a copy; either told once per definition and library version (a
    definition is never changed in place: a new one replaces it)."""
    version = doc.app.library.version
    with _resolved_lock:
        cache = _resolved.setdefault(doc, {})
        hit = cache.get(id(definition))
    if hit is not None and hit[0] is definition and hit[1] == version:
        return hit[2]
    if not _refers_any(definition):
        out = definition
    else:
        with doc.app.lock:
            out = make(doc.app.library, copy.deepcopy(definition))
    with _resolved_lock:
        if len(cache) >= MAX_RESOLVED:
            cache.clear()
        cache[id(definition)] = (definition, version, out)
    return out


def _refers_any(node: Any) -> bool:
    if isinstance(node, dict):
        return bool(node.get("qLibraryId")) or any(_refers_any(v) for v in node.values())
    if isinstance(node, list):
        return any(_refers_any(v) for v in node)
    return False


def resolve_cube(doc: DocState, definition: dict[str, Any]) -> dict[str, Any]:
    """A hypercube definition with every ``qLibraryId`` (dimensions, measures, their
    attribute expressions and dimensions) replaced by the master item's definition."""
    return _cached(doc, definition, _resolve_cube)


def resolve_list(doc: DocState, definition: dict[str, Any]) -> dict[str, Any]:
    """A list object's definition with its ``qLibraryId`` (a master dimension) and its
    expressions' (master measures) resolved."""
    return _cached(doc, definition, _resolve_list)


def _id(node: dict[str, Any]) -> str:
    found = node.get("qLibraryId")
    return found if isinstance(found, str) else ""


def _dimension_def(lib: Library, node: dict[str, Any]) -> None:
    """An NxDimension (or ListObjectDef) whose qLibraryId names a master dimension:
    its qDef takes the master's field definitions and labels."""
    item_id = _id(node)
    if not item_id:
        return
    master = lib.table(DIMENSION).get(item_id)
    found = node.get("qDef")
    qdef: dict[str, Any] = found if isinstance(found, dict) else {}
    qdef = {k: v for k, v in qdef.items() if k not in DIMENSION_MEMBERS}
    if master is None:
        node["qDef"] = {**qdef, "qFieldDefs": []}
        return
    del node["qLibraryId"]
    dim = master.get("qDim") or {}
    node["qDef"] = {**{k: copy.deepcopy(dim[k]) for k in DIMENSION_MEMBERS if k in dim}, **qdef}


def _measure_def(lib: Library, node: dict[str, Any]) -> None:
    """An NxMeasure whose qLibraryId names a master measure: its qDef takes the
    master's expression, label and format (the inline format when the master's is
    automatic)."""
    item_id = _id(node)
    if not item_id:
        return
    master = lib.table(MEASURE).get(item_id)
    found = node.get("qDef")
    qdef: dict[str, Any] = found if isinstance(found, dict) else {}
    if master is None:
        node["qDef"] = {k: v for k, v in qdef.items() if k not in MEASURE_MEMBERS}
        return
    del node["qLibraryId"]
    meas = master.get("qMeasure") or {}
    taken = {k: copy.deepcopy(meas[k]) for k in MEASURE_MEMBERS if k in meas}
    fmt = taken.get("qNumFormat")
    if isinstance(fmt, dict) and fmt.get("qType", "U") == "U" and "qNumFormat" in qdef:
        taken.pop("qNumFormat")
    node["qDef"] = {**{k: v for k, v in qdef.items() if k not in taken}, **taken}


def _attributes(lib: Library, column: dict[str, Any]) -> None:
    for attr in column.get("qAttributeExpressions") or []:
        if isinstance(attr, dict) and _id(attr):
            master = lib.table(MEASURE).get(_id(attr))
            if master is None:
                attr["qExpression"] = ""
            else:
                del attr["qLibraryId"]
                meas = master.get("qMeasure") or {}
                attr["qExpression"] = meas.get("qDef", "")
                if not attr.get("qLabel") and meas.get("qLabel"):
                    attr["qLabel"] = meas["qLabel"]
    for attr in column.get("qAttributeDimensions") or []:
        if isinstance(attr, dict) and _id(attr):
            master = lib.table(DIMENSION).get(_id(attr))
            defs = (master.get("qDim") or {}).get("qFieldDefs") if master else None
            if not defs:
                attr["qDef"] = ""
            else:
                del attr["qLibraryId"]
                attr["qDef"] = defs[0]


def _resolve_cube(lib: Library, definition: dict[str, Any]) -> dict[str, Any]:
    for dim in definition.get("qDimensions") or []:
        if isinstance(dim, dict):
            _dimension_def(lib, dim)
            _attributes(lib, dim)
    for meas in definition.get("qMeasures") or []:
        if isinstance(meas, dict):
            _measure_def(lib, meas)
            _attributes(lib, meas)
    return definition


def _resolve_list(lib: Library, definition: dict[str, Any]) -> dict[str, Any]:
    _dimension_def(lib, definition)
    for item in definition.get("qExpressions") or []:
        if isinstance(item, dict) and _id(item):
            master = lib.table(MEASURE).get(_id(item))
            if master is None:
                item["qExpr"] = ""
            else:
                del item["qLibraryId"]
                item["qExpr"] = (master.get("qMeasure") or {}).get("qDef", "")
    return definition

