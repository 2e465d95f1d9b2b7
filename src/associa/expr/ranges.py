"""Range functions: RangeSum, RangeAvg, RangeCount, RangeMin, RangeMax and RangeOnly reduce
their arguments row by row with the aggregation reducers (``expr/aggregations.py``): the
arguments' values are stacked and each row is a group, so a range function counts exactly
what the aggregation of the same name counts over records.

Qlik's rules (``../shared/reference/qlik-language.md`` 6.11 and 11.10, from the Qlik help
page on range functions): text and NULL arguments are skipped; RangeSum of no number is 0
(unlike ``+``, which gives NULL), RangeAvg, RangeMin and RangeMax of no number are NULL;
RangeCount counts the arguments that are not NULL, text too; RangeOnly gives the value
when all non-NULL arguments are one value. Arguments are scalar expressions (the chart
functions Above/Below that give ranges are not supported).
"""

from __future__ import annotations

import numpy as np

from associa.expr import ast
from associa.expr.aggregations import Arg
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.registry import REGISTRY, Kind
from associa.expr.vector import Vec, concat

MAX_ARGS = 99


def _range(aggregation: str):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        values = [ev.eval(arg, scope) for arg in call.args]
        n = scope.n
        stacked = concat(values)
        key = np.tile(np.arange(n, dtype=np.intp), len(values))  # argument by argument
        reducer = REGISTRY[aggregation].impl
        return reducer(Arg(stacked.n, values=stacked), key, n, False).values

    return impl


for _name in ("SUM", "AVG", "COUNT", "MIN", "MAX", "ONLY"):
    function("RANGE" + _name, 1, MAX_ARGS, Kind.RANGE)(_range(_name))
