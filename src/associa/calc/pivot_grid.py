"""The measures of a pivot (``calc/pivot.py``'s ``PivotCube``) that call chart
inter-record functions, evaluated over the grid of cells its trees show
(``calc/interrecord.py``'s ``Grid``: the rules for row and column segments and for
subtotal lines are there): each cell reads its aggregations at its own subtotal level;
a cell through an Others node (``calc/pivot_others.py``) is a line of its parent's
segment like any, its aggregations over the records it stands for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.calc.interrecord import Grid, GridLevel, axis_prefixes
from associa.calc.pivot_axes import OTHERS
from associa.expr import Vec
from associa.expr.vector import concat

if TYPE_CHECKING:
    from associa.calc.pivot import PivotCube


def evaluate_grid(cube: PivotCube, scope: Any, totals: Any, grouping: Any) -> None:
    """The measures with inter-record functions over the cells of the trees as
    built (``calc/interrecord.py``'s ``Grid``), then each level's values of them
    taken from the cells that show that level."""
    from associa.calc.pivot import Level

    rows = [s for s, m in cube.left.leaves if m is None or m == 0]
    cols = [s for s, m in cube.top.leaves if m is None or m == 0]
    nleft, ntop = len(cube.left.dims), len(cube.top.dims)
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
    full = tuple(range(len(cube.dims)))
    identity: Callable[[Vec], Vec] = lambda v: v  # noqa: E731
    # the cells through an Others node: read from ``others`` (below), no level's
    through = (np.array([OTHERS in s for s in rows], dtype=bool)[:, None]
               | np.array([OTHERS in s for s in cols], dtype=bool)[None, :]).ravel()
    for a in sorted(set(row_depth.tolist())):
        for b in sorted(set(col_depth.tolist())):
            dims = tuple(sorted(cube.left.dims[:a] + cube.top.dims[:b]))
            level = cube.levels.get(dims)
            if level is None:
                continue
            ri = np.flatnonzero(row_depth == a)
            cj = np.flatnonzero(col_depth == b)
            cells = (ri[:, None] * ncols + cj[None, :]).ravel()
            by_left = {d: k for k, d in enumerate(cube.left.dims[:a])}
            by_top = {d: k for k, d in enumerate(cube.top.dims[:b])}
            syms = [np.repeat(row_syms[ri, by_left[d]], len(cj)) if d in by_left
                    else np.tile(col_syms[cj, by_top[d]], len(ri)) for d in dims]
            key, ok = cube.key_of(dims, syms)
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
                lv_scope, finish = cube._kept[dims], identity
            grid_levels.append(GridLevel(lv_scope, finish, [
                None if i in cube.deferred else v for i, v in enumerate(level.values)]))
            shown.append((dims, cells[~through[cells]], key[~through[cells]],
                          found[~through[cells]]))
    # an Others cell is a cell of its row and column like any (Above reads the row
    # above it), its aggregations over the records it stands for
    other_levels: list[tuple[int, Level]] = []
    by_part: dict[int, list[tuple[int, int]]] = {}
    for c in np.flatnonzero(through).tolist():
        hit = cube.other_cells.get((rows[c // ncols], cols[c % ncols]))
        if hit is not None and hit[0] < len(cube._kept_others):
            by_part.setdefault(hit[0], []).append((c, hit[1]))
    for part, got in sorted(by_part.items()):
        other = cube.others[part]
        at = np.array([c for c, _ in got], dtype=np.int64)
        level_of[at] = len(grid_levels)
        group_of[at] = [r for _, r in got]
        other_levels.append((len(grid_levels), other))
        grid_levels.append(GridLevel(cube._kept_others[part], identity, [
            None if i in cube.deferred else v for i, v in enumerate(other.values)]))
    down = tuple(axis_prefixes(row_depth, row_prefix, nleft, ncols, t, True)
                 for t in (False, True))
    across = tuple(axis_prefixes(col_depth, col_prefix, ntop, nrows, t, False)
                   for t in (False, True))
    grid = Grid(grid_levels, level_of, group_of, (down[0], down[1]),
                (across[0], across[1]), np.repeat(row_depth, ncols),
                np.tile(col_depth, nrows), cube.locale,
                lambda i, sc, n, quiet: cube._evaluate(cube.measures[i], sc, n, quiet))
    by_cell = {i: grid.measure(i) for i in sorted(cube.deferred)}
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
            part = len(cube.others)
            cube.others.append(Level((), at, np.arange(len(at), dtype=np.intp), [
                given[i].take(np.flatnonzero(shows)) if i in given else Vec.nulls(len(at))
                for i in range(len(cube.measures))]))
            for k, c in enumerate(at.tolist()):
                cube.other_cells[(rows[c // ncols], cols[c % ncols])] = (part, k)
    for k, (dims, cells, key, found) in enumerate(shown):
        level = cube.levels[dims]
        values = list(level.values)
        for i, v in by_cell.items():
            values[i] = grid.spread(v, k, level.values[i].n)
        if dims == full:  # the cube's own values, for what reads the cube
            for i in by_cell:
                cube.values[i] = values[i]
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
