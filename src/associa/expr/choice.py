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


# -- Class, Coalesce, EmptyIsNull, IsPartialReload -------------------------------------------


@function("CLASS", 2, 4)
def class_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "class": the bin of width ``interval`` (starting at ``offset``, default 0) that
    the value falls in, as a dual: the text ``a <= x < b`` (``label`` replacing x) and the
    lower bound a. NULL for a value or interval without a number and for interval 0."""
    from associa.values import auto_format

    args = [ev.eval(arg, scope) for arg in call.args]
    x, width = args[0].as_numbers(), args[1].as_numbers()
    offset = args[3].as_numbers() if len(args) > 3 else np.zeros(scope.n)
    null = args[0].null | args[1].null | np.isnan(x) | np.isnan(width) | (width == 0)
    if len(args) > 2:
        labels = args[2].text_or_empty(ev.locale)
        null |= args[2].null
    else:
        labels = np.full(scope.n, "x", dtype=object)
    if len(args) > 3:
        null |= args[3].null | np.isnan(offset)
    with np.errstate(all="ignore"):
        safe = np.where(null, 1.0, width)
        lower = np.floor((x - offset) / safe) * safe + offset
        upper = lower + safe
    null |= ~np.isfinite(lower) | ~np.isfinite(upper)
    text = np.empty(scope.n, dtype=object)
    rows = np.flatnonzero(~null)
    if len(rows):
        # one text per distinct (lower, upper, label)
        keys = list(zip(lower[rows].tolist(), upper[rows].tolist(), labels[rows], strict=True))
        made: dict[tuple, str] = {}
        for r, key in zip(rows, keys, strict=True):
            t = made.get(key)
            if t is None:
                lo, hi, label = key
                t = f"{auto_format(lo, ev.locale)} <= {label} < {auto_format(hi, ev.locale)}"
                made[key] = t
            text[r] = t
    return Vec(np.where(null, np.nan, lower), text, null)


@function("COALESCE", 1, 999)
def coalesce(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "coalesce": the first argument that is not NULL (an empty text is not NULL)."""
    out = ev.eval(call.args[0], scope)
    for arg in call.args[1:]:
        if not out.null.any():
            break
        out = where(out.null, ev.eval(arg, scope), out)
    return out


@function("EMPTYISNULL", 1, 1)
def emptyisnull(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "EmptyIsNull": NULL where the value is the empty text, else the value."""
    v = ev.eval(call.args[0], scope)
    text = v.text
    if text is None:
        return v
    empty = np.isnan(v.num) & ~v.null & np.equal(text, "")
    if not empty.any():
        return v
    return Vec(v.num.copy(), text, v.null | empty)


@function("ISPARTIALRELOAD", 0, 0)
def ispartialreload(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "IsPartialReload": -1 during a partial reload, else 0; charts and the full
    reloads this engine runs always give 0 (False)."""
    fn = getattr(scope, "is_partial_reload", None)
    if fn is not None:
        return Vec.booleans(np.full(scope.n, bool(fn())))
    return Vec.booleans(np.zeros(scope.n, dtype=bool))
