"""Dimension limits ("Others") on a pivot's axes (``calc/pivot.py``'s ``PivotCube``):
which values each parent node keeps (``axis_limits``), and the values shown through an
Others node (``evaluate_others``): its cells, its attribute values and those of the
nodes under it, each over the records of the cube's groups that fall in the node.

An Others node is a node like any (see ``calc/pivot.py``'s module docstring): its
children are the next dimension's values over the records of the values it groups,
ranked for that dimension's own limit over those records (``node_numbers``), so a path
on an axis may go through ``OTHERS`` anywhere (``pivot_axes.node_paths``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.calc import others as limits
from associa.calc.pivot_axes import OTHERS, PSEUDO, Grouped, Limit, node_index
from associa.expr import Vec

if TYPE_CHECKING:
    from associa.calc.pivot import AttrDimCodes, NodePaths, PivotCube


def axis_limits(cube: PivotCube, given: Sequence[Any], scope: Any, grouping: Any
                ) -> tuple[Limit | None, Limit | None]:
    """Each axis' dimension limits (``calc/others.py``'s specs and ``keep_values``),
    applied under each parent node: a value is ranked by the ranking measure at its
    own level of the axis (its parents' values and itself, the other axis summed
    up, as a straight table ranks within the outer dimensions' values); with
    ``qGlobalOtherGrouping`` by the measure over the dimension alone, so that every
    parent keeps the same values. With ``qOtherCollapseInnerDimensions`` ("it collapses
    the inner dimensions (if any) in the group Others",
    https://help.qlik.com/en-US/sense-developer/May2022/Subsystems/NetSDKAPIref/Content/Qlik.Engine.OtherTotalSpecProp.OtherCollapseInnerDimensions.htm)
    the dimension's Others nodes do not expand (``cube.leaf_others``)."""
    specs: dict[int, limits.OtherSpec] = {}
    for i, g in enumerate(given[:len(cube.dims)]):
        spec = limits.other_spec(g) if isinstance(g, Mapping) else None
        if spec is not None and spec.limits and cube.measures:
            specs[i] = spec
            if spec.collapse_inner:  # "collapses the inner dimensions ... in the group"
                cube.leaf_others.add(i)
            cube.others_label[i] = limits.label_text(spec.other_label, "Others",
                                                     cube.scalar)
    if not specs:
        return None, None
    named = [(m.label if isinstance(m.label, str) else "", m.text) for m in cube.measures]

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
                nums = node_numbers(cube, scope, grouping, pair[0], pair[1], ranking)
            else:
                level = tuple(sorted(own))
                if level not in cube.levels:
                    cube.levels[level] = cube._level(level, scope, grouping)
                combos = np.array([(*prefix, v) for v in values], dtype=np.int64)
                nums = cube._first_measure(own, combos, ranking)
            count = limits.value_number(spec.counted, cube.scalar) \
                if spec.mode == "OTHER_COUNTED" else np.nan
            cap = np.nan if spec.mode == "OTHER_COUNTED" else \
                limits.value_number(spec.limit, cube.scalar)
            keep = limits.keep_values(nums, spec, count, cap)
            kept = [v for v, k in zip(values, keep.tolist(), strict=True) if k]
            rest = [v for v, k in zip(values, keep.tolist(), strict=True) if not k]
            return kept, [] if spec.suppress else rest

        return limit

    return (limit_of([e for e in cube.order[:cube.nleft] if e != PSEUDO], True),
            limit_of([e for e in cube.order[cube.nleft:] if e != PSEUDO], False))


def evaluate_others(cube: PivotCube, scope: Any, grouping: Any) -> None:
    """The values shown through an Others node (``other_cells``, rows of
    ``others``): the measures of every cell whose row or column path goes through
    an Others node, and the attributes of such nodes (the cell of the node's path
    with the other axis summed up). Each is computed over the records of the cube's
    groups that fall in its left and top nodes (a value an Others node groups: in
    that node), not as sums of the values: a Count(DISTINCT) counts once."""
    from associa.calc.pivot import Level

    if not cube.count:
        return
    left = (cube.left.dims, cube.left.grouped)
    top = (cube.top.dims, cube.top.grouped)
    lefts = sorted({s for s, _ in cube.left.leaves}, key=len)
    tops = sorted({s for s, _ in cube.top.leaves}, key=len)
    blocks: list[tuple[list[tuple[int, ...]], list[tuple[int, ...]]]] = []
    for a in sorted({len(s) for s in lefts}):
        for b in sorted({len(s) for s in tops}):
            blocks.append(([s for s in lefts if len(s) == a],
                           [s for s in tops if len(s) == b]))
    for axis, first in ((cube.left, True), (cube.top, False)):
        paths = sorted({n.syms for n in axis.walk() if n.dim != PSEUDO and OTHERS in n.syms
                        and (cube.attr_exprs[n.dim] or cube.attr_dims[n.dim])})
        for depth in sorted({len(p) for p in paths}):
            at = [p for p in paths if len(p) == depth]
            blocks.append((at, [()]) if first else ([()], at))
    for rows, cols in blocks:
        width = max(len(cols), 1)
        wanted = np.array([(OTHERS in r or OTHERS in c) and (r, c) not in cube.other_cells
                           for r in rows for c in cols] or [False], dtype=bool)
        if not wanted.any():
            continue
        keep = cube._kept_others.append if cube.deferred else None
        got = over_nodes(cube, scope, grouping, (*left, rows), (*top, cols), wanted,
                               keep=keep)
        if got is None:
            continue
        cells, values, attrs, attr_dims = got
        part = len(cube.others)
        cube.others.append(Level((), cells, np.arange(len(cells), dtype=np.intp), values,
                                 attrs, attr_dims))
        for k, x in enumerate(cells.tolist()):
            cube.other_cells[(rows[x // width] if rows else (),
                              cols[x % width] if cols else ())] = (part, k)


def node_numbers(cube: PivotCube, scope: Any, grouping: Any, left: NodePaths, top: NodePaths,
                  measure: int) -> np.ndarray:
    """A measure's number at each crossing of ``left``'s paths and ``top``'s (one of
    them ``[()]``: that axis summed up), over the records that fall in the nodes
    (NaN: NULL or no records)."""
    width = max(len(top[2]), 1)
    out = np.full(max(len(left[2]), 1) * width, np.nan)
    got = over_nodes(cube, scope, grouping, left, top, None, measure)
    if got is not None:
        cells, values = got[0], got[1][measure]
        out[cells] = np.where(values.null, np.nan, values.num.astype(np.float64))
    return out


def over_nodes(cube: PivotCube, scope: Any, grouping: Any, left: NodePaths, top: NodePaths,
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
    from associa.calc.pivot import Level

    count = cube.count
    rows, cols = left[2], top[2]
    a, b = len(rows[0]) if rows else 0, len(cols[0]) if cols else 0
    width = max(len(cols), 1)
    left_of = node_of(cube, left[0], left[1], a, rows)
    top_of = node_of(cube, top[0], top[1], b, cols)
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
    fields = [(cube.dims[d].field, np.append(np.array(
        [paths[d][0][x][paths[d][2]] for x in paths[d][1].tolist()],
        dtype=np.int64), -1)) for d in dims if cube.dims[d].field]
    fields = [(f, np.where(s >= 0, s, -1)) for f, s in fields]
    sub = cube._level_scope(scope, grouping, mapping, n + 1, fields)
    first = np.arange(n)
    attrs: dict[int, list[Vec]] = {}
    attr_dims: dict[int, list[AttrDimCodes]] = {}
    try:
        values = [cube._evaluate(m, sub, n + 1, quiet=True).take(first)
                  if i not in cube.deferred and only in (None, i) else Vec.nulls(n)
                  for i, m in enumerate(cube.measures)]
        if only is None:
            level = Level((), first, first, values)
            cube._level_attrs(level, sub, n + 1)
            attrs = {c: [v.take(first) for v in vs] for c, vs in level.attrs.items()}
            attr_dims = {c: [(codes[:n], table) for codes, table in ds]
                         for c, ds in level.attr_dims.items()}
    finally:
        if keep is not None:
            keep(sub)
        else:
            sub.release()
    return cells, values, attrs, attr_dims


def node_of(cube: PivotCube, dims: list[int], grouped: Grouped, depth: int,
            paths: list[tuple[int, ...]]) -> np.ndarray:
    """Each group of the cube's index among ``paths`` (node paths at ``depth`` of
    an axis over ``dims`` that groups ``grouped``) of the node it falls in there;
    -1 for none."""
    if not depth:
        return np.zeros(cube.count, dtype=np.int64) if paths else \
            np.full(cube.count, -1, dtype=np.int64)
    real = np.stack([cube.dim_symbols[d][:cube.count].astype(np.int64)
                     for d in dims[:depth]], axis=1)
    combos, inverse = np.unique(real, axis=0, return_inverse=True)
    return node_index(grouped, combos, paths)[inverse.ravel()]
