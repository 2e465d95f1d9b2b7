"""Bookmarks and temporary selection states: a session's selections, kept by value.

A bookmark is stored with its app (``App.bookmarks``, saved by DoSave) as a
GenericBookmarkEntry-like pair ``{"qProperties", "qBookmark"}``: the properties the client
gave (GenericBookmarkProperties: ``qInfo``, ``qMetaDef``, ``qIncludeVariables``,
``qDistinctValues``, then the client's own keys) and an NxBookmark made from the session's
selections of every state when it was created. Each selected field is a BookmarkFieldItem
holding the selected values as FieldValues (``qText``, ``qIsNumeric``, ``qNumber``), not as
symbol indices, so a bookmark applies to any later data model: after a reload that
renumbers or reorders a field's values, each value is found again by number (numeric
values) or by exact text (text values), the rule ``SelectionState.rebase`` follows.
Applying a bookmark makes its selections those of every state it saved, exactly (the
selected values, the fields' selection order, the locks), in one step of the history;
it does not go through ``select_symbols``, so nothing is cleared as a conflict. States
the bookmark does not know keep their selections; values, fields and states that no
longer exist are left out and reported by ApplyAndVerify.

Evidence for the shapes (help.qlik.com, Engine JSON API reference unless said):

* GetLayout of a bookmark, from the real engine (corectl's golden
  ``TestBookmarkManagementCommands_bookmark_layout_bookmark-2``, 12.387): ``qInfo``,
  ``qMeta`` (``privileges`` then the qMetaDef members), ``qBookmark`` {``qStateData``:
  [{``qStateName``: "$", ``qFieldItems``: []}], ``qUtcModifyTime``, ``qVariableItems``: []}
  (no ``qPatches`` when there are none), ``qFieldInfos``: []. Its GetProperties golden
  is ``{qInfo, qMetaDef}``: the false flags are left out.
* A real bookmark layout with a selection (ctrl-q's "bookmark-get" documentation, Qlik
  Sense 2024): ``{"qDef":{"qName":"Dim1","qType":"PRESENT"},"qSelectInfo":{"qRangeLo":
  "NaN","qRangeHi":"NaN","qNumberFormat":{"qType":"U","qnDec":10,"qUseThou":0},
  "qRangeInfo":[],"qContinuousRangeInfo":[]},"qValues":[],"qExcludedValues":[]}`` and
  ``"qUtcModifyTime":44383.71498842593`` (a day number since 1899-12-30). The layout
  carries no values: their counts are in ``qFieldInfos`` (LayoutFieldInfo: ``qFieldName``,
  ``qValuesCount``, ``qExcludedValuesCount``) and GenericBookmark.GetFieldValues pages
  through them ("Retrieves the values of a field for the default state";
  ``qGetExcludedValues``: "only NOT-selected values are returned"). ``qDataPage``
  (BookmarkFieldPage ``qStartIndex``, ``qEndIndex``: "the end value of the range") is read
  as the half-open range [start, end); no capture settles whether the end is included.
* BookmarkFieldItem: ``qDef`` (FieldDefEx ``qName``, ``qType``), ``qLocked``,
  ``qSelectInfo``, ``qValues``, ``qExcludedValues``, ``qAndMode`` and ``qOneAndOnlyOne``
  ("not returned if set to false"). Only selected values are kept here (the engine may
  keep the excluded ones instead); a value is matched by value on apply.
* BookmarkApplyAndVerifyResult: ``qApplySuccess`` and ``qWarnings``, "state and field
  with unmatching values": BookmarkFieldVerifyWarning ``qState``, ``qField``,
  ``qVerifyResult`` (``FIELD_MISSING``, ``FIELD_VALUE_MISSING``, ``STATE_MISSING``, …),
  ``qMissingValues`` (texts), ``qMissingDuals`` ("capped. Default cap is 20"),
  ``qTotalMissing``.
* GenericBookmarkProperties: ``qIncludeVariables`` "If true all variables will be stored
  in the bookmark" (BookmarkVariableItem ``qName``, ``qValue``: FieldValue);
  ``qDistinctValues`` "searchstrings will not be kept" (associa never keeps them).
  Applying the bookmark gives the variables that still exist the values it kept.
* NxBookmark ``qPatches``: "Softpatches to be applied with this bookmark", NxPatches
  (``qInfo``, ``qPatches``, ``qChildren``) per object. A bookmark keeps the session's
  soft patches (``DocState.soft_patch_list``): of every object, or of the objects
  CreateBookmarkEx's ``qObjectIdsToPatch`` names ("If empty all softpatches are added
  to the bookmark"); applying it makes them the session's soft patches of those
  objects.
* BookmarkList items and GetBookmarks' list are NxContainerEntry ``{qInfo, qMeta, qData}``
  (qix-api.md §3.1); ``qData`` maps keys to JSON pointers into each bookmark's
  properties, or its layout (corectl's ListBookmarks asks for ``/qInfo/qId`` and
  ``/qMetaDef/title``). A list's ``qType`` must equal the bookmark's ``qInfo.qType``.
* The selections a bookmark holds are ``app/statedata.py``'s (made from a session's
  states, applied back by value); so are the temporary selection states.
"""

from __future__ import annotations

import copy
import math
import threading
import time
import uuid
from typing import Any

import numpy as np

from associa.app.app import App
from associa.app.doc import DocState
from associa.app.lists import resolve_pointers
from associa.app.properties import new_object_properties, object_info, replaced_properties
from associa.app.statedata import (
    apply_state_data,
    field_value,
    keep_for_a_while,
    kept_value,
    match_values,
    state_data,
    values_of,
)
from associa.app.states import DEFAULT_STATE
from associa.errors import InvalidParameters
from associa.model import DataModel
from associa.values import parse_number

PRIVILEGES = ["read", "update", "delete", "exportdata"]
FLAGS = ("qIncludeVariables", "qDistinctValues")  # GenericBookmarkProperties' booleans
ENGINE_KEYS = frozenset({"qInfo", "qMetaDef", *FLAGS})
SERIAL_EPOCH = 25569  # the day number of 1970-01-01 (days since 1899-12-30)

Entry = dict[str, Any]  # {"qProperties": ..., "qBookmark": ...}


# -- properties -----------------------------------------------------------------------


def bookmark_properties(props: Any, old: Entry | None = None) -> dict[str, Any]:
    """GenericBookmarkProperties as stored: ``qInfo`` (a new ``qId`` when none is given;
    an existing bookmark's ``qId``, and its ``qType`` unless a new one is given), then
    ``qMetaDef``, the flags that are true, and the client's own keys. InvalidParameters
    (error 8) for a member of the wrong type; nothing is stored then."""
    if not isinstance(props, dict):
        raise InvalidParameters("qProp", "qProp must be an object")
    flags: dict[str, bool] = {}
    for key in FLAGS:
        raw = props.get(key)
        if raw is None:
            continue
        if isinstance(raw, bool):
            flags[key] = raw
        elif isinstance(raw, int | float) and math.isfinite(raw):
            flags[key] = bool(raw)
        else:
            raise InvalidParameters(f"/{key}", f"{key} must be true or false")
    if not isinstance(props.get("qMetaDef"), dict | None):
        raise InvalidParameters("/qMetaDef", "qMetaDef must be an object")
    rest = {k: v for k, v in props.items() if k not in FLAGS}
    if old is None:
        base = new_object_properties(rest)
    else:
        old_props = old["qProperties"]
        base = replaced_properties(old_props["qInfo"]["qId"], old_props, rest)
    out: dict[str, Any] = {"qInfo": base.pop("qInfo"), "qMetaDef": base.pop("qMetaDef", {})}
    out.update((k, True) for k in FLAGS if flags.get(k))
    out.update(base)
    return out


def public_properties(props: dict[str, Any], return_empty: bool = False) -> dict[str, Any]:
    """What GetProperties answers (a copy); with ``return_empty`` the false flags too."""
    out = copy.deepcopy(props)
    if not return_empty:
        return out
    ordered = {"qInfo": out.pop("qInfo", {}), "qMetaDef": out.pop("qMetaDef", {})}
    for key in FLAGS:
        ordered[key] = bool(out.pop(key, False))
    ordered.update(out)
    return ordered


# -- making a bookmark ----------------------------------------------------------------


def utc_serial(seconds: float | None = None) -> float:
    """A time as Qlik writes ``qUtcModifyTime``: days since 1899-12-30, UTC."""
    return (time.time() if seconds is None else seconds) / 86400.0 + SERIAL_EPOCH


def variable_items(app: App) -> list[dict[str, Any]]:
    """BookmarkVariableItem of every variable the app has (its script's)."""
    with app.lock:
        variables = dict(app.variables)
    out = []
    for name, text in variables.items():
        num = parse_number(text) if isinstance(text, str) else None
        out.append({"qName": name,
                    "qValue": field_value(text, math.nan if num is None else num)})
    return out


def new_bookmark(doc: DocState, props: Any, patch_ids: list[str] | None = None) -> Entry:
    """A bookmark of the session's current selections (not stored yet), with the
    session's soft patches of the objects ``patch_ids`` names (of every object when it
    names none: CreateBookmarkEx's "if empty all softpatches are added")."""
    properties = bookmark_properties(props)
    bookmark = _saved(doc, bool(properties.get("qIncludeVariables")),
                      doc.soft_patch_list(patch_ids or None))
    return {"qProperties": properties, "qBookmark": bookmark}


def _saved(doc: DocState, variables: bool, patches: list[dict[str, Any]]) -> dict[str, Any]:
    """An NxBookmark of the session now: its selections, the app's variables when asked,
    the soft patches given."""
    bookmark: dict[str, Any] = {
        "qStateData": state_data(doc),
        "qUtcModifyTime": utc_serial(),
        "qVariableItems": variable_items(doc.app) if variables else [],
    }
    if patches:
        bookmark["qPatches"] = patches
    return bookmark


def replaced(doc: DocState, entry: Entry, ignore_patches: bool, patch_ids: list[str]) -> Entry:
    """ReplaceBookmark: the bookmark's properties with the session's selections now (and
    the variables when its ``qIncludeVariables`` says so); the soft patches of the
    objects ``patch_ids`` names, of every object when it names none, or none with
    ``ignore_patches``."""
    properties = copy.deepcopy(entry["qProperties"])
    patches = [] if ignore_patches else doc.soft_patch_list(patch_ids or None)
    return {"qProperties": properties,
            "qBookmark": _saved(doc, bool(properties.get("qIncludeVariables")), patches)}


def create_temporary(doc: DocState, options: dict[str, Any], patch_ids: list[str]) -> str:
    """CreateTemporaryBookmark: the session's selections, the variables with
    ``qIncludeVariables``, and the soft patches of every object with
    ``qIncludeAllPatches``, else of the objects ``patch_ids`` names (none when it names
    none); kept in the app's memory, for any session of it, as long as a temporary
    selection state (nothing says how long the engine keeps them). The id to apply."""
    if options.get("qIncludeAllPatches"):
        patches = doc.soft_patch_list(None)
    else:
        patches = doc.soft_patch_list(patch_ids) if patch_ids else []
    bookmark = _saved(doc, bool(options.get("qIncludeVariables")), patches)
    return keep_for_a_while(doc.app, doc.app.temp_bookmarks,
                            {"qProperties": {}, "qBookmark": bookmark})


def apply_temporary(doc: DocState, temp_id: str) -> bool:
    """ApplyTemporaryBookmark: False for an id unknown or expired."""
    entry = kept_value(doc.app, doc.app.temp_bookmarks, temp_id)
    if entry is None:
        return False
    apply_bookmark(doc, entry)
    return True


def cloned(entry: Entry) -> Entry:
    """CloneBookmark: the same properties and selections under a new id."""
    out = copy.deepcopy(entry)
    out["qProperties"]["qInfo"]["qId"] = str(uuid.uuid4())
    return out


def with_properties(entry: Entry, props: Any) -> Entry:
    """SetProperties: new properties, the same selections."""
    return {"qProperties": bookmark_properties(props, entry),
            "qBookmark": copy.deepcopy(entry.get("qBookmark") or {})}


# -- applying -------------------------------------------------------------------------


def apply_bookmark(doc: DocState, entry: Entry) -> list[dict[str, Any]]:
    """Make the bookmark's selections the session's, give the variables it kept their
    values and its soft patches to its objects; the verification warnings (of what
    the session's user may see: ``visible``)."""
    found = visible(doc, entry).get("qBookmark")
    bookmark: dict[str, Any] = found if isinstance(found, dict) else {}
    values = {}
    for item in bookmark.get("qVariableItems") or []:
        value = item.get("qValue") if isinstance(item, dict) else None
        if isinstance(item.get("qName"), str) and isinstance(value, dict):
            text = value.get("qText")
            if isinstance(text, str):
                values[item["qName"]] = text
    if values:
        doc.app.restore_variables(values)
    if bookmark.get("qPatches"):
        doc.set_soft_patch_list(bookmark["qPatches"])
    return apply_state_data(doc, bookmark.get("qStateData"))


# -- reading --------------------------------------------------------------------------


def _meta(props: dict[str, Any]) -> dict[str, Any]:
    meta_def = props.get("qMetaDef")
    meta: dict[str, Any] = {"privileges": list(PRIVILEGES)}
    if isinstance(meta_def, dict):
        meta.update((k, copy.deepcopy(v)) for k, v in meta_def.items() if k != "privileges")
    return meta


def _state_items(entry: Entry, state: str = DEFAULT_STATE) -> list[dict[str, Any]]:
    bookmark = entry.get("qBookmark")
    data = bookmark.get("qStateData") if isinstance(bookmark, dict) else None
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and (item.get("qStateName") or DEFAULT_STATE) == state:
            items = item.get("qFieldItems")
            return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    return []


def visible(doc: DocState, entry: Entry) -> Entry:
    """The bookmark as the session's user may see it. Under Section Access a user sees
    only the fields and values of their reduced model, so a bookmark someone else made
    shows, lists, verifies and applies only those: fields the user's model lacks are
    left out, and so are values it does not hold (by the same matching as applying). A
    session with the whole model (no Section Access, or an unreduced row) sees it all."""
    model = doc.model
    found = entry.get("qBookmark")
    if doc.view is None or model is doc.app.model or not isinstance(found, dict):
        return entry
    states = []
    for state in found.get("qStateData") or []:
        if not isinstance(state, dict):
            continue
        items = []
        for item in state.get("qFieldItems") or []:
            name = _item_name(item) if isinstance(item, dict) else None
            if not isinstance(name, str) or name not in model.fields:
                continue
            sym = model.fields[name].symbols
            shown = dict(item)
            for key in ("qValues", "qExcludedValues"):
                values = item.get(key)
                if isinstance(values, list):
                    shown[key] = [v for v in values if match_values(sym, [v])[0]]
            items.append(shown)
        states.append({**state, "qFieldItems": items})
    return {**entry, "qBookmark": {**found, "qStateData": states}}


def _item_name(item: dict[str, Any]) -> Any:
    qdef = item.get("qDef")
    return qdef.get("qName") if isinstance(qdef, dict) else None


# (id of a field item's saved values, model version) -> (those values, their mask): a
# layout or a page of excluded values does not match every value again; the values are
# held so that their id is not reused while cached (a stored entry is never changed:
# SetProperties replaces it)
_masks: dict[tuple[int, int], tuple[list[Any], np.ndarray]] = {}
_masks_lock = threading.Lock()
MASKS_KEPT = 32


def _selected_mask(model: DataModel, item: dict[str, Any]) -> np.ndarray | None:
    """The saved values of a field item as a mask over the field's values now."""
    name = _item_name(item)
    values = item.get("qValues")
    if not isinstance(name, str) or name not in model.fields or not isinstance(values, list):
        return None
    key = (id(values), model.version)
    with _masks_lock:
        hit = _masks.get(key)
    if hit is not None and hit[0] is values:
        return hit[1]
    sym = model.fields[name].symbols
    found, _ = match_values(sym, values)
    mask = np.zeros(len(sym), dtype=bool)
    mask[found] = True
    with _masks_lock:
        while len(_masks) >= MASKS_KEPT:
            del _masks[next(iter(_masks))]
        _masks[key] = (values, mask)
    return mask


def bookmark_layout(doc: DocState, entry: Entry) -> dict[str, Any]:
    """GenericBookmarkLayout: ``qInfo``, ``qMeta``, ``qBookmark`` (the field items
    without their values), ``qFieldInfos`` (the default state's fields with the numbers
    of their selected and not selected values), then the client's own keys."""
    entry = visible(doc, entry)
    props = entry["qProperties"]
    found = entry.get("qBookmark")
    saved: dict[str, Any] = found if isinstance(found, dict) else {}
    states = []
    for state in saved.get("qStateData") or []:
        if not isinstance(state, dict):
            continue
        items = []
        for item in state.get("qFieldItems") or []:
            if isinstance(item, dict):  # the values are left out (GetFieldValues)
                shown = {k: [] if k in ("qValues", "qExcludedValues") else copy.deepcopy(v)
                         for k, v in item.items()}
                shown.setdefault("qValues", [])
                shown.setdefault("qExcludedValues", [])
                items.append(shown)
        states.append({"qStateName": state.get("qStateName") or DEFAULT_STATE,
                       "qFieldItems": items})
    bookmark: dict[str, Any] = {
        "qStateData": states,
        "qUtcModifyTime": saved.get("qUtcModifyTime", 0),
        "qVariableItems": copy.deepcopy(saved.get("qVariableItems") or []),
    }
    if saved.get("qPatches"):
        bookmark["qPatches"] = copy.deepcopy(saved["qPatches"])
    model = doc.model
    infos = []
    for item in _state_items(entry):
        values = item.get("qValues")
        mask = _selected_mask(model, item)
        infos.append({
            "qFieldName": _item_name(item),
            "qValuesCount": len(values) if isinstance(values, list) else 0,
            "qExcludedValuesCount": 0 if mask is None else int(len(mask) - mask.sum()),
        })
    layout: dict[str, Any] = {"qInfo": object_info(props), "qMeta": _meta(props),
                              "qBookmark": bookmark, "qFieldInfos": infos}
    for key, value in props.items():
        if key not in ENGINE_KEYS and key not in layout:
            layout[key] = copy.deepcopy(value)
    return layout


def field_values(doc: DocState, entry: Entry, field: str, excluded: bool,
                 start: int, end: int) -> list[dict[str, Any]]:
    """GetFieldValues: the default state's saved values of ``field`` (or, ``excluded``,
    the field's values now that the bookmark does not select), ``[start:end]``."""
    if start < 0 or end <= start:
        return []
    entry = visible(doc, entry)
    item = next((i for i in _state_items(entry) if _item_name(i) == field), None)
    if item is None:
        return []
    if not excluded:
        values = item.get("qValues")
        values = values if isinstance(values, list) else []
        return [copy.deepcopy(v) for v in values[start:end] if isinstance(v, dict)]
    model = doc.model
    mask = _selected_mask(model, item)
    if mask is None:
        return []
    rest = np.flatnonzero(~mask)[start:end]
    return values_of(model.fields[field].symbols, rest)


def container_entry(doc: DocState, entry: Entry, data: Any) -> dict[str, Any]:
    """An NxContainerEntry for a bookmark: ``qData`` pointers resolve against its
    properties, or else against its layout (``/qBookmark/…``, ``/qMeta/…``)."""
    props = entry["qProperties"]
    data = resolve_pointers(data, props, lambda: bookmark_layout(doc, entry), copy.deepcopy) \
        if isinstance(data, dict) else {}
    return {"qInfo": object_info(props), "qMeta": _meta(props),
            "qData": data}


def _bookmark_type(entry: Entry) -> Any:
    info = entry["qProperties"].get("qInfo")
    return info.get("qType", "") if isinstance(info, dict) else ""


def bookmark_entries(doc: DocState, types: Any, data: Any) -> list[dict[str, Any]]:
    """GetBookmarks: the app's bookmarks whose ``qType`` is one of ``types`` (every one
    when no type is named), in the order they were made."""
    wanted = {t for t in types if isinstance(t, str) and t} if isinstance(types, list) else set()
    with doc.app.lock:
        entries = list(doc.app.bookmarks.values())
    return [container_entry(doc, e, data) for e in entries
            if not wanted or _bookmark_type(e) in wanted]


def bookmark_list(doc: DocState, obj_id: str, path: str, definition: dict[str, Any]) -> Any:
    """qBookmarkListDef → qBookmarkList: the bookmarks of ``qType``, in the order they
    were made (the real engine's order is its own: corectl's golden lists bookmark-2
    before bookmark-1)."""
    qtype = definition.get("qType")
    qtype = qtype if isinstance(qtype, str) else ""
    with doc.app.lock:
        entries = list(doc.app.bookmarks.values())
    return {"qItems": [container_entry(doc, e, definition.get("qData")) for e in entries
                       if _bookmark_type(e) == qtype]}
