"""Scalar functions, registered by name. Each takes the evaluator, the call node and the
scope, and returns a vector; most evaluate their arguments and work element-wise."""

from __future__ import annotations

import math
import sys

import numpy as np

from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.vector import Vec, where
from associa.values import parse_number


def _args(ev: Evaluator, call: ast.Call, scope: Scope) -> list[Vec]:
    return [ev.eval(arg, scope) for arg in call.args]


# -- conditional and logical ----------------------------------------------------------


@function("IF", 2, 3)
def if_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    cond = ev.eval(call.args[0], scope).truth()
    then = ev.eval(call.args[1], scope)
    other = ev.eval(call.args[2], scope) if len(call.args) > 2 else Vec.nulls(scope.n)
    return where(cond, then, other)


@function("NULL", 0, 0)
def null_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.nulls(scope.n)


@function("TRUE", 0, 0)
def true_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.booleans(np.ones(scope.n, dtype=bool))


@function("FALSE", 0, 0)
def false_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.booleans(np.zeros(scope.n, dtype=bool))


@function("ISNULL", 1, 1)
def isnull(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.booleans(ev.eval(call.args[0], scope).null.copy())


@function("ISNUM", 1, 1)
def isnum(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "IsNum": true when the expression "can be interpreted as a number": a
    number, or a text that reads as one (the text a string function returns, '101')."""
    v = ev.eval(call.args[0], scope)
    out = v.is_numeric()
    rest = np.flatnonzero(~out & ~v.null)
    if len(rest):
        texts = v.texts(ev.locale)[rest]
        uniq, inverse = np.unique(texts.astype(str), return_inverse=True)
        reads = np.array([parse_number(t) is not None for t in uniq.tolist()], dtype=bool)
        out = out.copy()
        out[rest] = reads[inverse.ravel()]
    return Vec.booleans(out)


@function("ISTEXT", 1, 1)
def istext(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    v = ev.eval(call.args[0], scope)
    return Vec.booleans(~v.is_numeric() & ~v.null)


@function("ALT", 1, 99)
def alt(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    values = _args(ev, call, scope)
    out = values[-1]
    for v in reversed(values[:-1]):
        out = where(v.is_numeric(), v, out)
    return out


# -- numbers --------------------------------------------------------------------------


def _numeric(fn):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        nums = [v.as_numbers() for v in _args(ev, call, scope)]
        null = np.zeros(scope.n, dtype=bool)
        for x in nums:
            null |= np.isnan(x)
        with np.errstate(all="ignore"):
            r = fn(*nums)
        r = np.asarray(r, dtype=np.float64)
        return Vec.numbers(np.where(np.isinf(r), np.nan, r), null)

    return impl


def _round(x, step=None, offset=None):
    step = 1.0 if step is None else step
    offset = 0.0 if offset is None else offset
    q = (x - offset) / step
    return np.floor(q + 0.5) * step + offset  # a midpoint rounds upwards: -2.5 -> -2


def _floor(x, step=None, offset=None):
    step = 1.0 if step is None else step
    offset = 0.0 if offset is None else offset
    return np.floor((x - offset) / step) * step + offset


def _ceil(x, step=None, offset=None):
    step = 1.0 if step is None else step
    offset = 0.0 if offset is None else offset
    return np.ceil((x - offset) / step) * step + offset


function("ROUND", 1, 3)(_numeric(_round))
function("FLOOR", 1, 3)(_numeric(_floor))
function("CEIL", 1, 3)(_numeric(_ceil))
function("FABS", 1, 1)(_numeric(np.abs))
function("SQRT", 1, 1)(_numeric(lambda x: np.where(x < 0, np.nan, np.sqrt(np.abs(x)))))
function("EXP", 1, 1)(_numeric(np.exp))
function("LOG", 1, 1)(_numeric(lambda x: np.where(x <= 0, np.nan, np.log(np.abs(x) + (x == 0)))))
function("SIGN", 1, 1)(_numeric(np.sign))
function("POW", 2, 2)(_numeric(np.power))
def _mod(x, y):
    """Non-negative remainder of integers; NULL unless both are integers and y > 0."""
    ok = (y > 0) & (x == np.trunc(x)) & (y == np.trunc(y))
    return np.where(ok, np.mod(x, np.where(ok, y, 1)), np.nan)


function("MOD", 2, 2)(_numeric(_mod))
function("DIV", 2, 2)(_numeric(lambda x, y: np.where(y == 0, np.nan, np.trunc(x / y))))


@function("NUM", 1, 4)
def num(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    from associa.values import format_number

    values = _args(ev, call, scope)
    v = values[0]
    x = v.as_numbers()
    if len(values) == 1:
        return Vec.numbers(x, v.null)
    fmt = values[1].text_or_empty(ev.locale)
    dec = values[2].text_or_empty(ev.locale) if len(values) > 2 else None
    thou = values[3].text_or_empty(ev.locale) if len(values) > 3 else None
    text = np.empty(scope.n, dtype=object)
    for i in range(scope.n):
        if v.null[i] or math.isnan(x[i]):
            continue
        text[i] = format_number(
            float(x[i]),
            fmt[i],
            ev.locale,
            None if dec is None else dec[i],
            None if thou is None else thou[i],
        )
    return Vec(x.copy(), text, v.null | np.isnan(x))


@function("DUAL", 2, 2)
def dual(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    text_v, num_v = _args(ev, call, scope)
    return Vec(num_v.num.copy(), text_v.text_or_empty(ev.locale), text_v.null & num_v.null)


# -- strings --------------------------------------------------------------------------


def _text_fn(fn):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        values = _args(ev, call, scope)
        texts = [v.text_or_empty(ev.locale) for v in values]
        nums = [v.as_numbers() for v in values]
        null = np.zeros(scope.n, dtype=bool)
        for v in values:  # NULL in any argument gives NULL (§6.12)
            null |= v.null
        out = np.empty(scope.n, dtype=object)
        for i in range(scope.n):
            if null[i]:
                continue
            out[i] = fn(texts[0][i], *[n[i] for n in nums[1:]])
        return Vec.texts_only(out, null)

    return impl


def _whole(x: float) -> int:
    """A character position or count from a number: truncated, infinities clamped (any
    position past the text's end takes all of it)."""
    if math.isinf(x):
        return sys.maxsize if x > 0 else -sys.maxsize
    return int(x)


def _mid(s: str, start: float, count: float = math.nan) -> str:
    if math.isnan(start):
        return ""
    begin = max(_whole(start) - 1, 0)
    if math.isnan(count):
        return s[begin:]
    return s[begin : begin + max(_whole(count), 0)]


function("UPPER", 1, 1)(_text_fn(str.upper))
function("LOWER", 1, 1)(_text_fn(str.lower))
function("TRIM", 1, 1)(_text_fn(lambda s: s.strip(" ")))
function("LTRIM", 1, 1)(_text_fn(lambda s: s.lstrip(" ")))
function("RTRIM", 1, 1)(_text_fn(lambda s: s.rstrip(" ")))
function("LEFT", 2, 2)(_text_fn(lambda s, k: s[: max(_whole(k), 0)] if not math.isnan(k) else ""))
function("RIGHT", 2, 2)(
    _text_fn(lambda s, k: (s[-_whole(k) :] if _whole(k) > 0 else "") if not math.isnan(k) else "")
)
function("MID", 2, 3)(_text_fn(_mid))
function("CAPITALIZE", 1, 1)(_text_fn(lambda s: " ".join(w.capitalize() for w in s.split(" "))))


def _strings_fn(fn, numeric: tuple[int, ...] = ()):
    """A function of texts (the arguments at ``numeric`` positions as numbers), NULL where
    any argument is NULL."""

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        values = _args(ev, call, scope)
        args = [v.as_numbers() if i in numeric else v.text_or_empty(ev.locale)
                for i, v in enumerate(values)]
        null = np.zeros(scope.n, dtype=bool)
        for v in values:
            null |= v.null
        return fn(args, null, scope.n)

    return impl


def _texts_out(fn):
    def run(args: list, null: np.ndarray, n: int) -> Vec:
        out = np.empty(n, dtype=object)
        for i in np.flatnonzero(~null):
            out[i] = fn(*(a[i] for a in args))
        return Vec.texts_only(out, null)

    return run


def _replace(s: str, old: str, new: str) -> str:
    return s.replace(old, new) if old else s


def _index(s: str, sub: str, count: float = 1.0) -> float:
    """Help "Index": the 1-based start of the count-th occurrence of sub, from the end when
    count is negative; 0 when there is none."""
    if not sub or math.isnan(count) or int(count) == 0:
        return 0.0
    k = int(count)
    if k > 0:
        at = -1
        for _ in range(k):
            at = s.find(sub, at + 1)
            if at < 0:
                return 0.0
        return float(at + 1)
    end = len(s)  # occurrences may overlap, as they do counting from the start
    at = -1
    for _ in range(-k):
        at = s.rfind(sub, 0, end)
        if at < 0:
            return 0.0
        end = at + len(sub) - 1
    return float(at + 1)


def _numbers_out(fn):
    def run(args: list, null: np.ndarray, n: int) -> Vec:
        out = np.full(n, np.nan)
        for i in np.flatnonzero(~null):
            out[i] = fn(*(a[i] for a in args))
        return Vec.numbers(out, null)

    return run


function("REPLACE", 3, 3)(_strings_fn(_texts_out(_replace)))
function("PURGECHAR", 2, 2)(_strings_fn(_texts_out(lambda s, cs: "".join(c for c in s if c not in cs))))
function("KEEPCHAR", 2, 2)(_strings_fn(_texts_out(lambda s, cs: "".join(c for c in s if c in cs))))
function("INDEX", 2, 3)(_strings_fn(_numbers_out(_index), numeric=(2,)))


@function("LEN", 1, 1)
def len_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    v = ev.eval(call.args[0], scope)
    texts = v.text_or_empty(ev.locale)
    return Vec.numbers(np.array([len(t) for t in texts], dtype=np.float64), v.null)


@function("TEXT", 1, 1)
def text(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    v = ev.eval(call.args[0], scope)
    return Vec.texts_only(v.texts(ev.locale), v.null.copy())


@function("CHR", 1, 1)
def chr_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    v = ev.eval(call.args[0], scope)
    x = v.as_numbers()
    out = np.empty(scope.n, dtype=object)
    with np.errstate(invalid="ignore"):
        null = v.null | np.isnan(x) | (x < 0) | (x > 0x10FFFF)
    for i in np.flatnonzero(~null):
        out[i] = chr(int(x[i]))
    return Vec.texts_only(out, null)


@function("ORD", 1, 1)
def ord_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    v = ev.eval(call.args[0], scope)
    texts = v.text_or_empty(ev.locale)
    nums = np.array([ord(t[0]) if t else np.nan for t in texts], dtype=np.float64)
    return Vec.numbers(nums, v.null)


# -- load-script record functions ------------------------------------------------------


def _script_counter(attr: str, label: str):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        fn = getattr(scope, attr, None)
        if fn is None:
            from associa.errors import ExpressionError

            raise ExpressionError(f"{label}() is only available in a load script")
        return fn()

    return impl


function("RECNO", 0, 0)(_script_counter("rec_no", "RecNo"))
function("ROWNO", 0, 0)(_script_counter("row_no", "RowNo"))


@function("RAND", 0, 0)
def rand(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """A uniform random number in [0, 1), one per row."""
    return Vec.numbers(_RNG.random(scope.n))


_RNG = np.random.default_rng()
