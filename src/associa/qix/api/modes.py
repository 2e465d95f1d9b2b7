"""The other hypercube modes through GenericObject: stacked, reduced, binned, continuous and
tree data; drill-down and cyclic groups; range selections from charts.

The handlers read what a path names and hand the work to ``calc`` (``stacked``, ``tree``,
``reduced``, ``groups``); selecting is ``DocState``'s, so selections made here in modal
mode (BeginSelections) are undone by EndSelections(false) like any other. Signatures are
the OpenRPC 12.2528 schema's (enigma-go ``schema/engine-rpc.json``).

Range selections (RangeSelectHyperCubeValues, "makes range selections in measures";
https://help.qlik.com/en-US/sense-developer/May2022/Subsystems/EngineJSONAPI/Content/service-genericobject-rangeselecthypercubevalues.htm):
the rows whose measure ``qMeasureIx`` lies in ``qRange`` (``qMin``/``qMax``, each bound
inclusive with its ``qMinInclEq``/``qMaxInclEq``) are found among the cube's rows; the
values those rows show in the dimensions of ``qColumnsToSelect`` ("if the array is
empty, all dimensions are selected") are selected. Several ranges on one measure are
alternatives; over several measures all must hold, or one with ``qOrMode`` ("at least
one of the measures must be in the range"). ``qDeselectOnlyOneSelected`` "unselects the
last single selected value". ``qSuccess`` is false when no row is in range or a field is
locked. SelectHyperCubeContinuousRange selects a dimension's values whose number lies in
(Min, Max); "if either MinInclEq or MaxInclEq, or both flags are set to true then Min
and Max values will be selected" (OpenRPC 12.2528), so one flag includes both ends.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from associa.app.doc import resolve_path
from associa.calc import groups
from associa.calc.others import cell_symbols
from associa.calc.pivot_axes import is_pivot
from associa.calc.reduced import binned_pages, continuous, reduced_pages
from associa.calc.stacked import DEFAULT_MAX_OUTER, stacked
from associa.calc.tree import TreeTable
from associa.errors import HyperCubeModeError, InvalidParameters, InvalidPath
from associa.qix.api.refs import ObjectRef
from associa.qix.dispatch import method, p
from associa.qix.session import Call

Range = tuple[float | None, float | None, bool, bool]


def _ref(call: Call) -> ObjectRef:
    return call.target


def _definition(call: Call, path: str) -> dict[str, Any]:
    """The hypercube definition at ``path`` (with this session's soft patches)."""
    parts = [x for x in path.split("/") if x]
    if not parts or parts[-1] != "qHyperCubeDef":
        raise InvalidPath(path)
    return resolve_path(_ref(call).properties()[0], path)


def _table(call: Call, path: str) -> Any:
    """The computed table of the cube at ``path`` (its straight form)."""
    ref = _ref(call)
    definition = _definition(call, path)
    if is_pivot(definition):  # a pivot cube has pivot pages only (HC_INVALID_OBJECT)
        raise HyperCubeModeError(call.request.method)
    table = ref.doc.hypercube(ref.obj_id, path, definition)
    return getattr(table, "table", table)


def _state(call: Call, path: str) -> str:
    ref = _ref(call)
    return ref.doc.object_state(ref.obj_id, _definition(call, path))


# -- data -----------------------------------------------------------------------------


@method("GenericObject", "GetHyperCubeStackData", p("qPath", "str"), p("qPages", "list"),
        p("qMaxNbrCells", "int", DEFAULT_MAX_OUTER), out=("qDataPages",))
def get_hypercube_stack_data(call: Call, qPath: str, qPages: list[Any],
                             qMaxNbrCells: int) -> list[dict[str, Any]]:
    return stacked(_table(call, qPath)).stack_pages(qPages, qMaxNbrCells)


@method("GenericObject", "GetHyperCubeReducedData", p("qPath", "str"), p("qPages", "list"),
        p("qZoomFactor", "int"), p("qReductionMode", "any"), out=("qDataPages",))
def get_hypercube_reduced_data(call: Call, qPath: str, qPages: list[Any], qZoomFactor: int,
                               qReductionMode: Any) -> list[dict[str, Any]]:
    """``qReductionMode`` as the enum's name, its short form or its number (the schema's
    default is 0: DATA_REDUCTION_NONE)."""
    names = ["N", "D1", "S", "C", "ST"]
    if isinstance(qReductionMode, int) and not isinstance(qReductionMode, bool):
        if not 0 <= qReductionMode < len(names):
            raise InvalidParameters("qReductionMode", f"no mode {qReductionMode}")
        qReductionMode = names[qReductionMode]
    elif not isinstance(qReductionMode, str):
        raise InvalidParameters("qReductionMode", "expected a string or a number")
    mode = {"DATA_REDUCTION_NONE": "N", "DATA_REDUCTION_ONEDIM": "D1",
            "DATA_REDUCTION_SCATTERED": "S", "DATA_REDUCTION_CLUSTERED": "C",
            "DATA_REDUCTION_STACKED": "ST"}.get(qReductionMode, qReductionMode)
    return reduced_pages(_table(call, qPath), qPages, qZoomFactor, mode)


@method("GenericObject", "GetHyperCubeBinnedData", p("qPath", "str"), p("qPages", "list"),
        p("qViewport", "obj"), p("qDataRanges", "list"), p("qMaxNbrCells", "int"),
        p("qQueryLevel", "int"), p("qBinningMethod", "int", 0), out=("qDataPages",))
def get_hypercube_binned_data(call: Call, qPath: str, qPages: list[Any], qViewport: Any,
                              qDataRanges: list[Any], qMaxNbrCells: int, qQueryLevel: int,
                              qBinningMethod: int) -> list[dict[str, Any]]:
    """The viewport "is not yet used" (reference): only checked to be an object."""
    return binned_pages(_table(call, qPath), qPages, qDataRanges, qMaxNbrCells, qQueryLevel,
                        qBinningMethod)


@method("GenericObject", "GetHyperCubeContinuousData", p("qPath", "str"), p("qOptions", "obj"),
        p("qReverseSort", "bool", False), out=("qDataPages", "qAxisData"))
def get_hypercube_continuous_data(call: Call, qPath: str, qOptions: dict[str, Any],
                                  qReverseSort: bool) -> dict[str, Any]:
    return continuous(_table(call, qPath), qOptions, qReverseSort)


def level_tables(call: Call, path: str, table: Any) -> list[Any]:
    """The tables of the cube over its first 1 … n-1 dimensions (a tree's levels)."""
    definition = _definition(call, path)
    dims = definition.get("qDimensions") or []
    ref = _ref(call)
    out = []
    for k in range(max(len(dims) - 1, 0)):
        d = copy.copy(definition)
        d["qDimensions"] = dims[:k + 1]
        d["qMode"] = "S"
        d["qInitialDataFetch"] = []
        ncols = k + 1 + len(definition.get("qMeasures") or [])
        order = definition.get("qInterColumnSortOrder") or []
        shift = len(dims) - (k + 1)
        d["qInterColumnSortOrder"] = [
            (c if c <= k else c - shift) for c in order if isinstance(c, int)
            and (c <= k or c >= len(dims)) and 0 <= (c if c <= k else c - shift) < ncols]
        level = ref.doc.hypercube(ref.obj_id, f"{path}#level{k}", d)
        out.append(getattr(level, "table", level))
    out.append(table)
    return out


def tree_of(call: Call, path: str) -> TreeTable:
    """The tree of the cube at ``path``, with the inference of the object's selection
    state (the values ``qAllValues`` may add are the ones possible there)."""
    table = _table(call, path)
    inference = _ref(call).doc.snapshot(_state(call, path))[2]
    return TreeTable(table, level_tables(call, path, table), inference)


@method("GenericObject", "GetHyperCubeTreeData", p("qPath", "str"),
        p("qNodeOptions", "obj", None), out=("qNodes",))
def get_hypercube_tree_data(call: Call, qPath: str, qNodeOptions: Any) -> list[dict[str, Any]]:
    return tree_of(call, qPath).nodes(qNodeOptions)


# -- range selections -----------------------------------------------------------------


def parse_range(value: Any, name: str = "qRanges") -> Range:
    """(min, max, min inclusive, max inclusive) of a Range; a missing bound is open."""
    if not isinstance(value, Mapping):
        raise InvalidParameters(name, "a range must be an object")
    bounds: list[float | None] = []
    for key in ("qMin", "qMax"):
        x = value.get(key)
        if x is None or x == "NaN":
            bounds.append(None)
        elif isinstance(x, int | float) and not isinstance(x, bool):
            bounds.append(float(x))
        else:
            raise InvalidParameters(name, f"{key} must be a number")
    return bounds[0], bounds[1], value.get("qMinInclEq") is True, value.get("qMaxInclEq") is True


def in_range(nums: np.ndarray, r: Range) -> np.ndarray:
    low, high, low_eq, high_eq = r
    with np.errstate(invalid="ignore"):
        ok = ~np.isnan(nums)
        if low is not None:
            ok &= nums >= low if low_eq else nums > low
        if high is not None:
            ok &= nums <= high if high_eq else nums < high
    return ok


def _measure_index(info: Mapping[str, Any], nmeasures: int, key: str = "qMeasureIx") -> int:
    m = info.get(key, 0)
    if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m < nmeasures:
        raise InvalidParameters(key, f"no measure {m}")
    return m


def rows_in_ranges(table: Any, ranges: list[Any], or_mode: bool) -> np.ndarray:
    """Positions (display order) of the rows whose measures lie in the ranges."""
    cube = table.cube
    by_measure: dict[int, np.ndarray] = {}
    for info in ranges:
        if not isinstance(info, Mapping):
            raise InvalidParameters("qRanges", "qRanges must hold NxRangeSelectInfo objects")
        m = _measure_index(info, len(cube.measures))
        v = cube.values[m]
        nums = np.asarray(v.num, dtype=np.float64)[table.rows].copy()
        nums[np.asarray(v.null)[table.rows]] = np.nan
        hit = in_range(nums, parse_range(info.get("qRange")))
        by_measure[m] = by_measure[m] | hit if m in by_measure else hit
    if not by_measure:
        return np.zeros(0, dtype=np.int64)
    masks = list(by_measure.values())
    mask = np.logical_or.reduce(masks) if or_mode else np.logical_and.reduce(masks)
    return np.flatnonzero(mask)


def _columns(table: Any, columns: list[Any]) -> list[int]:
    ndims = len(table.cube.dims)
    out = []
    for c in columns:
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < ndims:
            raise InvalidParameters("qColumnsToSelect", f"no dimension {c}")
        out.append(c)
    return out or list(range(ndims))


def select_rows(call: Call, path: str, table: Any, positions: np.ndarray, columns: list[int],
                deselect_only_one: bool, soft_lock: bool = False) -> bool:
    """Select, in each dimension of ``columns``, the values the rows at ``positions``
    show (an Others row's: the values it groups, a total row's none, ``calc/others.py``'s
    ``cell_symbols``). False when there are none or a selection is refused (a locked
    field)."""
    if not len(positions):
        return False
    ref = _ref(call)
    state = _state(call, path)
    cube = table.cube
    ok = True
    for col in columns:
        d = cube.dims[col]
        codes = cell_symbols(cube, col, table.rows[positions].tolist())
        if d.field is not None:
            null = cube.model.fields[d.field].null_code
            codes = [c for c in codes if c != null]
            if not codes:
                ok = False
                continue
            current = ref.doc.snapshot(state)[1]
            mask = current.selected.get(d.field)
            if (deselect_only_one and mask is not None and len(codes) == 1
                    and int(mask.sum()) == 1 and bool(mask[codes[0]])):
                ok = ref.doc.select_symbols(d.field, codes, True, soft_lock, state) and ok
                continue
            ok = ref.doc.select_symbols(d.field, codes, False, soft_lock, state) and ok
        elif d.calc is not None and d.values is not None:
            table_values = d.values
            picked = np.asarray([c for c in codes if 0 <= c < len(table_values)],
                                dtype=np.int64)
            vals = table_values.values.take(picked)
            texts = [table_values.text(int(c)) for c in picked.tolist()]
            text = groups.field_defs(d.definition)[0]

            def chosen(calc: Any, v: Any = vals, t: list[str] = texts) -> list[int]:
                return list(calc.codes_of(v, t).tolist())

            ok = ref.doc.select_calculated(text, chosen, False, soft_lock, state) and ok
        else:
            ok = False
    return ok


@method("GenericObject", "RangeSelectHyperCubeValues", p("qPath", "str"), p("qRanges", "list"),
        p("qColumnsToSelect", "list", []), p("qOrMode", "bool", False),
        p("qDeselectOnlyOneSelected", "bool", False), out=("qSuccess",))
def range_select_hypercube_values(call: Call, qPath: str, qRanges: list[Any],
                                  qColumnsToSelect: list[Any], qOrMode: bool,
                                  qDeselectOnlyOneSelected: bool) -> bool:
    table = _table(call, qPath)
    columns = _columns(table, qColumnsToSelect)
    rows = rows_in_ranges(table, qRanges, qOrMode)
    return select_rows(call, qPath, table, rows, columns, qDeselectOnlyOneSelected)


@method("GenericObject", "MultiRangeSelectHyperCubeValues", p("qPath", "str"),
        p("qRanges", "list"), p("qOrMode", "bool", False),
        p("qDeselectOnlyOneSelected", "bool", False), out=("qSuccess",))
def multi_range_select_hypercube_values(call: Call, qPath: str, qRanges: list[Any],
                                        qOrMode: bool, qDeselectOnlyOneSelected: bool) -> bool:
    """Each NxMultiRangeSelectInfo (``qRanges``, ``qColumnsToSelect``) is one range
    selection, made in order; the cube is computed again after each."""
    for item in qRanges:
        if not isinstance(item, Mapping) or not isinstance(item.get("qRanges", []), list):
            raise InvalidParameters("qRanges", "qRanges must hold NxMultiRangeSelectInfo objects")
    ok = True
    for item in qRanges:
        table = _table(call, qPath)
        columns = _columns(table, list(item.get("qColumnsToSelect") or []))
        rows = rows_in_ranges(table, list(item.get("qRanges") or []), qOrMode)
        ok = select_rows(call, qPath, table, rows, columns, qDeselectOnlyOneSelected) and ok
    return ok


@method("GenericObject", "SelectHyperCubeContinuousRange", p("qPath", "str"),
        p("qRanges", "list"), p("qSoftLock", "bool", False), out=("qSuccess",))
def select_hypercube_continuous_range(call: Call, qPath: str, qRanges: list[Any],
                                      qSoftLock: bool) -> bool:
    table = _table(call, qPath)
    cube = table.cube
    by_dim: dict[int, list[Range]] = {}
    for info in qRanges:
        if not isinstance(info, Mapping):
            raise InvalidParameters("qRanges", "qRanges must hold NxContinuousRangeSelectInfo")
        dim = info.get("qDimIx", 0)
        if isinstance(dim, bool) or not isinstance(dim, int) or not 0 <= dim < len(cube.dims):
            raise InvalidParameters("qDimIx", f"no dimension {dim}")
        low, high, low_eq, high_eq = parse_range(info.get("qRange"))
        both = low_eq or high_eq
        by_dim.setdefault(dim, []).append((low, high, both, both))
    ref = _ref(call)
    state = _state(call, qPath)
    ok = bool(by_dim)
    for dim, ranges in by_dim.items():
        d = cube.dims[dim]
        if d.field is None:
            ok = False
            continue
        symbols = cube.model.fields[d.field].symbols
        nums = symbols.nums_at(np.arange(len(symbols)))
        hit = np.zeros(len(nums), dtype=bool)
        for r in ranges:
            hit |= in_range(nums, r)
        ok = ref.doc.select_symbols(d.field, np.flatnonzero(hit).tolist(), False, qSoftLock,
                                    state) and ok
    return ok


@method("GenericObject", "MultiRangeSelectTreeDataValues", p("qPath", "str"),
        p("qRanges", "list"), p("qOrMode", "bool", False),
        p("qDeselectOnlyOneSelected", "bool", False), out=("qSuccess",))
def multi_range_select_tree_data_values(call: Call, qPath: str, qRanges: list[Any],
                                        qOrMode: bool, qDeselectOnlyOneSelected: bool) -> bool:
    """NxTreeMultiRangeSelectInfo items of NxTreeRangeSelectInfo (``qRange``,
    ``qMeasureIx``, ``qDimensionIx``): the measure is read at the dimension's level of
    the tree (the cube over the dimensions down to it), whose values in range are
    selected in that dimension."""
    table = _table(call, qPath)
    levels = level_tables(call, qPath, table)
    ok = True
    for item in qRanges:
        inner = item.get("qRanges") if isinstance(item, Mapping) else None
        if not isinstance(inner, list):
            raise InvalidParameters("qRanges", "qRanges must hold NxTreeMultiRangeSelectInfo")
        by_dim: dict[int, list[Any]] = {}
        for info in inner:
            if not isinstance(info, Mapping):
                raise InvalidParameters("qRanges", "qRanges must hold NxTreeRangeSelectInfo")
            dim = info.get("qDimensionIx", 0)
            if isinstance(dim, bool) or not isinstance(dim, int) or not 0 <= dim < len(levels):
                raise InvalidParameters("qDimensionIx", f"no dimension {dim}")
            by_dim.setdefault(dim, []).append(info)
        for dim, infos in by_dim.items():
            level = levels[dim]
            rows = rows_in_ranges(level, infos, qOrMode)
            ok = select_rows(call, qPath, level, rows, [dim], qDeselectOnlyOneSelected) and ok
    return ok


# -- drill-down and cyclic groups -----------------------------------------------------


def _dimension(call: Call, path: str, dim_no: int) -> dict[str, Any]:
    dims = _definition(call, path).get("qDimensions") or []
    if not 0 <= dim_no < len(dims) or not isinstance(dims[dim_no], dict):
        raise InvalidParameters("qDimNo", f"no dimension {dim_no}")
    return dims[dim_no]


@method("GenericObject", "DrillUp", p("qPath", "str"), p("qDimNo", "int", 0),
        p("qNbrSteps", "int", 0))
def drill_up(call: Call, qPath: str, qDimNo: int, qNbrSteps: int) -> None:
    """Go ``qNbrSteps`` levels up a drill-down group: clear the selections of the levels
    from there down to the one above the level shown."""
    d = _dimension(call, qPath, qDimNo)
    ref = _ref(call)
    state = _state(call, qPath)
    model, _, inference = ref.doc.snapshot(state)
    names = groups.drill_up_fields(model, d, inference, qNbrSteps)
    if names:
        ref.doc.clear_fields(names, state)


def _taken(call: Call, path: str, dim_no: int) -> list[str]:
    """The fields the cube's other dimensions show."""
    table = _table(call, path)
    return [d.field for i, d in enumerate(table.cube.dims) if i != dim_no and d.field]


def _set_active(call: Call, path: str, dim_no: int, index: int) -> None:
    """Store ``qActiveField`` in the properties (SetProperties' way: the object changes)."""
    ref = _ref(call)
    props, is_session = ref.properties(soft=False)
    props = copy.deepcopy(props)
    dims = resolve_path(props, path).get("qDimensions") or []
    dims[dim_no].setdefault("qDef", {})["qActiveField"] = index
    if is_session:
        ref.doc.set_session_object(ref.obj_id, props)
    else:
        ref.doc.app.set_object(ref.obj_id, props)


@method("GenericObject", "StepCycle", p("qPath", "str"), p("qDimNo", "int", 0),
        p("qNbrSteps", "int", 0))
def step_cycle(call: Call, qPath: str, qDimNo: int, qNbrSteps: int) -> None:
    d = _dimension(call, qPath, qDimNo)
    new = groups.cycled(d, qNbrSteps, _taken(call, qPath, qDimNo))
    if new is not None:
        _set_active(call, qPath, qDimNo, new)


@method("GenericObject", "SetActiveField", p("qPath", "str"), p("qDimNo", "int"),
        p("qNewIndex", "int"))
def set_active_field(call: Call, qPath: str, qDimNo: int, qNewIndex: int) -> None:
    d = _dimension(call, qPath, qDimNo)
    if groups.settable(d, qNewIndex, _taken(call, qPath, qDimNo)):
        _set_active(call, qPath, qDimNo, qNewIndex)
