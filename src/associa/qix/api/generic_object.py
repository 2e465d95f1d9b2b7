"""GenericObject: properties, layouts, data pages and selections through objects."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from associa.app.doc import resolve_path
from associa.app.layout import layout_signature, object_layout
from associa.app.properties import apply_patch, object_info, public_properties
from associa.calc import groups
from associa.calc.calclist import STATE_GROUPS as CALC_GROUPS
from associa.calc.calclist import is_calculated, read_fields
from associa.calc.listobject import list_field
from associa.calc.others import OTHERS, cell_symbols
from associa.errors import InvalidParameters, InvalidPath, NotImplementedInEngine
from associa.qix.api.modes import in_range, parse_range
from associa.qix.api.objects import check_extends
from associa.qix.api.refs import ObjectRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call


def _ref(call: Call) -> ObjectRef:
    return call.target


def _props(call: Call) -> dict[str, Any]:
    """The properties with this session's soft patches (what layouts and pages read)."""
    return _ref(call).properties()[0]


def _stored(call: Call) -> dict[str, Any]:
    """The properties as set, without soft patches."""
    return _ref(call).properties(soft=False)[0]


# -- properties and layout ------------------------------------------------------------


@method("GenericObject", "GetLayout", out=("qLayout",))
def get_layout(call: Call) -> dict[str, Any]:
    """The layout (the one the change check of the last selection computed, while
    current); its signature is kept to tell whether the next selection changes it."""
    ref = _ref(call)
    handle = call.entry.handle
    checked = call.session.layout_for(handle)
    if checked is not None:
        layout, signature = checked
    else:
        layout = object_layout(ref.doc, ref.obj_id, _props(call))
        signature = layout_signature(ref.doc, ref.obj_id, layout)
    call.session.layout_seen(handle, signature)
    return layout


@method("GenericObject", "GetProperties", out=("qProp",))
def get_properties(call: Call) -> dict[str, Any]:
    return public_properties(_stored(call), return_empty=call.request.return_empty)


@method("GenericObject", "GetEffectiveProperties", out=("qProp",))
def get_effective_properties(call: Call) -> dict[str, Any]:
    """The properties with this session's soft patches applied."""
    return public_properties(_props(call), return_empty=call.request.return_empty)


@method("GenericObject", "GetInfo", out=("qInfo",))
def get_info(call: Call) -> dict[str, Any]:
    return object_info(_props(call))


def _store(call: Call, props: dict[str, Any]) -> None:
    ref = _ref(call)
    check_extends(ref.doc, ref.obj_id, props)  # a link to nothing or to itself: 8000
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
    """JSON patches on the properties, all or none; soft patches (``qSoftPatch``) are
    this session's only and never saved (GetProperties does not show them)."""
    for patch in qPatches:
        if not isinstance(patch, dict):
            raise InvalidParameters("qPatches", "a patch must be an object")
    ref = _ref(call)
    if qSoftPatch:
        ref.properties()  # a destroyed object: the handle is invalid
        ref.doc.apply_soft_patches(ref.obj_id, qPatches)
        return
    props = copy.deepcopy(_stored(call))
    for patch in qPatches:
        apply_patch(props, patch)
    _store(call, props)


@method("GenericObject", "ClearSoftPatches")
def clear_soft_patches(call: Call) -> None:
    ref = _ref(call)
    ref.properties()
    ref.doc.clear_soft_patches(ref.obj_id)




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
# what the paths and indices name is read here; the selecting is DocState's


def _list_field(call: Call, path: str) -> str:
    ref = _ref(call)
    return list_field(ref.doc.list_definition(ref.obj_id, _definition(call, path, "lo")))


def _state(call: Call, path: str, kind: str) -> str:
    """The state the definition at ``path`` selects in (``DocState.object_state``)."""
    ref = _ref(call)
    return ref.doc.object_state(ref.obj_id, _definition(call, path, kind))


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
    values = _int_list(qValues, "qValues")
    if is_calculated(name):  # the values' codes: selected through the fields read
        return _ref(call).doc.select_calculated(name, lambda calc: values, qToggleMode,
                                                qSoftLock, _state(call, qPath, "lo"))
    return _ref(call).doc.select_symbols(name, values, qToggleMode,
                                         qSoftLock, _state(call, qPath, "lo"))


def _select_states(call: Call, path: str, group: str, soft_lock: bool) -> bool:
    name = _list_field(call, path)
    if is_calculated(name):
        wanted = CALC_GROUPS[group]
        return _ref(call).doc.select_calculated(
            name, lambda calc: np.flatnonzero(np.isin(calc.states, wanted)).tolist(), False,
            soft_lock, _state(call, path, "lo"))
    return _ref(call).doc.select_states(name, group, soft_lock, _state(call, path, "lo"))


@method("GenericObject", "SelectListObjectPossible", p("qPath", "str"),
        p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_possible(call: Call, qPath: str, qSoftLock: bool) -> bool:
    return _select_states(call, qPath, "possible", qSoftLock)


@method("GenericObject", "SelectListObjectAll", p("qPath", "str"),
        p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_all(call: Call, qPath: str, qSoftLock: bool) -> bool:
    return _select_states(call, qPath, "all", qSoftLock)


@method("GenericObject", "SelectListObjectAlternative", p("qPath", "str"),
        p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_alternative(call: Call, qPath: str, qSoftLock: bool) -> bool:
    return _select_states(call, qPath, "alternative", qSoftLock)


@method("GenericObject", "SelectListObjectExcluded", p("qPath", "str"),
        p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_excluded(call: Call, qPath: str, qSoftLock: bool) -> bool:
    return _select_states(call, qPath, "excluded", qSoftLock)


def _in_ranges(nums: np.ndarray, ranges: list[Any]) -> np.ndarray:
    """The numbers in any of the ranges."""
    hit = np.zeros(len(nums), dtype=bool)
    for r in ranges:
        hit |= in_range(nums, r)
    return hit


@method("GenericObject", "SelectListObjectContinuousRange", p("qPath", "str"),
        p("qRanges", "list"), p("qSoftLock", "bool", False), out=("qSuccess",))
def select_listobject_continuous_range(call: Call, qPath: str, qRanges: list[Any],
                                       qSoftLock: bool) -> bool:
    """Select the values whose number lies in any of the ranges (Range: qMin, qMax,
    qMinInclEq, qMaxInclEq; a missing bound is open)."""
    ranges = [parse_range(r) for r in qRanges]
    name = _list_field(call, qPath)
    ref = _ref(call)
    if is_calculated(name):
        return ref.doc.select_calculated(
            name, lambda calc: np.flatnonzero(_in_ranges(calc.values.values.num, ranges)
                                              ).tolist(),
            False, qSoftLock, _state(call, qPath, "lo"))
    model = ref.doc.snapshot()[0]
    if name not in model.fields:
        return False
    nums = model.fields[name].symbols.nums_at(np.arange(len(model.fields[name].symbols)))
    hit = _in_ranges(nums, ranges)
    return ref.doc.select_symbols(name, np.flatnonzero(hit).tolist(), False, qSoftLock,
                                  _state(call, qPath, "lo"))


def _cube_dim_field(call: Call, path: str, dim_no: int) -> str:
    definition = _definition(call, path, "hc")
    dims = definition.get("qDimensions") or []
    if not 0 <= dim_no < len(dims):
        raise InvalidParameters("qDimNo", f"no dimension {dim_no}")
    defs = (dims[dim_no].get("qDef") or {}).get("qFieldDefs") or [""]
    name = defs[0]
    if groups.grouping(dims[dim_no]) != "N":  # the group's field the chart shows
        model, _, inference = _ref(call).doc.snapshot(_state(call, path, "hc"))
        name = groups.active(model, dims[dim_no], inference)[0]
    return name[1:-1] if name[:1] == "[" and name[-1:] == "]" else name


def _select_cube_calculated(call: Call, path: str, dim_no: int, codes: list[int],
                            toggle: bool, soft_lock: bool) -> bool:
    """Select values of a hypercube's calculated dimension (their codes among the
    dimension's values in the cube): matched by value to the expression's list over the
    selections, then selected through the fields it reads (``calc/calclist.py``)."""
    ref = _ref(call)
    cube = ref.doc.hypercube(ref.obj_id, path, _definition(call, path, "hc"))
    d = cube.dims[dim_no]
    if d.calc is None or d.values is None:
        raise NotImplementedInEngine(
            f"Selecting in calculated dimension {dim_no} is not supported")
    table = d.values
    picked = np.asarray([c for c in codes if 0 <= c < len(table)], dtype=np.int64)
    vals = table.values.take(picked)
    texts = [table.text(int(c)) for c in picked.tolist()]
    text = ((d.definition.get("qDef") or {}).get("qFieldDefs") or [""])[0]
    return ref.doc.select_calculated(text, lambda calc: calc.codes_of(vals, texts).tolist(),
                                     toggle, soft_lock, _state(call, path, "hc"))


def _with_others(call: Call, path: str, dim_no: int, values: list[int]) -> list[int]:
    """SelectHyperCubeValues' element numbers with -3 (Others) replaced by the values
    the cube's Others rows group in that dimension; other negative numbers (-1 total,
    -2 NULL) select nothing."""
    wanted = [v for v in values if v >= 0]
    if OTHERS not in values:
        return wanted
    ref = _ref(call)
    cube = ref.doc.hypercube(ref.obj_id, path, _definition(call, path, "hc"))
    inner = cube.cube
    if not 0 <= dim_no < len(inner.dims):
        return wanted
    rows = [g for g in inner.rows.tolist() if int(inner.dim_symbols[dim_no][g]) == OTHERS]
    return sorted(set(wanted) | set(cell_symbols(inner, dim_no, rows)))


@method("GenericObject", "SelectHyperCubeValues", p("qPath", "str"), p("qDimNo", "int"),
        p("qValues", "list"), p("qToggleMode", "bool", False), out=("qSuccess",))
def select_hypercube_values(call: Call, qPath: str, qDimNo: int, qValues: list[Any],
                            qToggleMode: bool) -> bool:
    name = _cube_dim_field(call, qPath, qDimNo)
    values = _with_others(call, qPath, qDimNo, _int_list(qValues, "qValues"))
    if is_calculated(name):
        return _select_cube_calculated(call, qPath, qDimNo, values, qToggleMode, False)
    return _ref(call).doc.select_symbols(name, values, qToggleMode,
                                         state=_state(call, qPath, "hc"))


# the modes whose dimension cells are nodes over rows of the straight cube
NODE_MODES = ("K", "DATA_MODE_PIVOT_STACK", "T", "DATA_MODE_TREE")


def node_rows(table: Any, rows: list[int], col: int) -> list[int]:
    """The display rows under the nodes of dimension ``col`` that rows ``rows`` are in:
    every row sharing their values in the dimensions up to ``col`` (a stacked or tree
    node's rows, ``calc/stacked.py``'s ``build_tree``)."""
    if not rows:
        return []
    shown = table.rows
    prefix = np.stack([np.asarray(table.cube.dim_symbols[c])[shown].astype(np.int64)
                       for c in range(col + 1)], axis=1)
    _, node = np.unique(prefix, axis=0, return_inverse=True)
    node = node.ravel()
    return np.flatnonzero(np.isin(node, node[rows])).tolist()


@method("GenericObject", "SelectHyperCubeCells", p("qPath", "str"), p("qRowIndices", "list"),
        p("qColIndices", "list"), p("qSoftLock", "bool", False),
        p("qDeselectOnlyOneSelected", "bool", False), out=("qSuccess",))
def select_hypercube_cells(call: Call, qPath: str, qRowIndices: list[Any],
                           qColIndices: list[Any], qSoftLock: bool,
                           qDeselectOnlyOneSelected: bool) -> bool:
    """Select the values of the cells at the rows and dimension columns given (an
    Others cell: the values it groups; a total cell: none, ``calc/others.py``'s
    ``cell_symbols``). In a stacked or tree cube a row is where a node's rows start
    (NxStackedPivotCell and NxTreeNode ``qRow``) and a cell stands for its node: every
    row under it (``node_rows``), so that an Others node of an outer dimension selects
    the values it groups beside every inner value."""
    ref = _ref(call)
    cube = ref.doc.hypercube(ref.obj_id, qPath, _definition(call, qPath, "hc"))
    rows = [r for r in _int_list(qRowIndices, "qRowIndices") if 0 <= r < len(cube.rows)]
    by_node = cube.definition.get("qMode") in NODE_MODES
    inner = cube.cube
    ok = True
    state = _state(call, qPath, "hc")
    for col in _int_list(qColIndices, "qColIndices"):
        at = node_rows(cube, rows, col) if by_node and 0 <= col < len(cube.dims) else rows
        groups = [int(cube.rows[r]) for r in at]
        field = cube.dims[col].field if 0 <= col < len(cube.dims) else None
        if field is None:
            if 0 <= col < len(cube.dims) and cube.dims[col].calc is not None:
                codes = cell_symbols(inner, col, groups)
                ok = _select_cube_calculated(call, qPath, col, codes, False,
                                             qSoftLock) and ok
            continue
        symbols = set(cell_symbols(inner, col, groups))
        symbols.discard(cube.model.fields[field].null_code)  # NULL
        ok = ref.doc.select_symbols(field, sorted(symbols), False, qSoftLock, state) and ok
    return ok


@method("GenericObject", "ClearSelections", p("qPath", "str"), p("qColIndices", "list", []))
def clear_selections(call: Call, qPath: str, qColIndices: list[Any]) -> None:
    if qPath.rstrip("/").endswith("qListObjectDef"):
        names = [_list_field(call, qPath)]
        state = _state(call, qPath, "lo")
    else:
        dims = _definition(call, qPath, "hc").get("qDimensions") or []
        cols = _int_list(qColIndices, "qColIndices") or list(range(len(dims)))
        names = [_cube_dim_field(call, qPath, c) for c in cols if 0 <= c < len(dims)]
        state = _state(call, qPath, "hc")
    # a calculated dimension's selections are those of the fields it reads
    names = [f for n in names for f in (read_fields(n) if is_calculated(n) else [n])]
    _ref(call).doc.clear_fields(names, state)


def _locked_fields(call: Call, path: str) -> list[str]:
    """The fields Lock/Unlock on a list act on: its field, or the fields a calculated
    list's expression reads (its selections are theirs: ``calc/calclist.py``)."""
    name = _list_field(call, path)
    return read_fields(name) if is_calculated(name) else [name]


@method("GenericObject", "Lock", p("qPath", "str"), p("qColIndices", "list", []))
def lock(call: Call, qPath: str, qColIndices: list[Any]) -> None:
    state = _state(call, qPath, "lo")
    for name in _locked_fields(call, qPath):
        _ref(call).doc.lock_field(name, state)


@method("GenericObject", "Unlock", p("qPath", "str"), p("qColIndices", "list", []))
def unlock(call: Call, qPath: str, qColIndices: list[Any]) -> None:
    state = _state(call, qPath, "lo")
    for name in _locked_fields(call, qPath):
        _ref(call).doc.unlock_field(name, state)


# -- search in list objects -----------------------------------------------------------


@method("GenericObject", "SearchListObjectFor", p("qPath", "str"), p("qMatch", "str"),
        out=("qSuccess",))
def search_listobject_for(call: Call, qPath: str, qMatch: str) -> bool:
    ref = _ref(call)
    ref.doc.search(ref.obj_id, qPath, _list_field(call, qPath), qMatch)
    return True


@method("GenericObject", "AcceptListObjectSearch", p("qPath", "str"),
        p("qToggleMode", "bool", False), p("qSoftLock", "bool", False))
def accept_listobject_search(call: Call, qPath: str, qToggleMode: bool, qSoftLock: bool) -> None:
    ref = _ref(call)
    ref.doc.accept_search(ref.obj_id, qPath, qToggleMode, qSoftLock, _state(call, qPath, "lo"))


@method("GenericObject", "AbortListObjectSearch", p("qPath", "str"))
def abort_listobject_search(call: Call, qPath: str) -> None:
    ref = _ref(call)
    ref.doc.abort_search(ref.obj_id, qPath)


# -- modal selections -----------------------------------------------------------------


@method("GenericObject", "BeginSelections", p("qPaths", "list"))
def begin_selections(call: Call, qPaths: list[Any]) -> None:
    ref = _ref(call)
    ref.doc.begin_selections(ref.obj_id)


@method("GenericObject", "EndSelections", p("qAccept", "bool"))
def end_selections(call: Call, qAccept: bool) -> None:
    ref = _ref(call)
    ref.doc.end_selections(ref.obj_id, qAccept)


@method("GenericObject", "ResetMadeSelections")
def reset_made_selections(call: Call) -> None:
    ref = _ref(call)
    ref.doc.reset_made_selections(ref.obj_id)
