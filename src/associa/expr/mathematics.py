"""Number, financial, trigonometric and combinatorial functions (help "Numeric functions",
"Financial functions", "Exponential and logarithmic functions", "Trigonometric and
hyperbolic functions"). The statistical distributions are ``distributions.py``'s.

Common rules (help pages of each function, "All arguments must be numeric, else NULL"):
every argument is read as a number (a text that reads as a number counts); NULL or a
non-numeric argument gives NULL; a result outside the function's domain (or infinite)
gives NULL. Round(), Floor(), Ceil(), Fabs(), Sqrt(), Exp(), Log(), Sign(), Pow(), Mod(),
Div() and Rand() live in ``functions.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.special import lgamma, norm_cdf
from associa.expr.vector import Vec
from associa.values import format_number

Array = np.ndarray


def _numbers(ev: Evaluator, call: ast.Call, scope: Scope) -> tuple[list[Array], Array]:
    """The arguments as numbers, and where any of them is NULL or not a number."""
    nums = [ev.eval(arg, scope).as_numbers() for arg in call.args]
    null = np.zeros(scope.n, dtype=bool)
    for x in nums:
        null |= np.isnan(x)
    return nums, null


def _finish(r: Array, null: Array) -> Vec:
    r = np.asarray(r, dtype=np.float64)
    r = np.where(np.isfinite(r), r, np.nan)
    return Vec.numbers(r, null)


def _numeric(fn: Callable[..., Array], defaults: tuple[float, ...] = ()):
    """A function of numbers, element-wise; optional trailing arguments take ``defaults``
    (the last ``len(defaults)`` parameters)."""

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        nums, null = _numbers(ev, call, scope)
        if defaults:
            n_required = fn.__code__.co_argcount - len(defaults)
            missing = defaults[len(nums) - n_required :]
            nums = nums + [np.full(scope.n, d) for d in missing]
        with np.errstate(all="ignore"):
            r = fn(*nums)
        return _finish(r, null)

    return impl


def _register(name: str, lo: int, hi: int, fn: Callable[..., Array],
              defaults: tuple[float, ...] = ()) -> None:
    function(name, lo, hi)(_numeric(fn, defaults))


def _bool(mask: Array, ok: Array) -> Array:
    """-1/0 where ``ok``, NaN elsewhere."""
    return np.where(ok, np.where(mask, -1.0, 0.0), np.nan)


def _is_int(x: Array) -> Array:
    return np.isfinite(x) & (x == np.trunc(x))


# -- general numeric functions ---------------------------------------------------------


def _fmod(a: Array, b: Array) -> Array:
    """Help "Fmod": remainder of the truncating division; its sign follows the dividend
    (fmod(-4, 3) = -1, fmod(4, -3) = 1). A zero divisor gives NULL."""
    return np.where(b == 0, np.nan, np.fmod(a, np.where(b == 0, 1.0, b)))


def _frac(x: Array) -> Array:
    """Help "Frac": Frac(x) + Floor(x) = x, so Frac(-1.4) = 0.6."""
    return x - np.floor(x)


def _even(x: Array) -> Array:
    return _bool(np.fmod(x, 2.0) == 0, _is_int(x))


def _odd(x: Array) -> Array:
    return _bool(np.fmod(x, 2.0) != 0, _is_int(x))


def _int32(x: Array) -> Array:
    """Truncated and wrapped to signed 32-bit integers (as the bit operators do)."""
    safe = np.where(np.isfinite(x), x, 0.0)
    return np.fmod(np.trunc(safe), 2.0**32).astype(np.int64).astype(np.int32)


def _bitcount(x: Array) -> Array:
    """Help "BitCount": the set bits of x read as a signed 32-bit integer
    (BitCount(-1) = 32)."""
    v = _int32(x).view(np.uint32).astype(np.uint64)
    count = np.zeros(v.shape, dtype=np.uint64)
    for _ in range(32):
        count += v & np.uint64(1)
        v >>= np.uint64(1)
    return count.astype(np.float64)


_FACTORIALS = np.array([float(math.factorial(k)) for k in range(171)])


def _factorial(n: Array) -> Array:
    """n! for integer-valued n in 0..170 (exact below 2**53), inf above, NaN below 0."""
    idx = np.clip(np.where(np.isfinite(n), n, 0), 0, 170).astype(np.int64)
    out = _FACTORIALS[idx]
    return np.where(n > 170, np.inf, np.where(n < 0, np.nan, out))


def _fact(x: Array) -> Array:
    """Help "Fact": x truncated; non-positive numbers give NULL (so Fact(0) is NULL)."""
    n = np.trunc(x)
    return np.where(n < 1, np.nan, _factorial(n))


def _exact_ratio(num: Array, den: Array, logval: Array) -> Array:
    """num / den rounded to an integer where both are finite factorials, else from the
    log-gamma value (large arguments)."""
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    small = np.round(num / np.where(ok, den, 1.0))
    return np.where(ok, small, np.exp(logval))


def _combin(p: Array, q: Array) -> Array:
    """Help "Combin": p! / (q! (p-q)!), non-integer arguments truncated;
    Combin(35, 7) = 6724520. q > p or negative arguments give NULL."""
    p, q = np.trunc(p), np.trunc(q)
    bad = (p < 0) | (q < 0) | (q > p)
    qq = np.where(bad, 0.0, q)
    pp = np.where(bad, 0.0, p)
    den = _factorial(qq) * _factorial(pp - qq)
    logval = lgamma(pp + 1) - lgamma(qq + 1) - lgamma(pp - qq + 1)
    return np.where(bad, np.nan, _exact_ratio(_factorial(pp), den, logval))


def _permut(p: Array, q: Array) -> Array:
    """Help "Permut": p! / (p-q)!, non-integer arguments truncated; Permut(8, 3) = 336."""
    p, q = np.trunc(p), np.trunc(q)
    bad = (p < 0) | (q < 0) | (q > p)
    qq = np.where(bad, 0.0, q)
    pp = np.where(bad, 0.0, p)
    logval = lgamma(pp + 1) - lgamma(pp - qq + 1)
    return np.where(bad, np.nan, _exact_ratio(_factorial(pp), _factorial(pp - qq), logval))


_register("FMOD", 2, 2, _fmod)
_register("FRAC", 1, 1, _frac)
_register("EVEN", 1, 1, _even)
_register("ODD", 1, 1, _odd)
_register("BITCOUNT", 1, 1, _bitcount)
_register("FACT", 1, 1, _fact)
_register("COMBIN", 2, 2, _combin)
_register("PERMUT", 2, 2, _permut)


# -- exponential, logarithmic, trigonometric, hyperbolic ---------------------------------


def _domain(fn: Callable[[Array], Array], ok: Callable[[Array], Array]):
    """fn where ok(x), NULL elsewhere (no warnings for the rows left out)."""

    def run(x: Array) -> Array:
        good = ok(x)
        return np.where(good, fn(np.where(good, x, 1.0)), np.nan)

    return run


_register("LOG10", 1, 1, _domain(np.log10, lambda x: x > 0))
_register("SQR", 1, 1, lambda x: x * x)
_register("SIN", 1, 1, np.sin)
_register("COS", 1, 1, np.cos)
_register("TAN", 1, 1, np.tan)
_register("ASIN", 1, 1, _domain(np.arcsin, lambda x: np.abs(x) <= 1))
_register("ACOS", 1, 1, _domain(np.arccos, lambda x: np.abs(x) <= 1))
_register("ATAN", 1, 1, np.arctan)
_register("ATAN2", 2, 2, np.arctan2)
_register("SINH", 1, 1, np.sinh)
_register("COSH", 1, 1, np.cosh)
_register("TANH", 1, 1, np.tanh)


@function("PI", 0, 0)
def pi_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.constant_number(math.pi, scope.n)


@function("E", 0, 0)
def e_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.constant_number(math.e, scope.n)


# -- financial functions -------------------------------------------------------------------
#
# Help "Financial functions": cash paid out is negative, cash received positive; type 0
# (default) means payments at the end of each period, 1 at the beginning. FV, PV and Pmt
# are formatted as money by default (help "FV", "PV", "Pmt": "By default, the result will
# be formatted as currency"), Rate as "Fix two decimals and %" (help "Rate").


def _growth(rate: Array, nper: Array) -> Array:
    return np.power(1.0 + rate, nper)


def _annuity(rate: Array, nper: Array, kind: Array) -> Array:
    """The future value of one unit paid each period: ((1+r)^n - 1) / r, times (1 + r)
    for payments at the beginning of the period; n for a zero rate."""
    safe = np.where(rate == 0, 1.0, rate)
    factor = np.expm1(nper * np.log1p(safe)) / safe * (1.0 + safe * kind)
    return np.where(rate == 0, nper, factor)


def _kind(t: Array) -> Array:
    return np.where(t != 0, 1.0, 0.0)


def _fv(rate: Array, nper: Array, pmt: Array, pv: Array, t: Array) -> Array:
    """Help "FV": FV(0.005, 36, -20) = $786.72."""
    return -(pv * _growth(rate, nper) + pmt * _annuity(rate, nper, _kind(t)))


def _pv(rate: Array, nper: Array, pmt: Array, fv: Array, t: Array) -> Array:
    """Help "PV": PV(0.07/12, 12*5, -100, 0, 0) = $5,050.20."""
    return -(fv + pmt * _annuity(rate, nper, _kind(t))) / _growth(rate, nper)


def _pmt(rate: Array, nper: Array, pv: Array, fv: Array, t: Array) -> Array:
    """Help "Pmt": Pmt(0.1/12, 8, 20000) = -$2,594.66; with type 1, -$2,573.21."""
    return -(fv + pv * _growth(rate, nper)) / _annuity(rate, nper, _kind(t))


def _nper(rate: Array, pmt: Array, pv: Array, fv: Array, t: Array) -> Array:
    """Help "nPer": nPer(0.005, -20, 0, 800) = 36.56."""
    kind = _kind(t)
    safe = np.where(rate == 0, 1.0, rate)
    due = pmt * (1.0 + safe * kind)
    with np.errstate(all="ignore"):
        n = np.log((due - fv * safe) / (due + pv * safe)) / np.log1p(safe)
        flat = -(pv + fv) / pmt
    return np.where(rate == 0, flat, n)


def _rate(nper: Array, pmt: Array, pv: Array, fv: Array, t: Array) -> Array:
    """Help "Rate": found by iteration; NULL where it does not converge. Newton steps on
    pv (1+r)^n + pmt (1 + r type) ((1+r)^n - 1) / r + fv = 0 from r = 0.1 (vectorized)."""
    kind = _kind(t)
    r = np.full(nper.shape, 0.1)
    done = np.zeros(nper.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(100):
            g = _growth(r, nper)
            small = np.abs(r) < 1e-10
            rs = np.where(small, 1e-10, r)
            ann = np.where(small, nper, (g - 1) / rs)
            f = pv * g + pmt * (1 + r * kind) * ann + fv
            dg = nper * g / (1 + r)
            dann = np.where(small, nper * (nper - 1) / 2, (dg * rs - (g - 1)) / (rs * rs))
            df = pv * dg + pmt * (kind * ann + (1 + r * kind) * dann)
            step = f / df
            r_new = r - step
            newly = np.abs(step) <= 1e-12 * np.maximum(1.0, np.abs(r_new))
            r = np.where(done, r, r_new)
            done |= newly & np.isfinite(r_new)
            if done.all():
                break
    return np.where(done & (r > -1), r, np.nan)


def _formatted(fn: Callable[..., Array], code: Callable[[Evaluator], str],
               defaults: tuple[float, ...]):
    """A financial function: numbers as _numeric, the text formatted with ``code``."""
    numeric = _numeric(fn, defaults)

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        v = numeric(ev, call, scope)
        lo = ev.locale
        fmt = code(ev)
        money = fmt == lo.money_format
        text = np.empty(scope.n, dtype=object)
        for i in np.flatnonzero(~v.null):
            if money:
                text[i] = format_number(float(v.num[i]), fmt, lo, lo.money_decimal_sep,
                                        lo.money_thousand_sep)
            else:
                text[i] = format_number(float(v.num[i]), fmt, lo)
        return Vec(v.num, text, v.null)

    return impl


def _money_code(ev: Evaluator) -> str:
    return ev.locale.money_format


def _percent_code(ev: Evaluator) -> str:
    return "0.00%"


function("FV", 3, 5)(_formatted(_fv, _money_code, (0.0, 0.0)))
function("PV", 3, 5)(_formatted(_pv, _money_code, (0.0, 0.0)))
function("PMT", 3, 5)(_formatted(_pmt, _money_code, (0.0, 0.0)))
function("RATE", 3, 5)(_formatted(_rate, _percent_code, (0.0, 0.0)))
_register("NPER", 3, 5, _nper, (0.0, 0.0))


@function("BLACKANDSCHOLE", 6, 6)
def black_and_schole(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "BlackAndSchole": the unmodified Black and Scholes value of a European option;
    BlackAndSchole(130, 4, 68.5, 0.4, 0.04, 'call') = 11.245. The type is 'c', 'call' or
    a non-zero number for a call, 'p', 'put' or 0 for a put (anything else: NULL). Strike,
    time left and underlying price must be > 0; volatility and risk-free rate non-zero."""
    values = [ev.eval(arg, scope) for arg in call.args]
    strike, time_left, price, vol, rate = (v.as_numbers() for v in values[:5])
    kind = values[5]
    kind_num = kind.as_numbers()
    kind_text = np.char.lower(np.asarray(kind.text_or_empty(ev.locale), dtype=str))
    is_call = np.isin(kind_text, ["c", "call"]) | (np.isfinite(kind_num) & (kind_num != 0))
    is_put = np.isin(kind_text, ["p", "put"]) | (kind_num == 0)
    null = ~(is_call | is_put) | kind.null
    for x in (strike, time_left, price, vol, rate):
        null |= np.isnan(x)
    null |= ~((strike > 0) & (time_left > 0) & (price > 0) & (vol != 0) & (rate != 0))
    with np.errstate(all="ignore"):
        root = vol * np.sqrt(time_left)
        d1 = (np.log(price / strike) + (rate + vol * vol / 2) * time_left) / root
        d2 = d1 - root
        discount = strike * np.exp(-rate * time_left)
        call_value = price * norm_cdf(d1) - discount * norm_cdf(d2)
        put_value = discount * norm_cdf(-d2) - price * norm_cdf(-d1)
    return _finish(np.where(is_call, call_value, put_value), null)
