"""Pivot hypercubes (qMode P) through GenericObject: pivot pages, expanding and collapsing,
selecting pivot cells.

The calls and their parameters are the Engine API's (enigma-go ``schema/engine-rpc.json``;
help "GenericObject" methods): ``GetHyperCubePivotData(qPath, qPages)`` →
``qDataPages`` (NxPivotPage); ``ExpandLeft``/``CollapseLeft(qPath, qRow, qCol, qAll)``
with ``qRow`` a row of the data matrix and ``qCol`` the left column (the level, the pseudo
dimension counted, as nebula's sn-pivot-table sends ``cell.y, cell.x``:
``src/pivot-table/hooks/use-data-model.ts``); ``ExpandTop``/``CollapseTop`` with ``qRow``
the top row (level) and ``qCol`` a data column; ``qAll`` every node. An Others node
(``qElemNo`` -3) is named and expanded as any node (``calc/pivot.py``). The state is written
to the properties' ``qExpansionState`` (``calc/pivot.py``). ``SelectPivotCells(qPath,
qSelections: [NxSelectionCell {qType: L|T|D, qRow, qCol}], qSoftLock,
qDeselectOnlyOneSelected)``: a left or top cell selects its value in its dimension's
field, a data cell the values of its row and column; an Others cell (``qElemNo`` -3) the
values it groups, as a straight table's Others cell does (``generic_object.py``,
``_cell_symbols``); cells of one field are selected
together, replacing the field's selection (sn-pivot-table sends every cell picked so far
in one call, inside BeginSelections: ``src/pivot-table/hooks/use-selections-model.ts``).
A pivot call on a straight cube fails with 6000 (HC_INVALID_OBJECT).
"""

from __future__ import annotations

import copy
from typing import Any

from associa.app.doc import resolve_path
from associa.calc.pivot_axes import OTHERS, PSEUDO, Node, dim_name, set_expanded
from associa.calc.pivot_table import PivotTable
from associa.errors import HyperCubeModeError, InvalidParameters
from associa.qix.api.generic_object import (
    _definition,
    _ref,
    _select_cube_calculated,
    _state,
    _store,
    _stored,
)
from associa.qix.dispatch import method, p
from associa.qix.session import Call


def _pivot(call: Call, path: str) -> PivotTable:
    ref = _ref(call)
    cube = ref.doc.hypercube(ref.obj_id, path, _definition(call, path, "hc"))
    if not isinstance(cube, PivotTable):
        raise HyperCubeModeError(path)
    return cube


@method("GenericObject", "GetHyperCubePivotData", p("qPath", "str"), p("qPages", "list"),
        out=("qDataPages",))
def get_hypercube_pivot_data(call: Call, qPath: str, qPages: list[Any]) -> list[dict[str, Any]]:
    ref = _ref(call)
    cube = ref.doc.hypercube(ref.obj_id, qPath, _definition(call, qPath, "hc"))
    return cube.pivot_pages(qPages)


def _expand(call: Call, path: str, row: int, col: int, expand_all: bool, left: bool,
            expanded: bool) -> None:
    """Write the expansion of one node (or, with ``qAll``, of every node of the side) to
    the properties' ``qExpansionState``."""
    cube = _pivot(call, path)
    if cube.definition.get("qAlwaysFullyExpanded"):
        return  # nothing to expand or collapse
    axis = cube.left if left else cube.top
    state = cube.definition.get("qExpansionState")
    if expand_all:
        for i, e in enumerate(axis.entries):
            if e != PSEUDO and any(x != PSEUDO for x in axis.entries[i + 1:]):
                state = set_expanded(state, dim_name(cube.pivot.dims[e].definition), None,
                                     expanded)
    else:
        node = cube.left_node(row, col) if left else cube.top_node(row, col)
        if node is None or node.kind not in ("N", "U", "O") or node.flag == 0:
            raise InvalidParameters("qRow" if left else "qCol",
                                    f"no cell to {'expand' if expanded else 'collapse'} at "
                                    f"row {row}, column {col}")
        state = set_expanded(state, dim_name(cube.pivot.dims[node.dim].definition), node.syms,
                             expanded)
    props = copy.deepcopy(_stored(call))
    resolve_path(props, path)["qExpansionState"] = state
    _store(call, props)


_EXPAND = (p("qPath", "str"), p("qRow", "int", 0), p("qCol", "int", 0), p("qAll", "bool", False))


@method("GenericObject", "ExpandLeft", *_EXPAND)
def expand_left(call: Call, qPath: str, qRow: int, qCol: int, qAll: bool) -> None:
    _expand(call, qPath, qRow, qCol, qAll, left=True, expanded=True)


@method("GenericObject", "CollapseLeft", *_EXPAND)
def collapse_left(call: Call, qPath: str, qRow: int, qCol: int, qAll: bool) -> None:
    _expand(call, qPath, qRow, qCol, qAll, left=True, expanded=False)


@method("GenericObject", "ExpandTop", *_EXPAND)
def expand_top(call: Call, qPath: str, qRow: int, qCol: int, qAll: bool) -> None:
    _expand(call, qPath, qRow, qCol, qAll, left=False, expanded=True)


@method("GenericObject", "CollapseTop", *_EXPAND)
def collapse_top(call: Call, qPath: str, qRow: int, qCol: int, qAll: bool) -> None:
    _expand(call, qPath, qRow, qCol, qAll, left=False, expanded=False)


def _cell(value: Any) -> tuple[str, int, int]:
    if not isinstance(value, dict):
        raise InvalidParameters("qSelections", "a selection must be an object")
    kind = value.get("qType", "D")
    row, col = value.get("qRow", 0), value.get("qCol", 0)
    kind = {0: "D", 1: "T", 2: "L", "NX_CELL_DATA": "D", "NX_CELL_TOP": "T",
            "NX_CELL_LEFT": "L"}.get(kind, kind)
    if kind not in ("D", "T", "L") or not all(
            isinstance(x, int) and not isinstance(x, bool) for x in (row, col)):
        raise InvalidParameters("qSelections", "qType must be D, T or L, qRow and qCol integers")
    return kind, row, col


def _picked(cube: PivotTable, kind: str, row: int, col: int) -> list[tuple[int, int]]:
    """(dimension, symbol) pairs a cell selects."""
    def own(node: Node | None) -> list[tuple[int, int]]:
        if node is not None and node.kind == "O":  # the values it groups
            null = cube.pivot.null_symbol(node.dim)
            return [(node.dim, s) for s in node.grouped if s != null]
        if node is None or node.kind != "N":
            return []  # totals, placeholders, measures and NULL select nothing
        return [(node.dim, node.syms[-1])]

    if kind == "L":
        return own(cube.left_node(row, col))
    if kind == "T":
        return own(cube.top_node(row, col))
    out: list[tuple[int, int]] = []
    for axis, index in ((cube.left, row), (cube.top, col)):
        if 0 <= index < len(axis.leaves) and axis.entries:
            syms = axis.leaves[index][0]
            for k, (d, s) in enumerate(zip(axis.dims, syms, strict=False)):
                null = cube.pivot.null_symbol(d)
                if s == OTHERS:  # the values the Others node groups
                    out += [(d, g) for g in sorted(axis.grouped.get(syms[:k], ()))
                            if g != null]
                elif s != null:
                    out.append((d, s))
    return out


@method("GenericObject", "SelectPivotCells", p("qPath", "str"), p("qSelections", "list"),
        p("qSoftLock", "bool", False), p("qDeselectOnlyOneSelected", "bool", False),
        out=("qSuccess",))
def select_pivot_cells(call: Call, qPath: str, qSelections: list[Any], qSoftLock: bool,
                       qDeselectOnlyOneSelected: bool) -> bool:
    cells = [_cell(v) for v in qSelections]
    cube = _pivot(call, qPath)
    by_dim: dict[int, list[int]] = {}
    for kind, row, col in cells:
        for d, s in _picked(cube, kind, row, col):
            got = by_dim.setdefault(d, [])
            if s not in got:
                got.append(s)
    if not by_dim:
        return False
    ref = _ref(call)
    state = _state(call, qPath, "hc")
    ok = True
    for d, syms in by_dim.items():
        dim = cube.pivot.dims[d]
        if dim.field is not None:
            ok = ref.doc.select_symbols(dim.field, sorted(syms), False, qSoftLock, state) and ok
        elif dim.calc is not None:
            ok = _select_cube_calculated(call, qPath, d, sorted(syms), False, qSoftLock) and ok
    return ok
