"""GenericObject: properties, layouts, data pages and selections through objects."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np

from associa.app.doc import DocState, list_index, resolve_path
from associa.app.layout import object_layout
from associa.app.properties import object_info, public_properties
from associa.calc.listobject import list_field
from associa.errors import FieldNotFound, InvalidParameters, InvalidPath
from associa.qix.api.refs import ObjectRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call
from associa.select.actions import search_symbols, select_symbols
from associa.select.propagate import ALTERNATIVE, EXCLUDED, LOCK_EXCL, OPTION, SEL_EXCL


def _ref(call: Call) -> ObjectRef:
    return call.target


def _props(call: Call) -> dict[str, Any]:
    return _ref(call).properties()[0]


# -- properties and layout ------------------------------------------------------------


@method("GenericObject", "GetLayout", out=("qLayout",))
def get_layout(call: Call) -> dict[str, Any]:
    ref = _ref(call)
    return object_layout(ref.doc, ref.obj_id, _props(call))


@method("GenericObject", "GetProperties", out=("qProp",))
def get_properties(call: Call) -> dict[str, Any]:
    return public_properties(_props(call), return_empty=call.request.return_empty)


@method("GenericObject", "GetEffectiveProperties", out=("qProp",))
def get_effective_properties(call: Call) -> dict[str, Any]:
    return public_properties(_props(call), return_empty=call.request.return_empty)


@method("GenericObject", "GetInfo", out=("qInfo",))
def get_info(call: Call) -> dict[str, Any]:
    return object_info(_props(call))


def _store(call: Call, props: dict[str, Any]) -> None:
    ref = _ref(call)
    _, is_session = ref.properties()
    if is_session:
        ref.doc.set_session_object(ref.obj_id, props)
    else:
        ref.doc.app.set_object(ref.obj_id, props)


@method("GenericObject", "SetProperties", p("qProp", "obj"))
def set_properties(call: Call, qProp: dict[str, Any]) -> None:
    _store(call, qProp)


@method("GenericObject", "ApplyPatches", p("qPatches", "list"), p("qSoftPatch", "bool", False))
def apply_patches(call: Call, qPatches: list[Any], qSoftPatch: bool) -> None:
    props = copy.deepcopy(_props(call))
    for patch in qPatches:
        if not isinstance(patch, dict):
            raise InvalidParameters("qPatches", "a patch must be an object")
        _apply_patch(props, patch)
    _store(call, props)


def _apply_patch(props: dict[str, Any], patch: dict[str, Any]) -> None:
    op = str(patch.get("qOp", "")).lower()
    path = patch.get("qPath", "")
    parts = [x for x in str(path).split("/") if x]
    if not parts:
        raise InvalidPath(str(path))
    value: Any = None
    if op in ("add", "replace"):
        try:
            value = json.loads(patch.get("qValue", "null"))
        except (TypeError, ValueError):
            raise InvalidParameters("qValue", "qValue must be a JSON text") from None
    parent: Any = props
    for part in parts[:-1]:
        index = list_index(part)
        if isinstance(parent, dict):
            parent = parent.setdefault(part, {})
        elif isinstance(parent, list) and index is not None and index < len(parent):
            parent = parent[index]
        else:
            raise InvalidPath(str(path))
    last = parts[-1]
    if isinstance(parent, dict):
        if op == "remove":
            parent.pop(last, None)
        elif op in ("add", "replace"):
            parent[last] = value
        else:
            raise InvalidParameters("qOp", f"unknown patch operation {op!r}")
    elif isinstance(parent, list):
        index = list_index(last)
        idx = len(parent) if last == "-" else (-1 if index is None else index)
        if idx < 0 or idx > len(parent):
            raise InvalidPath(str(path))
        if op == "remove" and idx < len(parent):
            parent.pop(idx)
        elif op == "add":
            parent.insert(idx, value)
        elif op == "replace" and idx < len(parent):
            parent[idx] = value
        else:
            raise InvalidPath(str(path))
    else:
        raise InvalidPath(str(path))


# -- data -----------------------------------------------------------------------------


DATA_KEYS = {"hc": "qHyperCubeDef", "lo": "qListObjectDef"}


def _definition(call: Call, path: str, kind: str) -> dict[str, Any]:
    """The definition a data path names: it must end at a qHyperCubeDef (or
    qListObjectDef), whose members were type-checked when the properties were stored."""
    parts = [x for x in path.split("/") if x]
    if not parts or parts[-1] != DATA_KEYS[kind]:
        raise InvalidPath(path)
    return resolve_path(_props(call), path)


@method("GenericObject", "GetHyperCubeData", p("qPath", "str"), p("qPages", "list"),
        out=("qDataPages",))
def get_hypercube_data(call: Call, qPath: str, qPages: list[Any]) -> list[dict[str, Any]]:
    ref = _ref(call)
    cube = ref.doc.hypercube(ref.obj_id, qPath, _definition(call, qPath, "hc"))
    return cube.pages(qPages)


@method("GenericObject", "GetListObjectData", p("qPath", "str"), p("qPages", "list"),
        out=("qDataPages",))
def get_listobject_data(call: Call, qPath: str, qPages: list[Any]) -> list[dict[str, Any]]:
    ref = _ref(call)
    lo = ref.doc.listobject(ref.obj_id, qPath, _definition(call, qPath, "lo"))
    return lo.pages(qPages)


# -- selections -----------------------------------------------------------------------


def _select(doc: DocState, name: str, symbols: Any, toggle: bool, soft_lock: bool = False) -> bool:
    model, state, _ = doc.snapshot()
    if name not in model.fields:
        raise FieldNotFound(name)
    return doc.set_state(select_symbols(model, state, name, symbols, toggle, soft_lock))


def _list_field(call: Call, path: str) -> str:
    return list_field(_definition(call, path, "lo"))


def _int_list(values: list[Any], name: str) -> list[int]:
    out = []
    for v in values:
        if isinstance(v, bool) or not (
            isinstance(v, int) or (isinstance(v, float) and v.is_integer())
        ):
            raise InvalidParameters(name, f"{name} must be a list of integers")
        out.append(int(v))
    return out


@method("GenericObject", "SelectListObjectValues", p("qPath", "str"), p("qValues", "list"),
        p("qToggleMode", "bool", False), p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_values(call: Call, qPath: str, qValues: list[Any], qToggleMode: bool,
                             qSoftLock: bool) -> bool:
    name = _list_field(call, qPath)
    return _select(_ref(call).doc, name, _int_list(qValues, "qValues"), qToggleMode, qSoftLock)


def _select_by_states(call: Call, path: str, wanted: tuple[int, ...], soft_lock: bool) -> bool:
    name = _list_field(call, path)
    doc = _ref(call).doc
    model, _, inf = doc.snapshot()
    if name not in model.fields:
        raise FieldNotFound(name)
    states = inf.states(name)
    symbols = np.flatnonzero(np.isin(states, wanted)).tolist()
    return _select(doc, name, symbols, False, soft_lock)


@method("GenericObject", "SelectListObjectPossible", p("qPath", "str"),
        p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_possible(call: Call, qPath: str, qSoftLock: bool) -> bool:
    return _select_by_states(call, qPath, (OPTION, 0, 1), qSoftLock)


@method("GenericObject", "SelectListObjectAll", p("qPath", "str"),
        p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_all(call: Call, qPath: str, qSoftLock: bool) -> bool:
    return _select_by_states(call, qPath, tuple(range(8)), qSoftLock)


@method("GenericObject", "SelectListObjectAlternative", p("qPath", "str"),
        p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_alternative(call: Call, qPath: str, qSoftLock: bool) -> bool:
    return _select_by_states(call, qPath, (ALTERNATIVE,), qSoftLock)


@method("GenericObject", "SelectListObjectExcluded", p("qPath", "str"),
        p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_excluded(call: Call, qPath: str, qSoftLock: bool) -> bool:
    return _select_by_states(call, qPath, (EXCLUDED, ALTERNATIVE, SEL_EXCL, LOCK_EXCL), qSoftLock)


def _cube_dim_field(call: Call, path: str, dim_no: int) -> str:
    definition = _definition(call, path, "hc")
    dims = definition.get("qDimensions") or []
    if not 0 <= dim_no < len(dims):
        raise InvalidParameters("qDimNo", f"no dimension {dim_no}")
    defs = (dims[dim_no].get("qDef") or {}).get("qFieldDefs") or [""]
    name = defs[0]
    return name[1:-1] if name[:1] == "[" and name[-1:] == "]" else name


@method("GenericObject", "SelectHyperCubeValues", p("qPath", "str"), p("qDimNo", "int"),
        p("qValues", "list"), p("qToggleMode", "bool", False), out=("qSuccess",))
def select_hypercube_values(call: Call, qPath: str, qDimNo: int, qValues: list[Any],
                            qToggleMode: bool) -> bool:
    name = _cube_dim_field(call, qPath, qDimNo)
    return _select(_ref(call).doc, name, _int_list(qValues, "qValues"), qToggleMode)


@method("GenericObject", "SelectHyperCubeCells", p("qPath", "str"), p("qRowIndices", "list"),
        p("qColIndices", "list"), p("qSoftLock", "bool", False),
        p("qDeselectOnlyOneSelected", "bool", False), out=("qSuccess",))
def select_hypercube_cells(call: Call, qPath: str, qRowIndices: list[Any],
                           qColIndices: list[Any], qSoftLock: bool,
                           qDeselectOnlyOneSelected: bool) -> bool:
    ref = _ref(call)
    definition = _definition(call, qPath, "hc")
    cube = ref.doc.hypercube(ref.obj_id, qPath, definition)
    rows = [r for r in _int_list(qRowIndices, "qRowIndices") if 0 <= r < len(cube.rows)]
    ok = True
    for col in _int_list(qColIndices, "qColIndices"):
        if not 0 <= col < len(cube.dims) or cube.dims[col].field is None:
            continue
        symbols = {int(cube.dim_symbols[col][cube.rows[r]]) for r in rows}
        symbols.discard(cube.model.fields[cube.dims[col].field].null_code)  # NULL
        ok = _select(ref.doc, cube.dims[col].field, sorted(symbols), False, qSoftLock) and ok
    return ok


@method("GenericObject", "ClearSelections", p("qPath", "str"), p("qColIndices", "list", []))
def clear_selections(call: Call, qPath: str, qColIndices: list[Any]) -> None:
    doc = _ref(call).doc
    if qPath.rstrip("/").endswith("qListObjectDef"):
        names = [list_field(_definition(call, qPath, "lo"))]
    else:
        dims = _definition(call, qPath, "hc").get("qDimensions") or []
        cols = _int_list(qColIndices, "qColIndices") or list(range(len(dims)))
        names = [_cube_dim_field(call, qPath, c) for c in cols if 0 <= c < len(dims)]
    state = doc.state
    doc.set_state(state.without({n for n in names if n not in state.locked}))


@method("GenericObject", "Lock", p("qPath", "str"), p("qColIndices", "list", []))
def lock(call: Call, qPath: str, qColIndices: list[Any]) -> None:
    doc = _ref(call).doc
    doc.set_state(doc.state.with_lock(_list_field(call, qPath), True))


@method("GenericObject", "Unlock", p("qPath", "str"), p("qColIndices", "list", []))
def unlock(call: Call, qPath: str, qColIndices: list[Any]) -> None:
    doc = _ref(call).doc
    doc.set_state(doc.state.with_lock(_list_field(call, qPath), False))


# -- search in list objects -----------------------------------------------------------


@method("GenericObject", "SearchListObjectFor", p("qPath", "str"), p("qMatch", "str"),
        out=("qSuccess",))
def search_listobject_for(call: Call, qPath: str, qMatch: str) -> bool:
    ref = _ref(call)
    name = _list_field(call, qPath)
    model, _, _ = ref.doc.snapshot()
    if name not in model.fields:
        raise FieldNotFound(name)
    ref.doc.searches[(ref.obj_id, qPath)] = (qMatch, set(search_symbols(model, name, qMatch)))
    call.session.mark_changed([call.entry.handle])
    return True


@method("GenericObject", "AcceptListObjectSearch", p("qPath", "str"),
        p("qToggleMode", "bool", False), p("qSoftLock", "bool", False))
def accept_listobject_search(call: Call, qPath: str, qToggleMode: bool, qSoftLock: bool) -> None:
    ref = _ref(call)
    found = ref.doc.searches.pop((ref.obj_id, qPath), None)
    call.session.mark_changed([call.entry.handle])
    if found is not None:
        _select(ref.doc, _list_field(call, qPath), sorted(found[1]), qToggleMode, qSoftLock)


@method("GenericObject", "AbortListObjectSearch", p("qPath", "str"))
def abort_listobject_search(call: Call, qPath: str) -> None:
    ref = _ref(call)
    ref.doc.searches.pop((ref.obj_id, qPath), None)
    call.session.mark_changed([call.entry.handle])


# -- modal selections -----------------------------------------------------------------


@method("GenericObject", "BeginSelections", p("qPaths", "list"))
def begin_selections(call: Call, qPaths: list[Any]) -> None:
    ref = _ref(call)
    if ref.doc.modal is not None and ref.doc.modal[0] != ref.obj_id:
        from associa.errors import AssociaError

        err = AssociaError(
            "BeginSelections", "Function not allowed on this object in app modal mode"
        )
        err.code = 6003
        raise err
    ref.doc.modal = (ref.obj_id, ref.doc.state)
    call.session.mark_changed([call.entry.handle])


@method("GenericObject", "EndSelections", p("qAccept", "bool"))
def end_selections(call: Call, qAccept: bool) -> None:
    ref = _ref(call)
    modal = ref.doc.modal
    ref.doc.modal = None
    call.session.mark_changed([call.entry.handle])
    if modal is not None and not qAccept:
        ref.doc.set_state(modal[1])


@method("GenericObject", "ResetMadeSelections")
def reset_made_selections(call: Call) -> None:
    ref = _ref(call)
    if ref.doc.modal is not None:
        ref.doc.set_state(ref.doc.modal[1])
        ref.doc.modal = (ref.obj_id, ref.doc.state)
