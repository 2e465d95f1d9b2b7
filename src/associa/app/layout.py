"""Layouts: an object's properties with every definition replaced by its result.

Wherever it sits in the tree, ``qHyperCubeDef`` becomes ``qHyperCube``,
``qListObjectDef`` becomes ``qListObject``, ``qSelectionObjectDef`` becomes
``qSelectionObject`` and ``qMetaDef`` becomes ``qMeta``; the client's own keys inside a
definition follow its computed layout (corectl's golden layout keeps ``customProperty`` at
the end of ``qHyperCube``). An object holding ``qStringExpression`` becomes the
expression's text and one holding ``qValueExpression`` its number. Everything else (custom
properties) passes through.

Every layout starts with ``qInfo`` (``qId`` then ``qType``), ``qMeta`` (with
``privileges``, also for an object without ``qMetaDef``, as the golden layout shows) and
``qSelectionInfo``.

At the root of the properties a ``qStringExpression`` or ``qValueExpression`` cannot
replace the object (a layout must stay an object with its ``qInfo``); the expression is
evaluated and its result sits under the same key. No public capture shows what the real
engine answers there; this keeps GetLayout working and the value visible.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from associa.app import lists
from associa.app.bookmarks import bookmark_list
from associa.app.context import AppContext
from associa.app.doc import DocState
from associa.app.properties import custom_keys, object_info
from associa.calc.cells import nan_json
from associa.calc.pages import same_parts
from associa.errors import ExpressionError

PRIVILEGES = ["read", "update", "delete", "exportdata"]
SELECTION_THRESHOLD = 6


def _expr_text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("qExpr", "")
    return value if isinstance(value, str) else ""


def string_expression(doc: DocState, value: Any, state: str = "$",
                      context: AppContext | None = None) -> str:
    """A qStringExpression's text, evaluated in ``state`` (the object's), dollar-sign
    expansions and variables first; ``context`` (the object's) for system functions."""
    text = _expr_text(value)
    if not text.strip():
        return ""
    return doc.evaluate_text(text, state, context)


def value_expression(doc: DocState, value: Any, state: str = "$",
                     context: AppContext | None = None) -> float | str:
    text = _expr_text(value)
    if not text.strip():
        return "NaN"
    try:
        _, num = doc.evaluate(text, state, context)
    except ExpressionError:
        return "NaN"
    return nan_json(num)


def selection_object(doc: DocState, definition: dict[str, Any],
                     state_name: str = "$") -> dict[str, Any]:
    """The current selections of one state (``qSelectionObjectDef``)."""
    model, state, inf = doc.snapshot(state_name)
    items = []
    for sort_index, name in enumerate(state.order):
        if name not in model.fields:
            continue
        sym = model.fields[name].symbols
        mask = state.selected.get(name)
        chosen = [] if mask is None else np.flatnonzero(mask).tolist()
        refused = state.excluded.get(name)
        mode = "AND" if name in state.and_fields else "NORMAL"
        counts = inf.state_counts(name)
        texts = [sym.text(i) for i in chosen]
        item: dict[str, Any] = {
            "qTotal": len(sym),
            "qField": name,
            "qSelectedCount": len(chosen),
            "qSelected": ", ".join(texts)
            if len(texts) <= SELECTION_THRESHOLD
            else f"{len(texts)} of {len(sym)}",
            "qRangeInfo": [],
            "qSortIndex": sort_index,
            "qStateCounts": counts,
            "qSelectedFieldSelectionInfo": [
                {"qName": t, "qFieldSelectionMode": mode} for t in texts[:SELECTION_THRESHOLD]
            ],
            "qNotSelectedFieldSelectionInfo": [] if refused is None else [
                {"qName": sym.text(int(i)), "qFieldSelectionMode": "NOT"}
                for i in np.flatnonzero(refused)[:SELECTION_THRESHOLD]
            ],
            "qSelectionThreshold": SELECTION_THRESHOLD,
        }
        if sym.all_numeric():
            item["qIsNum"] = True
        if name in state.locked:
            item["qLocked"] = True
        items.append(item)
    return {"qBackCount": len(doc.back), "qForwardCount": len(doc.forward), "qSelections": items}


Builder = Callable[[DocState, str, str, dict[str, Any]], Any]


def _hypercube(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    return doc.hypercube(obj_id, path, definition).layout()


def _listobject(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    return doc.listobject(obj_id, path, definition).layout()


def _meta(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    # privileges first, then the client's members (corectl's bookmark layout golden)
    meta: dict[str, Any] = {"privileges": list(PRIVILEGES)}
    meta.update((k, copy.deepcopy(v)) for k, v in definition.items() if k != "privileges")
    return meta


def _selections(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    return selection_object(doc, definition, doc.object_state(obj_id, definition))


# property key -> (layout key, builder)
DEFINITIONS: dict[str, tuple[str, Builder]] = {
    "qHyperCubeDef": ("qHyperCube", _hypercube),
    "qListObjectDef": ("qListObject", _listobject),
    "qMetaDef": ("qMeta", _meta),
    "qSelectionObjectDef": ("qSelectionObject", _selections),
    # lists (app/lists.py)
    "qFieldListDef": ("qFieldList", lists.field_list),
    "qAppObjectListDef": ("qAppObjectList", lists.app_object_list),
    "qChildListDef": ("qChildList", lists.child_list),
    "qVariableListDef": ("qVariableList", lists.variable_list),
    "qDimensionListDef": ("qDimensionList", lists.dimension_list),
    "qMeasureListDef": ("qMeasureList", lists.measure_list),
    "qBookmarkListDef": ("qBookmarkList", bookmark_list),
    "qMediaListDef": ("qMediaList", lists.media_list),
    "qExtensionListDef": ("qExtensionList", lists.empty_items),
    "qUndoInfoDef": ("qUndoInfo", lists.undo_info),
}


EXPRESSIONS = {"qStringExpression": string_expression, "qValueExpression": value_expression}


# what a client was last given of an object: its layout and the data parts of each of
# its computations (None for one that cannot tell: always changed)
Signature = tuple[dict[str, Any], tuple[tuple[Any, ...] | None, ...]]


def layout_signature(doc: DocState, obj_id: str, layout: dict[str, Any]) -> Signature:
    """An object's layout with the whole of what it computed (every row of its
    hypercubes and list objects, not only the pages in the layout)."""
    parts = []
    for value in doc.computations(obj_id):
        data_parts = getattr(value, "data_parts", None)
        parts.append(data_parts() if data_parts is not None else None)
    return layout, tuple(parts)


def same_signature(a: Signature, b: Signature) -> bool:
    """Whether two signatures show the same: equal layouts and equal data."""
    if a[0] != b[0] or len(a[1]) != len(b[1]):
        return False
    return all(x is not None and y is not None and same_parts(x, y)
               for x, y in zip(a[1], b[1], strict=True))


def object_layout(doc: DocState, obj_id: str, props: dict[str, Any]) -> dict[str, Any]:
    """The layout of a generic object (its expressions evaluated in its state)."""
    state = doc.object_state(obj_id)
    context = doc.context(state, props.get("qHyperCubeDef"))

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            for key, evaluate in EXPRESSIONS.items():
                if key in node:
                    return evaluate(doc, node[key], state, context)
            return members(node, path)
        if isinstance(node, list):
            return [walk(v, f"{path}/{i}") for i, v in enumerate(node)]
        if isinstance(node, float) and not math.isfinite(node):
            return nan_json(node)
        return node

    def members(node: dict[str, Any], path: str, root: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "qLayoutExclude":
                continue
            if root and key in EXPRESSIONS:
                out[key] = EXPRESSIONS[key](doc, value, state, context)
                continue
            spec = DEFINITIONS.get(key)
            if spec is not None and isinstance(value, dict):
                built = spec[1](doc, obj_id, f"{path}/{key}", value)
                if isinstance(built, dict):  # a copy: a builder may hand out a cached dict
                    built = dict(built)
                    for extra in custom_keys(key, value):
                        if extra not in built and extra != "qLayoutExclude":
                            built[extra] = walk(value[extra], f"{path}/{key}/{extra}")
                out[spec[0]] = built
            else:
                out[key] = walk(value, f"{path}/{key}")
        return out

    layout = members(props, "", root=True)
    layout.pop("qInfo", None)
    ordered: dict[str, Any] = {"qInfo": object_info(props)}
    meta = layout.pop("qMeta", None)
    if not isinstance(meta, dict) or "privileges" not in meta:
        meta = _meta(doc, obj_id, "", meta if isinstance(meta, dict) else {})
    ordered["qMeta"] = meta
    ordered["qSelectionInfo"] = _selection_info(doc, obj_id)
    if obj_id in doc.soft_patches:
        ordered["qHasSoftPatches"] = True  # left out when false, as the engine's flags
    error = doc.link_error(obj_id)
    if error is not None:  # linked (qExtendsId) to an object that is gone
        ordered["qError"] = {"qErrorCode": error}
    ordered.update((k, v) for k, v in layout.items() if k not in ordered)
    inherited = doc.inherited_state(obj_id)
    if inherited is not None:  # the state the object is in, its own or an ancestor's
        ordered["qStateName"] = inherited
    return ordered


def _selection_info(doc: DocState, obj_id: str) -> dict[str, Any]:
    if doc.modal is not None and doc.modal[0] == obj_id:
        made = doc.made_selections()
        return {"qInSelections": True, "qMadeSelections": made} if made else {"qInSelections": True}
    return {}
