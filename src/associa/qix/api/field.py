"""Field: selections on one field, by value, by search string or by state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from associa.app.doc import DocState
from associa.errors import FieldNotFound
from associa.qix.api.refs import FieldRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call


def _ref(call: Call) -> FieldRef:
    return call.target


def _selecting(call: Call, action: Callable[[DocState, str, str], bool]) -> bool:
    """Run a selection on the field, in the handle's state; False when the field is gone
    (after a reload)."""
    ref = _ref(call)
    try:
        return action(ref.doc, ref.name, ref.state)
    except FieldNotFound:
        return False


@method("Field", "Select", p("qMatch", "str"), p("qSoftLock", "bool", False),
        p("qExcludedValuesMode", "int", 0), out=("qReturn",))
def select(call: Call, qMatch: str, qSoftLock: bool, qExcludedValuesMode: int) -> bool:
    return _selecting(call, lambda doc, name, st: doc.select_match(
        name, qMatch, False, qSoftLock, st))


@method("Field", "ToggleSelect", p("qMatch", "str"), p("qSoftLock", "bool", False),
        p("qExcludedValuesMode", "int", 0), out=("qReturn",))
def toggle_select(call: Call, qMatch: str, qSoftLock: bool, qExcludedValuesMode: int) -> bool:
    return _selecting(call, lambda doc, name, st: doc.select_match(
        name, qMatch, True, qSoftLock, st))


@method("Field", "SelectValues", p("qFieldValues", "list"), p("qToggleMode", "bool", False),
        p("qSoftLock", "bool", False), out=("qReturn",))
def select_values(call: Call, qFieldValues: list[Any], qToggleMode: bool, qSoftLock: bool) -> bool:
    return _selecting(call, lambda doc, name, st: doc.select_values(
        name, qFieldValues, qToggleMode, qSoftLock, st))


@method("Field", "LowLevelSelect", p("qValues", "list"), p("qToggleMode", "bool", False),
        p("qSoftLock", "bool", False), out=("qReturn",))
def low_level_select(call: Call, qValues: list[Any], qToggleMode: bool, qSoftLock: bool) -> bool:
    symbols = [
        int(v) for v in qValues
        if not isinstance(v, bool)
        and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))
    ]
    return _selecting(call, lambda doc, name, st: doc.select_symbols(
        name, symbols, qToggleMode, qSoftLock, st))


@method("Field", "Clear", out=("qReturn",))
def clear(call: Call) -> bool:
    ref = _ref(call)
    return ref.doc.clear_field(ref.name, ref.state)


@method("Field", "ClearAllButThis", p("qSoftLock", "bool", False), out=("qReturn",))
def clear_all_but_this(call: Call, qSoftLock: bool) -> bool:
    ref = _ref(call)
    return ref.doc.clear_others(ref.name, qSoftLock, ref.state)


@method("Field", "SelectAll", p("qSoftLock", "bool", False), out=("qReturn",))
def select_all(call: Call, qSoftLock: bool) -> bool:
    return _selecting(call, lambda doc, name, st: doc.select_states(name, "all", qSoftLock, st))


@method("Field", "SelectPossible", p("qSoftLock", "bool", False), out=("qReturn",))
def select_possible(call: Call, qSoftLock: bool) -> bool:
    return _selecting(call, lambda doc, name, st: doc.select_states(name, "possible", qSoftLock, st))


@method("Field", "SelectAlternative", p("qSoftLock", "bool", False), out=("qReturn",))
def select_alternative(call: Call, qSoftLock: bool) -> bool:
    return _selecting(call, lambda doc, name, st: doc.select_states(name, "alternative", qSoftLock, st))


@method("Field", "SelectExcluded", p("qSoftLock", "bool", False), out=("qReturn",))
def select_excluded(call: Call, qSoftLock: bool) -> bool:
    return _selecting(call, lambda doc, name, st: doc.select_states(name, "excluded", qSoftLock, st))


@method("Field", "Lock", out=("qReturn",))
def lock(call: Call) -> bool:
    ref = _ref(call)
    return ref.doc.lock_field(ref.name, ref.state)


@method("Field", "Unlock", out=("qReturn",))
def unlock(call: Call) -> bool:
    ref = _ref(call)
    return ref.doc.unlock_field(ref.name, ref.state)


@method("Field", "GetCardinal", out=("qReturn",))
def get_cardinal(call: Call) -> int:
    ref = _ref(call)
    model, _, _ = ref.doc.snapshot()
    fld = model.fields.get(ref.name)
    return len(fld.symbols) if fld is not None else 0


@method("Field", "GetAndMode", out=("qReturn",))
def get_and_mode(call: Call) -> bool:
    ref = _ref(call)
    return ref.name in ref.doc.snapshot(ref.state)[1].and_fields


@method("Field", "SetAndMode", p("qAndMode", "bool"))
def set_and_mode(call: Call, qAndMode: bool) -> None:
    """AND mode where the field allows it (``Selections.set_and_mode``); elsewhere the
    call changes nothing, and GetAndMode answers false."""
    _selecting(call, lambda doc, name, st: doc.set_and_mode(name, qAndMode, st))


@method("Field", "GetNxProperties", out=("qProperties",))
def get_nx_properties(call: Call) -> dict[str, Any]:
    ref = _ref(call)
    return {"qOneAndOnlyOne": ref.name in ref.doc.snapshot(ref.state)[1].single}


@method("Field", "SetNxProperties", p("qProperties", "obj"))
def set_nx_properties(call: Call, qProperties: dict[str, Any]) -> None:
    """qOneAndOnlyOne takes only while exactly one value is selected (help
    "NxFieldProperties")."""
    ref = _ref(call)
    on = qProperties.get("qOneAndOnlyOne")
    if isinstance(on, bool):
        ref.doc.set_single(ref.name, on, ref.state)
