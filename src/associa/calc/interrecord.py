"""The rows of a straight table for the chart inter-record functions (Above, RowNo, Rank…,
``expr/interrecord.py`` has the functions and Qlik's rules for each).

Their values depend on the order the table shows its rows in, and that order may depend
on the other measures' values. So a cube (``calc/cube.py``) evaluates the measures
without inter-record functions first, prunes and sorts the rows, and only then evaluates
the measures that call one, over the rows in display order: a ``RowsScope`` whose values
are the table's rows, in which an aggregation is the per-group vector the cube's scope
computes (taken once, in row order) and an inter-record function reads other rows of that
vector. The measure columns with inter-record functions do not sort the table: their
values are not known before the order is (the help of each function: "Sorting on
y-values in charts or sorting by expression columns in tables is not allowed when this
chart function is used"; here only those columns lose their sort).

Column segments: the rows that share the values of every dimension but the last one in
the inter-field sort order (the whole column with one dimension or with TOTAL). Segment
ids come from the dimension symbols of the sorted rows; positions within segments from
one stable sort of the ids, so that every shift is one gather over numpy arrays.

Pivot tables (``Grid``): the measures are evaluated over the grid of cells (the left
tree's leaves × the top tree's leaves), each cell's aggregations read at its own subtotal
level. The vertical functions (Above, Below, Top, Bottom, RowNo, NoOfRows, Rank) read
down the column within its *column segment* (the rows sharing every left dimension's
value but the last one; TOTAL: the whole column); the horizontal ones (Before, After,
First, Last, ColumnNo, NoOfColumns, HRank) read across the row within its *row segment*
(the columns sharing every top dimension's value but the last one: "If the pivot table
has multiple horizontal dimensions, the current row segment will include only columns
with the same values as the current column in all dimension rows except for the row
showing the last horizontal dimension of the inter-field sort order"; TOTAL: the whole
row), https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/ChartFunctions/InterRecordFunctions/before.htm,
.../columnno.htm, .../first.htm, .../RankingFunctions/HRank.htm. Offsets and counts are
the vertical ones' (Before as Above, After as Below, First as Top, Last as Bottom,
ColumnNo as RowNo, NoOfColumns as NoOfRows, HRank as Rank). A cell with no data reads as
NULL. Subtotal lines (a total node, a collapsed node) are in no segment: there the
shifts (Above, Before …), RowNo/ColumnNo and the ranks give NULL, as in a straight
table's totals row; Top/Bottom/First/Last and NoOfRows/NoOfColumns read the segment the
line totals when it is a subtotal of the axis' last dimension, and the whole line with
TOTAL on the grand total line only (help "Examples of Chart Inter Record functions",
QlikView: in a pivot with totals, Top without TOTAL is NULL in the grand total but "all
partial sums will be evaluated for each column segment", and with TOTAL it has no value
in the partial sums but one in the grand total,
https://help.qlik.com/en-US/qlikview/May2022/Subsystems/Client/Content/QV_QlikView/Examples%20of%20Chart%20Inter%20Record%20functions.htm).
The pseudo dimension is not a line of its own: a measure's row (column) segment holds
that measure's columns (rows) only (a choice: the help does not say).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from associa.expr import Evaluator, Vec, ast
from associa.expr.vector import concat
from associa.values import Locale, auto_format


class Segments:
    """Column segments of ``n`` rows in display order: ``seg`` the segment of each row,
    ``pos`` its place in its segment (from 0), ``size`` its segment's rows; ``count``:
    how many segment ids there are at least (some may have no row)."""

    def __init__(self, seg: np.ndarray, count: int = 0) -> None:
        n = len(seg)
        self.seg = seg.astype(np.int64, copy=False)
        count = max(int(self.seg.max(initial=-1)) + 1, count)
        self.by_seg = np.argsort(self.seg, kind="stable")  # rows segment by segment
        self.counts = np.bincount(self.seg, minlength=count).astype(np.int64)
        self.start = np.zeros(count, dtype=np.int64)
        if count:
            self.start[1:] = np.cumsum(self.counts)[:-1]
        self.size = self.counts[self.seg]
        self.pos = np.empty(n, dtype=np.int64)
        self.pos[self.by_seg] = np.arange(n, dtype=np.int64) - self.start[self.seg[self.by_seg]]

    @property
    def n(self) -> int:
        return len(self.seg)

    def row_at(self, seg: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The row at place ``pos`` of segment ``seg`` (elementwise), and whether the
        segment has that place."""
        if not self.n:
            return np.zeros(len(seg), dtype=np.int64), np.zeros(len(seg), dtype=bool)
        size = self.counts[seg]
        valid = (pos >= 0) & (pos < size)
        at = self.start[seg] + np.clip(pos, 0, np.maximum(size - 1, 0))
        return self.by_seg[np.clip(at, 0, self.n - 1)], valid


def segment_ids(symbols: list[np.ndarray], n: int) -> np.ndarray:
    """One id per distinct combination of the dimension symbols of the rows."""
    if not symbols or not n:
        return np.zeros(n, dtype=np.int64)
    stacked = np.stack([s.astype(np.int64) for s in symbols], axis=1)
    _, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return inverse.ravel().astype(np.int64)


class Table:
    """A straight table's rows in display order, for evaluating the measures that call
    inter-record functions.

    ``base``/``totals_base``: the cube's scope of groups and of the grand total;
    ``finish`` turns values per base group into values per group; ``rows``: the groups
    shown, in order; ``segment``: the segment id of each row (without TOTAL); ``ndims``:
    the table's dimensions; ``columns``/``column_totals``: each measure's values per group
    and total, None for the measures evaluated here (``evaluate(i, scope, n, quiet)``
    evaluates measure i; quiet: its errors are not the measure's)."""

    def __init__(self, base: Any, totals_base: Any, finish: Callable[[Vec], Vec],
                 rows: np.ndarray, segment: np.ndarray, ndims: int, locale: Locale,
                 columns: list[Vec | None], column_totals: list[Vec | None],
                 evaluate: Callable[[int, Any, int, bool], Vec]) -> None:
        self.base = base
        self.totals_base = totals_base
        self.finish = finish
        self.rows = rows
        self.n = len(rows)
        self.ndims = ndims
        self.locale = locale
        self.segmented = Segments(segment)
        self.whole = Segments(np.zeros(self.n, dtype=np.int64))
        self.columns = columns
        self.column_totals = column_totals
        self.evaluate = evaluate
        self._rows_of: dict[int, Vec] = {}
        self._totals_of: dict[int, Vec] = {}
        self._busy: set[tuple[int, bool]] = set()
        self._cache: dict[ast.Node, Vec] = {}
        self.scope = RowsScope(self, nested=False)
        self.nested = RowsScope(self, nested=True)
        self.totals = TotalsRowScope(self)

    def segments(self, total: bool) -> Segments:
        return self.whole if total else self.segmented

    @property
    def single_segment(self) -> bool:
        """Whether the segments without TOTAL are the whole column (one dimension)."""
        return bool(np.all(self.segmented.seg == 0))

    def by_row(self, key: ast.Node, compute: Callable[[], Vec]) -> Vec:
        hit = self._cache.get(key)
        if hit is None:
            hit = self.finish(compute()).take(self.rows)
            self._cache[key] = hit
        return hit

    # -- the measures -------------------------------------------------------------------

    def measure(self, i: int) -> Vec:
        """Measure i over the rows (evaluating it here when it calls inter-record
        functions; NULL when it refers to itself)."""
        plain = self.columns[i]
        if plain is not None:
            return plain.take(self.rows)
        if i not in self._rows_of:
            if (i, False) in self._busy:
                return Vec.nulls(self.n)
            self._busy.add((i, False))
            try:
                self._rows_of[i] = self.evaluate(i, self.scope, self.n, False)
            finally:
                self._busy.discard((i, False))
        return self._rows_of[i]

    def measure_total(self, i: int) -> Vec:
        plain = self.column_totals[i]
        if plain is not None:
            return plain
        if i not in self._totals_of:
            if (i, True) in self._busy:
                return Vec.nulls(1)
            self._busy.add((i, True))
            try:
                self._totals_of[i] = self.evaluate(i, self.totals, 1, True)
            finally:
                self._busy.discard((i, True))
        return self._totals_of[i]

    def spread(self, v: Vec, ngroups: int) -> Vec:
        """Values over the rows as values per group (NULL for the groups not shown)."""
        where = np.full(ngroups, self.n, dtype=np.int64)
        where[self.rows] = np.arange(self.n, dtype=np.int64)
        return concat([v, Vec.nulls(1)]).take(where)


class _Rows:
    """``ChartRows`` (``expr/interrecord.py``) for the values of a scope: ``current`` is
    the table row of each value, -1 for the totals row."""

    def __init__(self, table: Table, current: np.ndarray, nested: bool) -> None:
        self.table = table
        self.current = current
        self.nested = nested
        self.in_rows = bool(len(current) == 0 or current[0] >= 0)

    def values(self, ev: Evaluator, node: ast.Node) -> Vec:
        return ev.eval(node, self.table.nested)

    def _segments(self, total: bool) -> Segments | None:
        """The segments, or None in the totals row when they are not the whole column."""
        if not self.in_rows and not (total or self.table.single_segment):
            return None
        return self.table.segments(total)

    def locate(self, total: bool, anchor: str, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.current)
        segs = self._segments(total)
        if segs is None or (anchor == "current" and not self.in_rows):
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        if self.in_rows:
            seg, pos = segs.seg[self.current], segs.pos[self.current]
        else:
            seg, pos = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        if anchor == "current":
            place = pos + steps
        elif anchor == "top":
            place = steps
        else:
            place = segs.counts[seg] - 1 - steps if segs.n else -1 - steps
        return segs.row_at(seg, place)

    def window(self, total: bool, first: np.ndarray, last: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(self.current)
        segs = self._segments(total)
        if segs is None or not self.in_rows or not segs.n:
            order = np.zeros(0, dtype=np.int64) if segs is None else segs.by_seg
            return order, np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        seg, pos = segs.seg[self.current], segs.pos[self.current]
        size = segs.counts[seg]
        lo = np.maximum(pos + first, 0)
        hi = np.minimum(pos + last, size - 1)
        empty = hi < lo
        base = segs.start[seg]
        return (segs.by_seg, np.where(empty, 0, base + lo),
                np.where(empty, -1, base + hi))

    def row_no(self, total: bool) -> Vec:
        if not self.in_rows:
            return Vec.nulls(len(self.current))
        segs = self.table.segments(total)
        return Vec.numbers((segs.pos[self.current] + 1).astype(np.float64))

    def no_of_rows(self, total: bool) -> Vec:
        segs = self._segments(total)
        if segs is None:
            return Vec.nulls(len(self.current))
        if not self.in_rows:
            return Vec.constant_number(float(segs.n), len(self.current))
        return Vec.numbers(segs.size[self.current].astype(np.float64))

    def rank(self, ev: Evaluator, node: ast.Node, total: bool, mode: int, fmt: int) -> Vec:
        if not self.in_rows:
            return Vec.nulls(len(self.current))
        ranked = rank(self.values(ev, node), self.table.segments(total), mode, fmt,
                      self.table.locale)
        return ranked.take(self.current)

    def column(self, k: int) -> Vec:
        n = len(self.current)
        if not 1 <= k <= len(self.table.columns):
            return Vec.nulls(n)
        if not self.in_rows:
            return self.table.measure_total(k - 1)
        return self.table.measure(k - 1).take(self.current)

    def dimensionality(self) -> int:
        return self.table.ndims if self.in_rows else 0

    def across(self) -> None:
        """A straight table has no row segments: Before, After, First, Last, ColumnNo,
        NoOfColumns and HRank give NULL (``expr/interrecord.py``)."""
        return None


class RowsScope:
    """The table's rows in display order; ``nested``: inside an inter-record function's
    expression, where further inter-record functions give NULL."""

    def __init__(self, table: Table, nested: bool) -> None:
        self.table = table
        self.n = table.n
        self.locale = table.locale
        self.chart_rows = _Rows(table, np.arange(table.n, dtype=np.int64), nested)

    def field(self, name: str) -> Vec:
        return self.table.by_row(ast.FieldRef(name), lambda: self.table.base.field(name))

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        return self.table.by_row(call, lambda: self.table.base.aggregate(call, evaluator))


class TotalsRowScope:
    """The totals row: aggregations over all records (the cube's totals scope), the
    inter-record functions reading the table's rows as the help says for totals."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.n = 1
        self.locale = table.locale
        self.chart_rows = _Rows(table, np.full(1, -1, dtype=np.int64), False)

    def field(self, name: str) -> Vec:
        return self.table.totals_base.field(name)

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        return self.table.totals_base.aggregate(call, evaluator)


def rank(values: Vec, segs: Segments, mode: int, fmt: int, locale: Locale) -> Vec:
    """Rank of each row's value within its segment, the highest value first; NULL (and
    text without a number) is not ranked. Ties by ``mode`` and ``fmt`` (Rank's help)."""
    n = segs.n
    num = values.as_numbers()
    ok = ~values.null & np.isfinite(num)
    out_num = np.full(n, np.nan)
    out_null = ~ok
    if not ok.any():
        return Vec(out_num, None, out_null)
    rows = np.flatnonzero(ok)
    seg = segs.seg[rows]
    # by segment, highest value first, display order among equals
    order = rows[np.lexsort((rows, -num[rows], seg))]
    s, x = segs.seg[order], num[order]
    m = len(order)
    new_seg = np.ones(m, dtype=bool)
    new_seg[1:] = s[1:] != s[:-1]
    seg_start = np.maximum.accumulate(np.where(new_seg, np.arange(m), 0))
    place = np.arange(m) - seg_start + 1  # 1-based place in the segment's ranking
    new_group = new_seg.copy()
    new_group[1:] |= x[1:] != x[:-1]
    group = np.cumsum(new_group) - 1
    lo = place[new_group][group].astype(np.float64)
    group_size = np.bincount(group)
    hi = lo + group_size[group] - 1
    seg_size = np.bincount(s, minlength=int(s.max()) + 1)[s].astype(np.float64)
    middle = (1 + seg_size) / 2
    if mode == 1:
        r = lo
    elif mode == 2:
        r = (lo + hi) / 2
    elif mode == 3:
        r = hi
    elif mode == 4:
        r = place.astype(np.float64)
    else:
        r = np.where(hi <= middle, lo, np.where(lo >= middle, hi, middle))
    out_num[order] = r
    tied = group_size[group] > 1
    if not tied.any():
        return Vec(out_num, None, out_null)
    # the tied rows' texts (the others show their number)
    k = np.flatnonzero(tied)
    lo_text = np.array([auto_format(float(v), locale) for v in lo[k]], dtype=object)
    if fmt == 1:
        texts = lo_text
    elif fmt == 2:
        texts = np.where(new_group[k], lo_text, "").astype(object)
    else:
        hi_text = np.array([auto_format(float(v), locale) for v in hi[k]], dtype=object)
        texts = lo_text + " - " + hi_text
    text = np.full(n, None, dtype=object)
    text[order[k]] = texts
    return Vec(out_num, text, out_null)


# -- pivot tables: the cells of the grid ---------------------------------------------------


@dataclass(slots=True)
class GridLevel:
    """A subtotal level of a pivot as the grid reads it: ``scope`` its groups' scope,
    ``finish`` its values per scope group as values per group, ``values`` each
    measure's values per group (None for the measures evaluated over the grid)."""

    scope: Any
    finish: Callable[[Vec], Vec]
    values: list[Vec | None]


class Lines:
    """One direction of a pivot's grid, with or without TOTAL: ``member`` the segment of
    each cell that is one of a segment's lines (-1: a subtotal line, in no segment),
    ``home`` the segment each cell's Top/Bottom/First/Last and NoOfRows/NoOfColumns read
    (-1: none, NULL there); ``count`` the segment ids."""

    def __init__(self, member: np.ndarray, home: np.ndarray, count: int) -> None:
        self.members = np.flatnonzero(member >= 0)
        self.segs = Segments(member[self.members], count)
        self.index = np.full(len(member), -1, dtype=np.int64)  # cell -> member
        self.index[self.members] = np.arange(len(self.members), dtype=np.int64)
        self.home = home.astype(np.int64, copy=False)

    def cells(self, at: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not len(self.members):
            return np.zeros(len(at), dtype=np.int64), np.zeros(len(at), dtype=bool)
        return self.members[np.clip(at, 0, len(self.members) - 1)], ok


def axis_prefixes(depth: np.ndarray, prefix: np.ndarray, full: int, other: int,
                  total: bool, rows: bool) -> Lines:
    """Lines of a grid along one axis (``rows``: down the left rows, else across the top
    columns). ``depth``: the dimensions each line of this axis shows (``full`` all),
    ``prefix``: the id of its values but the last dimension's (-1 when it shows fewer);
    ``other``: the lines of the other axis. A segment is a prefix within one line of the
    other axis (TOTAL: the whole line); a line showing every dimension is a member; a
    subtotal line of the last dimension reads the segment it totals, the grand total
    line with TOTAL the whole line (help "Examples of Chart Inter Record functions":
    the partial sums "will be evaluated for each column segment", with TOTAL only the
    grand total)."""
    n = len(depth)
    mine = np.repeat(np.arange(n), other) if rows else np.tile(np.arange(n), other)
    across = np.tile(np.arange(other), n) if rows else np.repeat(np.arange(other), n)
    d = depth[mine]
    if total:
        member = np.where(d == full, across, -1)
        home = np.where((d == full) | (d == 0), across, -1)
        return Lines(member, home, other)
    pre = prefix[mine]
    seg = np.where(pre >= 0, pre * other + across, -1)
    member = np.where(d == full, seg, -1)
    home = np.where(d >= full - 1, seg, -1)
    return Lines(member, home, max(int(prefix.max(initial=-1)) + 1, 0) * other)


class Grid:
    """A pivot's data cells for the measures that call inter-record functions: the
    leaves of the left tree (rows) × the leaves of the top tree (columns), cell
    ``i * ncols + j`` at row i and column j (the pseudo dimension's copies left out: a
    measure's cells are its own column and row lines). Each cell reads its values at
    its own subtotal level (``level_of``, ``group_of``: -1 where the level has no such
    group: NULL). ``down``/``across``: the vertical and horizontal lines, each
    ``(plain, total)``. ``depth``/``top_depth``: the dimensions each cell's row and
    column show (Dimensionality, SecondaryDimensionality)."""

    def __init__(self, levels: list[GridLevel], level_of: np.ndarray, group_of: np.ndarray,
                 down: tuple[Lines, Lines], across: tuple[Lines, Lines], depth: np.ndarray,
                 top_depth: np.ndarray, locale: Locale,
                 evaluate: Callable[[int, Any, int, bool], Vec]) -> None:
        self.levels = levels
        self.n = len(level_of)
        self.locale = locale
        self.down = down
        self.across = across
        self.depth = depth
        self.top_depth = top_depth
        self.evaluate = evaluate
        self._cells = [np.flatnonzero(level_of == k) for k in range(len(levels))]
        self._groups = [group_of[c] for c in self._cells]
        self._cache: dict[Any, Vec] = {}
        self._rows_of: dict[int, Vec] = {}
        self._busy: set[int] = set()
        self.scope = GridScope(self, nested=False)
        self.nested = GridScope(self, nested=True)

    def gather(self, key: Any, per_level: Callable[[GridLevel], Vec | None]) -> Vec:
        """A vector over the cells from one vector per level (per group), NULL where a
        cell has no group."""
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        parts: list[Vec] = []
        where = np.full(self.n, -1, dtype=np.int64)
        at = 0
        for level, cells, groups in zip(self.levels, self._cells, self._groups, strict=True):
            if not len(cells):
                continue
            v = per_level(level)
            if v is None or not v.n:
                continue
            ok = (groups >= 0) & (groups < v.n)
            where[cells[ok]] = at + groups[ok]
            parts.append(v)
            at += v.n
        where[where < 0] = at
        hit = concat(parts + [Vec.nulls(1)]).take(where)
        self._cache[key] = hit
        return hit

    def measure(self, i: int) -> Vec:
        """Measure i on every cell (evaluated here when it calls inter-record functions;
        NULL when it refers to itself)."""
        if not self.levels or i >= len(self.levels[0].values):
            return Vec.nulls(self.n)
        if self.levels[0].values[i] is not None:
            return self.gather(("measure", i), lambda lv: lv.values[i])
        if i not in self._rows_of:
            if i in self._busy:
                return Vec.nulls(self.n)
            self._busy.add(i)
            try:
                self._rows_of[i] = self.evaluate(i, self.scope, self.n, False)
            finally:
                self._busy.discard(i)
        return self._rows_of[i]

    def spread(self, v: Vec, level: int, ngroups: int) -> Vec:
        """Values over the cells as values per group of a level (NULL for the groups no
        cell shows)."""
        cells, groups = self._cells[level], self._groups[level]
        ok = groups >= 0
        where = np.full(ngroups, self.n, dtype=np.int64)
        where[groups[ok]] = cells[ok]
        return concat([v, Vec.nulls(1)]).take(where)


class _GridRows:
    """``ChartRows`` over a grid's cells in one direction (``lines``: plain, TOTAL);
    ``across()`` gives the other direction's (Before, ColumnNo, HRank …)."""

    def __init__(self, grid: Grid, lines: tuple[Lines, Lines], nested: bool,
                 vertical: bool = True) -> None:
        self.grid = grid
        self.lines = lines
        self.nested = nested
        self.vertical = vertical

    def values(self, ev: Evaluator, node: ast.Node) -> Vec:
        return ev.eval(node, self.grid.nested)

    def locate(self, total: bool, anchor: str, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lines = self.lines[total]
        segs = lines.segs
        if anchor == "current":
            m = lines.index
            base = m >= 0
            mi = np.maximum(m, 0)
            seg = segs.seg[mi] if segs.n else np.zeros(len(m), dtype=np.int64)
            place = (segs.pos[mi] if segs.n else 0) + steps
        else:
            base = lines.home >= 0
            seg = np.maximum(lines.home, 0)
            size = segs.counts[seg] if len(segs.counts) else np.zeros(len(seg), np.int64)
            place = steps if anchor == "top" else size - 1 - steps
        at, ok = segs.row_at(seg, place)
        return lines.cells(at, ok & base)

    def window(self, total: bool, first: np.ndarray, last: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lines = self.lines[total]
        segs = lines.segs
        n = self.grid.n
        order = lines.members[segs.by_seg]
        if not segs.n:
            return order, np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        m = lines.index
        mi = np.maximum(m, 0)
        seg, pos = segs.seg[mi], segs.pos[mi]
        size = segs.counts[seg]
        lo = np.maximum(pos + first, 0)
        hi = np.minimum(pos + last, size - 1)
        empty = (hi < lo) | (m < 0)
        base = segs.start[seg]
        return order, np.where(empty, 0, base + lo), np.where(empty, -1, base + hi)

    def row_no(self, total: bool) -> Vec:
        lines = self.lines[total]
        m = lines.index
        pos = lines.segs.pos[np.maximum(m, 0)] if lines.segs.n else np.zeros(len(m))
        return Vec(np.where(m >= 0, pos + 1.0, np.nan), None, m < 0)

    def no_of_rows(self, total: bool) -> Vec:
        lines = self.lines[total]
        home = lines.home
        counts = lines.segs.counts
        if not len(counts):
            return Vec.nulls(len(home))
        size = counts[np.clip(home, 0, len(counts) - 1)].astype(np.float64)
        return Vec(np.where(home >= 0, size, np.nan), None, home < 0)

    def rank(self, ev: Evaluator, node: ast.Node, total: bool, mode: int, fmt: int) -> Vec:
        lines = self.lines[total]
        members = lines.members
        if not len(members):
            return Vec.nulls(self.grid.n)
        ranked = rank(self.values(ev, node).take(members), lines.segs, mode, fmt,
                      self.grid.locale)
        where = np.where(lines.index >= 0, lines.index, len(members))
        return concat([ranked, Vec.nulls(1)]).take(where)

    def column(self, k: int) -> Vec:
        if k < 1:
            return Vec.nulls(self.grid.n)
        return self.grid.measure(k - 1)

    def dimensionality(self) -> np.ndarray:
        """The left dimensions each cell's row shows (help "Dimensionality - chart
        function": in a pivot table, the dimension columns with non-aggregation
        content)."""
        return self.grid.depth

    def secondary_dimensionality(self) -> np.ndarray:
        """The top dimensions each cell's column shows ("SecondaryDimensionality")."""
        return self.grid.top_depth

    def across(self) -> _GridRows | None:
        if not self.vertical:
            return None
        return _GridRows(self.grid, self.grid.across, self.nested, vertical=False)


class GridScope:
    """A grid's cells as a scope: aggregations and fields read at each cell's level;
    ``nested``: inside an inter-record function's expression."""

    def __init__(self, grid: Grid, nested: bool) -> None:
        self.grid = grid
        self.n = grid.n
        self.locale = grid.locale
        self.chart_rows = _GridRows(grid, grid.down, nested)

    def field(self, name: str) -> Vec:
        return self.grid.gather(ast.FieldRef(name),
                                lambda lv: lv.finish(lv.scope.field(name)))

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        return self.grid.gather(call, lambda lv: lv.finish(lv.scope.aggregate(call, evaluator)))
