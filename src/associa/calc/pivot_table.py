"""The pivot layout of a ``PivotCube`` (``calc/pivot.py``): ``qPivotDataPages`` of
NxPivotPage, the left and top trees as NxPivotDimensionCell nodes, the data cells as
NxPivotValuePoint, and the layout members of a pivot (``qNoOfLeftDims``,
``qEffectiveInterColumnSortOrder``, ``qLastExpandedPos``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from associa.calc.cells import Wire, format_attr_values, format_measures, nan_json, plain_copy
from associa.calc.pages import check_pages, clip_page, layout_head
from associa.calc.pivot import Level, PivotCube
from associa.calc.pivot_axes import NULL_CELL, OTHERS, PSEUDO, Axis, Node, dim_name
from associa.calc.straight import StraightTable, attr_dim_values
from associa.errors import AssociaError, HyperCubeModeError
from associa.expr import Vec
from associa.select import Inference
from associa.values import Locale


class PivotTable(StraightTable):
    """The pivot layout of a ``PivotCube``: ``qPivotDataPages`` of NxPivotPage."""

    # a pivot's pages show its levels' cells, not the cube's rows: the measure infos'
    # texts are formatted for themselves alone, so fewer of them (with the extremes)
    glyph_sample = 10

    def __init__(self, cube: PivotCube, inference: Inference, definition: Mapping[str, Any],
                 locale: Locale) -> None:
        StraightTable.__init__(self, cube, inference, definition, locale)
        self.pivot = cube
        self.left = cube.left
        self.top = cube.top

    @property
    def size(self) -> dict[str, int]:
        return {"qcx": len(self.top.leaves), "qcy": len(self.left.leaves)}

    def data_parts(self) -> tuple[Any, ...]:
        parts: list[Any] = list(super().data_parts())
        levels = [*self.pivot.levels.values(), *self.pivot.others]
        for level in levels:
            parts += [level.keys, level.ids]
            for v in level.values:
                parts += [v.num, v.null, v.text]
        for level in levels:
            for vs in level.attrs.values():
                for v in vs:
                    parts += [v.num, v.null, v.text]
            for ds in level.attr_dims.values():
                parts += [codes for codes, _ in ds]
        parts.append(tuple(self.pivot.other_cells.items()))
        parts.append((self.size["qcx"], self.size["qcy"]))
        return tuple(parts)

    def pages(self, pages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        raise HyperCubeModeError("GetHyperCubeData")

    def pivot_pages(self, pages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        check_pages(pages)
        return [self.pivot_page(p) for p in pages]

    def pivot_page(self, page: Mapping[str, Any]) -> dict[str, Any]:
        size = self.size
        left, top, width, height = clip_page(page, size["qcx"], size["qcy"])
        return {
            "qLeft": Wire(self._tree(self.left, top, height)),
            "qTop": Wire(self._tree(self.top, left, width)),
            "qData": self._data(top, height, left, width),
            "qArea": {"qLeft": left, "qTop": top, "qWidth": width, "qHeight": height},
        }

    def _tree(self, axis: Axis, lo: int, n: int) -> list[dict[str, Any]]:
        """An axis' nodes on a page, with their dimension's attribute values."""
        pending: list[tuple[dict[str, Any], Node, bool]] = []
        out = self._nodes(axis.roots, lo, n, pending)
        if pending:
            self._node_attrs(axis, pending)
        return out

    def _node_attrs(self, axis: Axis, pending: list[tuple[dict[str, Any], Node, bool]]) -> None:
        """``qAttrExps``/``qAttrDims`` of the nodes of dimensions with attributes, each
        at its node's own level on its axis, the other axis summed up (a total node at
        its parent's, a placeholder below a total at the total's); a node through an
        Others node (the Others node itself, its children) over the records it stands
        for (``PivotCube.other_cells``). A collapsed node's placeholder is no group of
        a level: NULL values (the real engine's layout in sn-pivot-table's fixture
        ``2-rows-2-columns-Pseudo-dim-as-last-col-Expanded-cells-Color-by-expr-Totals-below``
        sends ``{qNum: "NaN"}`` for a collapsed node's placeholder, values for the
        total node and the placeholder below the grand total)."""
        cube = self.pivot
        batches: dict[tuple[int, int], list[tuple[dict[str, Any], tuple[int, ...] | None]]] = {}
        others: dict[tuple[int, int], list[tuple[dict[str, Any], int]]] = {}
        for cell, node, in_total in pending:
            known = node.kind in ("N", "U", "T", "O") or (node.kind == "E" and in_total)
            if known and OTHERS in node.syms:
                key = (node.syms, ()) if axis is self.left else ((), node.syms)
                part, row = cube.other_cells.get(key, (-1, -1))
                others.setdefault((node.dim, part), []).append((cell, row))
                continue
            batches.setdefault((node.dim, len(node.syms)), []).append(
                (cell, node.syms if known else None))
        for (d, part), found in others.items():
            level = cube.others[part] if part >= 0 else None
            ids = np.array([row for _, row in found], dtype=np.int64)
            for (cell, _), members in zip(found, self._attr_members_at(level, d, ids),
                                          strict=True):
                cell.update(members)
        for (d, depth), items in batches.items():
            dims = axis.dims[:depth]
            rows = [s for _, s in items if s is not None]
            level, ids = cube.find(dims, np.array(rows, dtype=np.int64).reshape(len(rows), depth))
            all_ids = np.full(len(items), -1, dtype=np.int64)
            all_ids[[k for k, (_, s) in enumerate(items) if s is not None]] = ids
            for (cell, _), members in zip(items, self._attr_members_at(level, d, all_ids),
                                          strict=True):
                cell.update(members)

    def _attr_members_at(self, level: Level | None, col: int, ids: np.ndarray
                         ) -> list[dict[str, Any]]:
        """Column ``col``'s ``qAttrExps``/``qAttrDims`` members at rows ``ids`` of a
        level (-1, or no level: NULL values)."""
        cube = self.pivot
        exprs: list[list[dict[str, Any]]] = []
        for j, a in enumerate(cube.attr_exprs[col]):
            vecs = level.attrs.get(col) if level is not None else None
            exprs.append(_attr_values(vecs[j] if vecs else None, ids, a.definition,
                                      self.locale))
        dims: list[list[dict[str, Any]]] = []
        for j, ad in enumerate(cube.attr_dims[col]):
            got = level.attr_dims.get(col) if level is not None else None
            codes, table = got[j] if got else (np.zeros(0, dtype=np.int64), None)
            safe = np.where((ids >= 0) & (ids < len(codes)), ids, len(codes))
            dims.append(attr_dim_values(self.model, ad, np.append(codes, -1), table, safe))
        out = []
        for k in range(len(ids)):
            members: dict[str, Any] = {}
            if exprs:
                members["qAttrExps"] = {"qValues": [e[k] for e in exprs]}
            if dims:
                members["qAttrDims"] = {"qValues": [d[k] for d in dims]}
            out.append(members)
        return out

    def _nodes(self, nodes: list[Node], lo: int, n: int,
               pending: list[tuple[dict[str, Any], Node, bool]] | None = None,
               in_total: bool = False) -> list[dict[str, Any]]:
        out = []
        hi = lo + n
        cube = self.pivot
        for node in nodes:
            end = node.start + node.count
            if n <= 0 or end <= lo or node.start >= hi:
                continue
            cell: dict[str, Any] = {}
            if node.kind != "E":
                cell["qText"] = self._text(node)
            cell["qElemNo"] = node.elem
            cell["qValue"] = self._value(node)
            if node.flag == 1:
                cell["qCanExpand"] = True
            elif node.flag == 2:
                cell["qCanCollapse"] = True
            cell["qType"] = "T" if node.kind == "E" else node.kind
            cell["qUp"] = max(0, lo - node.start)
            cell["qDown"] = max(0, end - hi)
            cell["qSubNodes"] = self._nodes(node.children, lo, n, pending,
                                            in_total or node.kind == "T")
            if pending is not None and node.dim != PSEUDO and (
                    cube.attr_exprs[node.dim] or cube.attr_dims[node.dim]):
                pending.append((cell, node, in_total))
            out.append(cell)
        return out

    def _text(self, node: Node) -> str:
        cube = self.pivot
        if node.kind == "P":
            return str(cube.measures[node.elem].label)
        if node.kind == "T":
            return _total_label(cube.dims[node.dim].definition)
        if node.kind == "O":
            return cube.others_label.get(node.dim, "Others")
        if node.kind == "U":
            return "-"
        d = cube.dims[node.dim]
        sym = node.syms[-1]
        if d.values is not None:
            return d.values.text(sym)
        assert d.field is not None
        return self.model.fields[d.field].symbols.text(sym)

    def _value(self, node: Node) -> Any:
        if node.kind != "N":
            return "NaN"
        d = self.pivot.dims[node.dim]
        sym = node.syms[-1]
        if d.values is not None:
            return nan_json(d.values.num(sym))
        assert d.field is not None
        return nan_json(self.model.fields[d.field].symbols.num(sym))

    def _data(self, top: int, height: int, left: int, width: int) -> Wire:
        """The cells of rows × columns: batched by (level, measure), each batch looked up
        in its level and formatted at once."""
        cube = self.pivot
        rows = self.left.leaves[top:top + height]
        cols = self.top.leaves[left:left + width]
        matrix: list[list[Any]] = [[NULL_CELL] * len(cols) for _ in rows]
        batches: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
        others: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        for i, (lsyms, lm) in enumerate(rows):
            for j, (tsyms, tm) in enumerate(cols):
                m = lm if lm is not None else tm
                if m is None:
                    m = 0 if len(cube.measures) == 1 else None
                if m is None:
                    continue
                if OTHERS in lsyms or OTHERS in tsyms:
                    hit = cube.other_cells.get((lsyms, tsyms))
                    if hit is not None:
                        others.setdefault((hit[0], m), []).append((i, j, hit[1]))
                    continue
                batches.setdefault((len(lsyms), len(tsyms), m), []).append((i, j))
        attr_cols = set(cube.attr_cols)
        for (part, m), found_cells in others.items():
            other = cube.others[part]
            at_rows = np.array([k for _, _, k in found_cells], dtype=np.intp)
            texts = format_measures(other.values[m], at_rows,
                                    cube.measures[m].definition, self.locale)
            col = len(cube.dims) + m
            members = self._attr_members_at(other, col, at_rows.astype(np.int64)) \
                if col in attr_cols else [{}] * len(texts)
            for (i, j, _), cell, extra in zip(found_cells, texts, members, strict=True):
                if not cell.get("qIsNull"):
                    matrix[i][j] = {"qText": cell["qText"], "qNum": cell["qNum"], "qType": "V",
                                    **extra}
        for (a, b, m), cells in batches.items():
            dims = tuple(sorted(self.left.dims[:a] + self.top.dims[:b]))
            level = cube.levels.get(dims)
            if level is None:
                continue
            by_dim = {d: k for k, d in enumerate(self.left.dims[:a])}
            by_top = {d: k for k, d in enumerate(self.top.dims[:b])}
            syms = [np.array([rows[i][0][by_dim[d]] if d in by_dim else cols[j][0][by_top[d]]
                              for i, j in cells], dtype=np.int64) for d in dims]
            key, ok = cube.key_of(dims, syms)
            pos = np.clip(np.searchsorted(level.keys, key), 0, max(len(level.keys) - 1, 0))
            found = ok & (level.keys[pos] == key) if len(level.keys) else np.zeros(len(key), bool)
            ids = level.ids[pos[found]]
            texts = format_measures(level.values[m], ids, cube.measures[m].definition,
                                    self.locale)
            col = len(cube.dims) + m
            # a cell with a value carries its measure's attributes at its own level
            # (the real engine's NULL cells carry none: sn-pivot-table's fixture
            # ``...-Color-by-expr-Totals-below``)
            members = self._attr_members_at(level, col, ids.astype(np.int64)) \
                if col in attr_cols else [{}] * len(texts)
            at = np.flatnonzero(found).tolist()
            for k, cell, extra in zip(at, texts, members, strict=True):
                i, j = cells[k]
                if not cell.get("qIsNull"):
                    matrix[i][j] = {"qText": cell["qText"], "qNum": cell["qNum"], "qType": "V",
                                    **extra}
        return Wire(matrix)

    def layout(self) -> dict[str, Any]:
        d = self.definition
        cube = self.pivot
        out = layout_head(d, self.size, cube.error)
        out["qDimensionInfo"] = plain_copy(self._dim_infos)
        shown = self._shown_per_dim()
        for i, info in enumerate(out["qDimensionInfo"]):
            self._attr_infos(info, i)
            if "qCardinalities" in info:
                info["qCardinalities"]["qHypercubeCardinal"] = shown.get(i, 0)
        if self._measure_infos is None:
            self._measure_infos = [self._measure_info(i) for i in range(len(cube.measures))]
        out["qMeasureInfo"] = plain_copy(self._measure_infos)
        out["qEffectiveInterColumnSortOrder"] = list(cube.order)
        if self.left.grouped or self.top.grouped:  # HyperCube: "True if other row exists"
            out["qHasOtherValues"] = True
        out["qGrandTotalRow"] = []
        out["qDataPages"] = []
        try:
            out["qPivotDataPages"] = self.pivot_pages(d.get("qInitialDataFetch") or [])
        except AssociaError as exc:
            out["qError"] = {"qErrorCode": exc.code}
            out["qPivotDataPages"] = []
        out["qStackedDataPages"] = []
        out["qMode"] = "P"
        out["qNoOfLeftDims"] = cube.nleft
        if d.get("qIndentMode"):
            out["qIndentMode"] = True
        last = self.last_expanded()
        if last is not None:
            out["qLastExpandedPos"] = last
        out["qTreeNodesOnDim"] = []
        out["qColumnOrder"] = list(d.get("qColumnOrder") or [])
        return out

    def _shown_per_dim(self) -> dict[int, int]:
        """Distinct values each dimension's level shows (a total counted once)."""
        seen: dict[int, set[int]] = {}
        for axis in (self.left, self.top):
            for n in axis.walk():
                if n.dim != PSEUDO and n.kind != "E":
                    seen.setdefault(n.dim, set()).add(n.elem if n.kind != "N" else n.syms[-1])
        return {d: len(s) for d, s in seen.items()}

    def last_expanded(self) -> dict[str, int] | None:
        """``qLastExpandedPos``: where the node the last expansion entry names is
        (left: its level and first row; top: its first column and level)."""
        state = self.definition.get("qExpansionState")
        if not isinstance(state, list) or not state or not isinstance(state[-1], Mapping):
            return None
        pos = state[-1].get("qPos") or {}
        name = str(pos.get("qDimName") or "")
        path = tuple(pos.get("qElemNo") or ())
        for axis, is_left in ((self.left, True), (self.top, False)):
            for n in axis.walk():
                if n.kind in ("N", "U", "O") and n.syms == path and \
                        dim_name(self.pivot.dims[n.dim].definition) == name:
                    return ({"qx": n.level, "qy": n.start} if is_left
                            else {"qx": n.start, "qy": n.level})
        return None

    # -- what a cell of the trees stands for (expanding, selecting) --------------------

    def left_node(self, row: int, col: int) -> Node | None:
        return self.left.node_at(col, row)

    def top_node(self, row: int, col: int) -> Node | None:
        return self.top.node_at(row, col)

    def values_of(self, node: Node | None, axis: Axis) -> list[tuple[int, int]]:
        """(dimension, symbol) pairs a node's path holds (its own value and its parents')."""
        if node is None:
            return []
        return [(d, s) for d, s in zip(axis.dims, node.syms, strict=False)]


def _attr_values(v: Vec | None, ids: np.ndarray, definition: Mapping[str, Any],
                 locale: Locale) -> list[dict[str, Any]]:
    """An attribute expression's NxSimpleValue at rows ``ids`` of its values (-1, out
    of range or no values: NULL, ``{qNum: "NaN"}``)."""
    if v is None:
        return [{"qNum": "NaN"} for _ in range(len(ids))]
    ok = (ids >= 0) & (ids < v.n)
    got = format_attr_values(v, ids[ok], definition, locale)
    out: list[dict[str, Any]] = [{"qNum": "NaN"} for _ in range(len(ids))]
    for k, value in zip(np.flatnonzero(ok).tolist(), got, strict=True):
        out[k] = value
    return out


def _total_label(d: Mapping[str, Any]) -> str:
    label = d.get("qTotalLabel")
    if isinstance(label, Mapping):
        label = label.get("qv") or label.get("qExpr")
    return label.lstrip("=").strip("'") if isinstance(label, str) and label else "Total"
