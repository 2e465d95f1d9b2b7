"""Choosing among arguments: Pick, Match, MixMatch and WildMatch (help "Conditional
functions"). Vectorized: each argument is evaluated once over all rows and the result
is assembled with masks.

* ``Pick(n, e1, e2, …)``: the n-th expression (1-based), NULL when n is out of range;
* ``Match(s, e1, …)``: the 1-based position of the first expression equal to ``s``
  (case-sensitive text comparison), 0 when none; ``MixMatch`` compares without case;
  ``WildMatch`` without case and with the wildcards ``*`` and ``?``.
"""

from __future__ import annotations

import numpy as np

from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, _like_regex, function
from associa.expr.vector import Vec, where


@function("PICK", 2, 999)
def pick(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    n = ev.eval(call.args[0], scope)
    k = np.where(n.null, 0, np.trunc(np.nan_to_num(n.as_numbers(), nan=0.0))).astype(np.int64)
    out = Vec.nulls(scope.n)
    for i, arg in enumerate(call.args[1:], start=1):
        hit = k == i
        if hit.any():
            out = where(hit, ev.eval(arg, scope), out)
    return out


def _matcher(fold: bool, wild: bool):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        s = ev.eval(call.args[0], scope)
        texts = s.text_or_empty(ev.locale)
        if fold:
            texts = np.array([t.casefold() for t in texts], dtype=object)
        out = np.zeros(scope.n, dtype=np.float64)
        for i, arg in enumerate(call.args[1:], start=1):
            other = ev.eval(arg, scope).text_or_empty(ev.locale)
            free = out == 0
            if not free.any():
                break
            if wild:
                hit = np.array([_like_regex(p).fullmatch(t) is not None
                                for t, p in zip(texts, other, strict=True)], dtype=bool)
            else:
                if fold:
                    other = np.array([t.casefold() for t in other], dtype=object)
                hit = texts == other
            out[free & hit & ~s.null] = i
        return Vec.numbers(out)

    return impl


function("MATCH", 2, 999)(_matcher(False, False))
function("MIXMATCH", 2, 999)(_matcher(True, False))
function("WILDMATCH", 2, 999)(_matcher(True, True))
