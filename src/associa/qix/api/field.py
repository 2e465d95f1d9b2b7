"""Field: selections on one field, by value, by search string or by state."""

from __future__ import annotations

from typing import Any

import numpy as np

from associa.qix.api.refs import FieldRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call
from associa.select.actions import match_field_values, search_symbols, select_symbols
from associa.select.propagate import ALTERNATIVE, EXCLUDED, LOCK_EXCL, OPTION, SEL_EXCL, SELECTED


def _ref(call: Call) -> FieldRef:
    return call.target


def _apply(call: Call, symbols: Any, toggle: bool, soft_lock: bool) -> bool:
    ref = _ref(call)
    model, state, _ = ref.doc.snapshot()
    if ref.name not in model.fields:
        return False
    return ref.doc.set_state(select_symbols(model, state, ref.name, symbols, toggle, soft_lock))


def _by_states(call: Call, wanted: tuple[int, ...], soft_lock: bool) -> bool:
    ref = _ref(call)
    model, _, inf = ref.doc.snapshot()
    if ref.name not in model.fields:
        return False
    symbols = np.flatnonzero(np.isin(inf.states(ref.name), wanted)).tolist()
    return _apply(call, symbols, False, soft_lock)


def _search(call: Call, match: str, toggle: bool, soft_lock: bool) -> bool:
    model, _, _ = _ref(call).doc.snapshot()
    if _ref(call).name not in model.fields:  # gone after a reload
        return False
    return _apply(call, search_symbols(model, _ref(call).name, match), toggle, soft_lock)


@method("Field", "Select", p("qMatch", "str"), p("qSoftLock", "bool", False),
        p("qExcludedValuesMode", "int", 0), out=("qReturn",))
def select(call: Call, qMatch: str, qSoftLock: bool, qExcludedValuesMode: int) -> bool:
    return _search(call, qMatch, False, qSoftLock)


@method("Field", "ToggleSelect", p("qMatch", "str"), p("qSoftLock", "bool", False),
        p("qExcludedValuesMode", "int", 0), out=("qReturn",))
def toggle_select(call: Call, qMatch: str, qSoftLock: bool, qExcludedValuesMode: int) -> bool:
    return _search(call, qMatch, True, qSoftLock)


@method("Field", "SelectValues", p("qFieldValues", "list"), p("qToggleMode", "bool", False),
        p("qSoftLock", "bool", False), out=("qReturn",))
def select_values(call: Call, qFieldValues: list[Any], qToggleMode: bool, qSoftLock: bool) -> bool:
    model, _, _ = _ref(call).doc.snapshot()
    if _ref(call).name not in model.fields:
        return False
    symbols = match_field_values(model, _ref(call).name, qFieldValues)
    return _apply(call, symbols, qToggleMode, qSoftLock)


@method("Field", "LowLevelSelect", p("qValues", "list"), p("qToggleMode", "bool", False),
        p("qSoftLock", "bool", False), out=("qReturn",))
def low_level_select(call: Call, qValues: list[Any], qToggleMode: bool, qSoftLock: bool) -> bool:
    symbols = [
        int(v) for v in qValues
        if not isinstance(v, bool)
        and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))
    ]
    return _apply(call, symbols, qToggleMode, qSoftLock)


@method("Field", "Clear", out=("qReturn",))
def clear(call: Call) -> bool:
    ref = _ref(call)
    state = ref.doc.state
    if ref.name in state.locked:
        return False
    return ref.doc.set_state(state.with_field(ref.name, None))


@method("Field", "ClearAllButThis", p("qSoftLock", "bool", False), out=("qReturn",))
def clear_all_but_this(call: Call, qSoftLock: bool) -> bool:
    ref = _ref(call)
    state = ref.doc.state
    others = {f for f in state.order if f != ref.name and (qSoftLock or f not in state.locked)}
    return ref.doc.set_state(state.without(others))


@method("Field", "SelectAll", p("qSoftLock", "bool", False), out=("qReturn",))
def select_all(call: Call, qSoftLock: bool) -> bool:
    return _by_states(call, tuple(range(8)), qSoftLock)


@method("Field", "SelectPossible", p("qSoftLock", "bool", False), out=("qReturn",))
def select_possible(call: Call, qSoftLock: bool) -> bool:
    return _by_states(call, (OPTION, SELECTED, 0), qSoftLock)


@method("Field", "SelectAlternative", p("qSoftLock", "bool", False), out=("qReturn",))
def select_alternative(call: Call, qSoftLock: bool) -> bool:
    return _by_states(call, (ALTERNATIVE,), qSoftLock)


@method("Field", "SelectExcluded", p("qSoftLock", "bool", False), out=("qReturn",))
def select_excluded(call: Call, qSoftLock: bool) -> bool:
    return _by_states(call, (EXCLUDED, ALTERNATIVE, SEL_EXCL, LOCK_EXCL), qSoftLock)


@method("Field", "Lock", out=("qReturn",))
def lock(call: Call) -> bool:
    ref = _ref(call)
    state = ref.doc.state
    if not state.has_selection(ref.name):
        return False
    return ref.doc.set_state(state.with_lock(ref.name, True))


@method("Field", "Unlock", out=("qReturn",))
def unlock(call: Call) -> bool:
    ref = _ref(call)
    return ref.doc.set_state(ref.doc.state.with_lock(ref.name, False))


@method("Field", "GetCardinal", out=("qReturn",))
def get_cardinal(call: Call) -> int:
    ref = _ref(call)
    model, _, _ = ref.doc.snapshot()
    fld = model.fields.get(ref.name)
    return len(fld.symbols) if fld is not None else 0


@method("Field", "GetAndMode", out=("qReturn",))
def get_and_mode(call: Call) -> bool:
    return False


@method("Field", "SetAndMode", p("qAndMode", "bool"))
def set_and_mode(call: Call, qAndMode: bool) -> None:
    return None


@method("Field", "GetNxProperties", out=("qProperties",))
def get_nx_properties(call: Call) -> dict[str, Any]:
    return {"qOneAndOnlyOne": False}
