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
* Dimension limits (``qOtherTotalSpec.qOtherMode``): not applied in a pivot yet; every
  value is a node. The engine's pivot cells do know Others (``qElemNo`` -3, ``qType``
  "O": sn-pivot-table ``src/pivot-table/data/helpers/create-cell.ts``,
  ``src/types/QIX.ts``), though sn-pivot-table's property panel offers no limits for
  its dimensions (only ``qTotalMode``, ``src/ext/property-panel/data.ts``).
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

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from associa.calc import others as limits
from associa.calc.aggregate import GroupScope, SetScope, TotalScope
from associa.calc.calcdims import CalcValues
from associa.calc.cells import Wire, format_attr_values, format_measures, nan_json
from associa.calc.cube import Cube
from associa.calc.interrecord import Grid, GridLevel, axis_prefixes
from associa.calc.pages import check_pages, clip_page, layout_head
from associa.calc.sorting import first_criteria, symbol_rank
from associa.calc.straight import StraightTable, attr_dim_values
from associa.errors import AssociaError, HyperCubeModeError
from associa.expr import Vec
from associa.expr.vector import concat
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale

PSEUDO = -1
OTHERS = limits.OTHERS  # an Others node's qElemNo, and its last value in a path
TOTAL_ELEM = -1
NULL_ELEM = -2
EMPTY_ELEM = -4
NULL_CELL = {"qText": "-", "qNum": "NaN", "qType": "U"}


# dimension limits of an axis: (level, parent path, the values under it in order) ->
# (the values kept, the values an Others node groups: none when it is not shown)
Limit = Callable[[int, tuple[int, ...], list[int]], tuple[list[int], list[int]]]


def is_pivot(definition: Mapping[str, Any]) -> bool:
    return definition.get("qMode") in ("P", "DATA_MODE_PIVOT", "EQ_DATA_MODE_PIVOT")


def axes_order(definition: Mapping[str, Any], ndims: int, nmeasures: int) -> tuple[list[int], int]:
    """The effective order of the dimensions and the pseudo dimension (``-1``, with two
    measures or more) and how many of them are on the left."""
    wanted = definition.get("qInterColumnSortOrder")
    order: list[int] = []
    for c in wanted if isinstance(wanted, list) else []:
        if isinstance(c, int) and not isinstance(c, bool) and c not in order and (
                0 <= c < ndims or (c == PSEUDO and nmeasures > 1)):
            order.append(c)
    order += [c for c in range(ndims) if c not in order]
    if nmeasures > 1 and PSEUDO not in order:
        pos = definition.get("qPseudoDimPos")
        at = pos if isinstance(pos, int) and 0 <= pos <= len(order) else len(order)
        order.insert(at, PSEUDO)
    left = definition.get("qNoOfLeftDims")
    nleft = left if isinstance(left, int) and 0 <= left <= len(order) else len(order)
    return order, nleft


def dim_name(definition: Mapping[str, Any]) -> str:
    """How an expansion entry names a dimension: its first field definition."""
    qdef = definition.get("qDef") or {}
    defs = qdef.get("qFieldDefs") if isinstance(qdef, Mapping) else None
    return str(defs[0]) if isinstance(defs, list) and defs else ""


class Expansion:
    """The nodes ``qExpansionState`` expands (see the module's docstring)."""

    def __init__(self, state: Any) -> None:
        self.entries: list[tuple[str, tuple[int, ...] | None, bool]] = []
        for e in state if isinstance(state, list) else []:
            pos = e.get("qPos") if isinstance(e, Mapping) else None
            if not isinstance(pos, Mapping):
                continue
            path = pos.get("qElemNo") or []
            path = tuple(int(x) for x in path if isinstance(x, int | float))
            self.entries.append((str(pos.get("qDimName") or ""), path or None,
                                 not e.get("qExcludeList")))

    def expanded(self, name: str, path: tuple[int, ...]) -> bool:
        for n, p, expanded in reversed(self.entries):
            if n == name and (p is None or p == path):
                return expanded
        return False


def set_expanded(state: Any, name: str, path: tuple[int, ...] | None,
                 expanded: bool) -> list[dict[str, Any]]:
    """``qExpansionState`` with one node (``path`` None: every node of the dimension)
    expanded or collapsed; the entries it overrides are dropped."""
    out: list[dict[str, Any]] = [
        dict(copy.deepcopy(e)) for e in (state if isinstance(state, list) else [])
        if isinstance(e, Mapping)]

    def overridden(e: Mapping[str, Any]) -> bool:
        pos = e.get("qPos") or {}
        if str(pos.get("qDimName") or "") != name:
            return False
        return path is None or tuple(pos.get("qElemNo") or ()) == path

    out = [e for e in out if not overridden(e)]
    out.append({"qExcludeList": not expanded,
                "qPos": {"qDimName": name, "qElemNo": list(path or ()), "qElemValues": []}})
    return out


@dataclass(slots=True, eq=False)
class Node:
    """A node of an axis tree. ``kind``: N value, U NULL value, T total, E collapsed
    placeholder (sent as qType T, qElemNo -4), P pseudo, O Others (dimension limits: its
    last value is ``OTHERS``). ``syms``: the values of the axis' dimensions from the
    outermost one down to this node's subtotal level; ``flag``: 1 can expand, 2 can
    collapse; ``grouped``: an Others node's values (the ones its parent does not keep)."""

    kind: str
    level: int  # index among the axis' entries
    dim: int  # dimension index, or PSEUDO
    elem: int
    syms: tuple[int, ...]
    measure: int | None
    children: list[Node] = field(default_factory=list)
    flag: int = 0
    start: int = 0
    count: int = 0
    grouped: tuple[int, ...] = ()


class Axis:
    """One side of the pivot: its entries (dimensions, pseudo), its tree and leaves."""

    def __init__(self, cube: PivotCube, entries: list[int], ranks: dict[int, np.ndarray],
                 expansion: Expansion, fully: bool, totals: dict[int, bool], above: bool,
                 names: dict[int, str], indent: bool = False,
                 by_value: Callable[[list[int], np.ndarray], np.ndarray] | None = None,
                 sign: int = 1, limit: Limit | None = None) -> None:
        self.entries = entries
        self.indent = indent
        self._measures = len(cube.measures)
        self.dims = [e for e in entries if e != PSEUDO]
        self._fully = fully
        self._totals = totals
        self._above = above
        self._names = names
        self._expansion = expansion
        self._nulls = {d: cube.null_symbol(d) for d in self.dims}
        self._kids = self._children(cube, ranks, by_value, sign)
        self._limit = limit
        # dimension limits: each parent's path -> the values its Others node groups
        self.grouped: dict[tuple[int, ...], frozenset[int]] = {}
        self.roots = self._build(0, (), None, True)
        self.leaves: list[tuple[tuple[int, ...], int | None]] = []
        self._place(self.roots)
        if not entries:  # no dimension on this side: one row (column) of values
            self.leaves = [((), None)]

    def _children(self, cube: PivotCube, ranks: dict[int, np.ndarray],
                  by_value: Callable[[list[int], np.ndarray], np.ndarray] | None = None,
                  sign: int = 1) -> dict[tuple[int, ...], list[int]]:
        """Each prefix of values on this axis → the next dimension's values under it, in
        the dimension's sort order; with ``by_value`` (the first measure's number of each
        node, sorting by y-value) first by that number times ``sign``, NaN last, the
        dimension's order breaking ties."""
        kids: dict[tuple[int, ...], list[int]] = {}
        rows = cube.rows[cube.rows < cube.count]  # not the cube's virtual rows (Others)
        if not self.dims or not len(rows):
            return kids
        sym = np.stack([cube.dim_symbols[d][rows].astype(np.int64) for d in self.dims],
                       axis=1)
        combos = np.unique(sym, axis=0)
        keys: list[np.ndarray] = []
        for i, d in enumerate(self.dims):
            if by_value is not None:
                nums = by_value(self.dims[:i + 1], combos[:, :i + 1])
                missing = np.isnan(nums)
                keys += [missing.astype(np.int64), np.where(missing, 0.0, sign * nums)]
            keys.append(ranks[d][combos[:, i]])
        combos = combos[np.lexsort(keys[::-1])]
        for combo in combos.tolist():
            for k in range(len(combo)):
                prefix = tuple(combo[:k])
                got = kids.setdefault(prefix, [])
                if not got or got[-1] != combo[k]:
                    got.append(combo[k])
        return kids

    def _build(self, level: int, syms: tuple[int, ...], measure: int | None,
               open_: bool) -> list[Node]:
        if level == len(self.entries):
            return []
        e = self.entries[level]
        if e == PSEUDO:
            return [Node("P", level, PSEUDO, m, syms, m, self._build(level + 1, syms, m, open_))
                     for m in range(self._measures)]
        if not open_:
            if self.indent:  # no placeholder rows: a collapsed node is a row of its own
                return self._build(level + 1, syms, measure, False)
            return [Node("E", level, e, EMPTY_ELEM, syms, measure,
                         self._build(level + 1, syms, measure, False))]
        deeper = any(x != PSEUDO for x in self.entries[level + 1:])
        nodes = []
        values = self._kids.get(syms, [])
        grouped: list[int] = []
        if self._limit is not None and values:
            values, grouped = self._limit(len(syms), syms, values)
        for s in values:
            path = syms + (s,)
            flag = 0
            expanded = True
            if deeper and not self._fully:
                expanded = self._expansion.expanded(self._names[e], path)
                flag = 2 if expanded else 1
            kind = "U" if s == self._nulls[e] else "N"
            nodes.append(Node(kind, level, e, NULL_ELEM if kind == "U" else s, path, measure,
                              self._build(level + 1, path, measure, expanded), flag))
        if grouped:  # a leaf: nothing says an Others node expands
            path = syms + (OTHERS,)
            self.grouped[syms] = frozenset(grouped)
            nodes.append(Node("O", level, e, OTHERS, path, measure,
                              self._build(level + 1, path, measure, False), grouped=tuple(grouped)))
        if self._totals.get(e) and nodes and not (self.indent and e != self.dims[0]):
            total = Node("T", level, e, TOTAL_ELEM, syms, measure,
                         self._build(level + 1, syms, measure, False))
            nodes.insert(0, total) if self._above else nodes.append(total)
        return nodes

    def _place(self, nodes: list[Node]) -> None:
        for n in nodes:
            n.start = len(self.leaves)
            if self.indent:  # every node is a row, above its children's rows
                self.leaves.append((n.syms, n.measure))
                self._place(n.children)
            elif n.children:
                self._place(n.children)
            else:
                self.leaves.append((n.syms, n.measure))
            n.count = len(self.leaves) - n.start

    def node_at(self, level: int, index: int) -> Node | None:
        """The node of an entry level whose leaves hold leaf ``index`` (indented: the
        node whose own row ``index`` is, whatever the level)."""
        nodes = self.roots
        if self.indent:
            while nodes:
                hit = next((n for n in nodes if n.start <= index < n.start + n.count), None)
                if hit is None or hit.start == index:
                    return hit
                nodes = hit.children
            return None
        while nodes:
            hit = next((n for n in nodes if n.start <= index < n.start + n.count), None)
            if hit is None or hit.level == level:
                return hit
            nodes = hit.children
        return None

    def node_paths(self, real: np.ndarray) -> list[tuple[int, ...]]:
        """The path of the node each row of real values (one column per dimension of
        this axis, outermost first) falls in at that depth: a value its parent's Others
        node groups ends the path with ``OTHERS`` (shorter than the row then, when that
        parent is not the deepest level)."""
        out = []
        for row in real.tolist():
            path: list[int] = []
            for v in row:
                if v in self.grouped.get(tuple(path), ()):
                    path.append(OTHERS)
                    break
                path.append(v)
            out.append(tuple(path))
        return out

    def levels(self) -> set[int]:
        """How many of the axis' dimensions the leaves' values constrain."""
        return {len(s) for s, _ in self.leaves}

    def walk(self) -> list[Node]:
        out: list[Node] = []
        stack = list(reversed(self.roots))
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(reversed(n.children))
        return out


# an attribute dimension's value code per group of a level, and the values a calculated
# one's codes stand for (None: a field's symbols)
AttrDimCodes = tuple[np.ndarray, CalcValues | None]


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
        # the Others nodes' cells: (left path, top path) -> their row in ``other_values``
        # (one Vec per measure); each limited dimension's Others label
        self.other_cells: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        self.other_values: list[Vec] = []
        self.others_label: dict[int, str] = {}
        # the attribute expressions of the measures in the Others cells (rows as
        # ``other_values``), by column; the grand totals' scope while the levels are made
        self.other_attrs: dict[int, list[Vec]] = {}
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
        self._totals_scope = totals
        try:
            self._build_trees(scope, totals, grouping)
            if self.deferred:
                self._evaluate_grid(scope, totals, grouping)
        finally:
            self._totals_scope = None
            for sub in self._kept.values():
                sub.release()
            self._kept = {}

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
        self.left = Axis(self, self.order[:self.nleft], ranks, expansion, fully, totals_on,
                         above, names, indent=bool(d.get("qIndentMode")), by_value=by_value,
                         sign=sign, limit=left_limit)
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

        def limit_of(dims: list[int]) -> Limit | None:
            if not any(d in specs for d in dims):
                return None

            def limit(k: int, parent: tuple[int, ...], values: list[int]
                      ) -> tuple[list[int], list[int]]:
                spec = specs.get(dims[k])
                if spec is None:
                    return values, []
                own = [dims[k]] if spec.global_grouping else dims[:k + 1]
                level = tuple(sorted(own))
                if level not in self.levels:
                    self.levels[level] = self._level(level, scope, grouping)
                prefix = () if spec.global_grouping else parent
                combos = np.array([(*prefix, v) for v in values], dtype=np.int64)
                nums = self._first_measure(own, combos, limits.ranking_measure(spec, named))
                count = limits.value_number(spec.counted, self.scalar) \
                    if spec.mode == "OTHER_COUNTED" else np.nan
                cap = np.nan if spec.mode == "OTHER_COUNTED" else \
                    limits.value_number(spec.limit, self.scalar)
                keep = limits.keep_values(nums, spec, count, cap)
                kept = [v for v, k in zip(values, keep.tolist(), strict=True) if k]
                rest = [v for v, k in zip(values, keep.tolist(), strict=True) if not k]
                return kept, [] if spec.suppress else rest

            return limit

        return (limit_of([e for e in self.order[:self.nleft] if e != PSEUDO]),
                limit_of([e for e in self.order[self.nleft:] if e != PSEUDO]))

    def _evaluate_others(self, scope: Any, grouping: Any) -> None:
        """The measures of the cells an Others node shows (``other_cells``): for each
        level of the grid, every group of the cube falls in one left node and one top
        node at that depth (a value an Others node groups: in that node), and the cells
        holding an Others node are the measures over the records of their groups (not
        sums of the values: a Count(DISTINCT) counts once)."""
        count = self.count
        if not count:
            return
        lefts = sorted({s for s, _ in self.left.leaves}, key=len)
        tops = sorted({s for s, _ in self.top.leaves}, key=len)
        parts: list[list[Vec]] = []
        attr_parts: dict[int, list[list[Vec]]] = {}
        at = 0
        for a in sorted({len(s) for s in lefts}):
            for b in sorted({len(s) for s in tops}):
                rows = [s for s in lefts if len(s) == a]
                cols = [s for s in tops if len(s) == b]
                if not any(OTHERS in s for s in rows) and not any(OTHERS in s for s in cols):
                    continue
                left_of = self._node_of(self.left, a, rows)
                top_of = self._node_of(self.top, b, cols)
                ok = (left_of >= 0) & (top_of >= 0)
                cell = np.where(ok, left_of * max(len(cols), 1) + top_of, -1)
                wanted = np.zeros(max(len(rows), 1) * max(len(cols), 1), dtype=bool)
                for i, r in enumerate(rows):
                    for j, c in enumerate(cols):
                        if OTHERS in r or OTHERS in c:
                            wanted[i * max(len(cols), 1) + j] = True
                cell = np.where(cell >= 0, cell, 0)
                use = ok & wanted[cell]
                cells, new_of = np.unique(cell[use], return_inverse=True)
                n = len(cells)
                if not n:
                    continue
                mapping = np.full(count, n, dtype=np.intp)
                mapping[use] = new_of.ravel()
                dims = tuple(sorted(self.left.dims[:a] + self.top.dims[:b]))
                paths = {d: (rows, cells // max(len(cols), 1), k)
                         for k, d in enumerate(self.left.dims[:a])}
                paths.update({d: (cols, cells % max(len(cols), 1), k)
                              for k, d in enumerate(self.top.dims[:b])})
                fields = [(self.dims[d].field, np.append(np.array(
                    [paths[d][0][x][paths[d][2]] for x in paths[d][1].tolist()],
                    dtype=np.int64), -1)) for d in dims if self.dims[d].field]
                fields = [(f, np.where(s >= 0, s, -1)) for f, s in fields]
                sub = self._level_scope(scope, grouping, mapping, n + 1, fields)
                try:
                    keep = np.arange(n)
                    parts.append([self._evaluate(m, sub, n + 1, quiet=True).take(keep)
                                  if i not in self.deferred else Vec.nulls(n)
                                  for i, m in enumerate(self.measures)])
                    for col in self.attr_cols:
                        if col >= len(self.dims):
                            attr_parts.setdefault(col, []).append(
                                [v.take(keep) for v in self._attrs_over(col, sub, n + 1)])
                finally:
                    sub.release()
                width = max(len(cols), 1)
                for k, x in enumerate(cells.tolist()):
                    self.other_cells[(rows[x // width] if rows else (),
                                      cols[x % width] if cols else ())] = at + k
                at += n
        if parts:
            self.other_values = [concat([p[i] for p in parts]) for i in range(len(self.measures))]
        for col, got in attr_parts.items():
            self.other_attrs[col] = [concat([p[j] for p in got])
                                     for j in range(len(self.attr_exprs[col]))]

    def _node_of(self, axis: Axis, depth: int, paths: list[tuple[int, ...]]) -> np.ndarray:
        """Each group of the cube's index among ``paths`` (the axis' leaves at
        ``depth``) of the node it falls in there; -1 for none."""
        if not depth:
            return np.zeros(self.count, dtype=np.int64) if paths else \
                np.full(self.count, -1, dtype=np.int64)
        real = np.stack([self.dim_symbols[d][:self.count].astype(np.int64)
                         for d in axis.dims[:depth]], axis=1)
        combos, inverse = np.unique(real, axis=0, return_inverse=True)
        index = {p: i for i, p in enumerate(paths)}
        of_combo = np.array([index.get(p, -1) for p in axis.node_paths(combos)] or [-1],
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
                k = len(grid_levels)
                level_of[cells] = k
                group_of[cells] = np.where(found, level.ids[pos] if len(level.keys) else -1, -1)
                if dims == full:
                    lv_scope, finish = scope, grouping.finish
                elif not dims:
                    lv_scope, finish = totals, identity
                else:
                    lv_scope, finish = self._kept[dims], identity
                grid_levels.append(GridLevel(lv_scope, finish, [
                    None if i in self.deferred else v for i, v in enumerate(level.values)]))
                shown.append((dims, cells, key, found))
        down = tuple(axis_prefixes(row_depth, row_prefix, nleft, ncols, t, True)
                     for t in (False, True))
        across = tuple(axis_prefixes(col_depth, col_prefix, ntop, nrows, t, False)
                       for t in (False, True))
        grid = Grid(grid_levels, level_of, group_of, (down[0], down[1]),
                    (across[0], across[1]), np.repeat(row_depth, ncols),
                    np.tile(col_depth, nrows), self.locale,
                    lambda i, sc, n, quiet: self._evaluate(self.measures[i], sc, n, quiet))
        by_cell = {i: grid.measure(i) for i in sorted(self.deferred)}
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


def _total_label(d: Mapping[str, Any]) -> str:
    label = d.get("qTotalLabel")
    if isinstance(label, Mapping):
        label = label.get("qv") or label.get("qExpr")
    return label.lstrip("=").strip("'") if isinstance(label, str) and label else "Total"


class PivotTable(StraightTable):
    """The pivot layout of a ``PivotCube``: ``qPivotDataPages`` of NxPivotPage."""

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
        for level in self.pivot.levels.values():
            parts += [level.keys, level.ids]
            for v in level.values:
                parts += [v.num, v.null, v.text]
        for v in self.pivot.other_values:
            parts += [v.num, v.null, v.text]
        for level in self.pivot.levels.values():
            for vs in level.attrs.values():
                for v in vs:
                    parts += [v.num, v.null, v.text]
            for ds in level.attr_dims.values():
                parts += [codes for codes, _ in ds]
        for vs in self.pivot.other_attrs.values():
            for v in vs:
                parts += [v.num, v.null, v.text]
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
        its parent's, a placeholder below a total at the total's). A collapsed node's
        placeholder and an Others node are no group of a level: NULL values (the real
        engine's layout in sn-pivot-table's fixture
        ``2-rows-2-columns-Pseudo-dim-as-last-col-Expanded-cells-Color-by-expr-Totals-below``
        sends ``{qNum: "NaN"}`` for a collapsed node's placeholder, values for the
        total node and the placeholder below the grand total)."""
        cube = self.pivot
        batches: dict[tuple[int, int], list[tuple[dict[str, Any], tuple[int, ...] | None]]] = {}
        for cell, node, in_total in pending:
            known = node.kind in ("N", "U", "T") or (node.kind == "E" and in_total)
            batches.setdefault((node.dim, len(node.syms)), []).append(
                (cell, node.syms if known else None))
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
        others: dict[int, list[tuple[int, int, int]]] = {}
        for i, (lsyms, lm) in enumerate(rows):
            for j, (tsyms, tm) in enumerate(cols):
                m = lm if lm is not None else tm
                if m is None:
                    m = 0 if len(cube.measures) == 1 else None
                if m is None:
                    continue
                if OTHERS in lsyms or OTHERS in tsyms:
                    row = cube.other_cells.get((lsyms, tsyms))
                    if row is not None:
                        others.setdefault(m, []).append((i, j, row))
                    continue
                batches.setdefault((len(lsyms), len(tsyms), m), []).append((i, j))
        attr_cols = set(cube.attr_cols)
        other_level = Level((), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp), [],
                            dict(cube.other_attrs))
        for m, found_cells in others.items():
            at_rows = np.array([k for _, _, k in found_cells], dtype=np.intp)
            texts = format_measures(cube.other_values[m], at_rows,
                                    cube.measures[m].definition, self.locale)
            col = len(cube.dims) + m
            members = self._attr_members_at(other_level, col, at_rows.astype(np.int64)) \
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
        out["qDimensionInfo"] = copy.deepcopy(self._dim_infos)
        shown = self._shown_per_dim()
        for i, info in enumerate(out["qDimensionInfo"]):
            self._attr_infos(info, i)
            if "qCardinalities" in info:
                info["qCardinalities"]["qHypercubeCardinal"] = shown.get(i, 0)
        if self._measure_infos is None:
            self._measure_infos = [self._measure_info(i) for i in range(len(cube.measures))]
        out["qMeasureInfo"] = copy.deepcopy(self._measure_infos)
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
                if n.kind in ("N", "U") and n.syms == path and \
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
