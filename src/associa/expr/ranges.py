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
reads every value its range has.
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
        stacked, key = _rows(values, n)  # argument by argument
        reducer = REGISTRY[aggregation].impl
        return reducer(Arg(stacked.n, values=stacked), key, n, False).values

    return impl


for _name in ("SUM", "AVG", "COUNT", "MIN", "MAX", "ONLY", "STDEV", "SKEW", "KURTOSIS",
              "MODE", "NUMERICCOUNT", "NULLCOUNT", "TEXTCOUNT", "MISSINGCOUNT",
              "MINSTRING", "MAXSTRING"):
    function("RANGE" + _name, 1, MAX_ARGS, Kind.RANGE)(_range(_name))


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
