"""Evaluating expression trees over vectors.

An expression is evaluated in a *scope* that says how many values to compute and what
field references and aggregations mean there:

* in a load script, the scope is the input table: ``n`` rows, a field reference is the
  row's value;
* in a chart, the scope is the set of dimension groups: ``n`` groups, an aggregation
  computes one value per group over the group's records, and a field reference outside an
  aggregation means ``Only(field)``.

Operators follow Qlik's dual semantics: arithmetic uses numbers (a non-numeric operand
gives NULL), ``&`` joins texts (NULL acts as empty), comparisons are numeric when both
sides are numbers and textual otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.registry import AGGREGATIONS, FUNCTIONS, Kind, lookup, register
from associa.expr.vector import Vec
from associa.values import DEFAULT_LOCALE, Locale, parse_number


class Scope(Protocol):
    n: int
    locale: Locale

    def field(self, name: str) -> Vec: ...

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec: ...


ScalarFunction = Callable[["Evaluator", ast.Call, Scope], Vec]


def function(
    name: str, min_args: int, max_args: int, kind: Kind = Kind.SCALAR
) -> Callable[[ScalarFunction], ScalarFunction]:
    """Register a scalar (or range) function under ``name`` (upper-case)."""
    return register(name, min_args, max_args, kind)


class Evaluator:
    """Evaluates trees in a scope. Stateless apart from the locale and the ``context``
    that field and system functions read (selections, the app, the object:
    ``expr/system.py``); without one, those functions raise ExpressionError."""

    def __init__(self, locale: Locale = DEFAULT_LOCALE, *, context: Any = None) -> None:
        self.locale = locale
        self.context = context

    def eval(self, node: ast.Node, scope: Scope) -> Vec:
        method = getattr(self, "visit_" + type(node).__name__)
        return method(node, scope)

    # -- leaves ---------------------------------------------------------------------

    def visit_Number(self, node: ast.Number, scope: Scope) -> Vec:
        return Vec.constant_number(node.value, scope.n)

    def visit_String(self, node: ast.String, scope: Scope) -> Vec:
        return Vec.constant_text(node.value, scope.n, parse_number(node.value))

    def visit_FieldRef(self, node: ast.FieldRef, scope: Scope) -> Vec:
        return scope.field(node.name)

    def visit_Star(self, node: ast.Star, scope: Scope) -> Vec:
        raise ExpressionError("'*' is only allowed in Count(*)")

    # -- operators ------------------------------------------------------------------

    def visit_Unary(self, node: ast.Unary, scope: Scope) -> Vec:
        v = self.eval(node.operand, scope)
        if node.op == "-":
            return Vec.numbers(-v.as_numbers(), v.null)
        if node.op == "+":
            return Vec.numbers(v.as_numbers(), v.null)
        if node.op == "not":
            return Vec.booleans(~v.truth())
        if node.op == "bitnot":
            x = v.as_numbers()
            return Vec.numbers((~_int32(x)).astype(np.float64), v.null | np.isnan(x))
        raise ExpressionError(f"Unknown operator {node.op}")

    def visit_Binary(self, node: ast.Binary, scope: Scope) -> Vec:
        op = node.op
        a = self.eval(node.left, scope)
        b = self.eval(node.right, scope)
        if op in ("+", "-", "*", "/"):
            return _arithmetic(op, a, b)
        if op == "&":
            return Vec.texts_only(
                a.text_or_empty(self.locale) + b.text_or_empty(self.locale),
                np.zeros(scope.n, dtype=bool),
            )
        if op in ("and", "or", "xor"):
            ta, tb = a.truth(), b.truth()
            res = {"and": ta & tb, "or": ta | tb, "xor": ta ^ tb}[op]
            return Vec.booleans(res)
        if op in ("=", "<>", "<", "<=", ">", ">="):
            return self._compare(op, a, b)
        if op in ("like", "precedes", "follows"):
            return self._text_compare(op, a, b)
        if op in ("bitand", "bitor", "bitxor", "<<", ">>"):
            return _bits(op, a, b)
        raise ExpressionError(f"Unknown operator {op}")

    def _compare(self, op: str, a: Vec, b: Vec) -> Vec:
        n = a.n
        both_num = a.is_numeric() & b.is_numeric()
        res = np.zeros(n, dtype=bool)
        with np.errstate(invalid="ignore"):
            res[both_num] = _CMP[op](a.num[both_num], b.num[both_num])
        rest = ~both_num & ~a.null & ~b.null
        if rest.any():
            ta, tb = a.texts(self.locale), b.texts(self.locale)
            idx = np.flatnonzero(rest)
            # texts compared element by element inside numpy (object arrays of str)
            res[idx] = _CMP[op](ta[idx].astype(object), tb[idx].astype(object))
        either = a.null | b.null
        null = a.null & b.null
        if either.any():
            res[either] = op == "<>"
        return Vec.booleans(res, null)

    def _text_compare(self, op: str, a: Vec, b: Vec) -> Vec:
        ta = a.text_or_empty(self.locale).astype(object)
        tb = b.text_or_empty(self.locale).astype(object)
        if op == "like":
            res = _like(ta, tb)
        elif op == "precedes":
            res = np.asarray(ta < tb, dtype=bool)
        else:
            res = np.asarray(ta > tb, dtype=bool)
        if op != "like":
            # precedes/follows are relational operators: A op NULL is false (§6.2)
            res &= ~a.null & ~b.null
        return Vec.booleans(res, a.null & b.null)

    # -- calls ----------------------------------------------------------------------

    def visit_Call(self, node: ast.Call, scope: Scope) -> Vec:
        spec = lookup(node.name)
        if spec is None:
            raise ExpressionError(f"Unknown function: {node.name}")
        if spec.kind is Kind.AGGREGATION:
            if not max(spec.min_args, 1) <= len(node.args) <= max(spec.max_args, 1):
                raise ExpressionError(f"Wrong number of arguments to {node.name}")
            return scope.aggregate(node, self)
        if not spec.min_args <= len(node.args) <= spec.max_args:
            raise ExpressionError(f"Wrong number of arguments to {node.name}")
        return spec.impl(self, node, scope)


_CMP: dict[str, Callable] = {
    "=": lambda x, y: x == y,
    "<>": lambda x, y: x != y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
}


def _arithmetic(op: str, a: Vec, b: Vec) -> Vec:
    x, y = a.as_numbers(), b.as_numbers()
    with np.errstate(all="ignore"):
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        else:
            r = np.where(y == 0, np.nan, x / np.where(y == 0, 1, y))
    r = np.where(np.isinf(r) & ~(np.isinf(x) | np.isinf(y)), np.nan, r)
    return Vec.numbers(r, a.null | b.null)


def _int32(x: np.ndarray) -> np.ndarray:
    """Truncated to signed 32-bit integers (wrapping, so that huge values do not overflow
    the cast)."""
    safe = np.where(np.isfinite(x), x, 0)
    return np.fmod(np.trunc(safe), 2.0**32).astype(np.int64).astype(np.int32)


def _bits(op: str, a: Vec, b: Vec) -> Vec:
    xa, ya = a.as_numbers(), b.as_numbers()
    x, y = _int32(xa), _int32(ya)
    if op == "bitand":
        r = x & y
    elif op == "bitor":
        r = x | y
    elif op == "bitxor":
        r = x ^ y
    elif op == "<<":
        r = x << (y & 31)
    else:
        r = x >> (y & 31)
    null = a.null | b.null | np.isnan(xa) | np.isnan(ya)
    return Vec.numbers(r.astype(np.float64), null)


def _like(texts: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """``text like pattern`` per row, matched once per distinct (text, pattern) pair
    (once per distinct text when the pattern is one literal, as it mostly is)."""
    if len(texts) and (patterns == patterns[0]).all():
        rx = _like_regex(patterns[0])
        uniq, inverse = np.unique(texts, return_inverse=True)
        found = np.fromiter((rx.fullmatch(t) is not None for t in uniq.tolist()),
                            dtype=bool, count=len(uniq))
        return found[inverse.ravel()]
    pairs: dict[tuple[str, str], int] = {}
    codes = np.fromiter((pairs.setdefault((t, p), len(pairs))
                         for t, p in zip(texts.tolist(), patterns.tolist(), strict=True)),
                        dtype=np.int64, count=len(texts))
    hits = np.fromiter((_like_regex(p).fullmatch(t) is not None for t, p in pairs),
                       dtype=bool, count=len(pairs))
    return hits[codes] if len(texts) else np.zeros(0, dtype=bool)


@lru_cache(maxsize=256)
def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


# the functions register themselves on import
from associa.expr import aggr as _aggr  # noqa: E402,F401
from associa.expr import aggregations as _aggregations  # noqa: E402,F401
from associa.expr import choice as _choice  # noqa: E402,F401
from associa.expr import colors as _colors  # noqa: E402,F401
from associa.expr import dates as _dates  # noqa: E402,F401
from associa.expr import distributions as _distributions  # noqa: E402,F401
from associa.expr import formatting as _formatting  # noqa: E402,F401
from associa.expr import functions as _functions  # noqa: E402,F401
from associa.expr import interrecord as _interrecord  # noqa: E402,F401
from associa.expr import mathematics as _mathematics  # noqa: E402,F401
from associa.expr import more_aggregations as _more_aggregations  # noqa: E402,F401
from associa.expr import periods as _periods  # noqa: E402,F401
from associa.expr import ranges as _ranges  # noqa: E402,F401
from associa.expr import statistics as _statistics  # noqa: E402,F401
from associa.expr import stattests as _stattests  # noqa: E402,F401
from associa.expr import strings as _strings  # noqa: E402,F401
from associa.expr import system as _system  # noqa: E402,F401

__all__ = ["AGGREGATIONS", "FUNCTIONS", "Evaluator", "Scope", "function"]
