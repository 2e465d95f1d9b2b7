"""Stacked hypercubes (``qMode`` "K", DATA_MODE_PIVOT_STACK): the cube's rows as a tree of
NxStackedPivotCell, one level per dimension, the measure cells as leaves.

Shapes, from the Engine API reference and real traffic:

- NxStackPage ``{qData: [root], qArea}``; the root cell has ``qType`` "R" (NX_DIM_CELL_ROOT),
  ``qElemNo`` 0 and ``qValue`` 0, its ``qSubNodes`` the first dimension's values, theirs
  the next dimension's, and under the last dimension one value cell per measure
  (``qType`` "V"). Help "Get the values of a stacked table":
  https://help.qlik.com/en-US/sense-developer/May2024/Subsystems/EngineAPI/Content/Sense_EngineAPI/WorkingWithAppsAndVisualizations/RenderLayout/get-values-stacked-table.htm
  (the page is the outer level's ``qTop``/``qHeight``; "Parameters qLeft and qWidth are
  not used"); picasso.js's q plugin reads the same tree (``extractor-k``: root, dimension
  nodes with ``qElemNo``/``qText``/``qRow``, measure leaves with ``qValue``).
- NxStackedPivotCell members (OpenRPC 12.2528 ``components.schemas``): qText, qElemNo,
  qValue, qType, qMaxPos ("total of the positive values in the current group of
  cells"), qMinNeg ("total of the negative values"), qUp, qDown, qRow ("row index in the
  data matrix"), qSubNodes, qAttrExps, qAttrDims. Here a cell's group is every measure
  value under it; ``qRow`` is the row of the straight cube where the cell's group starts.
- GetHyperCubeStackData's ``qMaxNbrCells``: "maximum number of cells at outer level",
  default 10 000; HyperCubeDef ``qMaxStackedCells``: "maximum number of cells for an
  initial data fetch when in stacked mode", default 5000
  (https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/EngineJSONAPI/Content/service-genericobject-gethypercubestackdata.htm).

``qSize`` of a stacked layout counts the outer level's values in ``qcy`` (what pages
address) and the columns in ``qcx``.

Dimension limits and totals (``qOtherTotalSpec``, ``calc/others.py``) reach the tree
through the straight cube's rows: an Others row is a node of ``qType`` "O"
(NX_DIM_CELL_OTHER, ``qElemNo`` -3, the ``qOtherLabel`` text), a dimension total row
(``qTotalMode`` TOTAL_EXPR) a node of ``qType`` "T" (NX_DIM_CELL_TOTAL, ``qElemNo`` -1,
the ``qTotalLabel`` text) after the values it totals under their parent (before them
with ``qShowTotalsAbove``), the measure cells under it its totals. The NxDimCellType
members are the reference's
(https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/EngineJSONAPI/Content/models-nxstackedpivotcell.htm:
"V or NX_DIM_CELL_VALUE ... T or NX_DIM_CELL_TOTAL, O or NX_DIM_CELL_OTHER ... U or
NX_DIM_CELL_NULL"); a NULL measure cell is "U", as in the pivot's data cells. A total
row repeats values already under its parent, so it counts in no other cell's group:
``qMaxPos``/``qMinNeg`` of a node (and of the root) sum the rows under it that are no
total rows; a total node's group is its own cells.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from associa.calc.others import OTHERS, TOTAL
from associa.errors import InvalidParameters

DEFAULT_MAX_OUTER = 10_000


@dataclass(slots=True)
class Node:
    """A dimension value at one level: the first row of its group, its children by
    symbol (in display order), and the rows under it."""

    level: int
    row: int
    children: dict[int, Node] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)


def build_tree(table: Any) -> list[Node]:
    """The cube's rows (in display order) as nested dimension values."""
    cube = table.cube
    ndims = len(cube.dims)
    top: dict[int, Node] = {}
    syms = [s[table.rows].tolist() for s in cube.dim_symbols]
    for r in range(len(table.rows)):
        level = top
        for d in range(ndims):
            key = syms[d][r]
            node = level.get(key)
            if node is None:
                node = level[key] = Node(d, r)
            node.rows.append(r)
            level = node.children
    return list(top.values())


def total_rows(table: Any) -> set[int]:
    """The display rows of ``table`` that are dimension totals (``calc/others.py``): they
    repeat values already under their parent, so they count in no other cell's group."""
    syms = [np.asarray(s)[table.rows] for s in table.cube.dim_symbols]
    if not syms:
        return set()
    return set(np.flatnonzero(np.logical_or.reduce([s == TOTAL for s in syms])).tolist())


def page_bounds(page: Any) -> tuple[int, int, int, int]:
    """(left, top, width, height) of an NxPage, checked (error 8 when malformed)."""
    if not isinstance(page, Mapping):
        raise InvalidParameters("qPages", "a page must be an object")
    out = []
    for key in ("qLeft", "qTop", "qWidth", "qHeight"):
        v = page.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
            raise InvalidParameters("qPages", f"{key} must be a number not below 0")
        out.append(int(v))
    return out[0], out[1], out[2], out[3]


def pages_list(pages: Any) -> Sequence[Any]:
    if not isinstance(pages, list | tuple):
        raise InvalidParameters("qPages", "qPages must be a list of pages")
    return pages


class TableView:
    """A straight table (``calc/straight.py``) drawn another way: its cube, definition,
    dimensions and rows at hand (the stacked and tree renderers)."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.cube = table.cube
        self.definition = table.definition
        self.dims = table.dims
        self.rows = table.rows
        self.dim_symbols = table.dim_symbols
        self.model = table.model


class StackedTable(TableView):
    """A straight table's cube shown as stacked pages (the layout of ``qMode`` "K")."""

    def __init__(self, table: Any) -> None:
        super().__init__(table)
        self.outer = build_tree(table)
        self._values = [v.num[table.rows] for v in self.cube.values]
        # the display rows that are dimension totals (counted in no other cell's group)
        self._total_rows = total_rows(table)

    def _group(self, node: Node) -> list[int]:
        """The rows whose measure values make a node's ``qMaxPos``/``qMinNeg``."""
        if self._sym(node) == TOTAL:
            return node.rows
        return [r for r in node.rows if r not in self._total_rows]

    def _sym(self, node: Node) -> int:
        return int(self.dim_symbols[node.level][self.rows[node.row]])

    def data_parts(self) -> tuple[Any, ...]:
        return tuple(self.table.data_parts())

    @property
    def size(self) -> dict[str, int]:
        return {"qcx": len(self.cube.dims) + len(self.cube.measures), "qcy": len(self.outer)}

    def _extent(self, rows: list[int]) -> tuple[float, float]:
        pos = neg = 0.0
        for vals in self._values:
            for r in rows:
                v = float(vals[r])
                if math.isnan(v):
                    continue
                if v > 0:
                    pos += v
                else:
                    neg += v
        return pos, neg

    def _leaves(self, row: int) -> list[dict[str, Any]]:
        ndims = len(self.cube.dims)
        out = []
        for m in range(len(self.cube.measures)):
            c = self.table.cell(row, ndims + m)
            pos, neg = max(_num(c), 0.0), min(_num(c), 0.0)
            cell: dict[str, Any] = {
                "qText": c.get("qText", ""), "qElemNo": 0, "qValue": c.get("qNum", "NaN"),
                "qType": "U" if c.get("qIsNull") else "V", "qMaxPos": pos, "qMinNeg": neg, "qUp": 0, "qDown": 0,
                "qRow": row, "qSubNodes": []}
            if "qAttrExps" in c:
                cell["qAttrExps"] = c["qAttrExps"]
            out.append(cell)
        return out

    def _cell(self, node: Node) -> dict[str, Any]:
        c = self.table.cell(node.row, node.level)
        pos, neg = self._extent(self._group(node))
        if node.level == len(self.cube.dims) - 1:
            subs = self._leaves(node.row)
        else:
            subs = [self._cell(n) for n in node.children.values()]
        cell: dict[str, Any] = {
            "qText": c.get("qText", ""), "qElemNo": c.get("qElemNumber", -1),
            "qValue": c.get("qNum", "NaN"), "qType": self._type(node, c),
            "qMaxPos": pos, "qMinNeg": neg, "qUp": 0, "qDown": 0, "qRow": node.row,
            "qSubNodes": subs}
        for key in ("qAttrExps", "qAttrDims"):
            if key in c:
                cell[key] = c[key]
        return cell

    def _type(self, node: Node, cell: Mapping[str, Any]) -> str:
        return cell_type(self._sym(node), cell)

    def count(self, node: Node) -> int:
        """How many cells a node is, with everything under it."""
        if node.level == len(self.cube.dims) - 1:
            return 1 + len(self.cube.measures)
        return 1 + sum(self.count(n) for n in node.children.values())

    def page(self, page: Any, max_outer: int = DEFAULT_MAX_OUTER,
             max_cells: int | None = None) -> dict[str, Any]:
        left, top, width, height = page_bounds(page)
        ncols = self.size["qcx"]
        left = min(left, ncols)
        width = max(min(width, ncols - left), 0)
        top = min(top, len(self.outer))
        chosen = self.outer[top:top + min(height, max(max_outer, 0))]
        if max_cells is not None:
            kept, used = [], 1
            for node in chosen:
                used += self.count(node)
                if used > max_cells:
                    break
                kept.append(node)
            chosen = kept
        pos, neg = self._extent([r for r in range(len(self.rows))
                                 if r not in self._total_rows])
        root = {"qText": "", "qElemNo": 0, "qValue": 0, "qType": "R", "qMaxPos": pos,
                "qMinNeg": neg, "qUp": 0, "qDown": 0, "qRow": 0,
                "qSubNodes": [self._cell(n) for n in chosen] if self.cube.dims else []}
        return {"qData": [root],
                "qArea": {"qLeft": left, "qTop": top, "qWidth": width,
                          "qHeight": len(chosen)}}

    def stack_pages(self, pages: Any, max_outer: int = DEFAULT_MAX_OUTER,
                    ) -> list[dict[str, Any]]:
        """GetHyperCubeStackData: each page's outer values, at most ``max_outer``."""
        return [self.page(p, max_outer) for p in pages_list(pages)]

    def pages(self, pages: Any) -> list[dict[str, Any]]:
        return self.table.pages(pages)

    def layout(self) -> dict[str, Any]:
        out = straight_layout(self.table)
        d = self.definition
        limit = d.get("qMaxStackedCells", 5000)
        limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else 5000
        fetch = d.get("qInitialDataFetch") or []
        out["qSize"] = self.size
        out["qDataPages"] = []
        out["qStackedDataPages"] = [self.page(p, DEFAULT_MAX_OUTER, limit)
                                    for p in pages_list(fetch)]
        out["qMode"] = "K"
        return out


def straight_layout(table: Any) -> dict[str, Any]:
    """The straight layout of ``table`` (the one its own ``layout`` would give were it
    straight: a hypercube whose ``layout`` hands "K" and "T" to these renderers calls
    them with itself)."""
    from associa.calc.straight import StraightTable

    if isinstance(table, StraightTable):
        return StraightTable.layout(table)
    return dict(table.layout())


def _num(cell: Mapping[str, Any]) -> float:
    v = cell.get("qNum")
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0


_MADE: weakref.WeakKeyDictionary[Any, StackedTable] = weakref.WeakKeyDictionary()


def stacked(table: Any) -> StackedTable:
    """The stacked view of a computed table (made once per table)."""
    if isinstance(table, StackedTable):
        return table
    hit = _MADE.get(table)
    if hit is None:
        hit = _MADE[table] = StackedTable(table)
    return hit


def cell_type(sym: int, cell: Mapping[str, Any]) -> str:
    """NxDimCellType of a dimension node by its symbol and cell: O(ther), T(otal), U
    (NULL) or N(ormal)."""
    if sym == OTHERS:
        return "O"
    if sym == TOTAL:
        return "T"
    return "U" if cell.get("qIsNull") else "N"
