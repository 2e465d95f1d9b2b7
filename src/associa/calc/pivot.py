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
  each parent node, ranked at the node's own level of its axis (``pivot_others``); the
  values left out make an Others node (``qElemNo`` -3, ``qType`` "O": sn-pivot-table
  ``src/pivot-table/data/helpers/create-cell.ts``, ``src/types/QIX.ts``). An Others
  node is a node like any: it expands and collapses (ExpandLeft/ExpandTop name it by
  its row and column, as sn-pivot-table sends ``cell.y, cell.x`` for every node with
  ``qCanExpand``), its children are the next dimension's values over the records of
  every value it groups, limited by that dimension's own limit ranked over those
  records, and its cells and attribute values are computed over its records
  (``pivot_others.evaluate_others``). In ``qExpansionState`` its path holds -3, its ``qElemNo``
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
cells the trees show (``pivot_grid.evaluate_grid``, ``calc/interrecord.py``'s ``Grid``: the rules
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
from associa.calc.pivot_axes import PSEUDO, Axis, Expansion, Grouped, axes_order, dim_name
from associa.calc.pivot_grid import evaluate_grid
from associa.calc.pivot_others import axis_limits, evaluate_others, node_numbers
from associa.calc.sorting import first_criteria, symbol_rank
from associa.expr import Vec
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
        self.leaf_others: set[int] = set()  # dimensions whose Others nodes do not expand
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
        over the grid of cells (``pivot_grid.evaluate_grid``); a straight cube's deferred
        attribute expressions as a straight table's."""
        if any(a.deferred and a.error is None for col in self.attr_exprs for a in col):
            super()._evaluate_deferred(scope, totals, grouping)
        self._kept: dict[tuple[int, ...], Any] = {}
        self._kept_others: list[Any] = []  # the scope of each of ``others``, for the grid
        self._totals_scope = totals
        try:
            self._build_trees(scope, totals, grouping)
            if self.deferred:
                evaluate_grid(self, scope, totals, grouping)
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
        left_limit, top_limit = axis_limits(self, given, scope, grouping)
        left_dims = [e for e in self.order[:self.nleft] if e != PSEUDO]

        def node_value(paths: list[tuple[int, ...]], grouped: Grouped) -> np.ndarray:
            return node_numbers(self, scope, grouping, (left_dims, grouped, paths),
                                      ([], {}, [()]), 0)

        self.left = Axis(self, self.order[:self.nleft], ranks, expansion, fully, totals_on,
                         above, names, indent=bool(d.get("qIndentMode")), by_value=by_value,
                         sign=sign, limit=left_limit, node_value=node_value,
                         leaf_others=self.leaf_others)
        self.top = Axis(self, self.order[self.nleft:], ranks, expansion, fully, totals_on,
                        above, names, limit=top_limit, leaf_others=self.leaf_others)
        if self.left.grouped or self.top.grouped:
            evaluate_others(self, scope, grouping)
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
            if self.deferred:  # the grid reads the level again (``evaluate_grid``)
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
        return _Rollup(lambda: GroupScope(model, scope.records, to_level[scope.group], n, locale,
                                          fields), scope, to_level, n)


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
    records again; every other aggregation, and everything else, is ``sub``'s, made
    when first needed (its records' groups are a pass over the records). A group of the
    cube's key space with no records adds 0."""

    def __init__(self, make: Callable[[], GroupScope], base: GroupScope, to_level: np.ndarray,
                 n: int) -> None:
        self._make = make
        self._sub: GroupScope | None = None
        self.base = base
        self.to_level = to_level
        self.n = n

    @property
    def sub(self) -> GroupScope:
        if self._sub is None:
            self._sub = self._make()
        return self._sub

    def aggregate(self, call: Any, evaluator: Any) -> Vec:
        fine = self.base.additive.get(call)
        if fine is None or len(fine.num) != len(self.to_level):
            return self.sub.aggregate(call, evaluator)
        nums = np.where(fine.null | np.isnan(fine.num), 0.0, fine.num)
        return Vec.numbers(np.bincount(self.to_level, weights=nums, minlength=self.n)[:self.n])

    def release(self) -> None:
        if self._sub is not None:
            self._sub.release()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sub, name)


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
