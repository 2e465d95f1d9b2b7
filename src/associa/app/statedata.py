"""The selections of every state as saved data, and temporary selection states.

* ``state_data``: a session's selections as ``NxBookmark.qStateData`` (help
  "NxBookmark", "BookmarkFieldItem"): per state (the default state, then the alternate
  states), per field in the order it was selected, its values by text and number, its
  lock, AND mode and NOT selections (``qExcludedValues``) and one-and-only-one.
* ``apply_state_data``: such data made the selections of a session again, by value (a
  number by its number, a text by its exact text: it survives a reload that renumbers the
  symbols), with the verification warnings of ApplyAndVerifyBookmark for states, fields
  and values gone (``BookmarkFieldVerifyWarning``, at most ``MISSING_CAP`` values each).
* Temporary selection states: StoreTempSelectionState(qTTLOfTempState) → ``qId``,
  ``qReturn``: "The temporary selection state will be stored for 30min by default if TTL
  parameter is not present or positive" (read: a TTL that is not positive means 30
  minutes); RestoreTempSelectionState(qId) → ``qReturn``: "true if the operation
  succeeded, false otherwise", so an unknown or expired id answers false. They live in
  the app's memory, for every session of the app, and are never saved.

Bookmarks (``app/bookmarks.py``) are made of this data.
"""

from __future__ import annotations

import copy
import math
import time
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.app.app import App
from associa.app.selections import and_mode_allowed
from associa.app.states import DEFAULT_STATE
from associa.model import DataModel
from associa.model.symbols import SymbolTable
from associa.select import SelectionState

if TYPE_CHECKING:
    from associa.app.doc import DocState

DEFAULT_TEMP_TTL = 30 * 60  # seconds (StoreTempSelectionState's remark)
MISSING_CAP = 20  # qMissingDuals / qMissingValues per warning
SELECT_INFO = {  # how the real engine writes the qSelectInfo of a selection by values
    "qRangeLo": "NaN",
    "qRangeHi": "NaN",
    "qNumberFormat": {"qType": "U", "qnDec": 10, "qUseThou": 0},
    "qRangeInfo": [],
    "qContinuousRangeInfo": [],
}

clock: Callable[[], float] = time.monotonic  # temporary states' TTL (tests replace it)

StateData = list[dict[str, Any]]  # NxBookmark.qStateData


def field_value(text: Any, num: float) -> dict[str, Any]:
    """A FieldValue: the value's text, and its number when it has one."""
    numeric = not math.isnan(num)
    if numeric and num.is_integer() and abs(num) < 2**53:
        number: float | int = int(num)
    else:
        number = num if numeric else 0
    return {"qText": "" if text is None else str(text), "qIsNumeric": numeric,
            "qNumber": number}


def values_of(sym: SymbolTable, idx: np.ndarray) -> list[dict[str, Any]]:
    texts = sym.texts_at(idx)
    nums = sym.nums_at(idx)
    return [field_value(t, float(n)) for t, n in zip(texts, nums, strict=True)]


def _field_item(model: DataModel, state: SelectionState, name: str) -> dict[str, Any]:
    sym = model.fields[name].symbols
    item: dict[str, Any] = {"qDef": {"qName": name, "qType": "PRESENT"}}
    if name in state.locked:
        item["qLocked"] = True
    item["qSelectInfo"] = copy.deepcopy(SELECT_INFO)
    chosen = state.selected.get(name)
    refused = state.excluded.get(name)
    item["qValues"] = [] if chosen is None else values_of(sym, np.flatnonzero(chosen))
    # the NOT selections of a field in AND mode (BookmarkFieldItem.qExcludedValues)
    item["qExcludedValues"] = [] if refused is None else values_of(sym, np.flatnonzero(refused))
    if name in state.and_fields:
        item["qAndMode"] = True
    if name in state.single:
        item["qOneAndOnlyOne"] = True
    return item


def state_data(doc: DocState) -> StateData:
    """qStateData of the session's selections: the default state, then every alternate
    state it has (the app's, then its own), each field in the order it was selected."""
    while True:  # the selections and the model they are over, taken together
        model = doc.model
        states = doc.all_states()
        if doc.model is model:
            break
    out: StateData = []
    for name in (DEFAULT_STATE, *doc.state_names()):
        state = states.get(name) or SelectionState()
        items = [_field_item(model, state, f) for f in state.order
                 if state.has_selection(f) and f in model.fields]
        out.append({"qStateName": name, "qFieldItems": items})
    return out


def match_values(sym: SymbolTable, values: Iterable[Any]) -> tuple[list[int], list[dict[str, Any]]]:
    """The symbols of saved FieldValues in a field, and the values not found: a numeric
    value by its number, a text by its exact text (``SymbolTable.lookup``)."""
    found: list[int] = []
    missing: list[dict[str, Any]] = []
    for value in values:
        if not isinstance(value, dict):
            continue
        text = value.get("qText")
        num = value.get("qNumber")
        if value.get("qIsNumeric") and isinstance(num, int | float) and not isinstance(num, bool):
            hit = sym.find_number(float(num))
        else:
            hit = sym.lookup(text, math.nan) if isinstance(text, str) else None
        if hit is None:
            missing.append(value)
        else:
            found.append(hit)
    return found, missing


def _warning(state: str, field: str, result: str,
             missing: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "qState": state,
        "qField": field,
        "qVerifyResult": result,
        "qMissingValues": [str(v.get("qText", "")) for v in missing[:MISSING_CAP]],
        "qMissingDuals": [copy.deepcopy(v) for v in missing[:MISSING_CAP]],
        "qTotalMissing": len(missing),
    }


def states_from_data(model: DataModel, data: Any,
                     known: Iterable[str]) -> tuple[dict[str, SelectionState], list[dict]]:
    """The selections that saved state data makes in ``model`` (for the states in
    ``known``), and the verification warnings (BookmarkFieldVerifyWarning)."""
    names = set(known)
    out: dict[str, SelectionState] = {}
    warnings: list[dict[str, Any]] = []
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict):
            continue
        name = entry.get("qStateName") or DEFAULT_STATE
        if not isinstance(name, str):
            continue
        if name not in names:
            warnings.append({"qState": name, "qVerifyResult": "STATE_MISSING"})
            continue
        selected: dict[str, np.ndarray] = {}
        refused: dict[str, np.ndarray] = {}
        order: list[str] = []
        locked: set[str] = set()
        and_fields: set[str] = set()
        single: set[str] = set()
        items = entry.get("qFieldItems")
        for item in items if isinstance(items, list) else []:
            qdef = item.get("qDef") if isinstance(item, dict) else None
            field = qdef.get("qName") if isinstance(qdef, dict) else None
            if not isinstance(field, str):
                continue
            values = item.get("qValues")
            values = values if isinstance(values, list) else []
            if field not in model.fields:
                warnings.append(_warning(name, field, "FIELD_MISSING",
                                         [v for v in values if isinstance(v, dict)]))
                continue
            sym = model.fields[field].symbols
            found, missing = match_values(sym, values)
            not_values = item.get("qExcludedValues")
            not_found, not_missing = match_values(sym, not_values if isinstance(not_values, list)
                                            else [])
            if missing or not_missing:
                warnings.append(_warning(name, field, "FIELD_VALUE_MISSING",
                                         missing + not_missing))
            if item.get("qAndMode") is True and and_mode_allowed(model, field):
                and_fields.add(field)
                if not_found:
                    refused[field] = np.zeros(len(sym), dtype=bool)
                    refused[field][not_found] = True
            if not found and field not in refused:
                continue
            if found:
                mask = np.zeros(len(sym), dtype=bool)
                mask[found] = True
                selected[field] = mask
                if item.get("qOneAndOnlyOne") is True and len(found) == 1:
                    single.add(field)
            if field in order:
                order.remove(field)
            order.append(field)
            if item.get("qLocked") is True:
                locked.add(field)
            else:
                locked.discard(field)
        out[name] = SelectionState(selected, tuple(order),
                                   frozenset(f for f in locked if f in selected),
                                   single=frozenset(single), and_fields=frozenset(and_fields),
                                   excluded=refused)
    return out, warnings


def apply_state_data(doc: DocState, data: Any) -> list[dict[str, Any]]:
    """Make saved state data the session's selections (one history step); the
    verification warnings."""
    known = [DEFAULT_STATE, *doc.state_names()]
    while True:
        model = doc.model
        states, warnings = states_from_data(model, data, known)
        with doc.lock:  # the masks are over ``model``: commit only while it is the app's
            if doc.model is model:
                doc.set_states(states)
                return warnings


def save_alternate_states(doc: DocState) -> None:
    """DoSave: the selections of the app's alternate states, as this session has them,
    go with the app (the default state's and the session states' do not)."""
    keep = set(doc.app.state_names)
    doc.app.state_selections = [e for e in state_data(doc) if e["qStateName"] in keep]


def saved_alternate_states(app: App, model: DataModel) -> dict[str, SelectionState]:
    """The selections a session opening the app starts with in its alternate states."""
    if not app.state_selections:
        return {}
    return states_from_data(model, app.state_selections, app.state_names)[0]


# -- set identifiers ------------------------------------------------------------------


class SessionSets:
    """What the identifiers of a set expression name in a session (``calc.sets``): an
    alternate state's selections, a step of the history (``$1`` the selections one Back
    away, ``$2`` two; ``$_1`` one Forward away), or a bookmark's selections in the
    default state (by id, else by title)."""

    def __init__(self, doc: DocState, model: DataModel) -> None:
        self.doc = doc
        self.model = model

    def selections(self, ident: str) -> SelectionState | None:
        doc = self.doc
        if ident == DEFAULT_STATE or ident in doc.state_names():
            model, state, _ = doc.snapshot(ident)
            return state if model is self.model else None
        if ident[:1] == "$" and ident[1:].lstrip("_").isdigit():
            steps = int(ident[1:].lstrip("_"))
            with doc.lock:
                history = doc.forward if ident[1:2] == "_" else doc.back
                entry = history[-steps] if 0 < steps <= len(history) else None
            kept = None if entry is None else entry.get(DEFAULT_STATE)
            if entry is not None and kept is None:
                return SelectionState()
            return kept if kept is not None and self._fits(kept) else None
        entry = doc.app.get_bookmark(ident) or self._titled(ident)
        if entry is None:
            return None
        bookmark = entry.get("qBookmark")
        data = bookmark.get("qStateData") if isinstance(bookmark, dict) else None
        return states_from_data(self.model, data, [DEFAULT_STATE])[0].get(
            DEFAULT_STATE, SelectionState())

    def _titled(self, title: str) -> dict[str, Any] | None:
        with self.doc.app.lock:
            entries = list(self.doc.app.bookmarks.values())
        for entry in entries:
            meta = entry["qProperties"].get("qMetaDef")
            if isinstance(meta, dict) and meta.get("title") == title:
                return entry
        return None

    def _fits(self, state: SelectionState) -> bool:
        """Whether a state kept in the history is over this model (not one before a
        reload)."""
        fields = self.model.fields
        return all(name in fields and len(mask) == len(fields[name].symbols)
                   for name, mask in state.selected.items())


# -- temporary selection states -------------------------------------------------------


def _purge(kept: dict[str, tuple[float, Any]], now: float) -> None:
    """Forget what expired (the caller holds the app's lock)."""
    for temp_id in [k for k, (until, _) in kept.items() if until <= now]:
        del kept[temp_id]


def keep_for_a_while(app: App, kept: dict[str, tuple[float, Any]], value: Any,
                     ttl: int | float = 0) -> str:
    """Keep ``value`` in one of the app's temporary stores for ``ttl`` seconds (30
    minutes when not positive); the id to find it by."""
    seconds = ttl if ttl > 0 else DEFAULT_TEMP_TTL
    temp_id = str(uuid.uuid4())
    now = clock()
    with app.lock:
        _purge(kept, now)
        kept[temp_id] = (now + seconds, value)
    return temp_id


def kept_value(app: App, kept: dict[str, tuple[float, Any]], temp_id: str) -> Any:
    """What ``keep_for_a_while`` kept under ``temp_id``; None when unknown or expired."""
    with app.lock:
        _purge(kept, clock())
        found = kept.get(temp_id)
    return None if found is None else found[1]


def store_temp_state(doc: DocState, ttl: int | float = 0) -> str:
    """StoreTempSelectionState: keep the session's selections for ``ttl`` seconds (30
    minutes when not positive); the id to restore them with."""
    return keep_for_a_while(doc.app, doc.app.temp_states, state_data(doc), ttl)


def restore_temp_state(doc: DocState, temp_id: str) -> bool:
    """RestoreTempSelectionState: False for an id unknown or expired."""
    found = kept_value(doc.app, doc.app.temp_states, temp_id)
    if found is None:
        return False
    apply_state_data(doc, found)
    return True


def drop_temp_state(app: App, temp_id: str) -> bool:
    """Forget a temporary state before its time (no QIX method does this: the engine
    API has only Store and Restore)."""
    with app.lock:
        _purge(app.temp_states, clock())
        return app.temp_states.pop(temp_id, None) is not None
