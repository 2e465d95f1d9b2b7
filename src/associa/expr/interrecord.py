"""Chart inter-record functions: Above, Below, Top, Bottom, Before, After, First, Last,
RowNo, NoOfRows, Column, ColumnNo, NoOfColumns, Dimensionality, SecondaryDimensionality,
Rank and HRank (Qlik help: "Chart inter-record functions", "Rank - chart function").

They read the rows of the chart their expression belongs to, in the order the chart shows
them. A scope offers those rows as its ``chart_rows`` attribute (``calc/interrecord.py``
builds it for straight tables, see ``ChartRows`` below); in any other scope the functions
raise "… is only available in charts". RowNo() keeps its load-script meaning where the
scope counts rows (``row_no``, ``script/scopes.py``), and NoOfRows(table_name) with an
argument is the load script's table function (``script/functions.py``).

The rules, from the help pages of each function:

* A *column segment* is the rows that share the values of every dimension but the last
  one in the inter-field sort order; with one dimension, or with TOTAL, it is the whole
  column ("Above - chart function", "RowNo - chart function").
* ``Above([TOTAL] expr [, offset [, count]])``: expr on the row ``offset`` rows up in
  the segment (default 1; 0 is the row itself; a negative offset looks down as Below
  does); NULL where that row is outside the segment (on the first row of a segment
  Above gives NULL). ``Below`` mirrors it. A ``count`` above 1 gives a range of count
  values, one per row counting up (Below: down) from the offset row, for the range
  functions (``RangeSum(Above(Sum(Sales), 0, 3))``); rows outside the segment give NULL
  values in the range. Outside a range function a range acts as its first value.
* ``Top([TOTAL] expr [, offset [, count]])``: expr on the first row of the segment; the
  help's examples count the offset from 1 (``Top(Sum(Sales), 3)`` is the third row:
  the Top page's table gives 587 + 683 = 1270 for Astrida, Canutility being third), so
  offset 1 (the default) is the first row; 0 is taken as 1; a negative offset counts
  from the bottom as Bottom does. ``Bottom`` mirrors it. A count gives the rows from the
  offset row on (Top: downwards, Bottom: upwards).
* ``RowNo([TOTAL])``: the row's number in its segment, from 1; ``NoOfRows([TOTAL])``: the
  rows of the segment.
* ``Column(n)``: the value of the n-th measure column of the same row (dimension
  columns are not counted); NULL when there is no such measure.
* ``Dimensionality()``: the number of dimensions of the row; 0 in the totals row
  ("Dimensionality - chart function": "For all chart types, except pivot table it will
  return the number of dimensions in all rows except the total, which will be 0").
  ``SecondaryDimensionality()`` is 0 outside pivot tables (its help page says so).
* ``Rank([TOTAL] expr [, mode [, fmt]])``: the rank of the row's value in its segment,
  the highest value ranked 1; NULL values are disregarded ("Rank functions in charts").
  Rows sharing a value share the ranks lo..hi: mode 0 (default) gives lo when the group
  lies wholly on the low side of the middle of the segment's ranking, hi when wholly on
  the high side, else the middle (1 + N) / 2; mode 1 lo, 2 the average, 3 hi, 4 lo on
  the first row and one more on each next row. fmt 0 (default) shows "lo - hi" on
  every row of a group, 1 lo, 2 lo on the first row and nothing on the others.
* Pivot tables (``calc/interrecord.py``'s ``Grid`` has the rules for subtotal lines):
  ``Before([TOTAL] expr [, offset [, count]])`` reads the column ``offset`` columns to
  the left within the *row segment* (the columns sharing every top dimension's value but
  the last one; TOTAL or one top dimension: the whole row), NULL on its first column
  ("Before - chart function"); ``After`` mirrors it to the right; ``First`` and
  ``Last`` read the first and last columns as Top and Bottom read rows ("First - chart
  function", "Last - chart function"); ``ColumnNo`` and ``NoOfColumns`` number and count
  the segment's columns; ``HRank`` ranks within it as Rank does
  (https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/ChartFunctions/RankingFunctions/HRank.htm).
  Above, Below, Top, Bottom, RowNo, NoOfRows and Rank read down the column within its
  column segment of left rows. Dimensionality() is the number of left dimensions the
  cell's row shows and SecondaryDimensionality() the top ones its column shows
  ("Dimensionality - chart function": in a pivot table, "the total number of dimension
  columns that have non-aggregation content").
* Pivot-only functions elsewhere: Before, After, First, Last and HRank return NULL in
  every chart but a pivot table (their help pages: "This function returns NULL in all
  chart types except pivot tables", "This function only works in pivot tables. In all
  other chart types it returns NULL"). ColumnNo() and NoOfColumns() give NULL too (a
  choice: the help does not say); the chart's rows offer no ``across()`` there.
* Totals row: Above and Below give NULL (the Above page's table leaves the totals row's
  Above cells empty); Top and Bottom read the rows when the segment is the whole column
  (one dimension or TOTAL), else NULL ("Examples of chart inter record functions": the
  top function "will evaluate to NULL in the total row" of a two-dimensional table
  without TOTAL, and is "properly evaluated in the total row" of a one-dimensional one);
  Rank gives NULL ("The rank function always returns NULL in total rows"); RowNo gives
  NULL and NoOfRows the rows of the column when the segment is the whole column (a
  choice); Column(n) the n-th measure's total.
* "Recursive calls will return NULL": an inter-record function inside the expression of
  another one gives NULL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.vector import Vec

CHART_FUNCTIONS = frozenset({
    "ABOVE", "BELOW", "TOP", "BOTTOM", "BEFORE", "AFTER", "FIRST", "LAST", "ROWNO",
    "NOOFROWS", "COLUMN", "COLUMNNO", "NOOFCOLUMNS", "DIMENSIONALITY",
    "SECONDARYDIMENSIONALITY", "RANK", "HRANK",
})
"""The chart inter-record functions (NoOfRows with an argument and RowNo in a load script
are the script's)."""

_LABELS = {
    "ABOVE": "Above", "BELOW": "Below", "TOP": "Top", "BOTTOM": "Bottom",
    "BEFORE": "Before", "AFTER": "After", "FIRST": "First", "LAST": "Last",
    "ROWNO": "RowNo", "NOOFROWS": "NoOfRows", "COLUMN": "Column", "COLUMNNO": "ColumnNo",
    "NOOFCOLUMNS": "NoOfColumns", "DIMENSIONALITY": "Dimensionality",
    "SECONDARYDIMENSIONALITY": "SecondaryDimensionality", "RANK": "Rank", "HRANK": "HRank",
}


def is_chart_call(node: ast.Node) -> bool:
    """Whether the node is a call of a chart inter-record function."""
    if not isinstance(node, ast.Call) or node.name not in CHART_FUNCTIONS:
        return False
    return not (node.name == "NOOFROWS" and node.args)


def uses_chart_rows(node: ast.Node) -> bool:
    """Whether an expression calls a chart inter-record function anywhere."""
    return any(is_chart_call(sub) for sub in node.walk())


class RangeVec(Vec):
    """A range of values per row (Above/Below/Top/Bottom with a count): ``parts[j]`` the
    j-th value of every row, ``present[j]`` where a row's range has a j-th value (the
    count may differ from row to row). As a plain vector it is its first value; the range
    functions read every value (``expr/ranges.py``).

    ``parts`` may be made only when read (``build``): an Above/Below range also says
    which rows it covers (``window``), and RangeSum, RangeCount, RangeAvg, RangeMin and
    RangeMax read that instead, in O(n) or O(n log n), where the parts would take the
    rows times the largest count."""

    __slots__ = ("_parts", "_present", "_build", "window")

    def __init__(self, parts: list[Vec], present: list[np.ndarray],
                 build: Callable[[], tuple[list[Vec], list[np.ndarray]]] | None = None,
                 window: Window | None = None) -> None:
        first = parts[0]
        super().__init__(first.num, first.text, first.null)
        self._parts: list[Vec] | None = None if build is not None else parts
        self._present: list[np.ndarray] | None = None if build is not None else present
        self._build = build
        self.window = window

    def _made(self) -> tuple[list[Vec], list[np.ndarray]]:
        if self._parts is None or self._present is None:
            assert self._build is not None
            self._parts, self._present = self._build()
            self._build = None
        return self._parts, self._present

    @property
    def parts(self) -> list[Vec]:
        return self._made()[0]

    @property
    def present(self) -> list[np.ndarray]:
        return self._made()[1]


@dataclass(slots=True)
class Window:
    """The in-segment rows of an Above/Below range: ``values`` the expression on the
    table's rows segment by segment (each segment's rows in display order, one segment
    after the other), and, per value of the scope, the range's rows ``values[lo[i]]`` to
    ``values[hi[i]]`` (none when ``hi[i] < lo[i]``). The range's places outside the
    segment are NULL values, which the range functions skip."""

    values: Vec
    lo: np.ndarray
    hi: np.ndarray


class ChartRows(Protocol):
    """What a chart scope offers the inter-record functions (``scope.chart_rows``). The
    scope's values are either the chart's rows in display order or its totals row."""

    nested: bool  # inside another inter-record function's expression: NULL

    def values(self, ev: Evaluator, node: ast.Node) -> Vec:
        """The expression on every row of the table, in display order."""
        ...

    def locate(self, total: bool, anchor: str, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each value of the scope, the table row ``steps`` rows from ``anchor``
        ("current": the row itself, "top", "bottom") within its segment (toward the
        bottom for positive steps from "current" and "top", toward the top from
        "bottom"), and whether that row exists."""
        ...

    def window(self, total: bool, first: np.ndarray, last: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows ``first`` to ``last`` rows from each value's own row (``first <=
        last``), clipped to its segment: the table's rows segment by segment, and per
        value the first and last place in that order (last < first: none)."""
        ...

    def row_no(self, total: bool) -> Vec: ...

    def no_of_rows(self, total: bool) -> Vec: ...

    def rank(self, ev: Evaluator, node: ast.Node, total: bool, mode: int, fmt: int) -> Vec: ...

    def column(self, k: int) -> Vec: ...

    def dimensionality(self) -> int | np.ndarray:
        """The dimensions of each value's row (one number for all, or one each)."""
        ...

    # optional: ``across()``, the chart's columns as ChartRows (a pivot table's row
    # segments; None or absent elsewhere), read by Before, After, First, Last,
    # ColumnNo, NoOfColumns and HRank; ``secondary_dimensionality()``.


def _chart(scope: Scope, call: ast.Call) -> ChartRows:
    rows: ChartRows | None = getattr(scope, "chart_rows", None)
    if rows is None:
        raise ExpressionError(f"{_LABELS.get(call.name, call.name)}() is only available in charts")
    return rows


def _ints(ev: Evaluator, call: ast.Call, i: int, scope: Scope, default: int) -> np.ndarray:
    """Argument i as whole numbers per value of the scope (the default where absent or
    not a number)."""
    if len(call.args) <= i:
        return np.full(scope.n, default, dtype=np.int64)
    x = ev.eval(call.args[i], scope).as_numbers()
    x = np.where(np.isfinite(x), np.trunc(x), default)
    return np.clip(x, -(2**40), 2**40).astype(np.int64)


def _first_int(ev: Evaluator, call: ast.Call, i: int, scope: Scope, default: int) -> int:
    values = _ints(ev, call, i, scope, default)
    return int(values[0]) if len(values) else default


def _gather(values: Vec, rows: np.ndarray, valid: np.ndarray) -> Vec:
    out = values.take(rows) if values.n else Vec.nulls(len(rows))
    null = out.null | ~valid
    return Vec(np.where(null, np.nan, out.num), out.text, null)


def _ranged(parts: list[Vec], present: list[np.ndarray]) -> Vec:
    if len(parts) == 1:
        return parts[0]
    return RangeVec(parts, present)


def _lines(scope: Scope, call: ast.Call, across: bool) -> ChartRows | None:
    """The chart's rows (``across``: its columns, a pivot table's row segments; None in
    any other chart)."""
    rows = _chart(scope, call)
    if not across:
        return rows
    other = getattr(rows, "across", None)
    return other() if other is not None else None


def _shift(forward: bool, across: bool = False):
    """Above (forward False: up) and Below (down); across: Before (left) and After
    (right)."""

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        rows = _lines(scope, call, across)
        if rows is None or rows.nested:
            return Vec.nulls(scope.n)
        offset = _ints(ev, call, 1, scope, 1)
        count = np.maximum(_ints(ev, call, 2, scope, 1), 1)
        values = rows.values(ev, call.args[0])
        total = call.total is not None
        sign = 1 if forward else -1

        def part(j: int) -> Vec:
            at, valid = rows.locate(total, "current", sign * (offset + j))
            return _gather(values, at, valid)

        first = part(0)
        widest = int(count.max(initial=1))
        if widest <= 1:
            return first

        def build() -> tuple[list[Vec], list[np.ndarray]]:
            return ([first] + [part(j) for j in range(1, widest)],
                    [j < count for j in range(widest)])

        window = None
        if hasattr(rows, "window"):
            # the steps the range covers from the current row, lowest first
            near, far = sign * offset, sign * (offset + count - 1)
            order, lo, hi = rows.window(total, np.minimum(near, far), np.maximum(near, far))
            window = Window(values.take(order) if values.n else Vec.nulls(0), lo, hi)
        return RangeVec([first], [np.ones(len(count), dtype=bool)], build, window)

    return impl


function("ABOVE", 1, 3)(_shift(False))
function("BELOW", 1, 3)(_shift(True))
function("BEFORE", 1, 3)(_shift(False, across=True))
function("AFTER", 1, 3)(_shift(True, across=True))


def _end(from_top: bool, across: bool = False):
    """Top and Bottom: offset 1 is the first (last) row; negative counts from the other
    end. Across: First and Last, over the columns of the row segment."""

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        rows = _lines(scope, call, across)
        if rows is None or rows.nested:
            return Vec.nulls(scope.n)
        offset = _ints(ev, call, 1, scope, 1)
        count = _ints(ev, call, 2, scope, 1)
        values = rows.values(ev, call.args[0])
        total = call.total is not None
        near = offset >= 0  # counted from this function's own end
        steps = np.maximum(np.abs(offset), 1) - 1
        own, other = ("top", "bottom") if from_top else ("bottom", "top")
        parts, present = [], []
        for j in range(max(1, int(count.max(initial=1)))):
            at_own, ok_own = rows.locate(total, own, steps + j)
            at_other, ok_other = rows.locate(total, other, steps + j)
            at = np.where(near, at_own, at_other)
            valid = np.where(near, ok_own, ok_other)
            parts.append(_gather(values, at, valid))
            present.append(j < np.maximum(count, 1))
        return _ranged(parts, present)

    return impl


function("TOP", 1, 3)(_end(True))
function("BOTTOM", 1, 3)(_end(False))
function("FIRST", 1, 3)(_end(True, across=True))
function("LAST", 1, 3)(_end(False, across=True))


@function("COLUMNNO", 0, 0)
def columnno(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """ColumnNo([TOTAL]): the column's number in its pivot row segment, from 1."""
    rows = _lines(scope, call, True)
    if rows is None or rows.nested:
        return Vec.nulls(scope.n)
    return rows.row_no(call.total is not None)


@function("NOOFCOLUMNS", 0, 0)
def noofcolumns(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """NoOfColumns([TOTAL]): the columns of the pivot row segment."""
    rows = _lines(scope, call, True)
    if rows is None or rows.nested:
        return Vec.nulls(scope.n)
    return rows.no_of_rows(call.total is not None)


@function("ROWNO", 0, 0)
def rowno(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """RowNo() in a load script: the row of the table being built (``row_no``); in a
    chart: the row's number in its column segment (RowNo(TOTAL): in the table)."""
    counter = getattr(scope, "row_no", None)
    if counter is not None:
        return counter()
    rows: ChartRows | None = getattr(scope, "chart_rows", None)
    if rows is None:
        raise ExpressionError("RowNo() is only available in a load script or in charts")
    if rows.nested:
        return Vec.nulls(scope.n)
    return rows.row_no(call.total is not None)


@function("NOOFROWS", 0, 1)
def noofrows(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """NoOfRows([TOTAL]) in a chart: the rows of the column segment. With an argument it
    is the load script's NoOfRows(table_name) (``script/functions.py`` registers that
    form over this one and hands the chart form back here)."""
    if call.args:
        raise ExpressionError("NoOfRows(table_name) is only available in a load script")
    rows = _chart(scope, call)
    if rows.nested:
        return Vec.nulls(scope.n)
    return rows.no_of_rows(call.total is not None)


@function("COLUMN", 1, 1)
def column(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    rows = _chart(scope, call)
    if rows.nested:
        return Vec.nulls(scope.n)
    return rows.column(_first_int(ev, call, 0, scope, 0))


def _counted(d: int | np.ndarray, n: int) -> Vec:
    if isinstance(d, np.ndarray):
        return Vec.numbers(d.astype(np.float64))
    return Vec.constant_number(float(d), n)


@function("DIMENSIONALITY", 0, 0)
def dimensionality(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    rows = _chart(scope, call)
    return _counted(rows.dimensionality(), scope.n)


@function("SECONDARYDIMENSIONALITY", 0, 0)
def secondary_dimensionality(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """The top dimensions of a pivot table's column; 0 in any other chart."""
    rows = _chart(scope, call)
    of = getattr(rows, "secondary_dimensionality", None)
    return _counted(of() if of is not None else 0, scope.n)


def _rank(across: bool):
    """Rank down the column segment; across: HRank over the row segment."""

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        rows = _lines(scope, call, across)
        if rows is None or rows.nested:
            return Vec.nulls(scope.n)
        mode = _first_int(ev, call, 1, scope, 0)
        fmt = _first_int(ev, call, 2, scope, 0)
        return rows.rank(ev, call.args[0], call.total is not None, mode, fmt)

    return impl


rank = function("RANK", 1, 3)(_rank(False))
function("HRANK", 1, 3)(_rank(True))


def spread(v: Vec) -> list[tuple[Vec, np.ndarray | None]]:
    """The values a range function reads from one argument: a range's every value with
    where the rows have it, else the vector itself."""
    if isinstance(v, RangeVec):
        return list(zip(v.parts, v.present, strict=True))
    return [(v, None)]


__all__ = ["CHART_FUNCTIONS", "ChartRows", "RangeVec", "is_chart_call", "spread",
           "uses_chart_rows"]
