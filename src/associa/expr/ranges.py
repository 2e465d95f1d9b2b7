"""Range functions: RangeSum, RangeAvg, RangeCount, RangeMin, RangeMax, RangeOnly,
RangeStdev, RangeSkew, RangeKurtosis, RangeMode, RangeNumericCount, RangeNullCount,
RangeTextCount, RangeMissingCount, RangeMinString, RangeMaxString, RangeFractile,
RangeFractileExc, RangeNPV, RangeIRR, RangeCorrel, RangeXIRR and RangeXNPV reduce
their arguments row by row with the aggregation reducers (``expr/aggregations.py``): the
arguments' values are stacked and each row is a group, so a range function counts exactly
what the aggregation of the same name counts over records.

Qlik's rules (``../shared/reference/qlik-language.md`` 6.11 and 11.10, from the Qlik help
page on range functions): text and NULL arguments are skipped; RangeSum of no number is 0
(unlike ``+``, which gives NULL), RangeAvg, RangeMin and RangeMax of no number are NULL;
RangeCount counts the arguments that are not NULL, text too; RangeOnly gives the value
when all non-NULL arguments are one value. An argument may be a range of several values
per row: the chart inter-record functions Above, Below, Top and Bottom with a count
(``expr/interrecord.py``), as in ``RangeSum(Above(Sum(Sales), 0, 3))``; each row then
reads every value its range has. RangeSum, RangeCount, RangeAvg, RangeMin and RangeMax
over an Above/Below range read the rows it covers instead (``_windowed``: prefix sums
and a sparse table), so that a running total ``RangeSum(Above(x, 0, RowNo()))`` is O(n)
and not O(n²) in time and memory; the other range functions read the values.
"""

from __future__ import annotations

import numpy as np

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.aggregations import Arg
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.interrecord import RangeVec, spread
from associa.expr.registry import REGISTRY, Kind
from associa.expr.vector import Vec, concat

MAX_ARGS = 99


def _range(aggregation: str):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        values = [ev.eval(arg, scope) for arg in call.args]
        n = scope.n
        if aggregation in _WINDOWED:
            fast = _windowed(aggregation, values, n)
            if fast is not None:
                return fast
        stacked, key = _rows(values, n)  # argument by argument
        reducer = REGISTRY[aggregation].impl
        return reducer(Arg(stacked.n, values=stacked), key, n, False).values

    return impl


for _name in ("SUM", "AVG", "COUNT", "MIN", "MAX", "ONLY", "STDEV", "SKEW", "KURTOSIS",
              "MODE", "NUMERICCOUNT", "NULLCOUNT", "TEXTCOUNT", "MISSINGCOUNT",
              "MINSTRING", "MAXSTRING"):
    function("RANGE" + _name, 1, MAX_ARGS, Kind.RANGE)(_range(_name))


_WINDOWED = frozenset({"SUM", "COUNT", "AVG", "MIN", "MAX"})


def _windowed(aggregation: str, values: list[Vec], n: int) -> Vec | None:
    """RangeSum, RangeCount, RangeAvg, RangeMin and RangeMax over arguments of which some
    are Above/Below ranges (``Window``): each range's sum, numbers and non-NULL values
    from prefix sums over its rows, its least and greatest number from a sparse table
    (O(n log n)), instead of a value per row and place in the range. None (the general
    path) when no argument is such a range, or a range holds an infinite number (a
    difference of prefix sums would make NaN of it)."""
    windows = [v.window for v in values if isinstance(v, RangeVec)]
    if not windows or any(w is None for w in windows):
        return None
    total = np.zeros(n)
    numbers = np.zeros(n, dtype=np.int64)
    notnull = np.zeros(n, dtype=np.int64)
    largest = aggregation == "MAX"
    extreme = np.full(n, -np.inf if largest else np.inf)
    for v in values:
        window = v.window if isinstance(v, RangeVec) else None
        if window is None:
            numeric = v.is_numeric()
            if aggregation in ("MIN", "MAX"):
                x = np.where(numeric, v.num, extreme)
                extreme = np.maximum(extreme, x) if largest else np.minimum(extreme, x)
            else:
                total += np.where(numeric, v.num, 0.0)
                numbers += numeric
                notnull += ~v.null
            continue
        arr, lo, hi = window.values, window.lo, window.hi
        numeric = arr.is_numeric()
        num = np.where(numeric, arr.num, 0.0)
        if not np.isfinite(num).all():
            return None
        some = hi >= lo
        first, after = np.where(some, lo, 0), np.where(some, hi + 1, 0)
        if aggregation in ("MIN", "MAX"):
            fill = -np.inf if largest else np.inf
            found = _range_extreme(np.where(numeric, arr.num, fill), first, after, largest)
            x = np.where(some, found, fill)
            extreme = np.maximum(extreme, x) if largest else np.minimum(extreme, x)
            continue
        sums = np.concatenate(([0.0], np.cumsum(num)))
        total += sums[after] - sums[first]
        counts = np.concatenate(([0], np.cumsum(numeric, dtype=np.int64)))
        numbers += counts[after] - counts[first]
        kept = np.concatenate(([0], np.cumsum(~arr.null, dtype=np.int64)))
        notnull += kept[after] - kept[first]
    if aggregation == "SUM":
        return Vec.numbers(total)
    if aggregation == "COUNT":
        return Vec.numbers(notnull.astype(np.float64))
    if aggregation == "AVG":
        with np.errstate(all="ignore"):
            return Vec.numbers(np.where(numbers > 0, total / np.maximum(numbers, 1), np.nan))
    return Vec.numbers(np.where(np.isinf(extreme), np.nan, extreme))


def _range_extreme(x: np.ndarray, first: np.ndarray, after: np.ndarray,
                   largest: bool) -> np.ndarray:
    """The least (greatest) of ``x[first[i]:after[i]]`` for every i (an empty slice gives
    any value: the caller masks it), from a sparse table of the extremes of the slices
    of 2**k values."""
    pick = np.maximum if largest else np.minimum
    length = after - first
    if not len(x):
        return np.zeros(len(first))
    levels = [x]
    width = 1
    top = int(length.max(initial=1))
    while width * 2 <= top:
        prev = levels[-1]
        levels.append(pick(prev[:-width], prev[width:]) if len(prev) > width else prev[:0])
        width *= 2
    ok = length > 0
    # the largest k with 2**k <= length: frexp's exponent, exact for whole numbers
    k = np.where(ok, np.frexp(np.maximum(length, 1).astype(np.float64))[1] - 1, 0)
    k = np.minimum(k, len(levels) - 1)
    out = np.empty(len(first))
    for level in np.unique(k[ok]):
        at = np.flatnonzero(ok & (k == level))
        table = levels[int(level)]
        span = 1 << int(level)
        out[at] = pick(table[first[at]], table[after[at] - span])
    out[~ok] = 0.0
    return out


def _rows(values: list[Vec], n: int) -> tuple[Vec, np.ndarray]:
    """The values one argument after the other (a range's values one after the other,
    only where a row's range has them), and the row of each."""
    if not any(isinstance(v, RangeVec) for v in values):
        return concat(values), np.tile(np.arange(n, dtype=np.intp), len(values))
    parts: list[Vec] = []
    keys: list[np.ndarray] = []
    for v in values:
        for part, present in spread(v):
            if present is None or present.all():
                parts.append(part)
                keys.append(np.arange(n, dtype=np.intp))
            else:
                at = np.flatnonzero(present)
                parts.append(part.take(at))
                keys.append(at.astype(np.intp))
    return concat(parts), np.concatenate(keys)


def _with_parameter(aggregation: str, zero_fill: bool = False):
    """RangeFractile(p, ...), RangeNPV(rate, ...): the first argument is the reducer's
    parameter, one per row. ``zero_fill``: a value that is not a number is a period
    without a payment (RangeNPV's and RangeIRR's help examples: ``RangeNPV(2, 'NULL',
    7000)`` is 777.78, 7000 discounted over two periods), and a row without any number
    gives NULL."""

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        n = scope.n
        param = ev.eval(call.args[0], scope) if aggregation != "IRR" else None
        first = 0 if param is None else 1
        values = [ev.eval(arg, scope) for arg in call.args[first:]]
        stacked, key = _rows(values, n)
        numeric = stacked.is_numeric()
        if zero_fill:
            stacked = Vec.numbers(np.where(numeric, stacked.num, 0.0))
        extra = [] if param is None else [param.take(key)]
        reducer = REGISTRY[aggregation].impl
        if param is not None and aggregation == "NPV":  # NPV(rate, value): rate first
            out = reducer(Arg(stacked.n, values=extra[0]), key, n, False, stacked).values
        else:
            out = reducer(Arg(stacked.n, values=stacked), key, n, False, *extra).values
        if zero_fill:
            some = np.bincount(key[numeric], minlength=n)[:n] > 0
            out.null = out.null | ~some
            out.num = np.where(out.null, np.nan, out.num)
        return out

    return impl


function("RANGEFRACTILE", 2, MAX_ARGS, Kind.RANGE)(_with_parameter("FRACTILE"))
function("RANGEFRACTILEEXC", 2, MAX_ARGS, Kind.RANGE)(_with_parameter("FRACTILEEXC"))
function("RANGENPV", 2, MAX_ARGS, Kind.RANGE)(_with_parameter("NPV", zero_fill=True))
function("RANGEIRR", 1, MAX_ARGS, Kind.RANGE)(_with_parameter("IRR", zero_fill=True))


def _paired(aggregation: str, with_rate: bool):
    """RangeCorrel(x, y {, x, y}), RangeXIRR(value, date {, value, date}),
    RangeXNPV(rate, value, date {, value, date}): arguments in pairs, each row a group."""

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        n = scope.n
        args = list(call.args)
        rate = ev.eval(args.pop(0), scope) if with_rate else None
        if len(args) % 2:
            raise ExpressionError(f"{call.name}() takes its arguments in pairs")
        firsts, key = _rows([ev.eval(a, scope) for a in args[0::2]], n)
        seconds, _ = _rows([ev.eval(a, scope) for a in args[1::2]], n)
        reducer = REGISTRY[aggregation].impl
        if rate is not None:
            return reducer(Arg(firsts.n, values=rate.take(key)), key, n, False, firsts,
                           seconds).values
        return reducer(Arg(firsts.n, values=firsts), key, n, False, seconds).values

    return impl


function("RANGECORREL", 2, MAX_ARGS, Kind.RANGE)(_paired("CORREL", False))
function("RANGEXIRR", 2, MAX_ARGS, Kind.RANGE)(_paired("XIRR", False))
function("RANGEXNPV", 3, MAX_ARGS, Kind.RANGE)(_paired("XNPV", True))
