"""Tree hypercubes (``qMode`` "T", DATA_MODE_TREE): GetHyperCubeTreeData's NxTreeNode tree.

From the Engine API reference (GetHyperCubeTreeData, "retrieves data for nodes in a tree
structure ... works for a treedata object or a hypercube in DATA_MODE_TREE"; "if
qNodeOptions is left out the complete tree is returned";
https://help.qlik.com/en-US/sense-developer/May2024/Subsystems/EngineJSONAPI/Content/service-genericobject-gethypercubetreedata.htm)
and the OpenRPC 12.2528 schemas:

- NxTreeNode: qText, qValue, qElemNo, qGroupPos ("the position of this node inside its
  group in the complete tree"), qGroupSize ("nbr of nodes connected to this node on the
  next level"), qRow, qType, qValues (NxTreeValue per measure: qText, qValue), qNodes
  (the children fetched), qMaxPos/qMinNeg (per measure), qState, qTreePath ("the
  GroupPos of all prior nodes connected to this one ... empty if attached directly to
  the root").
- NxTreeDataOption: qMaxNbrOfNodes ("if this limit is exceeded, no nodes are returned.
  All nodes are counted"), qTreeNodes (NxPageTreeNode areas, "if no area is defined on a
  dimension, all existing nodes are included"; ``qArea.qLeft``/``qWidth`` the dimensions,
  ``qTop``/``qHeight`` the nodes on them, counted along each level), qTreeLevels
  (NxPageTreeLevel ``qLeft``, ``qDepth`` = -1 all: "filters out complete dimensions").
- HyperCube ``qTreeNodesOnDim``: "the total number of nodes on each dimension".

One root node (``qType`` "R") holds the first dimension's nodes. A node's measure values
are the measures computed over its dimension and those above it (a cube of the leading
dimensions: ``levels``), the root's the grand totals; a dimension left out by
``qTreeLevels`` hangs its children on the nearest node kept above it.

NxTreeNode's members (the OpenRPC schema lists exactly qText, qValue, qElemNo,
qGroupPos, qGroupSize, qRow, qType, qValues, qNodes, qAttrExps, qAttrDims, qMaxPos,
qMinNeg, qCanExpand, qCanCollapse, qState, qTreePath: there is no ``qNodeType``;
https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/EngineJSONAPI/Content/models-nxtreenode.htm):

- ``qGroupPos`` is a node's position among the children of its parent and
  ``qGroupSize`` how many children it has, both in the complete tree ("not dependant on
  what part is fetched"); ``qRow`` the row of the straight data matrix where its group
  starts; ``qTreePath`` the ``qGroupPos`` of the nodes above it that the fetch keeps.
- ``qType`` is the NxDimCellType: "N", "U" (NULL), "O" (an Others row of dimension
  limits, ``qElemNo`` -3), "T" (a dimension total of TOTAL_EXPR, ``qElemNo`` -1), "G"
  (a generated node, below), "R" the root. As in the stacked pages
  (``calc/stacked.py``), a total row counts in no other node's ``qMaxPos``/``qMinNeg``.
- ``qAttrExps``/``qAttrDims`` of the dimension's cell ride on the node, those of a
  measure's cell on its NxTreeValue.
- NxPageTreeNode ``qAllValues``: "generated nodes (based on current selection) will be
  inserted into the returned tree even when there is no actual value ... all available
  dealerships will be included regardless if they sold any hybrid cars or not"
  (https://help.qlik.com/en-US/sense-developer/May2024/Subsystems/EngineJSONAPI/Content/models-nxpagetreenode.htm).
  associa's reading: on each dimension an area with ``qAllValues`` covers, every value
  of the dimension's field that is possible in the object's selection state and has
  no node under a parent is added there as a node of ``qType`` "G" (NX_DIM_CELL_GENERATED),
  after the parent's real children, in the dimension's own sort order, with no row
  (``qRow`` -1), no children and NULL measures ("no actual value"). ``qTop``/``qHeight``
  count real nodes only (as ``qTreeNodesOnDim`` does); generated nodes count in
  ``qMaxNbrOfNodes`` ("all nodes are counted"). A calculated dimension has no field to
  draw values from and gets none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from associa.calc.cells import nan_json
from associa.calc.others import TOTAL
from associa.calc.sorting import dimension_criteria, symbol_order
from associa.calc.stacked import (
    Node,
    TableView,
    build_tree,
    cell_type,
    straight_layout,
    total_rows,
)
from associa.errors import InvalidParameters
from associa.select import STATE_CODES

Area = tuple[int, int, int, int, bool]  # left, width, top, height, qAllValues


class TreeTable(TableView):
    """A cube's rows as a tree, with each level's measures from ``levels[k]``, the table
    of the cube over the first ``k + 1`` dimensions (the last one is ``table``)."""

    def __init__(self, table: Any, levels: Sequence[Any] | None = None,
                 inference: Any = None) -> None:
        super().__init__(table)
        self.inference = inference
        self.levels = list(levels) if levels is not None else []
        self.top = build_tree(table)
        self._by_level: list[list[Node]] = [[] for _ in self.cube.dims]
        self._walk(self.top)
        # each level table's rows by their dimension symbols
        self._index: list[dict[tuple[int, ...], int]] = []
        for k, lt in enumerate(self.levels):
            syms = [s[lt.rows].tolist() for s in lt.cube.dim_symbols[:k + 1]]
            self._index.append({tuple(s[r] for s in syms): r for r in range(len(lt.rows))})
        self._values = [v.num[table.rows] for v in self.cube.values]
        self._total_rows = total_rows(table)
        self._candidates: dict[int, list[int]] = {}  # qAllValues' values per level

    def _walk(self, nodes: list[Node]) -> None:
        for n in nodes:
            self._by_level[n.level].append(n)
            self._walk(list(n.children.values()))

    def data_parts(self) -> tuple[Any, ...]:
        parts: list[Any] = list(self.table.data_parts())
        for lt in self.levels:
            parts += list(lt.data_parts())
        return tuple(parts)

    @property
    def nodes_on_dim(self) -> list[int]:
        return [len(level) for level in self._by_level]

    def pages(self, pages: Any) -> list[dict[str, Any]]:
        return self.table.pages(pages)

    def layout(self) -> dict[str, Any]:
        out = straight_layout(self.table)
        out["qDataPages"] = []
        out["qMode"] = "T"
        out["qTreeNodesOnDim"] = self.nodes_on_dim
        return out

    # -- the nodes --------------------------------------------------------------------

    def _measures(self, node: Node | None, path: tuple[int, ...]) -> list[dict[str, Any]]:
        nm = len(self.cube.measures)
        if node is None:  # the root: grand totals
            cells = [self.table._total_cell(m) for m in range(nm)]
            return [_tree_value(c) for c in cells]
        k = node.level
        if k < len(self.levels) and k < len(self.cube.dims) - 1:
            lt = self.levels[k]
            r = self._index[k].get(path)
            if r is None:
                return [{"qText": "-", "qValue": "NaN"} for _ in range(nm)]
            cells = [lt.cell(r, k + 1 + m) for m in range(nm)]
        else:
            cells = [self.table.cell(node.row, len(self.cube.dims) + m) for m in range(nm)]
        return [_tree_value(c) for c in cells]

    def _extent(self, rows: list[int]) -> tuple[list[float], list[float]]:
        pos, neg = [], []
        for vals in self._values:
            p = n = 0.0
            for r in rows:
                v = float(vals[r])
                if not math.isnan(v):
                    if v > 0:
                        p += v
                    else:
                        n += v
            pos.append(p)
            neg.append(n)
        return pos, neg

    def nodes(self, options: Any = None) -> list[dict[str, Any]]:
        """GetHyperCubeTreeData: the root and the nodes the options fetch."""
        ndims = len(self.cube.dims)
        first, depth, areas, limit = _options(options, ndims)
        levels = set(range(first, first + depth))
        # each level's node positions (along the level) that the areas take
        wanted: dict[int, set[int] | None] = {}
        for lvl in range(ndims):
            spans = [(t, h) for (lft, w, t, h, _) in areas if lft <= lvl < lft + w]
            if spans:
                wanted[lvl] = {i for t, h in spans for i in range(t, t + h)}
            else:
                wanted[lvl] = None
        generated = {lvl for lvl in levels for (lft, w, _, _, every) in areas
                     if every and lft <= lvl < lft + w}
        at = {id(n): i for level in self._by_level for i, n in enumerate(level)}
        count = [0]

        def keep(n: Node) -> bool:
            w = wanted.get(n.level)
            return w is None or at[id(n)] in w

        def under(children: list[Node], level: int, path: tuple[int, ...],
                  sym_path: tuple[int, ...]) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for i, child in enumerate(children):
                out += make(child, path, sym_path, i)
            if level in generated:
                present = {self._sym(c) for c in children}
                extra = self._generated(level, present, len(children), path)
                count[0] += len(extra)
                out += extra
            return out

        def make(n: Node, path: tuple[int, ...], sym_path: tuple[int, ...],
                 pos: int) -> list[dict[str, Any]]:
            if not keep(n):
                return []
            syms = sym_path + (self._sym(n),)
            subpath = path + (pos,) if n.level in levels else path
            kids = (under(list(n.children.values()), n.level + 1, subpath, syms)
                    if n.level + 1 < ndims else [])
            if n.level not in levels:
                return kids
            count[0] += 1
            c = self.table.cell(n.row, n.level)
            pos_ext, neg_ext = self._extent(self._group(n))
            node = {
                "qText": c.get("qText", ""), "qValue": c.get("qNum", "NaN"),
                "qElemNo": c.get("qElemNumber", -1), "qGroupPos": pos,
                "qGroupSize": len(n.children), "qRow": n.row,
                "qType": self._type(n, c),
                "qValues": self._measures(n, syms), "qNodes": kids,
                "qMaxPos": pos_ext, "qMinNeg": neg_ext,
                "qState": c.get("qState", "O"), "qTreePath": list(path)}
            for key in ("qAttrExps", "qAttrDims"):
                if key in c:
                    node[key] = c[key]
            return [node]

        children = under(self.top, 0, (), ()) if ndims else []
        if limit is not None and count[0] + 1 > limit:
            return []
        pos_ext, neg_ext = self._extent([r for r in range(len(self.rows))
                                         if r not in self._total_rows])
        root = {"qText": "", "qValue": "NaN", "qElemNo": -1, "qGroupPos": 0,
                "qGroupSize": len(self.top), "qRow": -1, "qType": "R",
                "qValues": self._measures(None, ()), "qNodes": children,
                "qMaxPos": pos_ext, "qMinNeg": neg_ext, "qState": "L", "qTreePath": []}
        return [root]

    def _sym(self, node: Node) -> int:
        return int(self.dim_symbols[node.level][self.rows[node.row]])

    def _group(self, node: Node) -> list[int]:
        """The rows whose measure values make a node's ``qMaxPos``/``qMinNeg``."""
        if self._sym(node) == TOTAL:
            return node.rows
        return [r for r in node.rows if r not in self._total_rows]

    def _type(self, node: Node, cell: Mapping[str, Any]) -> str:
        return cell_type(self._sym(node), cell)

    def _generated(self, level: int, present: set[int], first: int,
                   path: tuple[int, ...]) -> list[dict[str, Any]]:
        """The "G" nodes of ``qAllValues`` at ``level`` under a parent whose children
        show the symbols ``present`` (``first``: the parent's number of real children)."""
        d = self.cube.dims[level]
        if d.field is None or d.values is not None or self.inference is None:
            return []
        fld = self.model.fields[d.field]
        candidates = self._candidates.get(level)
        if candidates is None:  # the possible values in display order, once per level
            possible = self.inference.possible(d.field)
            order = symbol_order(self.model, self.inference, d.field,
                                 dimension_criteria(d.definition), self.cube.locale)
            candidates = self._candidates[level] = [
                s for s in order.tolist() if s < fld.null_code and possible[s]]
        states = self.inference.states(d.field)
        nm = len(self.cube.measures)
        out: list[dict[str, Any]] = []
        for sym in candidates:
            if sym in present:
                continue
            out.append({
                "qText": fld.symbols.text(sym), "qValue": nan_json(fld.symbols.num(sym)),
                "qElemNo": sym, "qGroupPos": first + len(out), "qGroupSize": 0,
                "qRow": -1, "qType": "G",
                "qValues": [{"qText": "-", "qValue": "NaN"} for _ in range(nm)],
                "qNodes": [], "qMaxPos": [0.0] * nm, "qMinNeg": [0.0] * nm,
                "qState": STATE_CODES[int(states[sym])], "qTreePath": list(path)})
        return out


def _tree_value(cell: Mapping[str, Any]) -> dict[str, Any]:
    """An NxTreeValue from a measure cell (its attribute expressions and dimensions with it)."""
    out = {"qText": cell.get("qText", ""), "qValue": cell.get("qNum", "NaN")}
    for key in ("qAttrExps", "qAttrDims"):
        if key in cell:
            out[key] = cell[key]
    return out


def _int(value: Any, name: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParameters("qNodeOptions", f"{name} must be a number")
    return int(value)


def _options(options: Any, ndims: int,
             ) -> tuple[int, int, list[Area], int | None]:
    """(first level, depth, areas (left, width, top, height, qAllValues), node limit)."""
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise InvalidParameters("qNodeOptions", "qNodeOptions must be an object")
    levels = options.get("qTreeLevels") or {}
    if not isinstance(levels, Mapping):
        raise InvalidParameters("qNodeOptions", "qTreeLevels must be an object")
    first = max(_int(levels.get("qLeft"), "qLeft", 0), 0)
    depth = _int(levels.get("qDepth"), "qDepth", -1)
    depth = ndims - first if depth < 0 else depth
    areas = []
    for item in options.get("qTreeNodes") or []:
        area = item.get("qArea") if isinstance(item, Mapping) else None
        if not isinstance(area, Mapping):
            raise InvalidParameters("qNodeOptions", "qTreeNodes must hold qArea objects")
        vals = [_int(area.get(k), k, 0) for k in ("qLeft", "qWidth", "qTop", "qHeight")]
        if any(v < 0 for v in vals):
            raise InvalidParameters("qNodeOptions", "qArea values must not be negative")
        every = item.get("qAllValues", False)
        if not isinstance(every, bool):
            raise InvalidParameters("qNodeOptions", "qAllValues must be a boolean")
        areas.append((vals[0], vals[1], vals[2], vals[3], every))
    limit = options.get("qMaxNbrOfNodes")
    limit_n = _int(limit, "qMaxNbrOfNodes", 0) if limit is not None else None
    return first, depth, areas, limit_n if limit_n and limit_n > 0 else None
