"""Pivot hypercubes (``qMode`` "P"): a cube's rows arranged as two trees of dimension
values, the left and the top, with the measures' values at every crossing of a left leaf
and a top leaf, and subtotals where a node is collapsed or a dimension shows totals.

The shapes follow the Engine API reference and what Qlik's engine sends:

* ``NxPivotPage`` {qLeft, qTop, qData, qArea} and ``NxPivotDimensionCell`` {qText, qElemNo,
  qValue, qCanExpand, qCanCollapse (left out when false), qType, qUp, qDown, qSubNodes}
  (https://help.qlik.com/en-US/sense-developer/November2024/Subsystems/EngineJSONAPI/Content/models-nxpivotpage.htm,
  .../models-nxpivotdimensioncell.htm); ``HyperCubeDef.qNoOfLeftDims``: the first entries
  of the inter-column order (the pseudo dimension ``-1`` counted) are the left ones, -1
  all of them; the pseudo dimension exists with two measures or more and is rightmost
  unless the order places it (enigma-go's OpenRPC schema ``schema/engine-rpc.json``).
* Layouts and pages of the real engine recorded in qlik-oss/sn-pivot-table's rendering
  fixtures (``test/rendering/__fixtures__/*.fix.js``): ``qGrandTotalRow`` and
  ``qDataPages`` empty, ``qEffectiveInterColumnSortOrder`` of the dimensions and ``-1``;
  ``qSize`` the leaf columns × leaf rows of the trees as expanded; a collapsed node (and a
  total node) has one child per deeper dimension level, ``{qElemNo: -4, qType: "T"}``
  without text, above the measures' pseudo nodes; a dimension whose
  ``qOtherTotalSpec.qTotalMode`` is ``TOTAL_EXPR`` adds a "Total" node (``qElemNo`` -1,
  ``qType`` "T") after its values under each parent (before them with
  ``qShowTotalsAbove``); NULL is ``{qText: "-", qElemNo: -2, qType: "U"}``; pseudo nodes
  carry the measure's label and index (``qType`` "P"); data cells are ``{qText, qNum,
  qType: "V"}``, NULL ones ``{qText: "-", qNum: "NaN", qType: "U"}``; ``qUp``/``qDown``
  count a node's leaves before and after the page; ``qHypercubeCardinal`` counts the
  distinct values a level shows, its "Total" included.
* ``qIndentMode`` (help "HyperCubeDef": "an indentation is added to the beginning of
  each row", https://help.qlik.com/en-US/sense-developer/November2024/Subsystems/NetSDKAPIref/Content/Qlik.Engine.IHyperCubeDef.IndentMode.htm):
  the left dimensions share one column, so every left node is a row of its own, above
  its children's rows, and that row holds the node's subtotal; ``qSize.qcy`` counts
  these rows, ``qNoOfLeftDims`` stays the number of left entries and ``qLeft`` stays a
  tree (``qSubNodes``) whose ``qUp``/``qDown`` count a node's rows, its own first,
  outside the page. A client reading the real engine takes one data row per left node
  of the page whose ``qUp`` is 0, at its depth's indentation, skips ``-4`` placeholders
  and deeper totals (WebsyIO/websy-designs, Qlik plugin ``Table3.transformPivotTable``);
  so a collapsed node has no placeholder row here. Only the first left dimension may
  show a total: sn-pivot-table hides the totals setting of the others in indent mode
  (``src/ext/property-panel/data.ts``, ``isTotalsVisible``): a deeper subtotal is its
  parent's own row. ``ExpandLeft``/``CollapseLeft`` name a node by its row (``qCol``
  is the one column).
* Sorting: each dimension's values under a parent follow the dimension's own
  ``qSortCriterias`` (``qSortByExpression`` included: the expression per value, as in
  ``calc/sorting.py``). A measure's index in ``qInterColumnSortOrder`` is no sort here:
  a pivot's order holds the dimensions and ``-1`` only (sn-pivot-table resets the order
  on conversion to a pivot, "a pivot table does not allow a custom sorting order",
  ``src/ext/conversion/index.ts``). Sorting by a measure is ``qSortbyYValue`` (help
  "HyperCubeDef", SortbyYValue: "the measure or pseudo dimension should be defined as a
  top dimension. The sorting is restricted to the values of the first measure",
  https://help.qlik.com/en-US/sense-developer/November2024/Subsystems/NetSDKAPIref/Content/Qlik.Engine.IHyperCubeDef.SortbyYValue.htm;
  sn-pivot-table's "sort by first measure" switch writes 1 ascending, -1 descending,
  ``src/ext/property-panel/sorting.ts``): with the measures on top, the left nodes
  under each parent are ordered by the first measure at their own level (the row's
  subtotal across the top), NULL last, the dimension's order breaking ties.
* Dimension limits (``qOtherTotalSpec.qOtherMode``, ``calc/others.py``): applied under
  each parent node, ranked at the node's own level of its axis (``_limits``); the
  values left out make an Others node (``qElemNo`` -3, ``qType`` "O": sn-pivot-table
  ``src/pivot-table/data/helpers/create-cell.ts``, ``src/types/QIX.ts``). An Others
  node is a node like any: it expands and collapses (ExpandLeft/ExpandTop name it by
  its row and column, as sn-pivot-table sends ``cell.y, cell.x`` for every node with
  ``qCanExpand``), its children are the next dimension's values over the records of
  every value it groups, limited by that dimension's own limit ranked over those
  records, and its cells and attribute values are computed over its records
  (``_evaluate_others``). In ``qExpansionState`` its path holds -3, its ``qElemNo``
  (the reference documents no other form: PositionMark's ``qElemNo`` is an array of
  integers, https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/EngineJSONAPI/Content/models-positionmark.htm).
  The measures with inter-record functions read an Others row (column) as a line of
  its parent's segment, its aggregations over its own records.
* The expansion state lives in the properties, ``qHyperCubeDef.qExpansionState``
  (sn-pivot-table resets it by saving ``qExpansionState: []``,
  ``src/ext/property-panel/settings/index.ts``), as ``ExpansionData`` {qExcludeList,
  qPos: PositionMark {qDimName, qElemNo, qElemValues}}. The reference gives no meaning to
  the members; associa's reading: each entry names a node by its dimension and the
  ``qElemNo`` path of its values on its axis (an empty path: every node of the
  dimension), expanded unless ``qExcludeList``; the last entry naming a node decides and
  a node no entry names is collapsed (a new pivot shows its first level).

The values (``PivotCube``): the measures of every ROLLUP level the trees show, each level
(a prefix of the left dimensions with a prefix of the top ones) evaluated over the same
records as the cube, grouped by fewer dimensions; the level of every dimension is the
cube itself and the empty level its grand totals. The measures that call chart
inter-record functions (Before, Above, ColumnNo …) are evaluated last, over the grid of
cells the trees show (``_evaluate_grid``, ``calc/interrecord.py``'s ``Grid``: the rules
for row and column segments and for subtotal lines are there); a cell with no data of its
own shows the value they give it there (the Before help's "column before" is a column of
the grid, whether or not the current combination has records).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from associa.calc import others as limits
from associa.calc.aggregate import GroupScope, SetScope, TotalScope
from associa.calc.calcdims import CalcValues
from associa.calc.cube import Cube
from associa.calc.interrecord import Grid, GridLevel, axis_prefixes
from associa.calc.pivot_axes import (
    OTHERS,
    PSEUDO,
    Axis,
    Expansion,
    Grouped,
    Limit,
    axes_order,
    dim_name,
    node_paths,
)
from associa.calc.sorting import first_criteria, symbol_rank
from associa.expr import Vec
from associa.expr.vector import concat
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale

# an attribute dimension's value code per group of a level, and the values a calculated
# one's codes stand for (None: a field's symbols)
AttrDimCodes = tuple[np.ndarray, CalcValues | None]
# node paths on one axis: its dimensions, what it groups in Others nodes, paths of one depth
NodePaths = tuple[list[int], Grouped, list[tuple[int, ...]]]


@dataclass(slots=True)
class Level:
    """A ROLLUP level's values: its dimensions, the key of each of its groups (sorted),
    the row of each key in ``values`` (one Vec per measure); ``attrs`` and
    ``attr_dims``: each column's (dimensions, then measures) attribute expressions'
    values and attribute dimensions' codes over the same rows, for the columns that
    have any."""

    dims: tuple[int, ...]
    keys: np.ndarray
    ids: np.ndarray
    values: list[Vec]
    attrs: dict[int, list[Vec]] = field(default_factory=dict)
    attr_dims: dict[int, list[AttrDimCodes]] = field(default_factory=dict)


class PivotCube(Cube):
    """A cube and the ROLLUP levels its pivot trees show (computed over the cube's own
    scope, while its records are at hand: ``Cube._evaluate_deferred`` is the last step
    of a cube's computation that holds the scope)."""

    def __init__(self, model: DataModel, inference: Inference, definition: Mapping[str, Any],
                 locale: Locale, sets: Any = None, prepare: Callable[..., str] | None = None,
                 context: Any = None) -> None:
        self._pivot_inference = inference
        self._definition = definition
        self.levels: dict[tuple[int, ...], Level] = {}
        # the cells through an Others node: (left path, top path; ``()`` for an axis
        # summed up: an Others node's own attributes) -> their level in ``others``
        # (measures, attribute expressions and dimensions; its ``keys`` the crossings
        # it holds) and their row there; each limited dimension's Others label
        self.other_cells: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[int, int]] = {}
        self.others: list[Level] = []
        self.others_label: dict[int, str] = {}
        # the grand totals' scope while the levels are made
        self._totals_scope: Any = None
        # the pivot makes its own totals and Others (tree nodes): the straight cube's
        # total and Others rows of dimensions (``qOtherTotalSpec``) are not asked for
        super().__init__(model, inference, _without_totals(definition), locale, sets,
                         prepare, context)

    def null_symbol(self, d: int) -> int:
        dim = self.dims[d]
        if dim.values is not None:
            return dim.values.null_code
        if dim.field is not None:
            return self.model.fields[dim.field].null_code
        return -1

    def _empty(self, definition: Mapping[str, Any]) -> None:
        """Not calculated (its calculation condition failed): empty trees, no levels."""
        super()._empty(definition)
        self._build_trees(None, None, None)

    def _evaluate_deferred(self, scope: Any, totals: Any, grouping: Any) -> None:
        """The trees and the levels they show; the measures with inter-record functions
        over the grid of cells (``_evaluate_grid``); a straight cube's deferred
        attribute expressions as a straight table's."""
        if any(a.deferred and a.error is None for col in self.attr_exprs for a in col):
            super()._evaluate_deferred(scope, totals, grouping)
        self._kept: dict[tuple[int, ...], Any] = {}
        self._kept_others: list[Any] = []  # the scope of each of ``others``, for the grid
        self._totals_scope = totals
        try:
            self._build_trees(scope, totals, grouping)
            if self.deferred:
                self._evaluate_grid(scope, totals, grouping)
        finally:
            self._totals_scope = None
            for sub in [*self._kept.values(), *self._kept_others]:
                sub.release()
            self._kept = {}
            self._kept_others = []

    @property
    def attr_cols(self) -> list[int]:
        """The columns (dimensions, then measures) with attribute expressions or
        attribute dimensions."""
        return [c for c in range(len(self.attr_exprs)) if self.attr_exprs[c] or self.attr_dims[c]]

    def _build_trees(self, scope: Any, totals: Any, grouping: Any) -> None:
        d = self._definition
        self.order, self.nleft = axes_order(d, len(self.dims), len(self.measures))
        ranks = {i: self._rank(i) for i in range(len(self.dims))}
        expansion = Expansion(d.get("qExpansionState"))
        fully = bool(d.get("qAlwaysFullyExpanded"))
        given = d.get("qDimensions") or []  # the cube's own have no totals
        totals_on = {i: isinstance(g, Mapping) and _shows_total(g)
                     for i, g in enumerate(given[:len(self.dims)])}
        names = {i: dim_name(dim.definition) for i, dim in enumerate(self.dims)}
        above = bool(d.get("qShowTotalsAbove"))
        self._codes()
        sign = _y_sort(d)
        by_value = None
        if sign and self.measures and PSEUDO not in self.order[:self.nleft]:
            left_dims = [e for e in self.order[:self.nleft] if e != PSEUDO]
            for k in range(1, len(left_dims) + 1):
                dims = tuple(sorted(left_dims[:k]))
                if dims not in self.levels:
                    self.levels[dims] = self._level(dims, scope, grouping)
            by_value = self._first_measure
        left_limit, top_limit = self._limits(given, scope, grouping)
        left_dims = [e for e in self.order[:self.nleft] if e != PSEUDO]

        def node_value(paths: list[tuple[int, ...]], grouped: Grouped) -> np.ndarray:
            return self._node_numbers(scope, grouping, (left_dims, grouped, paths),
                                      ([], {}, [()]), 0)

        self.left = Axis(self, self.order[:self.nleft], ranks, expansion, fully, totals_on,
                         above, names, indent=bool(d.get("qIndentMode")), by_value=by_value,
                         sign=sign, limit=left_limit, node_value=node_value)
        self.top = Axis(self, self.order[self.nleft:], ranks, expansion, fully, totals_on,
                        above, names, limit=top_limit)
        if self.left.grouped or self.top.grouped:
            self._evaluate_others(scope, grouping)
        for a in self.left.levels():
            for b in self.top.levels():
                dims = tuple(sorted(self.left.dims[:a] + self.top.dims[:b]))
                if dims not in self.levels:
                    self.levels[dims] = self._level(dims, scope, grouping)
        if scope is None:
            return
        # a dimension's attributes are its nodes' own, at the levels of its axis alone
        # (the other axis summed up): its values' level and its parents' (its totals)
        for axis in (self.left, self.top):
            for k, e in enumerate(axis.dims):
                if not (self.attr_exprs[e] or self.attr_dims[e]):
                    continue
                for depth in range(k + 2):
                    dims = tuple(sorted(axis.dims[:depth]))
                    if dims not in self.levels:
                        self.levels[dims] = self._level(dims, scope, grouping)

    def _limits(self, given: Sequence[Any], scope: Any, grouping: Any
                ) -> tuple[Limit | None, Limit | None]:
        """Each axis' dimension limits (``calc/others.py``'s specs and ``keep_values``),
        applied under each parent node: a value is ranked by the ranking measure at its
        own level of the axis (its parents' values and itself, the other axis summed
        up, as a straight table ranks within the outer dimensions' values); with
        ``qGlobalOtherGrouping`` by the measure over the dimension alone, so that every
        parent keeps the same values."""
        specs: dict[int, limits.OtherSpec] = {}
        for i, g in enumerate(given[:len(self.dims)]):
            spec = limits.other_spec(g) if isinstance(g, Mapping) else None
            if spec is not None and spec.limits and self.measures:
                specs[i] = spec
                self.others_label[i] = limits.label_text(spec.other_label, "Others",
                                                         self.scalar)
        if not specs:
            return None, None
        named = [(m.label if isinstance(m.label, str) else "", m.text) for m in self.measures]

        def limit_of(dims: list[int], is_left: bool) -> Limit | None:
            if not any(d in specs for d in dims):
                return None

            def limit(k: int, parent: tuple[int, ...], values: list[int], grouped: Grouped
                      ) -> tuple[list[int], list[int]]:
                spec = specs.get(dims[k])
                if spec is None:
                    return values, []
                ranking = limits.ranking_measure(spec, named)
                own = [dims[k]] if spec.global_grouping else dims[:k + 1]
                prefix = () if spec.global_grouping else parent
                if OTHERS in prefix:  # under an Others node: over the records it groups
                    on_axis: NodePaths = (dims, grouped, [(*prefix, v) for v in values])
                    summed: NodePaths = ([], {}, [()])
                    pair = (on_axis, summed) if is_left else (summed, on_axis)
                    nums = self._node_numbers(scope, grouping, pair[0], pair[1], ranking)
                else:
                    level = tuple(sorted(own))
                    if level not in self.levels:
                        self.levels[level] = self._level(level, scope, grouping)
                    combos = np.array([(*prefix, v) for v in values], dtype=np.int64)
                    nums = self._first_measure(own, combos, ranking)
                count = limits.value_number(spec.counted, self.scalar) \
                    if spec.mode == "OTHER_COUNTED" else np.nan
                cap = np.nan if spec.mode == "OTHER_COUNTED" else \
                    limits.value_number(spec.limit, self.scalar)
                keep = limits.keep_values(nums, spec, count, cap)
                kept = [v for v, k in zip(values, keep.tolist(), strict=True) if k]
                rest = [v for v, k in zip(values, keep.tolist(), strict=True) if not k]
                return kept, [] if spec.suppress else rest

            return limit

        return (limit_of([e for e in self.order[:self.nleft] if e != PSEUDO], True),
                limit_of([e for e in self.order[self.nleft:] if e != PSEUDO], False))

    def _evaluate_others(self, scope: Any, grouping: Any) -> None:
        """The values shown through an Others node (``other_cells``, rows of
        ``others``): the measures of every cell whose row or column path goes through
        an Others node, and the attributes of such nodes (the cell of the node's path
        with the other axis summed up). Each is computed over the records of the cube's
        groups that fall in its left and top nodes (a value an Others node groups: in
        that node), not as sums of the values: a Count(DISTINCT) counts once."""
        if not self.count:
            return
        left = (self.left.dims, self.left.grouped)
        top = (self.top.dims, self.top.grouped)
        lefts = sorted({s for s, _ in self.left.leaves}, key=len)
        tops = sorted({s for s, _ in self.top.leaves}, key=len)
        blocks: list[tuple[list[tuple[int, ...]], list[tuple[int, ...]]]] = []
        for a in sorted({len(s) for s in lefts}):
            for b in sorted({len(s) for s in tops}):
                blocks.append(([s for s in lefts if len(s) == a],
                               [s for s in tops if len(s) == b]))
        for axis, first in ((self.left, True), (self.top, False)):
            paths = sorted({n.syms for n in axis.walk() if n.dim != PSEUDO and OTHERS in n.syms
                            and (self.attr_exprs[n.dim] or self.attr_dims[n.dim])})
            for depth in sorted({len(p) for p in paths}):
                at = [p for p in paths if len(p) == depth]
                blocks.append((at, [()]) if first else ([()], at))
        for rows, cols in blocks:
            width = max(len(cols), 1)
            wanted = np.array([(OTHERS in r or OTHERS in c) and (r, c) not in self.other_cells
                               for r in rows for c in cols] or [False], dtype=bool)
            if not wanted.any():
                continue
            keep = self._kept_others.append if self.deferred else None
            got = self._over_nodes(scope, grouping, (*left, rows), (*top, cols), wanted,
                                   keep=keep)
            if got is None:
                continue
            cells, values, attrs, attr_dims = got
            part = len(self.others)
            self.others.append(Level((), cells, np.arange(len(cells), dtype=np.intp), values,
                                     attrs, attr_dims))
            for k, x in enumerate(cells.tolist()):
                self.other_cells[(rows[x // width] if rows else (),
                                  cols[x % width] if cols else ())] = (part, k)

    def _node_numbers(self, scope: Any, grouping: Any, left: NodePaths, top: NodePaths,
                      measure: int) -> np.ndarray:
        """A measure's number at each crossing of ``left``'s paths and ``top``'s (one of
        them ``[()]``: that axis summed up), over the records that fall in the nodes
        (NaN: NULL or no records)."""
        width = max(len(top[2]), 1)
        out = np.full(max(len(left[2]), 1) * width, np.nan)
        got = self._over_nodes(scope, grouping, left, top, None, measure)
        if got is not None:
            cells, values = got[0], got[1][measure]
            out[cells] = np.where(values.null, np.nan, values.num.astype(np.float64))
        return out

    def _over_nodes(self, scope: Any, grouping: Any, left: NodePaths, top: NodePaths,
                    wanted: np.ndarray | None = None, only: int | None = None,
                    keep: Callable[[Any], None] | None = None
                    ) -> tuple[np.ndarray, list[Vec], dict[int, list[Vec]],
                               dict[int, list[AttrDimCodes]]] | None:
        """The measures (``only``: that one, the rest NULL and no attributes) over the
        crossings of ``left``'s node paths and ``top``'s (each: the axis' dimensions,
        what it groups in Others nodes, paths of one depth) that have records and are
        ``wanted`` (row-major); the crossings' indices (row × len(top paths) + column)
        and their values, attribute expressions and attribute dimensions, by column;
        ``keep`` takes their scope (its first groups the crossings), else released."""
        count = self.count
        rows, cols = left[2], top[2]
        a, b = len(rows[0]) if rows else 0, len(cols[0]) if cols else 0
        width = max(len(cols), 1)
        left_of = self._node_of(left[0], left[1], a, rows)
        top_of = self._node_of(top[0], top[1], b, cols)
        ok = (left_of >= 0) & (top_of >= 0)
        cell = np.where(ok, left_of * width + top_of, 0)
        use = ok & wanted[cell] if wanted is not None else ok
        cells, new_of = np.unique(cell[use], return_inverse=True)
        n = len(cells)
        if not n:
            return None
        mapping = np.full(count, n, dtype=np.intp)
        mapping[use] = new_of.ravel()
        dims = tuple(sorted(left[0][:a] + top[0][:b]))
        paths = {d: (rows, cells // width, k) for k, d in enumerate(left[0][:a])}
        paths.update({d: (cols, cells % width, k) for k, d in enumerate(top[0][:b])})
        fields = [(self.dims[d].field, np.append(np.array(
            [paths[d][0][x][paths[d][2]] for x in paths[d][1].tolist()],
            dtype=np.int64), -1)) for d in dims if self.dims[d].field]
        fields = [(f, np.where(s >= 0, s, -1)) for f, s in fields]
        sub = self._level_scope(scope, grouping, mapping, n + 1, fields)
        first = np.arange(n)
        attrs: dict[int, list[Vec]] = {}
        attr_dims: dict[int, list[AttrDimCodes]] = {}
        try:
            values = [self._evaluate(m, sub, n + 1, quiet=True).take(first)
                      if i not in self.deferred and only in (None, i) else Vec.nulls(n)
                      for i, m in enumerate(self.measures)]
            if only is None:
                level = Level((), first, first, values)
                self._level_attrs(level, sub, n + 1)
                attrs = {c: [v.take(first) for v in vs] for c, vs in level.attrs.items()}
                attr_dims = {c: [(codes[:n], table) for codes, table in ds]
                             for c, ds in level.attr_dims.items()}
        finally:
            if keep is not None:
                keep(sub)
            else:
                sub.release()
        return cells, values, attrs, attr_dims

    def _node_of(self, dims: list[int], grouped: Grouped, depth: int,
                 paths: list[tuple[int, ...]]) -> np.ndarray:
        """Each group of the cube's index among ``paths`` (node paths at ``depth`` of
        an axis over ``dims`` that groups ``grouped``) of the node it falls in there;
        -1 for none."""
        if not depth:
            return np.zeros(self.count, dtype=np.int64) if paths else \
                np.full(self.count, -1, dtype=np.int64)
        real = np.stack([self.dim_symbols[d][:self.count].astype(np.int64)
                         for d in dims[:depth]], axis=1)
        combos, inverse = np.unique(real, axis=0, return_inverse=True)
        index = {p: i for i, p in enumerate(paths)}
        of_combo = np.array([index.get(p, -1) for p in node_paths(grouped, combos)] or [-1],
                            dtype=np.int64)
        return of_combo[inverse.ravel()]

    def _evaluate_grid(self, scope: Any, totals: Any, grouping: Any) -> None:
        """The measures with inter-record functions over the cells of the trees as
        built (``calc/interrecord.py``'s ``Grid``), then each level's values of them
        taken from the cells that show that level."""
        rows = [s for s, m in self.left.leaves if m is None or m == 0]
        cols = [s for s, m in self.top.leaves if m is None or m == 0]
        nleft, ntop = len(self.left.dims), len(self.top.dims)
        row_depth, row_prefix = _lines_of(rows, nleft)
        col_depth, col_prefix = _lines_of(cols, ntop)
        nrows, ncols = len(rows), len(cols)
        ncells = nrows * ncols
        row_syms = _padded(rows, nleft)
        col_syms = _padded(cols, ntop)
        level_of = np.full(ncells, -1, dtype=np.int64)
        group_of = np.full(ncells, -1, dtype=np.int64)
        grid_levels: list[GridLevel] = []
        shown: list[tuple[tuple[int, ...], np.ndarray, np.ndarray, np.ndarray]] = []
        full = tuple(range(len(self.dims)))
        identity: Callable[[Vec], Vec] = lambda v: v  # noqa: E731
        # the cells through an Others node: read from ``others`` (below), no level's
        through = (np.array([OTHERS in s for s in rows], dtype=bool)[:, None]
                   | np.array([OTHERS in s for s in cols], dtype=bool)[None, :]).ravel()
        for a in sorted(set(row_depth.tolist())):
            for b in sorted(set(col_depth.tolist())):
                dims = tuple(sorted(self.left.dims[:a] + self.top.dims[:b]))
                level = self.levels.get(dims)
                if level is None:
                    continue
                ri = np.flatnonzero(row_depth == a)
                cj = np.flatnonzero(col_depth == b)
                cells = (ri[:, None] * ncols + cj[None, :]).ravel()
                by_left = {d: k for k, d in enumerate(self.left.dims[:a])}
                by_top = {d: k for k, d in enumerate(self.top.dims[:b])}
                syms = [np.repeat(row_syms[ri, by_left[d]], len(cj)) if d in by_left
                        else np.tile(col_syms[cj, by_top[d]], len(ri)) for d in dims]
                key, ok = self.key_of(dims, syms)
                pos = np.clip(np.searchsorted(level.keys, key), 0,
                              max(len(level.keys) - 1, 0))
                found = ok & (level.keys[pos] == key) if len(level.keys) else \
                    np.zeros(len(key), dtype=bool)
                found &= ~through[cells]
                k = len(grid_levels)
                level_of[cells] = np.where(through[cells], -1, k)
                group_of[cells] = np.where(found, level.ids[pos] if len(level.keys) else -1, -1)
                if dims == full:
                    lv_scope, finish = scope, grouping.finish
                elif not dims:
                    lv_scope, finish = totals, identity
                else:
                    lv_scope, finish = self._kept[dims], identity
                grid_levels.append(GridLevel(lv_scope, finish, [
                    None if i in self.deferred else v for i, v in enumerate(level.values)]))
                shown.append((dims, cells[~through[cells]], key[~through[cells]],
                              found[~through[cells]]))
        # an Others cell is a cell of its row and column like any (Above reads the row
        # above it), its aggregations over the records it stands for
        other_levels: list[tuple[int, Level]] = []
        by_part: dict[int, list[tuple[int, int]]] = {}
        for c in np.flatnonzero(through).tolist():
            hit = self.other_cells.get((rows[c // ncols], cols[c % ncols]))
            if hit is not None and hit[0] < len(self._kept_others):
                by_part.setdefault(hit[0], []).append((c, hit[1]))
        for part, got in sorted(by_part.items()):
            other = self.others[part]
            at = np.array([c for c, _ in got], dtype=np.int64)
            level_of[at] = len(grid_levels)
            group_of[at] = [r for _, r in got]
            other_levels.append((len(grid_levels), other))
            grid_levels.append(GridLevel(self._kept_others[part], identity, [
                None if i in self.deferred else v for i, v in enumerate(other.values)]))
        down = tuple(axis_prefixes(row_depth, row_prefix, nleft, ncols, t, True)
                     for t in (False, True))
        across = tuple(axis_prefixes(col_depth, col_prefix, ntop, nrows, t, False)
                       for t in (False, True))
        grid = Grid(grid_levels, level_of, group_of, (down[0], down[1]),
                    (across[0], across[1]), np.repeat(row_depth, ncols),
                    np.tile(col_depth, nrows), self.locale,
                    lambda i, sc, n, quiet: self._evaluate(self.measures[i], sc, n, quiet))
        by_cell = {i: grid.measure(i) for i in sorted(self.deferred)}
        for k, other in other_levels:
            for i, v in by_cell.items():
                other.values[i] = grid.spread(v, k, other.values[i].n)
        # an Others cell with no records shows what the grid gives it, as any cell
        empty = np.flatnonzero(through & (level_of < 0))
        if len(empty) and by_cell:
            given = {i: v.take(empty) for i, v in by_cell.items()}
            shows = np.logical_or.reduce([~v.null for v in given.values()])
            if shows.any():
                at = empty[shows]
                part = len(self.others)
                self.others.append(Level((), at, np.arange(len(at), dtype=np.intp), [
                    given[i].take(np.flatnonzero(shows)) if i in given else Vec.nulls(len(at))
                    for i in range(len(self.measures))]))
                for k, c in enumerate(at.tolist()):
                    self.other_cells[(rows[c // ncols], cols[c % ncols])] = (part, k)
        for k, (dims, cells, key, found) in enumerate(shown):
            level = self.levels[dims]
            values = list(level.values)
            for i, v in by_cell.items():
                values[i] = grid.spread(v, k, level.values[i].n)
            if dims == full:  # the cube's own values, for what reads the cube
                for i in by_cell:
                    self.values[i] = values[i]
            # a cell with no data of its own shows a value the grid gave it
            new = ~found & np.logical_or.reduce([~v.null[cells] for v in by_cell.values()])
            if new.any():
                at = cells[new]
                n = level.values[0].n if level.values else 0
                values = [concat([v, by_cell[i].take(at) if i in by_cell
                                  else Vec.nulls(len(at))]) for i, v in enumerate(values)]
                level.attrs = {c: [concat([v, Vec.nulls(len(at))]) for v in vs]
                               for c, vs in level.attrs.items()}
                level.attr_dims = {c: [(np.concatenate([codes, np.full(len(at), -1, np.int64)]),
                                        table) for codes, table in ds]
                                   for c, ds in level.attr_dims.items()}
                keys = np.concatenate([level.keys, key[new]])
                ids = np.concatenate([level.ids, n + np.arange(len(at), dtype=level.ids.dtype)])
                order = np.argsort(keys, kind="stable")
                level.keys, level.ids = keys[order], ids[order]
            level.values = values

    def _first_measure(self, dims: list[int], syms: np.ndarray, measure: int = 0
                       ) -> np.ndarray:
        """The first measure's (or ``measure``'s) number at the level of ``dims`` for each
        row of value combinations ``syms`` (one column per dimension); NaN where NULL or
        no group."""
        level_dims = tuple(sorted(dims))
        level = self.levels[level_dims]
        at = {d: i for i, d in enumerate(dims)}
        key, ok = self.key_of(level_dims, [syms[:, at[d]].astype(np.int64) for d in level_dims])
        out = np.full(len(key), np.nan)
        if not len(level.keys):
            return out
        pos = np.clip(np.searchsorted(level.keys, key), 0, len(level.keys) - 1)
        found = ok & (level.keys[pos] == key)
        vec = level.values[measure]
        ids = level.ids[pos[found]]
        out[found] = np.where(vec.null[ids], np.nan, vec.num[ids].astype(np.float64))
        return out

    def find(self, dims: Sequence[int], syms: np.ndarray) -> tuple[Level | None, np.ndarray]:
        """The level of ``dims`` (in any order) and the row in it of each combination of
        their values (``syms``: one column per entry of ``dims``); -1 for none."""
        level_dims = tuple(sorted(dims))
        level = self.levels.get(level_dims)
        out = np.full(len(syms), -1, dtype=np.int64)
        if level is None or not len(level.keys) or not len(syms):
            return level, out
        at = {d: i for i, d in enumerate(dims)}
        key, ok = self.key_of(level_dims, [syms[:, at[d]] for d in level_dims])
        pos = np.clip(np.searchsorted(level.keys, key), 0, len(level.keys) - 1)
        found = ok & (level.keys[pos] == key)
        out[found] = level.ids[pos[found]]
        return level, out

    def _rank(self, i: int) -> np.ndarray:
        dim = self.dims[i]
        criteria = first_criteria(dim.definition)
        if dim.values is not None:
            return dim.values.rank(criteria)
        if dim.field is not None:
            return symbol_rank(self.model, self._pivot_inference, dim.field, criteria, self.locale)
        return np.zeros(1, dtype=np.int64)

    def _codes(self) -> None:
        """Each dimension's symbols as dense codes (their sorted distinct values), so that
        a level's groups have int64 keys."""
        self._uniq = [np.unique(s.astype(np.int64)) for s in self.dim_symbols]
        self._group_codes = [np.searchsorted(u, s.astype(np.int64))
                             for u, s in zip(self._uniq, self.dim_symbols, strict=True)]

    def _strides(self, dims: tuple[int, ...]) -> list[int]:
        strides = [1] * len(dims)
        for i in range(len(dims) - 2, -1, -1):
            strides[i] = strides[i + 1] * max(len(self._uniq[dims[i + 1]]), 1)
        return strides

    def key_of(self, dims: tuple[int, ...], syms: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Keys of value combinations of a level's dimensions, and which of them are
        known values (others have no group)."""
        n = len(syms[0]) if syms else 1
        key = np.zeros(n, dtype=np.int64)
        ok = np.ones(n, dtype=bool)
        for d, s, stride in zip(dims, syms, self._strides(dims), strict=True):
            u = self._uniq[d]
            pos = np.clip(np.searchsorted(u, s), 0, max(len(u) - 1, 0))
            ok &= (u[pos] == s) if len(u) else False
            key += pos * stride
        return key, ok

    def _level(self, dims: tuple[int, ...], scope: Any, grouping: Any) -> Level:
        count = self.count
        if len(dims) == len(self.dims):
            key = self._group_key(dims, np.arange(count))
            order = np.argsort(key, kind="stable")
            return Level(dims, key[order], order, self.values,
                         {c: self.attr_values[c] for c in self.attr_cols},
                         {c: list(zip(self.attr_dim_codes[c], self.attr_dim_values[c],
                                      strict=True)) for c in self.attr_cols})
        if not dims:
            level = Level(dims, np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.intp),
                          self.totals)
            if self._totals_scope is not None and count:
                self._level_attrs(level, self._totals_scope, 1)
            return level
        key = self._group_key(dims, np.arange(count))
        uniq, inverse = np.unique(key, return_inverse=True)
        inverse = inverse.ravel().astype(np.intp)
        n = len(uniq)
        first = np.zeros(n, dtype=np.intp)
        first[inverse[::-1]] = np.arange(count, dtype=np.intp)[::-1]
        fields = [(self.dims[d].field, self.dim_symbols[d][first]) for d in dims
                  if self.dims[d].field]
        sub = self._level_scope(scope, grouping, inverse, n, fields)
        try:
            values = [self._evaluate(m, sub, n, quiet=True) if n and i not in self.deferred
                      else Vec.nulls(n) for i, m in enumerate(self.measures)]
            level = Level(dims, uniq, np.arange(n, dtype=np.intp), values)
            if n:
                self._level_attrs(level, sub, n)
        finally:
            if self.deferred:  # the grid reads the level again (``_evaluate_grid``)
                self._kept[dims] = sub
            else:
                sub.release()
        return level

    def _level_attrs(self, level: Level, scope: Any, n: int) -> None:
        """Every column's attribute expressions and dimensions over a level's scope:
        a measure's attributes at the level of each cell, a dimension's at its nodes'
        (the straight cube's ``_evaluate_attr`` and ``_attr_dim_codes`` per group)."""
        for c in self.attr_cols:
            level.attrs[c] = self._attrs_over(c, scope, n)
            if self.attr_dims[c]:
                records, key = _records_key(scope)
                level.attr_dims[c] = [
                    self._attr_dim_codes(ad, scope, n, _same, records, key, _same)
                    for ad in self.attr_dims[c]]

    def _attrs_over(self, c: int, scope: Any, n: int) -> list[Vec]:
        """Column ``c``'s attribute expressions over ``n`` groups of ``scope`` (NULL for
        one with inter-record functions: not evaluated over a pivot's grid)."""
        return [Vec.nulls(n) if a.deferred else self._evaluate_attr(a, scope, n)
                for a in self.attr_exprs[c]]

    def _group_key(self, dims: tuple[int, ...], groups: np.ndarray) -> np.ndarray:
        key = np.zeros(len(groups), dtype=np.int64)
        for d, stride in zip(dims, self._strides(dims), strict=True):
            key += self._group_codes[d][groups] * stride
        return key

    def _level_scope(self, scope: Any, grouping: Any, level_of_group: np.ndarray, n: int,
                     fields: list[tuple[Any, np.ndarray]]) -> Any:
        """The cube's scope with its records grouped by a level's groups instead."""
        model, locale = self.model, self.locale
        if isinstance(scope, SetScope):  # groups are the union's: no key space
            made: dict[int, GroupScope] = {}

            def remap(s: GroupScope) -> GroupScope:
                if id(s) not in made:
                    made[id(s)] = GroupScope(model, s.records, level_of_group[s.group], n,
                                             locale, fields)
                return made[id(s)]

            return SetScope(remap(scope.default),
                            {t: remap(s) for t, s in scope.by_set.items()}, scope.errors)
        to_level = np.zeros(max(scope.n, 1), dtype=np.intp)
        if grouping.cells is not None:
            to_level[grouping.cells] = level_of_group
        else:
            to_level[:len(level_of_group)] = level_of_group
        return _Rollup(GroupScope(model, scope.records, to_level[scope.group], n, locale, fields),
                       scope, to_level)


def _same(v: Any) -> Any:
    return v


def _records_key(scope: Any) -> tuple[Any, np.ndarray]:
    """The records a scope reads (a set scope: its chart state's) and each record's
    group: what an attribute dimension on a field reads."""
    base = getattr(scope, "default", scope)
    if isinstance(base, TotalScope):
        return base.records, base.record_groups()
    return base.records, base.group


class _Rollup:
    """A subtotal level's scope (``sub``) that adds up the cube's own per-group sums and
    counts (``GroupScope.additive``: each record counted once) instead of reading the
    records again; every other aggregation, and everything else, is ``sub``'s. A group
    of the cube's key space with no records adds 0."""

    def __init__(self, sub: GroupScope, base: GroupScope, to_level: np.ndarray) -> None:
        self.sub = sub
        self.base = base
        self.to_level = to_level

    def aggregate(self, call: Any, evaluator: Any) -> Vec:
        fine = self.base.additive.get(call)
        if fine is None or len(fine.num) != len(self.to_level):
            return self.sub.aggregate(call, evaluator)
        nums = np.where(fine.null | np.isnan(fine.num), 0.0, fine.num)
        return Vec.numbers(np.bincount(self.to_level, weights=nums,
                                       minlength=self.sub.n)[:self.sub.n])

    def release(self) -> None:
        self.sub.release()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sub, name)


def _lines_of(leaves: list[tuple[int, ...]], full: int) -> tuple[np.ndarray, np.ndarray]:
    """Each leaf's depth (the dimensions it shows) and the id of its values but the
    last dimension's (-1 for a leaf showing fewer than that)."""
    depth = np.array([len(s) for s in leaves], dtype=np.int64)
    cut = max(full - 1, 0)
    ids: dict[tuple[int, ...], int] = {}
    prefix = np.array([ids.setdefault(s[:cut], len(ids)) if len(s) >= cut else -1
                       for s in leaves], dtype=np.int64)
    return depth, prefix


def _padded(leaves: list[tuple[int, ...]], width: int) -> np.ndarray:
    """The leaves' values as a matrix, -1 past a leaf's depth."""
    out = np.full((len(leaves), max(width, 1)), -1, dtype=np.int64)
    for i, s in enumerate(leaves):
        out[i, :len(s)] = s
    return out


def _without_totals(definition: Mapping[str, Any]) -> Mapping[str, Any]:
    """The definition with no dimension asking for total rows or dimension limits (the
    pivot's trees make their own total and Others nodes)."""
    dims = definition.get("qDimensions")
    if not isinstance(dims, list) or not any(
            isinstance(d, Mapping) and (_shows_total(d) or _limited(d)) for d in dims):
        return definition
    out = dict(definition)
    out["qDimensions"] = []
    for d in dims:
        if isinstance(d, Mapping) and (_shows_total(d) or _limited(d)):
            d = {k: v for k, v in d.items() if k != "qShowTotal"}
            spec = d.get("qOtherTotalSpec")
            if isinstance(spec, Mapping):
                d["qOtherTotalSpec"] = {k: v for k, v in spec.items()
                                        if k not in ("qTotalMode", "qOtherMode")}
        out["qDimensions"].append(d)
    return out


def _limited(d: Mapping[str, Any]) -> bool:
    spec = limits.other_spec(d)
    return spec is not None and spec.limits


def _y_sort(d: Mapping[str, Any]) -> int:
    """``qSortbyYValue``: 1 ascending, -1 descending, 0 off (sn-pivot-table writes
    -1/1/0, ``src/ext/property-panel/sorting.ts``)."""
    v = d.get("qSortbyYValue")
    if isinstance(v, bool) or not isinstance(v, int | float) or not v:
        return 0
    return 1 if v > 0 else -1


def _shows_total(d: Mapping[str, Any]) -> bool:
    spec = d.get("qOtherTotalSpec")
    mode = spec.get("qTotalMode") if isinstance(spec, Mapping) else None
    return mode in ("TOTAL_EXPR", "TOTAL_EXPRESSION") or bool(d.get("qShowTotal"))
